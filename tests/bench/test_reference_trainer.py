"""The reference trainer's masking follows pretrain/train/objective.py's rule, and a step learns."""

import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import reference_trainer as reference  # noqa: E402

PAD, CLS, SEP, MASK = 0, 2, 3, 4


def batch(lengths: list[int], width: int = 32) -> tuple[torch.Tensor, torch.Tensor]:
    ids = torch.zeros(len(lengths), width, dtype=torch.long)
    for row, n in enumerate(lengths):  # [CLS] n tokens [SEP], then padding
        ids[row, 0], ids[row, 1 : n + 1], ids[row, n + 1] = CLS, torch.arange(n) + 10, SEP
    return ids, (ids != PAD).long()


def test_masking_rule():
    ids, mask = batch([1, 5, 13, 30])
    rng = torch.Generator().manual_seed(0)
    max_pred = int((0.15 + 0.005) * ids.shape[1])  # 4
    masked, positions, targets, weights = reference.mask_tokens(
        ids, mask, [PAD, CLS, SEP], MASK, 0.15, max_pred, rng
    )
    # k = clip(round(0.15 n), 1, min(n, max_predictions)): n 1 -> 1, 5 -> 1, 13 -> 2, 30 -> 4
    assert weights.sum(1).tolist() == [1, 1, 2, 4]
    for row in range(len(ids)):
        chosen = positions[row][weights[row] > 0]
        assert len(set(chosen.tolist())) == len(chosen)
        assert all(ids[row, p] not in (PAD, CLS, SEP) for p in chosen)
        assert torch.equal(targets[row][weights[row] > 0], ids[row, chosen])
        changed = (masked[row] != ids[row]).nonzero().flatten().tolist()
        assert set(changed) <= set(chosen.tolist())
        assert all(masked[row, p] == MASK for p in changed)
    # unused slots point at position 0 with weight 0
    assert positions[0, 1:].tolist() == [0, 0, 0]


def test_a_few_steps_lower_the_loss():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # a tiny model: threads only wait for each other
    try:
        run_steps()
    finally:
        torch.set_num_threads(threads)


def run_steps():
    torch.manual_seed(0)
    cfg = {**reference.DEFAULTS, "model_size": "tiny", "vocab_size": 64, "dropout": 0.0,
           "learning_rate": 3e-3, "num_warmup_steps": 0, "num_train_steps": 30}  # fmt: skip
    gen, disc = reference.build_models(cfg)
    assert gen.generator_lm_head.weight is disc.electra.embeddings.word_embeddings.weight
    params = {**dict(gen.named_parameters(prefix="g")), **dict(disc.named_parameters(prefix="d"))}
    optimizer, scheduler = reference.make_optimizer(params, cfg)
    ids, mask = batch([20] * 16)
    ids[:, 1:21] = torch.randint(10, 14, (16, 20))  # 4 frequent tokens: easy to predict
    data = (ids, mask, torch.zeros_like(ids))
    rng = torch.Generator().manual_seed(1)
    losses = []
    for _ in range(30):
        out = reference.losses(gen, disc, data, cfg, [PAD, CLS, SEP], MASK, rng)
        out["loss"].backward()
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad()
        losses.append(float(out["mlm_loss"].detach()))
    assert sum(losses[-5:]) / 5 < sum(losses[:5]) / 5 - 1.0


def test_bf16_autocast_keeps_the_losses_in_float32_and_close_to_full_precision():
    """The reference's mixed_precision path (as on a GPU): same draws, bf16 matmuls."""
    torch.manual_seed(0)
    cfg = {**reference.DEFAULTS, "model_size": "tiny", "vocab_size": 64, "dropout": 0.0}
    gen, disc = reference.build_models(cfg)
    ids, mask = batch([20] * 8)
    data = (ids, mask, torch.zeros_like(ids))
    out = {}
    for bf16 in (False, True):
        rng = torch.Generator().manual_seed(3)
        with torch.autocast("cpu", torch.bfloat16, enabled=bf16):
            out[bf16] = reference.losses(gen, disc, data, cfg, [PAD, CLS, SEP], MASK, rng)
    for name in ("mlm_loss", "disc_loss"):
        assert out[True][name].dtype == torch.float32
        full, mixed = float(out[False][name]), float(out[True][name])
        assert abs(mixed - full) < 0.03 * full, (name, full, mixed)
    assert out[True]["scores"][1].dtype == torch.float32

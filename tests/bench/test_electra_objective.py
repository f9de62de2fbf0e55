"""The ELECTRA objective the reference trainer and the evaluator share: masking follows
pretrain/train/objective.py's rule, bf16 keeps the losses close, the module stands alone."""

import subprocess
import sys
from pathlib import Path

import torch

from bench.common import electra_objective as objective
from bench.common import reference_trainer as reference

ROOT = Path(__file__).resolve().parents[2]

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
    masked, positions, targets, weights = objective.mask_tokens(
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
            out[bf16] = objective.losses(gen, disc, data, cfg, [PAD, CLS, SEP], MASK, rng)
    for name in ("mlm_loss", "disc_loss"):
        assert out[True][name].dtype == torch.float32
        full, mixed = float(out[False][name]), float(out[True][name])
        assert abs(mixed - full) < 0.03 * full, (name, full, mixed)
    assert out[True]["scores"][1].dtype == torch.float32


def test_the_evaluator_does_not_need_the_trainer():
    """electra_eval and reference_trainer used to import each other (one lazily)."""
    code = (
        "import sys, bench.common.electra_eval; "
        "assert 'bench.common.reference_trainer' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)

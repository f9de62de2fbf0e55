"""A few steps of the reference trainer's models and optimizer lower the loss."""

import torch

from bench.common import electra_objective as objective
from bench.common import reference_trainer as reference
from tests.bench.test_electra_objective import CLS, MASK, PAD, SEP, batch


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
        out = objective.losses(gen, disc, data, cfg, [PAD, CLS, SEP], MASK, rng)
        out["loss"].backward()
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad()
        losses.append(float(out["mlm_loss"].detach()))
    assert sum(losses[-5:]) / 5 < sum(losses[:5]) / 5 - 1.0

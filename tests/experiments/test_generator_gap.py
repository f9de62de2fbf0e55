"""experiments.generator_gap's variants change what they say and nothing else."""

import keras
import numpy as np

import pretrain.train.loop as loop
from experiments import generator_gap
from pretrain.train.optimizer import AdamW


def keep(monkeypatch):
    """Restore what patch() replaces when the test ends."""
    monkeypatch.setattr(keras.initializers, "TruncatedNormal", keras.initializers.TruncatedNormal)
    monkeypatch.setattr(loop, "AdamW", loop.AdamW)


def test_keras_eps_puts_back_the_stock_optimizer_only(monkeypatch):
    keep(monkeypatch)
    truncated = keras.initializers.TruncatedNormal
    generator_gap.patch("keras-eps")
    assert loop.AdamW is keras.optimizers.AdamW and loop.AdamW is not AdamW
    assert keras.initializers.TruncatedNormal is truncated


def test_normal_init_draws_untruncated_values(monkeypatch):
    keep(monkeypatch)
    generator_gap.patch("normal-init")
    assert loop.AdamW is AdamW
    values = np.asarray(keras.initializers.TruncatedNormal(stddev=0.02, seed=0)((20000,)))
    assert abs(values.std() - 0.02) < 0.001
    assert np.abs(values).max() > 0.04  # truncation would cut at 2 standard deviations

"""Our AdamW takes the same steps as torch.optim.AdamW, where Keras's stock AdamW does not."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import torch

from pretrain.train.optimizer import AdamW

LR, DECAY, EPS = 1e-3, 0.01, 1e-6


def gradients(steps: int = 6) -> np.ndarray:
    """Gradients of ELECTRA's generator's size after clipping: 1e-7 to 1e-4, mixed signs."""
    rng = np.random.default_rng(0)
    scale = 10.0 ** rng.uniform(-7, -4, size=(steps, 8))
    return (scale * rng.choice([-1.0, 1.0], size=(steps, 8))).astype(np.float32)


def run_keras(optimizer_class, start: np.ndarray, grads: np.ndarray) -> np.ndarray:
    variable = keras.Variable(start.copy(), name="kernel")
    optimizer = optimizer_class(
        learning_rate=LR, weight_decay=DECAY, beta_1=0.9, beta_2=0.999, epsilon=EPS
    )
    optimizer.build([variable])
    for grad in grads:
        optimizer.apply_gradients([(keras.ops.convert_to_tensor(grad), variable)])
    return np.asarray(keras.ops.convert_to_numpy(variable.value))


def run_torch(start: np.ndarray, grads: np.ndarray) -> np.ndarray:
    parameter = torch.nn.Parameter(torch.tensor(start.copy()))
    optimizer = torch.optim.AdamW(
        [parameter], lr=LR, betas=(0.9, 0.999), eps=EPS, weight_decay=DECAY
    )
    for grad in grads:
        parameter.grad = torch.tensor(grad)
        optimizer.step()
    return parameter.detach().numpy()


@pytest.fixture(scope="module")
def start() -> np.ndarray:
    return np.random.default_rng(1).normal(0, 0.02, size=8).astype(np.float32)


def test_adamw_matches_torch_adamw(start):
    grads = gradients()
    ours, reference = run_keras(AdamW, start, grads), run_torch(start, grads)
    np.testing.assert_allclose(ours - start, reference - start, rtol=1e-4, atol=1e-9)


def test_keras_stock_adamw_differs_on_these_gradients(start):
    """The case the class exists for: with small gradients the stock placement moves less."""
    grads = gradients()
    stock, reference = run_keras(keras.optimizers.AdamW, start, grads), run_torch(start, grads)
    moved_stock = np.abs(stock - start).sum()
    moved_reference = np.abs(reference - start).sum()
    assert moved_stock < 0.8 * moved_reference

"""PyTorch: eager autograd (`loss.backward()`) and the Keras optimizer's update, on one
device: the GPU when torch sees one (Keras places variables and tensors there)."""

from __future__ import annotations

import contextlib

import keras
import numpy as np
import torch

from pretrain.train.backends import KerasVariablesTrainer
from pretrain.train.config import ConfigError, PretrainConfig, no_tpu_message


def setup(config: PretrainConfig):
    if config.use_tpu:
        raise ConfigError(no_tpu_message(config, "the torch backend does not train on TPUs"))
    if config.deterministic:
        torch.use_deterministic_algorithms(True)
    return contextlib.nullcontext()


def replicas() -> int:
    return 1


class Trainer(KerasVariablesTrainer):
    def __init__(self, model, optimizer, loss_fn) -> None:
        self.model, self.optimizer, self.loss_fn = model, optimizer, loss_fn
        self.trainable = list(model.trainable_variables)

    def step(self, batch: dict[str, np.ndarray], step: int) -> dict:
        for variable in self.trainable:
            variable.value.grad = None
        batch = {name: keras.ops.convert_to_tensor(value) for name, value in batch.items()}
        out = self.loss_fn(batch, keras.ops.convert_to_tensor(step, "int32"))
        out["loss"].backward()
        grads = [variable.value.grad for variable in self.trainable]
        with torch.no_grad():
            self.optimizer.apply(grads, self.trainable)
        return {name: value.detach() for name, value in out.items()}

    def values(self) -> tuple[list[np.ndarray], list[np.ndarray]]:
        return (
            [keras.ops.convert_to_numpy(v.value) for v in self.model.variables],
            [keras.ops.convert_to_numpy(v.value) for v in self.optimizer.variables],
        )

    def rng_states(self) -> dict[str, np.ndarray]:
        """torch's global generators: Keras' torch dropout draws from them (not from the
        layers' SeedGenerator state) when no seed was given."""
        states = {"torch_cpu": torch.get_rng_state().numpy()}
        if torch.cuda.is_available():
            states["torch_cuda"] = torch.cuda.get_rng_state().numpy()
        return states

    def set_rng_states(self, states: dict[str, np.ndarray]) -> None:
        if "torch_cpu" in states:
            torch.set_rng_state(torch.from_numpy(states["torch_cpu"]))
        if "torch_cuda" in states and torch.cuda.is_available():
            torch.cuda.set_rng_state(torch.from_numpy(states["torch_cuda"]))


def summary_writer(folder: str) -> None:
    return None


def device() -> tuple[str, int | None]:
    """(accelerator name, peak bytes allocated on it so far; None on CPU)."""
    if torch.cuda.is_available():
        return f"cuda:{torch.cuda.get_device_name(0)}", torch.cuda.max_memory_allocated()
    return "cpu", None

"""One training step per Keras backend, behind one small interface; the only place in
`pretrain` that imports TensorFlow, JAX or PyTorch for training.

`load()` returns the module of the running backend (`KERAS_BACKEND`), which provides:
- `join(cluster, timeout, workers)`: join the processes of a multi-process run with the
  engine's own mechanism (`jax.distributed`, a torch process group, TF_CONFIG); before setup.
  `workers`: each process's [host, free port] from the join channel (TensorFlow's workers).
- `setup(config) -> context manager`: the distribution for the devices at hand (TF: a
  tf.distribute strategy; JAX: `keras.distribution.DataParallel` over all local devices;
  torch: one device, the GPU when there is one); create the model and optimizer inside it.
- `Trainer(model, optimizer, loss_fn)`: `.step(batch, step) -> metrics` (backend tensors,
  converted only when logged), `.values() -> (model arrays, optimizer arrays)` in
  `model.variables` / `optimizer.variables` order, `.assign(model arrays, optimizer arrays)`,
  `.rng_states()` / `.set_rng_states()`: generator states that are not Keras variables,
  `.metrics_numpy(sums)`: summed step metrics as numpy, over every process of the run.
- `summary_writer(folder)`: TensorBoard events where the backend has a writer, else None.
- `replicas()`: devices the batch is split over; `device()`: (accelerator name, peak bytes).

`loss_fn(batch, step[, rows, global_sum])` is the backend-neutral objective
(`pretrain.train.objective`) for one batch, or for the part of a global batch starting at row
`rows` (`global_sum` all-reduces); it returns a dict whose "loss" is minimised.
"""

from __future__ import annotations

import importlib
from types import ModuleType

import keras
import numpy as np

BACKENDS = ("tensorflow", "jax", "torch")


def load() -> ModuleType:
    name = keras.backend.backend()
    if name not in BACKENDS:
        raise RuntimeError(f"KERAS_BACKEND={name}: pretraining runs on {', '.join(BACKENDS)}")
    return importlib.import_module(f"pretrain.train.backends.{name}_step")


class KerasVariablesTrainer:
    """What every backend's Trainer shares: `assign` writes arrays into the Keras variables,
    and there is no generator state beside them (dropout draws from the layers'
    SeedGenerator variables, saved with the model) unless a backend says otherwise."""

    model: keras.Model
    optimizer: keras.optimizers.Optimizer

    def rng_states(self) -> dict:
        return {}

    def metrics_numpy(self, sums: dict) -> dict[str, np.ndarray]:
        return {name: keras.ops.convert_to_numpy(value) for name, value in sums.items()}

    def set_rng_states(self, states: dict) -> None:
        pass

    def assign(self, model_values: list, optimizer_values: list) -> None:
        for variable, value in zip(self.model.variables, model_values, strict=True):
            variable.assign(value)
        for variable, value in zip(self.optimizer.variables, optimizer_values, strict=True):
            variable.assign(value)


def sum_metrics(window: dict | None, metrics: dict) -> dict:
    """Running sums of the step metrics, left on the device until they are logged."""
    if window is None:
        return dict(metrics)
    return {name: window[name] + value for name, value in metrics.items()}

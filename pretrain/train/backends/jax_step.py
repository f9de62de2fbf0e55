"""JAX: a stateless jitted step (`jax.value_and_grad` over the objective in a
`keras.StatelessScope`, then `optimizer.stateless_apply`); the state lives in arrays between
steps and goes back into the Keras variables only when asked (`values`). With more than one
device (a TPU VM's chips, several GPUs, the processes of a multi-host run joined by
`jax.distributed`) `keras.distribution.DataParallel` replicates the weights and shards each
batch on its first axis over all of them; XLA inserts the gradient all-reduce. Each process
passes its own rows and the step sees the global batch, so the objective needs no help."""

from __future__ import annotations

import contextlib

import jax
import keras
import numpy as np

from pretrain.train.backends import KerasVariablesTrainer
from pretrain.train.cluster import Cluster
from pretrain.train.config import ConfigError, PretrainConfig, no_tpu_message


def join(cluster: Cluster, timeout: float, workers: list | None = None) -> None:
    """Join the run's processes (`jax.distributed`): on CPU over gloo collectives; on a TPU
    pod JAX finds the others itself."""
    if cluster.source == "jax_auto":
        jax.distributed.initialize(initialization_timeout=int(timeout))
        return
    # CPU devices' collectives (the accelerators' are the platform's own); set before JAX
    # starts its backends, which it must not do before initialize
    jax.config.update("jax_cpu_collectives_implementation", "gloo")
    host, _ = cluster.coordinator
    jax.distributed.initialize(
        f"{host}:{cluster.engine_port}",
        cluster.num_processes,
        cluster.process_id,
        initialization_timeout=int(timeout),
    )


def setup(config: PretrainConfig):
    if config.use_tpu and jax.default_backend() != "tpu":
        # on a TPU VM JAX finds the chips itself; tpu_name is TensorFlow's way to reach one
        found = f"JAX sees {jax.default_backend()} devices only"
        raise ConfigError(no_tpu_message(config, found))
    devices = jax.devices()
    if len(devices) > 1:
        keras.distribution.set_distribution(keras.distribution.DataParallel(devices=devices))
    return contextlib.nullcontext()


def replicas() -> int:
    return len(jax.devices())


class Trainer(KerasVariablesTrainer):
    def __init__(self, model, optimizer, loss_fn) -> None:
        self.model, self.optimizer = model, optimizer
        self.trainable = list(model.trainable_variables)
        self.frozen = list(model.non_trainable_variables)
        self.state = (
            [v.value for v in self.trainable],
            [v.value for v in self.frozen],
            [v.value for v in optimizer.variables],
        )
        trainable, frozen = self.trainable, self.frozen

        def objective(trainable_values, frozen_values, batch, step):
            mapping = list(zip(trainable, trainable_values, strict=True))
            mapping += list(zip(frozen, frozen_values, strict=True))
            with keras.StatelessScope(state_mapping=mapping) as scope:
                out = loss_fn(batch, step)
            updated = [scope.get_current_value(v) for v in frozen]  # dropout seed states
            frozen_values = [
                old if new is None else new for old, new in zip(frozen_values, updated, strict=True)
            ]
            return out["loss"], (out, frozen_values)

        def train_step(state, batch, step):
            trainable_values, frozen_values, optimizer_values = state
            grads, (out, frozen_values) = jax.grad(objective, has_aux=True)(
                trainable_values, frozen_values, batch, step
            )
            trainable_values, optimizer_values = optimizer.stateless_apply(
                optimizer_values, grads, trainable_values
            )
            return (trainable_values, frozen_values, optimizer_values), out

        donate = () if jax.default_backend() == "cpu" else (0,)  # CPU cannot reuse buffers
        self._step = jax.jit(train_step, donate_argnums=donate)

    def _device_batch(self, batch: dict[str, np.ndarray]) -> dict:
        """This process's rows as its part of the global batch."""
        distribution = keras.distribution.distribution()
        if distribution is None:
            return {name: jax.numpy.asarray(value) for name, value in batch.items()}
        processes = jax.process_count()
        out = {}
        for name, value in batch.items():
            shape = (len(value) * processes, *value.shape[1:])
            layout = distribution.get_data_layout(shape).backend_layout
            out[name] = (
                jax.make_array_from_process_local_data(layout, value, shape)
                if processes > 1
                else jax.device_put(value, layout)
            )
        return out

    def step(self, batch: dict[str, np.ndarray], step: int) -> dict:
        self.state, out = self._step(self.state, self._device_batch(batch), np.int32(step))
        return out

    def values(self) -> tuple[list[np.ndarray], list[np.ndarray]]:
        trainable_values, frozen_values, optimizer_values = self.state
        by_id = {id(v): local(x) for v, x in zip(self.trainable, trainable_values, strict=True)}
        by_id |= {id(v): local(x) for v, x in zip(self.frozen, frozen_values, strict=True)}
        return [by_id[id(v)] for v in self.model.variables], [local(x) for x in optimizer_values]

    def metrics_numpy(self, sums: dict) -> dict[str, np.ndarray]:
        return {name: local(value) for name, value in sums.items()}

    def assign(self, model_values: list[np.ndarray], optimizer_values: list[np.ndarray]) -> None:
        super().assign(model_values, optimizer_values)
        self.state = (
            [v.value for v in self.trainable],
            [v.value for v in self.frozen],
            [v.value for v in self.optimizer.variables],
        )

    def sync_model(self) -> None:
        """Write the step's arrays back into the Keras variables (for inference or export)."""
        model_values, optimizer_values = self.values()
        self.assign(model_values, optimizer_values)


def local(array) -> np.ndarray:
    """A replicated array's value from this process's copy (a multi-process array cannot be
    read whole)."""
    if getattr(array, "is_fully_addressable", True):
        return np.asarray(array)
    return np.asarray(array.addressable_data(0))


def summary_writer(folder: str) -> None:
    return None


def device() -> tuple[str, int | None]:
    """(accelerator name, peak bytes allocated on it so far; None where it does not say)."""
    first = jax.devices()[0]
    stats = first.memory_stats() or {}
    return f"{first.platform}:{first.device_kind}", stats.get("peak_bytes_in_use")

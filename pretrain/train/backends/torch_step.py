"""PyTorch: eager autograd (`loss.backward()`) and the Keras optimizer's update, on one
device per process: the GPU when torch sees one (Keras places variables and tensors there).
A run of several processes joins a `torch.distributed` process group (gloo on CPU, NCCL on
GPUs): each process computes its rows' share of the global batch's loss (the normalising
weights all-reduced first), and the gradients are summed over the processes in one
all-reduce before the update, which every process then applies alike."""

from __future__ import annotations

import contextlib
import datetime
import os

import keras
import numpy as np
import torch
import torch.distributed as dist

from pretrain.train.backends import KerasVariablesTrainer
from pretrain.train.cluster import Cluster
from pretrain.train.config import ConfigError, PretrainConfig, no_tpu_message

LOCAL_RANK = "LOCAL_RANK"


def join(cluster: Cluster, timeout: float, workers: list | None = None) -> None:
    """The process group: torchrun's store (env://) under torchrun, else the engine port
    beside the coordinator's."""
    if torch.cuda.is_available():  # one GPU per process: torchrun's LOCAL_RANK
        torch.cuda.set_device(int(os.environ.get(LOCAL_RANK, 0)))
    host, _ = cluster.coordinator
    method = "env://" if cluster.source == "torchrun" else f"tcp://{host}:{cluster.engine_port}"
    dist.init_process_group(
        "nccl" if torch.cuda.is_available() else "gloo",
        init_method=method,
        rank=cluster.process_id,
        world_size=cluster.num_processes,
        timeout=datetime.timedelta(seconds=timeout),
    )


def _joined() -> bool:
    return dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1


def _all_reduce_sum(tensor):
    tensor = tensor.detach().clone()
    dist.all_reduce(tensor)
    return tensor


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
        joined = _joined()
        rows = len(next(iter(batch.values())))
        batch = {name: keras.ops.convert_to_tensor(value) for name, value in batch.items()}
        step_tensor = keras.ops.convert_to_tensor(step, "int32")
        if joined:
            first_row = dist.get_rank() * rows
            out = self.loss_fn(batch, step_tensor, first_row, _all_reduce_sum)
        else:
            out = self.loss_fn(batch, step_tensor)
        out["loss"].backward()
        grads = [variable.value.grad for variable in self.trainable]
        if joined:
            grads = _summed(grads)
        with torch.no_grad():
            self.optimizer.apply(grads, self.trainable)
        return {name: value.detach() for name, value in out.items()}

    def values(self) -> tuple[list[np.ndarray], list[np.ndarray]]:
        return (
            [keras.ops.convert_to_numpy(v.value) for v in self.model.variables],
            [keras.ops.convert_to_numpy(v.value) for v in self.optimizer.variables],
        )

    def metrics_numpy(self, sums: dict) -> dict[str, np.ndarray]:
        """The window's sums of every process's shares: the global batch's."""
        if _joined():
            sums = {name: _all_reduce_sum(value) for name, value in sums.items()}
        return {name: keras.ops.convert_to_numpy(value) for name, value in sums.items()}

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


def _summed(grads: list) -> list:
    """The gradients summed over the processes, in one all-reduce of one flat buffer."""
    flat = torch.cat([g.reshape(-1) for g in grads])
    dist.all_reduce(flat)
    out, start = [], 0
    for g in grads:
        out.append(flat[start : start + g.numel()].view_as(g))
        start += g.numel()
    return out


def summary_writer(folder: str) -> None:
    return None


def device() -> tuple[str, int | None]:
    """(accelerator name, peak bytes allocated on it so far; None on CPU)."""
    if torch.cuda.is_available():
        return f"cuda:{torch.cuda.get_device_name(0)}", torch.cuda.max_memory_allocated()
    return "cpu", None

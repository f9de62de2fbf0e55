"""Which process of which run this is: `--coordinator HOST:PORT --num-processes N
--process-id I`, or the launchers' own conventions (torchrun's RANK / WORLD_SIZE /
MASTER_ADDR / MASTER_PORT, TensorFlow's TF_CONFIG, JAX's detection on a TPU pod), resolved
into one `Cluster`. Pure: reads the arguments and the environment it is given, starts nothing.

Ports: with the flags, kosent's join channel (`pretrain.train.join`) listens on HOST:PORT and
the engine's own coordinator on HOST:PORT+1 (JAX's coordination service, torch's store);
TensorFlow's workers take a free port each, exchanged through the join channel. Under torchrun
the join channel is MASTER_ADDR:MASTER_PORT+1 (torchrun's store holds MASTER_PORT, and torch
joins through it)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from kosent_common.strict import ConfigError

TORCHRUN = ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT")


class ClusterError(ConfigError):
    """A process that cannot join its run: bad address, id out of range, unreachable peers."""


@dataclass(frozen=True)
class Cluster:
    num_processes: int = 1
    process_id: int = 0
    coordinator: tuple[str, int] | None = None  # the join channel; None: no channel
    source: str = "single"  # flags | torchrun | tf_config | jax_auto | single
    tf_config: dict | None = None  # the user's TF_CONFIG, when that is how the run was launched

    @property
    def distributed(self) -> bool:
        return self.num_processes > 1 or self.source == "jax_auto"

    @property
    def is_writer(self) -> bool:
        """Process 0 alone writes checkpoints, logs and the export."""
        return self.process_id == 0

    @property
    def engine_port(self) -> int:
        """The engine's coordinator port (JAX's service, torch's store) after the join
        channel's (under torchrun, torch uses torchrun's own store instead)."""
        assert self.coordinator
        return self.coordinator[1] + 1

    def label(self) -> str:
        return f"process {self.process_id} of {self.num_processes}"


def parse_address(text: str, what: str = "--coordinator") -> tuple[str, int]:
    """HOST:PORT (a bracketed IPv6 host too) with a port of 1-65534."""
    host, sep, port = text.rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65535:
        raise ClusterError(f"{what} {text!r} is not HOST:PORT (a port of 1-65534)")
    return host, int(port)


def _whole(value: str | None, name: str) -> int:
    if value is None or not value.strip().lstrip("-").isdigit():
        raise ClusterError(f"{name} must be a whole number, not {value!r}")
    return int(value)


def _checked(cluster: Cluster) -> Cluster:
    if cluster.num_processes < 1:
        raise ClusterError(
            f"the number of processes must be 1 or more, not {cluster.num_processes}"
        )
    if not 0 <= cluster.process_id < cluster.num_processes:
        raise ClusterError(
            f"process id {cluster.process_id} is out of range for {cluster.num_processes} "
            f"processes (0 to {cluster.num_processes - 1})"
        )
    return cluster


def from_flags(coordinator: str | None, num_processes: int | None, process_id: int | None):
    given = [coordinator is not None, num_processes is not None, process_id is not None]
    if not any(given):
        return None
    if not all(given):
        raise ClusterError(
            "--coordinator, --num-processes and --process-id go together: give all three "
            "(or none, for one process)"
        )
    if num_processes == 1:
        return _checked(Cluster(1, process_id))
    return _checked(Cluster(num_processes, process_id, parse_address(coordinator), "flags"))


def from_torchrun(env: Mapping[str, str]) -> Cluster | None:
    if "RANK" not in env and "WORLD_SIZE" not in env:
        return None
    missing = [name for name in TORCHRUN if not env.get(name)]
    if missing:
        raise ClusterError(f"torchrun's variables are incomplete: {', '.join(missing)} not set")
    world, rank = _whole(env["WORLD_SIZE"], "WORLD_SIZE"), _whole(env["RANK"], "RANK")
    if world == 1:
        return _checked(Cluster(1, rank))
    host, port = parse_address(f"{env['MASTER_ADDR']}:{env['MASTER_PORT']}", "MASTER_ADDR:PORT")
    return _checked(Cluster(world, rank, (host, port + 1), "torchrun"))


def from_tf_config(text: str) -> Cluster:
    try:
        tf_config = json.loads(text)
        workers = tf_config["cluster"]["worker"]
        task = tf_config["task"]
        index = int(task["index"])
        if task["type"] not in ("worker", "chief") or not isinstance(workers, list):
            raise ValueError(f"task type {task['type']!r}")
    except (ValueError, KeyError, TypeError) as err:
        raise ClusterError(
            f"TF_CONFIG is not a worker cluster ({err}): expected "
            '{"cluster": {"worker": ["HOST:PORT", ...]}, "task": {"type": "worker", "index": I}}'
        ) from None
    for address in workers:
        parse_address(address, "a TF_CONFIG worker address")
    return _checked(Cluster(len(workers), index, None, "tf_config", tf_config))


def resolve(
    coordinator: str | None,
    num_processes: int | None,
    process_id: int | None,
    env: Mapping[str, str],
    backend: str,
) -> Cluster:
    """The flags first, then torchrun's variables, TF_CONFIG (TensorFlow), a TPU pod's
    variables (JAX); else one process."""
    found = from_flags(coordinator, num_processes, process_id)
    if found:
        return found
    found = from_torchrun(env)
    if found:
        return found
    if env.get("TF_CONFIG"):
        if backend != "tensorflow":
            raise ClusterError(
                f"TF_CONFIG is set but KERAS_BACKEND is {backend}: TF_CONFIG launches "
                "TensorFlow workers; use --coordinator/--num-processes/--process-id (or "
                "KERAS_BACKEND=tensorflow)"
            )
        return from_tf_config(env["TF_CONFIG"])
    hosts = [h for h in env.get("TPU_WORKER_HOSTNAMES", "").split(",") if h.strip()]
    if backend == "jax" and len(hosts) > 1:
        return Cluster(
            len(hosts), _whole(env.get("TPU_WORKER_ID", "0"), "TPU_WORKER_ID"), None, "jax_auto"
        )
    return Cluster()

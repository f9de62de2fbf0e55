"""Where a run starts: the step it resumes from (after moving an earlier run aside with
--restart), agreed by every process of a multi-process run before any engine starts."""

from __future__ import annotations

from kosent_common import storage
from kosent_common.aside import move_aside
from pretrain.train import join
from pretrain.train.cluster import Cluster, ClusterError
from pretrain.train.config import ConfigError
from pretrain.train.run_identity import resume_differences


class ResumeError(ConfigError):
    """A run folder whose checkpoints were trained on other records or another config."""


def check_resume(out_dir: str, trained_on: dict) -> int:
    """The step a run in `out_dir` resumes from (0 for a new run); ResumeError when its newest
    checkpoint was trained on something else than `trained_on`."""
    found = resume_differences(out_dir, trained_on)
    if found is None:
        return 0
    step, differ = found
    if differ:
        raise ResumeError(
            f"{out_dir} holds a run trained to step {step} on other inputs "
            f"({'; '.join(differ)}): resuming would train it on data or settings it was not "
            f"built for. Use another --out, or --restart to move it aside "
            f"({out_dir}.prev-N) and start over"
        )
    return step


def _resume_step(out_dir: str, trained_on: dict, restart: bool, log) -> int:
    if restart and storage.exists(f"{out_dir}/checkpoints"):
        log(f"--restart: moved the earlier run aside to {move_aside(out_dir)}")
    return check_resume(out_dir, trained_on)


def start(
    cluster: Cluster,
    out_dir: str,
    trained_on: dict,
    restart: bool,
    join_timeout: float,
    addresses: bool,
    log,
) -> tuple[int, join.Channel | None]:
    """(first step, the join channel or None). `addresses`: exchange the workers' addresses
    (TensorFlow's TF_CONFIG is made of them). Process 0 moves an earlier run aside (with
    `restart`) and finds the step to resume from before it lets the others in; they must
    find the same step in OUT (one folder every process sees)."""
    if cluster.coordinator is None:
        if restart and cluster.distributed:
            raise ClusterError(
                "--restart with TF_CONFIG or a TPU pod's own start: the processes cannot wait "
                f"for process 0 to move the run aside; move {out_dir} aside first, or launch "
                "with --coordinator/--num-processes/--process-id"
            )
        return _resume_step(out_dir, trained_on, restart, log), None
    if cluster.is_writer:
        first_step = _resume_step(out_dir, trained_on, restart, log)
    channel = join.join(
        cluster,
        join_timeout,
        answer=lambda: {"first_step": first_step},
        addresses=addresses,
    )
    if not cluster.is_writer:
        first_step = check_resume(out_dir, trained_on)
        if first_step != channel.answer["first_step"]:
            raise ClusterError(
                f"{cluster.label()} finds step {first_step} in {out_dir} but process 0 finds "
                f"step {channel.answer['first_step']}: --out must be one folder every process "
                "sees (a shared disk or gs://)"
            )
    return first_step, channel

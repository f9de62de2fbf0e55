"""What a stage would discard by running again, and whether it may.

A stage that runs again on other inputs starts from an empty folder. That is fine for work
that takes moments; a pretraining run with trained steps, or any output that took minutes
(`VALUABLE_SECONDS`) or of unknown cost, is kept: the graph stops with one line saying what
would be discarded and why, unless the user asked for `--restart`, and then the old output
is moved aside (`NAME.prev-N`), never deleted. A pretraining run whose checkpoints match
the records and the model it would train (`pretrain.train.run_identity`) is not discarded
at all: the stage resumes it (raising num_train_steps extends a run)."""

from __future__ import annotations

import shutil
from pathlib import Path

from kosent.stages import RUN, Plan, Stage
from kosent_common.aside import aside_name, move_aside
from pretrain.tfrecords.schema import RecordsError, RecordsManifest
from pretrain.train import checkpoint
from pretrain.train.config import ConfigError, PretrainConfig
from pretrain.train.run_identity import identity, resume_differences

VALUABLE_SECONDS = 300  # "a few minutes": output that took longer is never deleted implicitly


class WouldDiscard(RuntimeError):
    """A stage would discard work worth keeping; the message says what, why and what to do."""


def existing_outputs(stage: Stage, plan: Plan, out: Path) -> list[str]:
    """The stage's output folders that hold something."""
    return [
        folder
        for folder in stage.outputs(plan)
        if (out / folder).is_dir() and any((out / folder).iterdir())
    ]


def work_seconds(record: dict | None, out: Path, folders: list[str]) -> float | None:
    """How long the output took to make: the recorded time of a finished run; for one that
    was stopped, from its start to its newest file; None when no run was recorded."""
    if record is None:
        return None
    if record.get("state") == "done":
        return float(record.get("seconds", 0.0))
    started = record.get("started")
    if started is None:
        return None
    newest = max(
        (p.stat().st_mtime for f in folders for p in (out / f).rglob("*") if p.is_file()),
        default=started,
    )
    return max(0.0, newest - started)


def run_differences(plan: Plan, out: Path, config: PretrainConfig) -> tuple[int, list[str]] | None:
    """(trained step, how the records and config now differ from what the run in OUT/run was
    trained on); None when it holds no checkpoint."""
    meta = checkpoint.latest_meta(str(out / RUN / "checkpoints"))
    if meta is None:
        return None
    records = out / plan.records
    try:
        manifest = RecordsManifest.read(records)
        current = identity(config.with_records(manifest, f"the records in {records}"), manifest)
    except (ConfigError, RecordsError) as err:
        return meta["step"], [str(err)]
    return resume_differences(str(out / RUN), current)


def _took(seconds: float | None) -> str:
    if seconds is None:
        return "of a run kosent did not record"
    minutes = seconds / 60
    return f"{minutes / 60:.1f} h of work" if minutes >= 90 else f"{minutes:.0f} min of work"


def discard_problem(
    stage: Stage,
    plan: Plan,
    out: Path,
    record: dict | None,
    why: str,
    config: PretrainConfig | None,
    upstream: str | None = None,
) -> str | None:
    """The line to stop with when running `stage` now (because of `why`) would discard work
    worth keeping; None when there is nothing such (or a pretraining run resumes).
    `upstream`: an earlier stage that will be rebuilt first (so the records will change)."""
    folders = existing_outputs(stage, plan, out)
    if not folders:
        return None
    if stage.name == "pretrain" and config is not None:
        found = run_differences(plan, out, config)
        if found is None:
            return None  # no checkpoint: nothing trained is kept there
        step, differ = found
        if not differ and upstream is None:
            return None  # resumes
        because = f"{upstream}, and the records change" if upstream else "; ".join(differ)
        return f"stage pretrain would discard {RUN}/ (a run trained to step {step}): {because}"
    seconds = work_seconds(record, out, folders)
    if seconds is not None and seconds < VALUABLE_SECONDS:
        return None
    return f"stage {stage.name} would discard {', '.join(folders)} ({_took(seconds)}): {why}"


def refusal(problem: str, stage: Stage, plan: Plan, out: Path) -> str:
    """The whole one-line error for a `discard_problem`."""
    aside = ", ".join(
        aside_name(out / folder).relative_to(out).as_posix()
        for folder in existing_outputs(stage, plan, out)
    )
    return (
        f"{problem}. It is kept as it is: rerun with --restart to move it aside ({aside}) and "
        "build it anew, or use another --out"
    )


def clear_for_rerun(
    stage: Stage,
    plan: Plan,
    out: Path,
    record: dict | None,
    why: str,
    config: PretrainConfig | None,
    say=print,
) -> None:
    """Make way for `stage` to run again: stop (WouldDiscard), move aside (--restart), keep
    a run that resumes, or delete output that is cheap to make again."""
    problem = discard_problem(stage, plan, out, record, why, config)
    if problem is not None:
        if not plan.restart:
            raise WouldDiscard(refusal(problem, stage, plan, out))
        for folder in existing_outputs(stage, plan, out):
            moved = move_aside(out / folder)
            say(f"--restart: moved {folder} aside to {moved.relative_to(out).as_posix()}")
        return
    if stage.name == "pretrain" and config is not None and run_differences(plan, out, config):
        return  # the run resumes where it stopped
    for folder in stage.outputs(plan):
        shutil.rmtree(out / folder, ignore_errors=True)

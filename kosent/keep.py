"""What a stage would discard by running again, and whether it may.

A stage that runs again on other inputs starts from an empty folder. That is fine for work
that takes moments; a pretraining run with trained steps, or any output that took minutes
(`VALUABLE_SECONDS`) or of unknown cost, is kept: the graph stops with one line saying what
would be discarded and why, unless the user asked for `--restart`, and then the old output
is moved aside (`NAME.prev-N`), never deleted. Output a stage can go on with (`Stage.resumes`:
a pretraining run whose checkpoints match the records and the model it would train) is not
discarded at all: the stage resumes it (raising num_train_steps extends a run)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from kosent_common.aside import aside_name, move_aside
from kosent_common.graph import Plan, Stage

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


def _took(seconds: float | None) -> str:
    if seconds is None:
        return "of a run kosent did not record"
    minutes = seconds / 60
    return f"{minutes / 60:.1f} h of work" if minutes >= 90 else f"{minutes:.0f} min of work"


@dataclass(frozen=True)
class Rerun:
    """A stage about to run again: what it reads and writes, and why it runs."""

    stage: Stage
    plan: Plan
    out: Path
    record: dict | None  # its last run in OUT/pipeline.json
    why: str
    config: object | None  # the checked config (`Stage.check`'s), when the graph has one
    upstream: str | None = None  # an earlier stage rebuilt first (so the records will change)


@dataclass(frozen=True)
class Verdict:
    problem: str | None = None  # what would be discarded, and why: the command must stop
    resumes: bool = False  # output the stage goes on with (a pretraining run)


def assess(rerun: Rerun) -> Verdict:
    """Whether running the stage now would discard work worth keeping, or resume it."""
    stage, plan, out = rerun.stage, rerun.plan, rerun.out
    folders = existing_outputs(stage, plan, out)
    if not folders:
        return Verdict()
    if stage.resumes is not None and rerun.config is not None:
        found = stage.resumes(plan, out, rerun.config)
        if found is None:
            return Verdict()  # nothing trained is kept there
        held, differ = found
        if not differ and rerun.upstream is None:
            return Verdict(resumes=True)
        because = (
            f"{rerun.upstream}, and the records change" if rerun.upstream else "; ".join(differ)
        )
        written = ", ".join(f"{folder}/" for folder in stage.outputs(plan))
        return Verdict(f"stage {stage.name} would discard {written} ({held}): {because}")
    seconds = work_seconds(rerun.record, out, folders)
    if seconds is not None and seconds < VALUABLE_SECONDS:
        return Verdict()
    return Verdict(
        f"stage {stage.name} would discard {', '.join(folders)} ({_took(seconds)}): {rerun.why}"
    )


def refusal(rerun: Rerun, problem: str) -> str:
    """The whole one-line error for a verdict's problem."""
    aside = ", ".join(
        aside_name(rerun.out / folder).relative_to(rerun.out).as_posix()
        for folder in existing_outputs(rerun.stage, rerun.plan, rerun.out)
    )
    return (
        f"{problem}. It is kept as it is: rerun with --restart to move it aside ({aside}) and "
        "build it anew, or use another --out"
    )


def clear_for_rerun(rerun: Rerun, say=print) -> None:
    """Make way for the stage to run again: stop (WouldDiscard), move aside (--restart), keep
    a run that resumes, or delete output that is cheap to make again."""
    verdict = assess(rerun)
    if verdict.resumes:
        return
    if verdict.problem is not None:
        if not rerun.plan.restart:
            raise WouldDiscard(refusal(rerun, verdict.problem))
        for folder in existing_outputs(rerun.stage, rerun.plan, rerun.out):
            moved = move_aside(rerun.out / folder)
            say(f"--restart: moved {folder} aside to {moved.relative_to(rerun.out).as_posix()}")
        return
    for folder in rerun.stage.outputs(rerun.plan):
        shutil.rmtree(rerun.out / folder, ignore_errors=True)

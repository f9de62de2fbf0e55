"""Run the graph's stages in order, each as `python -m <stage module>` (its own progress output),
reusing a stage whose output is complete and matches its inputs, never discarding work worth
keeping (`kosent.keep`); time each and collect the figures for the summary table.
OUT/pipeline.json records what each stage last ran with."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from kosent import fingerprint as fp
from kosent import keep
from kosent.report import StageResult
from kosent.stages import BY_NAME
from kosent_common.atomic import write_bytes_atomic
from kosent_common.graph import Plan, Stage
from kosent_common.verbosity import engine_environment, verbose


class StageFailed(RuntimeError):
    def __init__(self, stage: str, code: int, why: str = ""):
        why = why or f"exit {code}"
        super().__init__(f"stage {stage!r} failed ({why})")
        self.code = code


def child_environment(on_terminal: bool) -> dict[str, str]:
    """The stages' environment: off a terminal (a log, CI, `make demo | tee`), progress bars
    update at most every 5 s (tqdm) or not at all (Hugging Face's file bars); the engines'
    start-up lines are left out unless verbose (`kosent_common.verbosity`)."""
    env = engine_environment(dict(os.environ), verbose())
    if not on_terminal:
        env.setdefault("TQDM_MININTERVAL", "5")
        env.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    return env


def run_command(result: StageResult, command: list[str], cwd: Path | None = None) -> None:
    """Run one command of a stage (output shown as it comes), adding its time to `result`."""
    print(f"=== {result.name}: {' '.join(command)}", flush=True)
    start = time.perf_counter()
    env = child_environment(sys.stdout.isatty() and sys.stderr.isatty())
    done = subprocess.run(command, cwd=cwd, env=env)
    result.seconds += time.perf_counter() - start
    if done.returncode != 0:
        raise StageFailed(result.name, done.returncode)


def _snapshot(plan: Plan, stage: Stage, out: Path) -> dict | None:
    """The stage's inputs now; None while a manifest it reads is not there yet."""
    commands = stage.commands(plan, out)
    reads = {m: out / m for name in stage.reads for m in BY_NAME[name].markers(plan)}
    if not all(path.is_file() for path in reads.values()):
        return None
    argv = [[c.module, *c.args] for c in commands]
    config = None if stage.config is None else stage.config.content(plan)  # written as it runs
    return fp.snapshot(argv, reads, stage.user_inputs(plan, out), out, config)


def check_nothing_is_discarded(
    plan: Plan, stages: tuple[Stage, ...], out: Path, state: dict, config
) -> None:
    """Before the first stage runs: would this command discard a trained run or long work
    once the stages whose inputs changed have run? Then stop now (WouldDiscard), before
    anything is rebuilt; with --restart the stages move their output aside as they run."""
    if plan.restart:
        return
    upstream = None  # the first stage whose inputs changed: everything after it changes too
    for stage in stages:
        record = state["stages"].get(stage.name)
        if upstream is None:
            snap = _snapshot(plan, stage, out)
            if snap is None or not fp.inputs_changed(record, snap) or fp.only_touched(record, snap):
                continue  # unchanged, touched, or not built yet: the check as it runs decides
            why = fp.why_stale(record, snap, []) or "its inputs changed"
            rerun = keep.Rerun(stage, plan, out, record, why, config)
            upstream = f"{stage.name} is rebuilt first ({why})"
        else:
            rerun = keep.Rerun(stage, plan, out, record, upstream, config, upstream)
        problem = keep.assess(rerun).problem
        if problem:
            raise keep.WouldDiscard(keep.refusal(rerun, problem))


def run_stages(
    plan: Plan, stages: tuple[Stage, ...], cwd: Path | None = None, config=None
) -> list[StageResult]:
    """Run (or reuse) `stages` in order; a failed stage raises StageFailed, one that would
    discard work worth keeping raises WouldDiscard, a missing extra MissingExtra (before
    any stage runs). `config`: the checked pretraining config (when the pipeline goes that far)."""
    for stage in stages:  # a missing extra stops the pipeline before its first stage
        stage.requires(plan)
    out = plan.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    state = fp.load_state(out)
    check_nothing_is_discarded(plan, stages, out, state, config)
    results = []
    for stage in stages:
        commands = stage.commands(plan, out)
        snap = _snapshot(plan, stage, out)
        missing = [m for m in stage.markers(plan) if not (out / m).is_file()]
        record = state["stages"].get(stage.name)
        result = StageResult(
            stage.name, inputs=stage.inputs_text(plan), outputs=stage.outputs_text(plan)
        )
        why = fp.why_stale(record, snap, missing)
        if why is None:
            result.skipped = "up to date"
            folders = " and ".join(f"$OUT/{f}" for f in stage.outputs(plan))
            print(
                f"\n=== {stage.name}: already complete (reused: its inputs have not changed; "
                f"to redo it, remove {folders})",
                flush=True,
            )
        else:
            print(f"\n=== {stage.name}: runs ({why})", flush=True)
            started = None
            if fp.resumable(record, snap):
                started = record.get("started")
            else:
                keep.clear_for_rerun(keep.Rerun(stage, plan, out, record, why, config))
            fp.record(state, stage.name, snap, "running", started=started)
            fp.save_state(out, state)
            if "config" in snap:  # only now: a refused run leaves the old config in place
                _write_if_changed(out / stage.config.path, snap["config"])
            for command in commands:
                argv = [sys.executable, "-m", command.module, *command.args, *command.tuning]
                run_command(result, argv, cwd)
            missing = [m for m in stage.markers(plan) if not (out / m).is_file()]
            if missing:
                raise StageFailed(stage.name, 1, f"it did not write {missing[0]}")
            started = state["stages"][stage.name]["started"]
            fp.record(state, stage.name, snap, "done", result.seconds, started=started)
            fp.save_state(out, state)
        result.figures = stage.figures(plan, out)
        results.append(result)
    return results


def _write_if_changed(path: Path, value: dict) -> None:
    """Write JSON only when the content differs (its mtime is part of the stage's inputs)."""
    data = (json.dumps(value, indent=2) + "\n").encode("utf-8")
    if not path.is_file() or path.read_bytes() != data:
        write_bytes_atomic(path, data)

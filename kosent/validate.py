"""Everything the pipeline will need, checked before its first stage runs: each stage's own
inputs (`Stage.check`: the recipe and sources, the files named on the command line, the
pretraining and fine-tuning configs; errors name the user's file and key) and each stage's
own arguments (by that stage's parser). At scale the stages take hours; a typo found after
them costs those hours."""

from __future__ import annotations

import contextlib
import io
import shlex

from kosent.stages import STAGES, until
from kosent_common.graph import Command, InputError, Plan, Stage

# The stages whose command takes `--args-for STAGE=ARGS`: those with a parser.
EXTENDABLE = tuple(stage.name for stage in STAGES if stage.parse_args is not None)


def stage_args(items: list[str]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """`--args-for 'STAGE=ARGS'` (repeatable) as (stage, split arguments) pairs."""
    pairs = []
    for item in items:
        stage, sep, text = item.partition("=")
        if not sep:
            raise InputError(f"--args-for {item!r}: expected STAGE=ARGS, e.g. 'vocab=--unused 5'")
        if stage not in EXTENDABLE:
            raise InputError(
                f"--args-for {stage}: not a stage with its own arguments "
                f"(choose from {', '.join(EXTENDABLE)})"
            )
        try:
            pairs.append((stage, tuple(shlex.split(text))))
        except ValueError as err:
            raise InputError(f"--args-for {stage} {text!r}: {err}") from None
    return tuple(pairs)


def check_command(stage: Stage, command: Command, own: tuple[str, ...]) -> None:
    """Parse a stage's whole command line with the stage's own parser; `own` (the user's
    arguments, at the end of `command.args`) may not set what the graph sets itself."""
    graph = command.args[: len(command.args) - len(own)] + command.tuning
    graph_flags = {arg for arg in graph if arg.startswith("--")}
    for arg in own:
        flag = arg.split("=", 1)[0]
        if flag in graph_flags:
            raise InputError(
                f"--args-for {stage.name}: {flag} is set by kosent itself (see python -m kosent "
                "--help for the option that sets it)"
            )
    said = io.StringIO()
    try:
        with contextlib.redirect_stderr(said), contextlib.redirect_stdout(io.StringIO()):
            stage.parse_args([*command.args, *command.tuning])
    except SystemExit as exit:
        if exit.code:
            lines = [line for line in said.getvalue().splitlines() if line.strip()]
            why = lines[-1].split("error: ", 1)[-1] if lines else f"exit {exit.code}"
            raise InputError(f"--args-for {stage.name}: {why}") from None


def check(plan: Plan, last: str) -> object | None:
    """Raise InputError for the first problem found; the checked config a stage's check
    returns (the pretraining config) when the pipeline goes that far."""
    if plan.address and plan.executor != "ray":
        raise InputError("--address names a Ray cluster: add --executor ray")
    stages = until(last)
    running = {stage.name for stage in stages}
    for name, _ in plan.stage_args:
        if name not in running:
            raise InputError(f"--args-for {name}: that stage does not run (--until {last})")
    config = None
    for stage in stages:
        checked = stage.check(plan)
        if checked is not None:
            config = checked
        own = plan.extra(stage.name)
        if own:
            check_command(stage, stage.commands(plan, plan.out)[0], own)
    return config

"""Everything the pipeline will need, checked before its first stage runs: the recipe and
sources, the files named on the command line, each stage's own arguments (by that stage's
parser), the pretraining and fine-tuning configs (errors name the user's file and key).
At scale the stages take hours; a typo found after them costs those hours."""

from __future__ import annotations

import contextlib
import importlib
import io
import shlex
from collections.abc import Callable

from corpus.decontaminate import BenchmarkSpec
from corpus.recipes import DEFAULT_RECIPES, RecipeError, get_recipe
from kosent.inputs import InputError, checked_pretrain_config, corpus_inputs
from kosent.stages import STAGE_NAMES, Command, Plan, until
from pretrain.train.config import PretrainConfig
from vocab.schema import VocabError, read_vocab

# The stages whose command takes `--args-for STAGE=ARGS`: their parser, MODULE:FUNCTION.
EXTENDABLE = {
    "corpus": "corpus.build:parse_args",
    "vocab": "vocab.build:parse_args",
    "tfrecords": "pretrain.tfrecords.cli:parse_args",
    "pretrain": "pretrain.train.arguments:parse_args",
    "nsmc": "finetune.nsmc:parse_args",
}


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


def _parser_of(stage: str) -> Callable[[list[str]], object]:
    module, _, function = EXTENDABLE[stage].partition(":")
    return getattr(importlib.import_module(module), function)


def check_command(stage: str, command: Command, own: tuple[str, ...]) -> None:
    """Parse a stage's whole command line with the stage's own parser; `own` (the user's
    arguments, at the end of `command.args`) may not set what the graph sets itself."""
    graph = command.args[: len(command.args) - len(own)] + command.tuning
    graph_flags = {arg for arg in graph if arg.startswith("--")}
    for arg in own:
        flag = arg.split("=", 1)[0]
        if flag in graph_flags:
            raise InputError(
                f"--args-for {stage}: {flag} is set by kosent itself (see python -m kosent "
                "--help for the option that sets it)"
            )
    said = io.StringIO()
    try:
        with contextlib.redirect_stderr(said), contextlib.redirect_stdout(io.StringIO()):
            _parser_of(stage)([*command.args, *command.tuning])
    except SystemExit as exit:
        if exit.code:
            lines = [line for line in said.getvalue().splitlines() if line.strip()]
            why = lines[-1].split("error: ", 1)[-1] if lines else f"exit {exit.code}"
            raise InputError(f"--args-for {stage}: {why}") from None


def expected_vocab_size(plan: Plan) -> int | None:
    """The size the vocab stage will give (None with an external vocab: its file decides)."""
    if plan.external_vocab:
        return None
    if plan.vocab_size is not None:
        return plan.vocab_size
    try:
        return get_recipe(plan.recipe, plan.recipes or DEFAULT_RECIPES).vocab_size
    except RecipeError as err:
        raise InputError(str(err)) from None


def check(plan: Plan, last: str) -> PretrainConfig | None:
    """Raise InputError for the first problem found; the checked pretraining config when the
    pipeline goes that far."""
    corpus_inputs(plan)
    if plan.address and plan.executor != "ray":
        raise InputError("--address names a Ray cluster: add --executor ray")
    if plan.external_vocab:
        if not plan.external_vocab.is_file():
            raise InputError(f"external vocab {plan.external_vocab} does not exist")
        try:
            read_vocab(plan.external_vocab)
        except VocabError as err:
            raise InputError(f"--external-vocab: {err}") from None
    for item in plan.decontaminate:
        spec = BenchmarkSpec.parse(item)
        if not spec.path.is_file():
            raise InputError(f"--decontaminate {item}: {spec.path} does not exist")
    stages = until(last)
    for stage in stages:
        own = plan.extra(stage.name)
        if own:
            command = stage.commands(plan, plan.out)[0]
            check_command(stage.name, command, own)
    for stage, _ in plan.stage_args:
        if STAGE_NAMES.index(stage) > STAGE_NAMES.index(last):
            raise InputError(f"--args-for {stage}: that stage does not run (--until {last})")
    config = None
    if STAGE_NAMES.index(last) >= STAGE_NAMES.index("pretrain"):
        config = checked_pretrain_config(plan, expected_vocab_size(plan))
    if last == "nsmc":
        check_nsmc(plan)
    return config


def check_nsmc(plan: Plan) -> None:
    """NSMC's files and the fine-tuning config."""
    from finetune.config import ConfigError, load_config

    for path in (plan.nsmc_train, plan.nsmc_test):  # None: the fine-tuning config's data
        if path is not None and not path.is_file():
            raise InputError(f"{path} does not exist (--nsmc-dir needs NSMC's two files)")
    try:
        load_config(plan.nsmc_config)
    except ConfigError as err:
        raise InputError(f"--nsmc-config: {err}") from None

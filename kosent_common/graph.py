"""The graph's types: what the user asked for (`Plan`), a stage's command line (`Command`) and
what a stage declares about itself (`Stage`). Each stage's own description lives beside its
code (`corpus/stage.py`, `vocab/stage.py`, ...); `kosent.stages` puts them in order. Imports
no stage, so a stage description may import this module."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from kosent_common.extras import require

# Without --config: a small model that trains on a CPU (the seed's `base` is a TPU preset).
DEFAULT_PRETRAIN_CONFIG = "tiny-cpu"


class InputError(ValueError):
    """A recipe, sources file or config the pipeline cannot use; the message says which."""


@dataclass(frozen=True)
class Plan:
    """What the user asked for: one recipe's pipeline into `out`."""

    out: Path
    recipe: str
    sources: Path | None = None  # sources.toml (corpus.build's format)
    source_overrides: tuple[str, ...] = ()  # NAME=PATH
    recipes: Path | None = None  # default: corpus/recipes.toml
    workers: int = 2
    executor: str = "local"
    address: str | None = None
    max_seq_length: int = 128
    limit_alphabet: int | None = None
    vocab_size: int | None = None  # default: the recipe's
    external_vocab: Path | None = None
    pack_across_docs: bool = False
    decontaminate: tuple[str, ...] = ()  # benchmark files, FILE or FILE:COLUMN
    stage_args: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (stage, its extra arguments)
    restart: bool = False  # move aside what a stage would discard, instead of stopping
    pretrain_config: str = DEFAULT_PRETRAIN_CONFIG  # a JSON file or a preset of pretrain.train
    pretrain_overrides: dict = field(default_factory=dict)  # keys written over the config
    nsmc_train: Path | None = None  # default: the fine-tuning config's train_data
    nsmc_test: Path | None = None
    nsmc_config: str = "default"
    nsmc_max_train_examples: int | None = None
    nsmc_epochs: int | None = None

    # The folders that depend on the plan, relative to OUT (pipeline.json stays valid if OUT
    # moves); each stage module names its other folders.
    @property
    def corpus(self) -> str:
        return f"corpus/{self.recipe}"

    @property
    def records(self) -> str:
        return f"tfrecords/L{self.max_seq_length}"

    def extra(self, stage: str) -> tuple[str, ...]:
        """The user's own arguments for `stage`'s command (`--args-for 'STAGE=ARGS'`)."""
        return tuple(arg for name, args in self.stage_args if name == stage for arg in args)


@dataclass(frozen=True)
class Command:
    """`python -m module *args *tuning`; `tuning` (workers, executor) changes how fast, not
    what: it is left out of the stage's fingerprint."""

    module: str
    args: tuple[str, ...]
    tuning: tuple[str, ...] = ()


@dataclass(frozen=True)
class WrittenConfig:
    """A config file the graph writes into OUT for its stage, just before the stage runs; its
    content (not the file) is part of the stage's fingerprint."""

    path: str  # relative to OUT
    content: Callable[[Plan], dict]  # raises InputError


def _nothing(plan: Plan, out: Path) -> list[Path]:
    return []


@dataclass(frozen=True)
class Stage:
    """One stage of the graph, as its own package describes it (`corpus/stage.py`, ...)."""

    name: str
    reads: tuple[str, ...]  # earlier stages whose outputs (and manifests) it reads
    outputs: Callable[[Plan], tuple[str, ...]]  # folders it writes, relative to OUT
    markers: Callable[[Plan], tuple[str, ...]]  # files that exist once it is complete
    commands: Callable[[Plan, Path], tuple[Command, ...]]  # (plan, absolute OUT)
    inputs_text: Callable[[Plan], str]  # for the summary table
    outputs_text: Callable[[Plan], str]
    figures: Callable[[Plan, Path], dict[str, object]]  # key figures, read from its output
    # raises MissingExtra when an extra the stage needs is not installed
    requires: Callable[[Plan], None] = lambda plan: None
    # the user's files it reads (fingerprinted by size and mtime): (plan, absolute OUT)
    user_inputs: Callable[[Plan, Path], list[Path]] = _nothing
    # checks what the stage will read before any stage runs (raises InputError); returns
    # the checked config a rerun is judged by (`resumes`), or None
    check: Callable[[Plan], object] = lambda plan: None
    # the parser of its first command (`--args-for STAGE=ARGS`); None: takes no arguments
    parse_args: Callable[[list[str]], object] | None = None
    config: WrittenConfig | None = None  # a config the graph writes for it
    # Output a rerun would continue rather than discard: (plan, OUT, the checked config) ->
    # None when it holds nothing to continue, else (what it holds, e.g. "a run trained to
    # step 8"; how the inputs now differ from what made it: empty, it resumes).
    resumes: Callable[[Plan, Path, object], tuple[str, list[str]] | None] | None = None


def read_json(path: Path) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def tuning(plan: Plan, workers_flag: str) -> tuple[str, ...]:
    """A stage's workers and executor flags (not part of its fingerprint)."""
    flags = [workers_flag, str(plan.workers)]
    if plan.executor != "local":
        flags += ["--executor", plan.executor]
        if plan.address:
            flags += ["--address", plan.address]
    return tuple(flags)


def executor_extra(plan: Plan) -> None:
    """MissingExtra when --executor ray is asked for without Ray."""
    if plan.executor == "ray":
        require("ray", "--executor ray")

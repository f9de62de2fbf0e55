"""The stage graph: each stage's folder, the manifest that marks it complete, the stages whose
manifests it reads, the user's files it reads, and its command line. Pure: nothing here runs a
stage or writes a file (`kosent.run` does)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from kosent import figures
from kosent_common.extras import require

# Without --config: a small model that trains on a CPU (the seed's `base` is a TPU preset).
DEFAULT_PRETRAIN_CONFIG = "tiny-cpu"


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

    # The layout under `out` (relative paths: pipeline.json stays valid if OUT moves).
    @property
    def corpus(self) -> str:
        return f"corpus/{self.recipe}"

    @property
    def records(self) -> str:
        return f"tfrecords/L{self.max_seq_length}"

    def extra(self, stage: str) -> tuple[str, ...]:
        """The user's own arguments for `stage`'s command (`--args-for 'STAGE=ARGS'`)."""
        return tuple(arg for name, args in self.stage_args if name == stage for arg in args)


VOCAB, RUN, HF = "vocab", "run", "run/hf"
NSMC, TFIDF = "nsmc", "nsmc-tfidf"
PRETRAIN_CONFIG = "pretrain.json"  # the config the pretrain stage runs with, in OUT


@dataclass(frozen=True)
class Command:
    """`python -m module *args *tuning`; `tuning` (workers, executor) changes how fast, not
    what: it is left out of the stage's fingerprint."""

    module: str
    args: tuple[str, ...]
    tuning: tuple[str, ...] = ()


@dataclass(frozen=True)
class Stage:
    name: str
    reads: tuple[str, ...]  # earlier stages whose outputs (and manifests) it reads
    outputs: Callable[[Plan], tuple[str, ...]]  # folders it writes, relative to OUT
    markers: Callable[[Plan], tuple[str, ...]]  # files that exist once it is complete
    commands: Callable[[Plan, Path], tuple[Command, ...]]  # (plan, absolute OUT)
    inputs_text: Callable[[Plan], str]  # for the summary table
    outputs_text: Callable[[Plan], str]
    figures: Callable[[Plan, Path], dict[str, object]]
    # raises MissingExtra when an extra the stage needs is not installed
    requires: Callable[[Plan], None] = lambda plan: None


def _corpus(plan: Plan, out: Path) -> tuple[Command, ...]:
    args = ["--recipe", plan.recipe]
    if plan.recipes:
        args += ["--recipes", str(plan.recipes)]
    if plan.sources:
        args += ["--sources", str(plan.sources)]
    for item in plan.source_overrides:
        args += ["--source", item]
    if plan.decontaminate:
        args += ["--decontaminate", *plan.decontaminate]
    args += ["--out", str(out / "corpus"), *plan.extra("corpus")]
    return (Command("corpus.build", tuple(args), _tuning(plan, "--workers")),)


def _vocab(plan: Plan, out: Path) -> tuple[Command, ...]:
    # The vocab size is the corpus manifest's (its recipe's): not passed again.
    args = ["--corpus", str(out / plan.corpus), "--out", str(out / VOCAB)]
    if plan.vocab_size is not None:
        args += ["--vocab-size", str(plan.vocab_size)]
    if plan.limit_alphabet is not None:
        args += ["--limit-alphabet", str(plan.limit_alphabet)]
    if plan.external_vocab:
        args += ["--external-vocab", str(plan.external_vocab)]
    return (Command("vocab.build", (*args, *plan.extra("vocab"))),)


def _tfrecords(plan: Plan, out: Path) -> tuple[Command, ...]:
    args = (
        "--corpus-dir",
        str(out / plan.corpus),
        "--vocab-file",
        str(out / VOCAB / "vocab.txt"),
        "--output-dir",
        str(out / plan.records),
        "--max-seq-length",
        str(plan.max_seq_length),
        *(("--pack-across-docs",) if plan.pack_across_docs else ()),
        *plan.extra("tfrecords"),
    )
    return (Command("pretrain.tfrecords", args, _tuning(plan, "--num-processes")),)


def _pretrain(plan: Plan, out: Path) -> tuple[Command, ...]:
    args = ("--config", str(out / PRETRAIN_CONFIG), "--data", str(out / plan.records))
    return (Command("pretrain.train", (*args, "--out", str(out / RUN), *plan.extra("pretrain"))),)


def _export(plan: Plan, out: Path) -> tuple[Command, ...]:
    return (Command("pretrain.export", (str(out / RUN),)),)


def _nsmc(plan: Plan, out: Path) -> tuple[Command, ...]:
    data = ["--config", plan.nsmc_config]
    if plan.nsmc_train:
        data += ["--train", str(plan.nsmc_train)]
    if plan.nsmc_test:
        data += ["--test", str(plan.nsmc_test)]
    sample = []
    if plan.nsmc_max_train_examples is not None:
        sample = ["--max-train-examples", str(plan.nsmc_max_train_examples)]
    epochs = [] if plan.nsmc_epochs is None else ["--epochs", str(plan.nsmc_epochs)]
    model = ["--model", str(out / HF / "discriminator")]
    own = plan.extra("nsmc")
    return (
        Command("finetune.nsmc", (*model, *data, "--out", str(out / NSMC), *sample, *epochs, *own)),
        Command(
            "finetune.nsmc", ("--baseline", "tfidf", *data, "--out", str(out / TFIDF), *sample)
        ),
    )


def _executor_extra(plan: Plan) -> None:
    if plan.executor == "ray":
        require("ray", "--executor ray")


def _pretrain_extras(plan: Plan) -> None:
    from pretrain.train import require_extras  # picks the Keras backend (env only, no import)

    require_extras()


def _nsmc_extras(plan: Plan) -> None:
    require("finetune", "the nsmc stage")


def _tuning(plan: Plan, workers_flag: str) -> tuple[str, ...]:
    flags = [workers_flag, str(plan.workers)]
    if plan.executor != "local":
        flags += ["--executor", plan.executor]
        if plan.address:
            flags += ["--address", plan.address]
    return tuple(flags)


# The weights (what fine-tuning reads), then the export's own manifest, written last.
_HF_FILES = (
    "model.safetensors",
    "config.json",
    "vocab.txt",
    "tokenizer_config.json",
    "kosent_manifest.json",
)

STAGES: tuple[Stage, ...] = (
    Stage(
        "corpus",
        reads=(),
        outputs=lambda p: (p.corpus,),
        markers=lambda p: (f"{p.corpus}/manifest.json",),
        commands=_corpus,
        inputs_text=lambda p: f"sources of recipe {p.recipe}",
        outputs_text=lambda p: f"{p.corpus} (text + Parquet shards, manifest, report)",
        figures=figures.corpus,
        requires=_executor_extra,
    ),
    Stage(
        "vocab",
        reads=("corpus",),
        outputs=lambda p: (VOCAB,),
        markers=lambda p: (f"{VOCAB}/vocab.txt", f"{VOCAB}/report.json"),
        commands=_vocab,
        inputs_text=lambda p: p.corpus,
        outputs_text=lambda p: f"{VOCAB} (vocab.txt, tokenizer.json, report.json)",
        figures=figures.vocab,
    ),
    Stage(
        "tfrecords",
        reads=("corpus", "vocab"),
        outputs=lambda p: (p.records,),
        markers=lambda p: (f"{p.records}/manifest.json",),
        commands=_tfrecords,
        inputs_text=lambda p: f"{p.corpus} + {VOCAB}/vocab.txt",
        outputs_text=lambda p: p.records,
        figures=figures.tfrecords,
        requires=_executor_extra,
    ),
    Stage(
        "pretrain",
        reads=("tfrecords",),
        outputs=lambda p: (RUN,),
        markers=lambda p: (f"{RUN}/train_history.json",),
        commands=_pretrain,
        inputs_text=lambda p: f"{p.records} + {PRETRAIN_CONFIG}",
        outputs_text=lambda p: f"{RUN}/ (checkpoints, TensorBoard logs, train_history.json)",
        figures=figures.pretrain,
        requires=_pretrain_extras,
    ),
    Stage(
        "export",
        reads=("pretrain",),
        outputs=lambda p: (HF,),
        markers=lambda p: tuple(
            f"{HF}/{m}/{f}" for m in ("discriminator", "generator") for f in _HF_FILES
        ),
        commands=_export,
        inputs_text=lambda p: f"{RUN}/",
        outputs_text=lambda p: f"{HF}/discriminator, {HF}/generator (Hugging Face)",
        figures=figures.export,
        requires=lambda p: require("pretrain", "the export stage", ("safetensors",)),
    ),
    Stage(
        "nsmc",
        reads=("export",),
        outputs=lambda p: (NSMC, TFIDF),
        markers=lambda p: (f"{NSMC}/results.json", f"{TFIDF}/results.json"),
        commands=_nsmc,
        inputs_text=lambda p: f"{HF}/discriminator + NSMC",
        outputs_text=lambda p: f"{NSMC}/results.json, {TFIDF}/results.json",
        figures=figures.nsmc,
        requires=_nsmc_extras,
    ),
)
STAGE_NAMES = tuple(stage.name for stage in STAGES)
BY_NAME = {stage.name: stage for stage in STAGES}


def until(name: str) -> tuple[Stage, ...]:
    """The stages from the first up to and including `name`."""
    if name not in BY_NAME:
        raise ValueError(f"unknown stage {name!r} (stages: {', '.join(STAGE_NAMES)})")
    return STAGES[: STAGE_NAMES.index(name) + 1]

"""Per-document steps: each takes a frame (`source`, `doc_id`, `text`) and returns the kept
documents and the dropped ones with a `reason` column, under its own name.

A recipe lists its steps (`steps = [...]` in recipes.toml; `DEFAULT_STEPS` otherwise); they
run in that order in the workers, one task's documents at a time. The whole-corpus steps
(exact and near deduplication) come after them and are not listed: they run as distributed
stages over every task (corpus.dedup_stages). Adding a filter is one class here and one
`@register` line; a recipe may also name a class elsewhere as `package.module:Class`.
"""

from __future__ import annotations

import importlib
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import ClassVar

import polars as pl

from corpus.cleaning import CleaningConfig, clean_frame
from corpus.decontaminate import Decontaminator
from corpus.quality import quality_reasons
from corpus.recipes import Recipe
from corpus.sampling import sample_mask

DROPPED_COLUMNS = ("source", "doc_id", "text", "reason")


@dataclass(frozen=True)
class StepContext:
    """What a step may be configured from."""

    recipe: Recipe
    cleaning: CleaningConfig = field(default_factory=CleaningConfig)
    quality: bool = True
    seed: int = 0
    decontaminator: Decontaminator | None = None  # one per task (it records what it found)


class Step:
    """A per-document filter or transform. Subclasses set `name` and implement `apply`."""

    name: ClassVar[str] = ""

    @classmethod
    def from_context(cls, context: StepContext) -> Step:
        return cls()

    def apply(self, frame: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
        """(kept documents, dropped documents with a `reason` column)."""
        raise NotImplementedError


STEPS: dict[str, type[Step]] = {}


def register(cls: type[Step]) -> type[Step]:
    """Class decorator: make a step available to recipes under its `name`."""
    if not cls.name:
        raise ValueError(f"{cls.__name__} needs a `name`")
    STEPS[cls.name] = cls
    return cls


def step_class(name: str) -> type[Step]:
    """A registered step, or `package.module:Class`; KeyError naming the known ones."""
    if name in STEPS:
        return STEPS[name]
    module, sep, attribute = name.partition(":")
    if sep:
        try:
            found = getattr(importlib.import_module(module), attribute)
        except (ImportError, AttributeError) as err:
            raise KeyError(f"step {name!r} cannot be imported: {err}") from err
        if isinstance(found, type) and issubclass(found, Step):
            return found
        raise KeyError(f"step {name!r} is not a corpus.steps.Step subclass")
    raise KeyError(f"unknown step {name!r} (known: {', '.join(STEPS)}, or MODULE:CLASS)")


def make_steps(names: tuple[str, ...], context: StepContext) -> list[Step]:
    return [step_class(name).from_context(context) for name in names]


def split_by_reason(frame: pl.DataFrame, reasons: pl.Series) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(rows whose reason is null, the other rows with their `reason`)."""
    dropped = reasons.is_not_null()
    return (
        frame.filter(~dropped),
        frame.with_columns(reasons.alias("reason")).filter(dropped).select(DROPPED_COLUMNS),
    )


def reason_where(mask: pl.Series, reason: str) -> pl.Series:
    """`reason` where mask is true, else null."""
    return pl.select(pl.when(mask).then(pl.lit(reason)).otherwise(None)).to_series()


def no_drops(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.head(0).with_columns(pl.lit(None, pl.String).alias("reason"))


def drop_counts(dropped: pl.DataFrame) -> Counter:
    """(source, reason) -> documents."""
    counts: Counter = Counter()
    for source, reason, n in dropped.group_by("source", "reason").len().iter_rows():
        counts[(source, reason)] += n
    return counts


@register
class Clean(Step):
    """NFC, PII, news boilerplate, character filter, repeats, whitespace; then documents
    shorter than `min_chars` are dropped (`too_short`, with their cleaned text)."""

    name = "clean"

    def __init__(self, config: CleaningConfig | None = None) -> None:
        self.config = config or CleaningConfig()

    @classmethod
    def from_context(cls, context: StepContext) -> Step:
        return cls(context.cleaning)

    def apply(self, frame: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
        cleaned, _ = clean_frame(frame, replace(self.config, min_chars=0))
        short = cleaned["text"].str.len_chars() < self.config.min_chars
        reasons = reason_where(short, "too_short")
        return split_by_reason(cleaned, reasons)


@register
class Quality(Step):
    """The recipe's per-source quality rules (corpus.quality); the reason is the first rule
    a document fails."""

    name = "quality"

    def __init__(self, configs: dict, enabled: bool = True) -> None:
        self.configs, self.enabled = configs, enabled

    @classmethod
    def from_context(cls, context: StepContext) -> Step:
        recipe = context.recipe
        return cls({s: recipe.quality_for(s) for s in recipe.sources}, context.quality)

    def apply(self, frame: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
        if not self.enabled or not frame.height:
            return frame, no_drops(frame)
        if not any(c.enabled for c in self.configs.values()):
            return frame, no_drops(frame)
        return split_by_reason(frame, quality_reasons(frame, self.configs))


@register
class Sample(Step):
    """The recipe's seeded per-source sample (`not_sampled`)."""

    name = "sample"

    def __init__(self, fractions: dict[str, float], seed: int) -> None:
        self.fractions, self.seed = fractions, seed

    @classmethod
    def from_context(cls, context: StepContext) -> Step:
        return cls(context.recipe.sample, context.seed)

    def apply(self, frame: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
        if not self.fractions or not frame.height:
            return frame, no_drops(frame)
        keep = sample_mask(frame, self.fractions, self.seed)
        reasons = reason_where(~keep, "not_sampled")
        return split_by_reason(frame, reasons)


@register
class Decontaminate(Step):
    """Documents equal to a benchmark item or sharing an n-gram with one
    (`benchmark_exact`, `benchmark_ngram`)."""

    name = "decontaminate"

    def __init__(self, decontaminator: Decontaminator | None) -> None:
        self.decontaminator = decontaminator

    @classmethod
    def from_context(cls, context: StepContext) -> Step:
        return cls(context.decontaminator)

    def apply(self, frame: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
        if self.decontaminator is None or not frame.height:
            return frame, no_drops(frame)
        reasons = self.decontaminator.reasons(frame)
        return split_by_reason(frame, pl.Series(reasons, dtype=pl.String))

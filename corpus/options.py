"""What `corpus.build` was asked for, beside the recipe and its files: the options that decide
the output (seed, splitter, shard size, cleaning, quality, near-dup, decontamination,
exclusions) and those that only decide how fast (workers, executor, progress)."""

from __future__ import annotations

from dataclasses import dataclass, field

from corpus.cleaning import CleaningConfig
from corpus.decontaminate import DEFAULT_NGRAM
from corpus.exclusions import ExclusionPolicy
from corpus.neardup import NearDupConfig
from corpus.plan import DEFAULT_TASK_MB
from corpus.split import DEFAULT_SPLITTER
from kosent_common.executor import LOCAL, Executor


@dataclass(frozen=True)
class BuildOptions:
    seed: int = 0
    workers: int = 2
    splitter: str = DEFAULT_SPLITTER  # as `corpus.build --splitter`
    shard_mb: float = 1.0
    task_mb: float = DEFAULT_TASK_MB  # input per document task
    batch_docs: int = 5_000
    include_nsmc_test: bool = False
    overwrite: bool = False
    progress: bool = True
    cleaning: CleaningConfig = field(default_factory=CleaningConfig)
    executor: Executor = LOCAL
    quality: bool = True  # the recipe's per-source quality filters
    near_dup: NearDupConfig = field(default_factory=NearDupConfig)
    decontaminate: tuple[str, ...] = ()  # benchmark files, FILE or FILE:COLUMN
    decontaminate_nsmc_test: bool = True  # NSMC's test split whenever the recipe knows one
    decontaminate_ngram: int = DEFAULT_NGRAM
    exclusions: ExclusionPolicy = field(default_factory=ExclusionPolicy)

"""Data contracts of the corpus stage: documents, rejects, and output shards."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl
import pyarrow as pa

from corpus.sources import SOURCES

SOURCE_NAMES = tuple(source.name for source in SOURCES)  # declared in corpus/sources.py


@dataclass(frozen=True, slots=True)
class Document:
    """The unit that never spans an example boundary: a review, a comment, an article, ..."""

    source: str
    doc_id: str
    text: str
    meta: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class Reject:
    """A record a reader could not turn into a Document, with the reason and where it was."""

    source: str
    path: str
    location: str
    reason: str
    detail: str = ""
    sample: str = field(default="", repr=False)


# Frames flowing through the cleaning steps (meta is dropped: the shards do not carry it).
DOCUMENT_FRAME_SCHEMA = {"source": pl.String, "doc_id": pl.String, "text": pl.String}

# parquet/shard-NNNNN.parquet: the same rows as text/shard-NNNNN.txt.
SHARD_SCHEMA = pa.schema(
    [
        pa.field("source", pa.string(), nullable=False),
        pa.field("doc_id", pa.string(), nullable=False),
        pa.field("sentences", pa.list_(pa.string()), nullable=False),
    ]
)

REJECT_FIELDS = ("source", "path", "location", "reason", "detail", "sample")


# manifest.json of a corpus folder (OUT/RECIPE): the recipe it was built with (vocab size
# included, so that vocab.build needs no second copy of it), the options, per-source counts
# and per-shard sha256. The typed form is below; keys are as they always were, plus `version`.
from pathlib import Path  # noqa: E402  (appended below the contracts above)

from kosent_common.manifest import Manifest  # noqa: E402


@dataclass(kw_only=True)
class CorpusManifest(Manifest):
    WRITTEN_BY = "python -m corpus.build"  # not annotated: a class constant, not a field

    recipe: str
    description: str = ""
    vocab_size: int
    code_version: str = ""
    seed: int = 0
    options: dict[str, Any] = field(default_factory=dict)
    splitter: dict[str, Any] = field(default_factory=dict)
    nsmc_test_in_pretraining: bool = False
    quality: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    totals: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, Any] = field(default_factory=dict)
    shards: list[dict[str, Any]] = field(default_factory=list)
    sentence_length_histogram: dict[str, Any] = field(default_factory=dict)
    decontamination: dict[str, Any] | None = None
    near_duplicates: dict[str, Any] | None = None
    exclusions: dict[str, Any] | None = None  # policy and documents dropped per step
    tasks: dict[str, Any] = field(default_factory=dict)  # how the build was cut into tasks
    # The recipe as corpus.recipes parsed it (sources, vocab_size, external_vocab, ...);
    # manifests written before version 1 was typed lack it.
    recipe_definition: dict[str, Any] | None = None

    @property
    def external_vocab(self) -> bool:
        """The recipe imports its vocabulary (model5) instead of training one."""
        return bool((self.recipe_definition or {}).get("external_vocab", False))

    def text_shards(self, folder: str | Path) -> list[Path]:
        """The text shards the manifest lists, in order (a glob would also pick up strays)."""
        return [Path(folder) / "text" / f"{shard['name']}.txt" for shard in self.shards]

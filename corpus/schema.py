"""Data contracts of the corpus stage: documents, rejects, and output shards (DESIGN.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl
import pyarrow as pa

SOURCE_NAMES = (
    "reviews",
    "kcbert",
    "wiki",
    "kcc",
    "nsmc",
    "modu_spoken",
    "modu_written",
    "modu_newspaper",
    "modu_messenger",
    "modu_web",
)


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

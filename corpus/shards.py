"""One output shard: split a chunk of clean documents and write it in both formats.

`text/shard-TTTTT-PPPP.txt` is the ELECTRA pretraining format (one sentence per line, one blank
line between documents); `parquet/shard-TTTTT-PPPP.parquet` holds the same rows. The shard task
(corpus.shard_task) records the statistics and marks its shards done.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from corpus.schema import SHARD_SCHEMA
from corpus.split import SentenceSplitter, make_splitter, split_document
from kosent_common.atomic import atomic_path, write_bytes_atomic

LENGTH_BIN = 10  # characters per histogram bin
LENGTH_BINS = 51  # the last bin holds sentences of 500+ characters

_splitter: SentenceSplitter | None = None


def shard_name(task_index: int, part: int) -> str:
    """`shard-TTTTT-PPPP`: part PPPP of document task TTTTT (names sort in corpus order)."""
    return f"shard-{task_index:05d}-{part:04d}"


def shard_paths(out_dir: Path, name: str) -> dict[str, Path]:
    return {
        "text": out_dir / "text" / f"{name}.txt",
        "parquet": out_dir / "parquet" / f"{name}.parquet",
    }


def init_worker(splitter_name: str) -> None:
    """Load the sentence splitter once per worker process."""
    global _splitter
    _splitter = make_splitter(splitter_name)


def write_shard(out_dir: Path, name: str, docs: pl.DataFrame) -> tuple[dict, list[int]]:
    """Split the documents (`source`, `doc_id`, `text`) into sentences and write the shard
    atomically in both formats; (its statistics, rows of the documents with no sentence)."""
    if _splitter is None:
        raise RuntimeError("init_worker() was not called in this process")
    fallbacks_before = getattr(_splitter, "fallbacks", 0)  # lines kss-fast gave to kss
    sources, doc_ids, sentence_lists = [], [], []
    per_source: dict[str, Counter] = {}
    histogram = [0] * LENGTH_BINS
    empty: list[int] = []
    for row, (source, doc_id, text) in enumerate(
        docs.select("source", "doc_id", "text").iter_rows()
    ):
        counts = per_source.setdefault(source, Counter())
        sentences = split_document(_splitter, text)
        if not sentences:
            counts["no_sentences"] += 1
            empty.append(row)
            continue
        sources.append(source)
        doc_ids.append(doc_id)
        sentence_lists.append(sentences)
        counts["docs"] += 1
        counts["sentences"] += len(sentences)
        for sentence in sentences:
            counts["characters"] += len(sentence)
            counts["bytes"] += len(sentence.encode("utf-8")) + 1
            histogram[min(len(sentence) // LENGTH_BIN, LENGTH_BINS - 1)] += 1
    text = "\n\n".join("\n".join(s) for s in sentence_lists)
    text_bytes = (text + "\n").encode("utf-8") if text else b""
    paths = shard_paths(out_dir, name)
    write_bytes_atomic(paths["text"], text_bytes)
    table = pa.table(
        {"source": sources, "doc_id": doc_ids, "sentences": sentence_lists}, schema=SHARD_SCHEMA
    )
    with atomic_path(paths["parquet"]) as tmp:
        pq.write_table(table, tmp, compression="zstd", row_group_size=10_000)
    state = {
        "shard": name,
        "docs_in": docs.height,
        "docs": len(doc_ids),
        "sentences": sum(len(s) for s in sentence_lists),
        "sha256": {
            "text": hashlib.sha256(text_bytes).hexdigest(),
            "parquet": hashlib.sha256(paths["parquet"].read_bytes()).hexdigest(),
        },
        "per_source": {src: dict(sorted(c.items())) for src, c in sorted(per_source.items())},
        "sentence_length_histogram": histogram,
        "splitter": {
            "ran": _splitter.name,
            "fallback_lines": getattr(_splitter, "fallbacks", 0) - fallbacks_before,
        },
    }
    return state, empty

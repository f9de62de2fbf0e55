"""One output shard: split a chunk of clean documents and write it in both formats.

`text/shard-NNNNN.txt` is the ELECTRA pretraining format (one sentence per line, one blank line
between documents); `parquet/shard-NNNNN.parquet` holds the same rows. `state/shard-NNNNN.json`
is written last: it marks the shard done and carries its statistics, so a resumed build skips it.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from corpus.schema import SHARD_SCHEMA
from corpus.split import SentenceSplitter, make_splitter, split_document
from kosent_common.atomic import atomic_path, write_bytes_atomic
from kosent_common.resume import finished, write_state

LENGTH_BIN = 10  # characters per histogram bin
LENGTH_BINS = 51  # the last bin holds sentences of 500+ characters

_splitter: SentenceSplitter | None = None


@dataclass(frozen=True)
class ShardTask:
    index: int
    out_dir: Path
    docs: pl.DataFrame  # source, doc_id, text
    input_sha256: str


def shard_name(index: int) -> str:
    return f"shard-{index:05d}"


def shard_paths(out_dir: Path, index: int) -> dict[str, Path]:
    name = shard_name(index)
    return {
        "text": out_dir / "text" / f"{name}.txt",
        "parquet": out_dir / "parquet" / f"{name}.parquet",
        "state": out_dir / "state" / f"{name}.json",
    }


def chunk_sha256(docs: pl.DataFrame) -> str:
    digest = hashlib.sha256()
    for source, doc_id, text in docs.iter_rows():
        digest.update(f"{source}\x1f{doc_id}\x1f{text}\x1e".encode())
    return digest.hexdigest()


def finished_shard(out_dir: Path, index: int, input_sha256: str) -> dict | None:
    """Statistics of a shard already written from the same input, else None."""
    paths = shard_paths(out_dir, index)
    return finished(paths["state"], "input_sha256", input_sha256, [paths["text"], paths["parquet"]])


def init_worker(splitter_name: str) -> None:
    """Load the sentence splitter once per worker process."""
    global _splitter
    _splitter = make_splitter(splitter_name)


def process_shard(task: ShardTask) -> dict:
    """Split the chunk's documents into sentences and write the shard atomically."""
    if _splitter is None:
        raise RuntimeError("init_worker() was not called in this process")
    fallbacks_before = getattr(_splitter, "fallbacks", 0)  # lines kss-fast gave to kss
    sources, doc_ids, sentence_lists = [], [], []
    per_source: dict[str, Counter] = {}
    histogram = [0] * LENGTH_BINS
    for source, doc_id, text in task.docs.iter_rows():
        counts = per_source.setdefault(source, Counter())
        sentences = split_document(_splitter, text)
        if not sentences:
            counts["no_sentences"] += 1
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
    paths = shard_paths(task.out_dir, task.index)
    write_bytes_atomic(paths["text"], text_bytes)
    table = pa.table(
        {"source": sources, "doc_id": doc_ids, "sentences": sentence_lists}, schema=SHARD_SCHEMA
    )
    with atomic_path(paths["parquet"]) as tmp:
        pq.write_table(table, tmp, compression="zstd", row_group_size=10_000)
    state = {
        "shard": shard_name(task.index),
        "input_sha256": task.input_sha256,
        "docs_in": task.docs.height,
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
    write_state(paths["state"], state)
    return state

"""The first stage, in a worker: read one task's slice of the input and run the recipe's
per-document steps on it, a batch at a time.

It writes (corpus.work): the kept documents (Parquet), their exact-dedup keys and their
MinHash LSH band keys as sorted key files, their MinHash signatures, what each step dropped
(corpus.exclusions), the reader's rejects, and last a state file with the counts, which
marks the task done.
"""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow.parquet as pq

from corpus.decontaminate import BenchmarkIndex, BenchmarkSpec, Decontaminator, read_benchmark
from corpus.dedup import text_hashes
from corpus.exclusions import ExclusionPolicy, ExclusionWriter
from corpus.neardup import NearDupConfig, band_keys, minhash_signatures
from corpus.plan import DocumentTask, plan_tasks
from corpus.schema import DOCUMENT_FRAME_SCHEMA, Document, Reject
from corpus.sources import get_source
from corpus.steps import StepContext, drop_counts, make_steps
from corpus.work import orders, save_sorted_keys, task_files
from kosent_common.atomic import atomic_path, atomic_write
from kosent_common.resume import finished, write_state

DOCS_SCHEMA = pl.DataFrame(schema=DOCUMENT_FRAME_SCHEMA).to_arrow().schema


@dataclass(frozen=True)
class DocumentJob:
    task: DocumentTask
    out_dir: Path
    steps: tuple[str, ...]
    context: StepContext
    near_dup: NearDupConfig
    exclusions: ExclusionPolicy
    batch_docs: int = 5_000


_benchmarks: tuple[BenchmarkIndex, list[str]] | None = None


def init_document_worker(specs: tuple[BenchmarkSpec, ...], ngram: int) -> None:
    """Load the benchmark index once per worker process (none without benchmarks)."""
    global _benchmarks
    if not specs:
        _benchmarks = None
        return
    texts = [text for spec in specs for text in read_benchmark(spec)]
    _benchmarks = (BenchmarkIndex(texts, ngram), [s.describe() for s in specs])


def finished_documents(job: DocumentJob) -> dict | None:
    files = task_files(job.out_dir, job.task.name)
    return finished(files["state"], "task", _task_key(job.task), [files["docs"]])


def run_document_task(job: DocumentJob) -> dict:
    task, files = job.task, task_files(job.out_dir, job.task.name)
    decontaminator = Decontaminator(*_benchmarks) if _benchmarks else None
    context = dataclasses.replace(job.context, decontaminator=decontaminator)
    steps = make_steps(job.steps, context)
    docs_in, drops, per_step, rows = Counter(), Counter(), Counter(), 0
    step_reasons: Counter = Counter()  # (step, reason) -> documents; readers' rejects: "read"
    exact_keys, band_records = [], []
    near = job.near_dup
    bands, band_rows = near.bands() if near.enabled else (0, 0)
    with ExitStack() as stack:
        rejects = stack.enter_context(atomic_write(files["rejects"], "w"))
        excluded = stack.enter_context(ExclusionWriter(job.out_dir, task.name, job.exclusions))
        docs_temp = stack.enter_context(atomic_path(files["docs"]))
        writer = stack.enter_context(pq.ParquetWriter(docs_temp, DOCS_SCHEMA, compression="zstd"))
        signature_file = None
        if near.enabled:
            signature_temp = stack.enter_context(atomic_path(files["signatures"]))
            signature_file = stack.enter_context(open(signature_temp, "wb"))
            signature_file.write(np.uint32(near.num_perm).tobytes())

        def reject(item: Reject) -> None:
            drops[(item.source, item.reason)] += 1
            step_reasons[("read", item.reason)] += 1
            rejects.write(json.dumps(dataclasses.asdict(item), ensure_ascii=False) + "\n")

        for frame in _frames(_read(task, reject), job.batch_docs):
            for source, n in frame.group_by("source").len().iter_rows():
                docs_in[source] += n
            for step in steps:
                frame, dropped = step.apply(frame)
                counts = drop_counts(dropped)
                drops += counts
                for (_, reason), n in counts.items():
                    step_reasons[(step.name, reason)] += n
                per_step[step.name] += dropped.height
                excluded.add(step.name, dropped)
            if not frame.height:
                continue
            writer.write_table(frame.to_arrow().cast(DOCS_SCHEMA))
            order = orders(task.index, np.arange(rows, rows + frame.height))
            rows += frame.height
            exact_keys.append((text_hashes(frame).astype(np.uint64), order))
            if near.enabled:
                signatures, eligible = minhash_signatures(
                    frame["text"], near.shingle, near.num_perm, near.min_chars
                )
                signature_file.write(np.ascontiguousarray(signatures).tobytes())
                keys = band_keys(signatures[eligible], bands, band_rows)
                band_records.append((keys.ravel(), np.repeat(order[eligible], bands)))
    save_sorted_keys(files["exact"], *_concat(exact_keys))
    save_sorted_keys(files["bands"], *_concat(band_records))
    state = {
        "task": _task_key(task),
        "rows": rows,
        "docs_in": dict(sorted(docs_in.items())),
        "drops": [[s, r, n] for (s, r), n in sorted(drops.items())],
        "steps": {name: per_step[name] for name in job.steps},
        "step_reasons": [[step, r, n] for (step, r), n in sorted(step_reasons.items())],
        "decontamination": decontaminator.found() if decontaminator else None,
    }
    write_state(files["state"], state)
    return state


def read_recipe(
    sources: tuple[str, ...], files: dict[str, list[Path]], include_test_splits: bool = False
) -> Iterator[Document]:
    """Every document of the recipe's files in recipe order, read in this process (for
    benchmarks and tools; rejects are ignored)."""
    for task in plan_tasks(sources, files, 1 << 62, include_test_splits).tasks:
        yield from _read(task, lambda reject: None)


def _task_key(task: DocumentTask) -> dict:
    return json.loads(json.dumps(dataclasses.asdict(task)))


def _read(task: DocumentTask, reject) -> Iterator[Document]:
    read = get_source(task.source).read
    for part in task.slices:
        try:
            yield from read(Path(part.path), task.source, reject, **part.reader_options())
        except OSError as err:  # vanished, unreadable, I/O error: record it, go on
            reject(
                Reject(
                    task.source,
                    part.path,
                    "file",
                    "unreadable_file",
                    f"{type(err).__name__}: {err}",
                )
            )


def _frames(documents: Iterator[Document], size: int) -> Iterator[pl.DataFrame]:
    batch: list[Document] = []
    for document in documents:
        batch.append(document)
        if len(batch) >= size:
            yield _frame(batch)
            batch = []
    if batch:
        yield _frame(batch)


def _frame(batch: list[Document]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "source": [d.source for d in batch],
            "doc_id": [d.doc_id for d in batch],
            "text": [d.text for d in batch],
        },
        schema=DOCUMENT_FRAME_SCHEMA,
    )


def _concat(pairs: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    if not pairs:
        return np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.uint64)
    return (
        np.concatenate([k for k, _ in pairs]).astype(np.uint64),
        np.concatenate([v for _, v in pairs]).astype(np.uint64),
    )

"""Exact and near deduplication across the whole recipe, as distributed stages over the
document tasks' key files (corpus.work) — the shape of a MinHash dedup at scale:

1. exact: the key space is cut into ranges; a range task gathers its keys from every
   document task, and of each key the document first in recipe order survives, the others
   are dropped (`duplicate`).
2. near, bands: the same over MinHash LSH band keys. In each band bucket the first document
   is compared with every other (estimated Jaccard similarity of their signatures, read
   memory-mapped from the tasks' signature files); each pair at or over the threshold is
   written out.
3. near, clusters: one task joins the pairs into connected components (min-label
   propagation over numpy arrays); the earliest document of each component survives, the
   others are dropped (`near_duplicate`). It holds the pairs only: memory grows with the
   number of near-duplicates, not with the corpus.

Survivors are defined by recipe order alone (source order in the recipe, then file order,
then position), so the result does not depend on the number of tasks, workers or the
executor. A document dropped as an exact duplicate has the same signature as its survivor,
so it joins that survivor's component and never survives near-dedup in its place.
Every range and the cluster task write their drops sorted by document order; a document
task's drops are found with binary searches (`task_drops`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from corpus.work import (
    ROW_BITS,
    key_bounds,
    key_range,
    read_signatures,
    row_of,
    save_array,
    task_files,
    task_of,
    work_dir,
)
from kosent_common.resume import finished, write_state

RANGE_PAIRS = 2_000_000  # (key, order) pairs per range task: 32 MB of keys in memory
VERIFY_BLOCK = 50_000  # pairs whose signatures are compared at once (2 x 25 MB)


@dataclass(frozen=True)
class RangeJob:
    out_dir: Path
    kind: str  # "exact" or "bands"
    index: int
    low: int
    high: int | None
    task_names: tuple[str, ...]
    threshold: float = 0.5


def range_jobs(
    out_dir: Path, kind: str, task_names: tuple[str, ...], pairs: int, threshold: float = 0.5
) -> list[RangeJob]:
    """Range tasks for `pairs` (key, order) pairs in all: about RANGE_PAIRS each."""
    ranges = max(1, -(-pairs // RANGE_PAIRS))
    return [
        RangeJob(out_dir, kind, i, low, high, task_names, threshold)
        for i, (low, high) in enumerate(key_bounds(ranges))
    ]


def drops_prefix(out_dir: Path, kind: str, index: int) -> Path:
    return work_dir(out_dir) / kind / f"range-{index:05d}"


def finished_range(job: RangeJob) -> dict | None:
    prefix = drops_prefix(job.out_dir, job.kind, job.index)
    return finished(prefix.with_suffix(".json"), "range", [job.low, job.high], [])


def run_range(job: RangeJob) -> dict:
    keys, values = [], []
    for name in job.task_names:
        k, v = key_range(task_files(job.out_dir, name)[job.kind], job.low, job.high)
        keys.append(k)
        values.append(v)
    key = np.concatenate(keys) if keys else np.zeros(0, dtype=np.uint64)
    order = np.concatenate(values) if values else np.zeros(0, dtype=np.uint64)
    sort = np.lexsort((order, key))
    key, order = key[sort], order[sort]
    first = np.r_[True, key[1:] != key[:-1]] if len(key) else np.zeros(0, dtype=bool)
    survivor = order[np.flatnonzero(first)[np.cumsum(first) - 1]] if len(key) else order
    others = ~first
    a, b = survivor[others], order[others]
    prefix = drops_prefix(job.out_dir, job.kind, job.index)
    if job.kind == "exact":
        sort = np.argsort(b, kind="stable")
        save_array(prefix.with_suffix(".orders.npy"), b[sort])
        save_array(prefix.with_suffix(".of.npy"), a[sort])
        result = {"range": [job.low, job.high], "pairs": len(key), "drops": len(b)}
    else:
        similar = _similar(job.out_dir, job.task_names, a, b, job.threshold)
        pairs = np.unique(np.stack([a[similar], b[similar]], axis=1), axis=0)
        save_array(prefix.with_suffix(".pairs.npy"), pairs.astype(np.uint64))
        result = {"range": [job.low, job.high], "pairs": len(key), "similar": len(pairs)}
    write_state(prefix.with_suffix(".json"), result)
    return result


@dataclass(frozen=True)
class ClusterJob:
    out_dir: Path
    ranges: int


def cluster_prefix(out_dir: Path) -> Path:
    return work_dir(out_dir) / "near" / "clusters"


def finished_clusters(job: ClusterJob) -> dict | None:
    return finished(cluster_prefix(job.out_dir).with_suffix(".json"), "ranges", job.ranges, [])


def run_clusters(job: ClusterJob) -> dict:
    """Connected components of the similar pairs; all but each component's first are dropped."""
    parts = [
        np.load(drops_prefix(job.out_dir, "bands", i).with_suffix(".pairs.npy"))
        for i in range(job.ranges)
    ]
    pairs = np.concatenate(parts) if parts else np.zeros((0, 2), dtype=np.uint64)
    nodes = np.unique(pairs)
    a, b = np.searchsorted(nodes, pairs[:, 0]), np.searchsorted(nodes, pairs[:, 1])
    labels = np.arange(len(nodes))
    while True:
        smaller = np.minimum(labels[a], labels[b])
        new = labels.copy()
        np.minimum.at(new, a, smaller)
        np.minimum.at(new, b, smaller)
        new = new[new]  # a label is an earlier node: jump to its label
        if np.array_equal(new, labels):
            break
        labels = new
    dropped = np.flatnonzero(labels != np.arange(len(nodes)))
    prefix = cluster_prefix(job.out_dir)
    save_array(prefix.with_suffix(".orders.npy"), nodes[dropped])
    save_array(prefix.with_suffix(".of.npy"), nodes[labels[dropped]])
    result = {"ranges": job.ranges, "pairs": len(pairs), "drops": len(dropped)}
    write_state(prefix.with_suffix(".json"), result)
    return result


def task_drops(prefixes: list[Path], task_index: int) -> tuple[np.ndarray, np.ndarray]:
    """(rows of the task dropped, order of the document each duplicates) from drop files."""
    low = np.uint64(task_index << ROW_BITS)
    high = np.uint64((task_index + 1) << ROW_BITS)
    rows, of = [], []
    for prefix in prefixes:
        orders = np.load(prefix.with_suffix(".orders.npy"), mmap_mode="r")
        start, end = np.searchsorted(orders, [low, high])
        if end > start:
            rows.append(row_of(np.array(orders[start:end])))
            of.append(np.array(np.load(prefix.with_suffix(".of.npy"), mmap_mode="r")[start:end]))
    if not rows:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.uint64)
    return np.concatenate(rows), np.concatenate(of)


def _similar(
    out_dir: Path, task_names: tuple[str, ...], a: np.ndarray, b: np.ndarray, threshold: float
) -> np.ndarray:
    """Per pair: estimated Jaccard similarity of the two documents' signatures >= threshold."""
    similar = np.zeros(len(a), dtype=bool)
    for start in range(0, len(a), VERIFY_BLOCK):
        block = slice(start, start + VERIFY_BLOCK)
        sig_a = _signatures(out_dir, task_names, a[block])
        sig_b = _signatures(out_dir, task_names, b[block])
        equal = np.count_nonzero(sig_a == sig_b, axis=1)
        similar[block] = equal >= threshold * sig_a.shape[1]
    return similar


def _signatures(out_dir: Path, task_names: tuple[str, ...], orders: np.ndarray) -> np.ndarray:
    tasks, rows = task_of(orders), row_of(orders)
    out = None
    for task in np.unique(tasks):
        signatures = read_signatures(task_files(out_dir, task_names[task])["signatures"])
        if out is None:
            out = np.zeros((len(orders), signatures.shape[1]), dtype=np.uint32)
        where = np.flatnonzero(tasks == task)
        out[where] = signatures[rows[where]]
    return out if out is not None else np.zeros((0, 0), dtype=np.uint32)

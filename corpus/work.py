"""The build's intermediate files under `OUT/RECIPE/work/` (removed when the build ends):
where each stage's tasks write, and the sorted key files the dedup stages read in ranges.

A document's *order* is `task << 32 | row` (its row in the task's documents file): recipe
order, the same whatever the number of workers. Key files hold (key, order) pairs sorted by
key, as two .npy files memory-mapped by readers, so a reducer takes its key range from every
task with two binary searches and never loads a whole file.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from kosent_common.atomic import atomic_path

ROW_BITS = 32
ROW_MASK = np.uint64((1 << ROW_BITS) - 1)


def work_dir(out_dir: Path) -> Path:
    return out_dir / "work"


def task_files(out_dir: Path, task_name: str) -> dict[str, Path]:
    work = work_dir(out_dir)
    return {
        "docs": work / "docs" / f"{task_name}.parquet",
        "state": work / "docs" / f"{task_name}.json",
        "rejects": work / "rejects" / f"{task_name}.jsonl",
        "exact": work / "keys" / f"{task_name}.exact",
        "bands": work / "keys" / f"{task_name}.bands",
        "signatures": work / "minhash" / f"{task_name}.u32",
    }


def orders(task_index: int, rows: np.ndarray) -> np.ndarray:
    return (np.uint64(task_index) << np.uint64(ROW_BITS)) | rows.astype(np.uint64)


def task_of(order: np.ndarray) -> np.ndarray:
    return (order >> np.uint64(ROW_BITS)).astype(np.int64)


def row_of(order: np.ndarray) -> np.ndarray:
    return (order & ROW_MASK).astype(np.int64)


def save_array(path: Path, array: np.ndarray) -> None:
    with atomic_path(path) as temp, open(temp, "wb") as handle:
        np.save(handle, array)


def read_signatures(path: Path) -> np.ndarray:
    """A task's MinHash signatures, memory-mapped: uint32 [rows, num_perm]. The file is the
    rows' raw bytes, appended a batch at a time; its first 4 bytes hold num_perm."""
    width = int(np.fromfile(path, dtype=np.uint32, count=1)[0])
    return np.memmap(path, dtype=np.uint32, mode="r", offset=4).reshape(-1, width)


def save_sorted_keys(prefix: Path, keys: np.ndarray, values: np.ndarray) -> None:
    """Write (key, value) pairs sorted by key, then value (a stable sort of values given in
    ascending order)."""
    order = np.lexsort((values, keys))
    save_array(prefix.with_suffix(prefix.suffix + ".keys.npy"), keys[order])
    save_array(prefix.with_suffix(prefix.suffix + ".values.npy"), values[order])


def key_range(prefix: Path, low: int, high: int | None) -> tuple[np.ndarray, np.ndarray]:
    """The pairs with low <= key < high (None: no upper bound) of one sorted key file."""
    keys = np.load(prefix.with_suffix(prefix.suffix + ".keys.npy"), mmap_mode="r")
    values = np.load(prefix.with_suffix(prefix.suffix + ".values.npy"), mmap_mode="r")
    start = int(np.searchsorted(keys, np.uint64(low), side="left"))
    end = len(keys) if high is None else int(np.searchsorted(keys, np.uint64(high), side="left"))
    return np.array(keys[start:end]), np.array(values[start:end])


def key_file_length(prefix: Path) -> int:
    keys = np.load(prefix.with_suffix(prefix.suffix + ".keys.npy"), mmap_mode="r")
    return len(keys)


def key_bounds(ranges: int) -> list[tuple[int, int | None]]:
    """`ranges` equal slices of the uint64 key space (keys are hashes: evenly spread)."""
    step = (1 << 64) // ranges
    bounds = [i * step for i in range(ranges)]
    return [(low, bounds[i + 1] if i + 1 < ranges else None) for i, low in enumerate(bounds)]

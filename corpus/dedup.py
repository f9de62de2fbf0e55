"""Exact deduplication across a whole recipe, on a hash of the whitespace-free text.

`SeenHashes` keeps 8 bytes per distinct document in sorted numpy runs merged like an LSM
tree (a Python set would take ~70 bytes each: 6 GB for the 86M KcBERT comments).
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import polars as pl

HASH_SEED = 0x6B6F73656E74  # fixed: dedup must not depend on the sampling seed


class SeenHashes:
    """A growing set of uint64 hashes with vectorised membership tests."""

    def __init__(self) -> None:
        self._runs: list[np.ndarray] = []

    def __len__(self) -> int:
        return sum(len(run) for run in self._runs)

    def add_new(self, hashes: np.ndarray) -> np.ndarray:
        """Return a mask of the hashes not seen before (first occurrence in `hashes` wins)."""
        hashes = np.asarray(hashes, dtype=np.uint64)
        _, first = np.unique(hashes, return_index=True)
        new = np.zeros(len(hashes), dtype=bool)
        new[first] = True
        for run in self._runs:
            pos = np.searchsorted(run, hashes)
            pos[pos == len(run)] = 0
            new &= run[pos] != hashes if len(run) else True
        self._insert(np.unique(hashes[new]))
        return new

    def _insert(self, run: np.ndarray) -> None:
        if not len(run):
            return
        self._runs.append(run)
        # Merge runs of similar size: O(log n) runs, each element merged O(log n) times.
        while len(self._runs) > 1 and len(self._runs[-2]) <= 2 * len(self._runs[-1]):
            last = self._runs.pop()
            self._runs[-1] = np.union1d(self._runs[-1], last)


def text_hashes(frame: pl.DataFrame) -> np.ndarray:
    key = pl.col("text").str.replace_all(r"\s+", "").hash(HASH_SEED)
    return frame.select(key).to_series().to_numpy()


def drop_duplicates(frame: pl.DataFrame, seen: SeenHashes) -> tuple[pl.DataFrame, Counter]:
    """Keep the first occurrence (in recipe order) of each text; count the rest per source."""
    if not frame.height:
        return frame, Counter()
    new = pl.Series(seen.add_new(text_hashes(frame)))
    counts: Counter = Counter()
    for source, n in frame.filter(~new).group_by("source").len().iter_rows():
        counts[(source, "duplicate")] += n
    return frame.filter(new), counts

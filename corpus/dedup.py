"""Exact deduplication on a hash of the whitespace-free text (`text_hashes`: the build's key,
deduplicated across the whole recipe by corpus.dedup_stages), and the fuzzy-matching keys.

`SeenHashes` / `drop_duplicates` are the single-process streaming form, kept for
bench/corpus_quality.py.

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


# --- Keys for fuzzy matching (near-duplicates, benchmark decontamination) -------------------

_MASK64 = np.uint64(0xFFFFFFFFFFFFFFFF)
_PRIME = np.uint64(0x100000001B3)  # FNV-64 prime: the rolling hash's base


def matching_text(texts: pl.Expr) -> pl.Expr:
    """What fuzzy matching compares: NFC, lowercase, letters and digits only (Korean spacing
    and punctuation vary between copies of one text)."""
    return texts.str.normalize("NFC").str.to_lowercase().str.replace_all(r"[^\p{L}\p{N}]+", "")


def codepoints(texts: pl.Series) -> tuple[np.ndarray, np.ndarray]:
    """Code points of `matching_text(texts)` concatenated, and each text's start offset
    (length n + 1). Runs of one non-digit character longer than two shrink to two, as the
    cleaning's repeat collapse does, so `ㅋㅋㅋㅋ` in a benchmark matches `ㅋㅋ` in a corpus."""
    keys = pl.DataFrame({"t": texts}).select(matching_text(pl.col("t"))).to_series()
    joined = "".join(keys.to_list())
    cps = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32)
    lengths = keys.str.len_chars().to_numpy().astype(np.int64)
    doc = np.repeat(np.arange(len(lengths)), lengths)
    if len(cps) > 2:
        same = (cps[2:] == cps[1:-1]) & (cps[1:-1] == cps[:-2]) & (doc[2:] == doc[:-2])
        digit = (cps[2:] >= 0x30) & (cps[2:] <= 0x39)
        keep = np.ones(len(cps), dtype=bool)
        keep[2:] = ~(same & ~digit)
        cps, doc = cps[keep], doc[keep]
        lengths = np.bincount(doc, minlength=len(lengths)).astype(np.int64)
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    return cps, offsets


def mix64(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: spreads every input bit over the 64 output bits."""
    with np.errstate(over="ignore"):
        x = x.astype(np.uint64, copy=True)
        x ^= x >> np.uint64(30)
        x *= np.uint64(0xBF58476D1CE4E5B9)
        x ^= x >> np.uint64(27)
        x *= np.uint64(0x94D049BB133111EB)
        x ^= x >> np.uint64(31)
    return x


def ngram_hashes(
    cps: np.ndarray, offsets: np.ndarray, n: int, short: str = "whole"
) -> tuple[np.ndarray, np.ndarray]:
    """64-bit hashes of every character n-gram of every text, and the text each belongs to
    (ascending). A text shorter than n gives one hash of its whole self (`short="whole"`) or
    nothing (`short="none"`); an empty text gives nothing."""
    lengths = np.diff(offsets)
    total = len(cps)
    values = cps.astype(np.uint64)
    if total >= n:
        count = total - n + 1
        h = np.zeros(count, dtype=np.uint64)
        with np.errstate(over="ignore"):
            for k in range(n):
                h = h * _PRIME + values[k : k + count]
        starts = np.arange(count)
        doc = np.searchsorted(offsets, starts, side="right") - 1
        valid = starts + n <= offsets[doc + 1]
        hashes, docs = mix64(h[valid]), doc[valid]
    else:
        hashes, docs = np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64)
    if short == "whole":
        small = np.flatnonzero((lengths > 0) & (lengths < n))
        if len(small):
            whole = _segment_hashes(values, offsets)[small]
            hashes = np.concatenate([hashes, mix64(whole ^ np.uint64(n))])
            docs = np.concatenate([docs, small])
            order = np.argsort(docs, kind="stable")
            hashes, docs = hashes[order], docs[order]
    return hashes, docs


def whole_text_hashes(cps: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """One 64-bit hash per text of its matching key (for exact matches)."""
    return mix64(_segment_hashes(cps.astype(np.uint64), offsets))


def _segment_hashes(values: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Polynomial hash (mod 2**64) of each segment values[offsets[i]:offsets[i + 1]],
    seeded with its length; vectorised with a table of powers of the base."""
    lengths = np.diff(offsets)
    out = lengths.astype(np.uint64)
    if not len(values):
        return out
    powers = np.ones(int(lengths.max()) + 1, dtype=np.uint64)
    with np.errstate(over="ignore"):
        powers[1:] = np.cumprod(np.full(len(powers) - 1, _PRIME, dtype=np.uint64))
        doc = np.repeat(np.arange(len(lengths)), lengths)
        exponent = offsets[doc + 1] - 1 - np.arange(len(values))
        terms = values * powers[exponent]
        nonempty = lengths > 0
        sums = np.zeros(len(lengths), dtype=np.uint64)
        sums[nonempty] = np.add.reduceat(terms, offsets[:-1][nonempty])
        out = out * powers[lengths] + sums
    return out

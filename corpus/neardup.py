"""Near-duplicate detection: MinHash over character n-gram shingles, banded LSH.

The build uses `minhash_signatures` and `band_keys` here (in its document tasks) and finds
the duplicates in distributed stages (corpus.dedup_stages). `NearDuplicates` below is the
single-process streaming form of the same test, kept as the reference bench/corpus_quality.py
measures variants with; the build does not use it.

In `NearDuplicates`, documents arrive in recipe order (source priority, then input order). A
document is dropped when one of its LSH bands equals a band of a document kept before it;
otherwise it is kept and its bands go into the index. So the first document of each cluster is
kept, kept documents are never near-duplicates of each other, and a rerun gives the same answer
(no randomness but the fixed hash seed). Shingles are n-grams of `matching_text` (no spaces or
punctuation: Korean spacing is unreliable), hashed and MinHashed with numpy (multiply-shift
hashing of 64-bit shingle hashes) — see bench/RESULTS.md for why not datasketch's per-document
MinHash.

Memory: the index holds 16 bytes per band per kept document (band key, ordinal), in sorted
runs merged like an LSM tree; a run of `spill_rows` (250k) or more is written to the spill
folder and memory-mapped, so about 2 x 250k x 16 bytes per band (200 MB for 25 bands) at most
stay in anonymous memory however large the corpus (a merge of spilled runs reads them once).
Signatures (512 bytes per kept document) are kept for confirming candidates: past 50k
documents, older batches are spilled the same way. Spilled pages are file-backed (the page
cache), which the kernel can drop.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from corpus.dedup import codepoints, mix64, ngram_hashes

NEARDUP_SEED = 0x6E6561726475  # fixed: the result must not depend on the sampling seed
SAMPLE_CLUSTERS = 20  # dropped documents (with what they duplicate) kept for the report


@dataclass(frozen=True)
class NearDupConfig:
    enabled: bool = True
    shingle: int = 3  # characters per shingle (of the letters-and-digits key)
    threshold: float = 0.5  # estimated Jaccard similarity at which documents are duplicates
    num_perm: int = 128
    min_chars: int = 10  # shorter keys are left to exact dedup (too few shingles to compare)

    def bands(self) -> tuple[int, int]:
        """(bands, rows) minimising false positives + negatives at `threshold` (datasketch)."""
        from datasketch.lsh import _optimal_param

        return _optimal_param(self.threshold, self.num_perm, 0.5, 0.5)


def minhash_signatures(
    texts: pl.Series, shingle: int, num_perm: int, min_chars: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """(signatures uint32 [len(texts), num_perm], mask of texts long enough to compare)."""
    cps, offsets = codepoints(texts)
    lengths = np.diff(offsets)
    eligible = lengths >= max(min_chars, 1)
    hashes, docs = ngram_hashes(cps, offsets, shingle, short="whole")
    keep = eligible[docs]
    hashes, docs = hashes[keep], docs[keep]
    signatures = np.full((len(texts), num_perm), np.iinfo(np.uint32).max, dtype=np.uint32)
    if not len(hashes):
        return signatures, eligible
    starts = np.flatnonzero(np.r_[True, docs[1:] != docs[:-1]])
    owners = docs[starts]
    a, b = _permutations(num_perm)
    with np.errstate(over="ignore"):
        for k in range(num_perm):  # multiply-shift: a universal family on 64-bit keys
            values = ((hashes * a[k] + b[k]) >> np.uint64(32)).astype(np.uint32)
            signatures[owners, k] = np.minimum.reduceat(values, starts)
    return signatures, eligible


def _permutations(num_perm: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(NEARDUP_SEED)
    a = rng.integers(0, 2**63, size=num_perm, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    b = rng.integers(0, 2**63, size=num_perm, dtype=np.uint64)
    return a, b


def band_keys(signatures: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """[docs, bands] uint64: one hash per band of `rows` signature values."""
    keys = np.zeros((len(signatures), bands), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for band in range(bands):
            h = np.full(len(signatures), band + 1, dtype=np.uint64)
            for value in signatures[:, band * rows : (band + 1) * rows].T:
                h = mix64(h * np.uint64(0x100000001B3) + value.astype(np.uint64))
            keys[:, band] = h
    return keys


class BandIndex:
    """uint64 key -> uint64 value (the first inserted wins), in sorted runs; lookups are
    vectorised. Runs longer than `spill_rows` are written to `spill_dir` and memory-mapped."""

    def __init__(self, spill_dir: Path | None = None, spill_rows: int = 250_000) -> None:
        self._runs: list[tuple[np.ndarray, np.ndarray]] = []
        self._spill_dir = spill_dir
        self._spill_rows = spill_rows
        self._spilled = 0

    def __len__(self) -> int:
        return sum(len(keys) for keys, _ in self._runs)

    def lookup(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(found mask, value where found) for each key; older runs win."""
        order = np.argsort(keys)  # sorted queries: searchsorted walks the run once
        queries = keys[order]
        found = np.zeros(len(keys), dtype=bool)
        values = np.zeros(len(keys), dtype=np.uint64)
        for run_keys, run_values in self._runs:  # oldest first
            if not len(run_keys):
                continue
            pos = np.searchsorted(run_keys, queries)
            pos[pos == len(run_keys)] = 0
            hit = ~found & (np.asarray(run_keys[pos]) == queries)
            values[hit] = np.asarray(run_values[pos[hit]])
            found |= hit
        unsorted_found = np.empty_like(found)
        unsorted_values = np.empty_like(values)
        unsorted_found[order], unsorted_values[order] = found, values
        return unsorted_found, unsorted_values

    def insert(self, keys: np.ndarray, values: np.ndarray) -> None:
        """Add keys not present yet (callers insert only keys that lookup did not find)."""
        if not len(keys):
            return
        keys, first = np.unique(keys, return_index=True)
        self._runs.append((keys, values[first]))
        while len(self._runs) > 1 and len(self._runs[-2][0]) <= 2 * len(self._runs[-1][0]):
            new_keys, new_values = self._runs.pop()
            old_keys, old_values = self._runs.pop()
            merged_keys = np.concatenate([old_keys, new_keys])
            merged_values = np.concatenate([old_values, new_values])
            order = np.argsort(merged_keys, kind="stable")  # old before new on equal keys
            merged_keys, merged_values = merged_keys[order], merged_values[order]
            unique = np.r_[True, merged_keys[1:] != merged_keys[:-1]]
            for array in (old_keys, old_values, new_keys, new_values):
                if isinstance(array, np.memmap):  # merged: its file is no longer needed
                    Path(array.filename).unlink(missing_ok=True)
            self._runs.append(self._maybe_spill(merged_keys[unique], merged_values[unique]))

    def _maybe_spill(self, keys: np.ndarray, values: np.ndarray):
        if len(keys) < self._spill_rows:
            return keys, values
        if self._spill_dir is None:
            self._spill_dir = Path(tempfile.mkdtemp(prefix="kosent-neardup-"))
        self._spill_dir.mkdir(parents=True, exist_ok=True)
        self._spilled += 1
        pair = []
        for name, array in (("keys", keys), ("values", values)):
            path = self._spill_dir / f"run-{id(self):x}-{self._spilled}-{name}.npy"
            np.save(path, array)
            pair.append(np.load(path, mmap_mode="r"))
        return tuple(pair)


class SignatureStore:
    """Signatures and document keys of kept documents by ordinal, appended a batch at a time;
    past `memory_rows` rows, older batches are written to `spill_dir` and memory-mapped."""

    def __init__(self, spill_dir: Path | None = None, memory_rows: int = 50_000) -> None:
        self._starts: list[int] = []
        self._chunks: list[tuple[np.ndarray, np.ndarray]] = []
        self._spill_dir = spill_dir
        self._memory_rows = memory_rows
        self._in_memory = 0
        self.rows = 0

    def append(self, signatures: np.ndarray, keys: np.ndarray) -> np.ndarray:
        """Store rows; return their ordinals."""
        ordinals = np.arange(self.rows, self.rows + len(keys), dtype=np.uint64)
        if len(keys):
            self._starts.append(self.rows)
            self._chunks.append((signatures, keys))
            self.rows += len(keys)
            self._in_memory += len(keys)
            self._spill()
        return ordinals

    def get(self, ordinals: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(signatures, document keys) of the given ordinals."""
        ordinals = np.asarray(ordinals, dtype=np.int64)
        chunk_of = np.searchsorted(self._starts, ordinals, side="right") - 1
        width = self._chunks[0][0].shape[1] if self._chunks else 0
        signatures = np.zeros((len(ordinals), width), dtype=np.uint32)
        keys = np.zeros(len(ordinals), dtype=np.uint64)
        for chunk in np.unique(chunk_of):
            rows = np.flatnonzero(chunk_of == chunk)
            local = ordinals[rows] - self._starts[chunk]
            chunk_signatures, chunk_keys = self._chunks[chunk]
            signatures[rows] = chunk_signatures[local]
            keys[rows] = chunk_keys[local]
        return signatures, keys

    def _spill(self) -> None:
        if self._in_memory <= self._memory_rows:
            return
        if self._spill_dir is None:
            self._spill_dir = Path(tempfile.mkdtemp(prefix="kosent-neardup-"))
        self._spill_dir.mkdir(parents=True, exist_ok=True)
        for i, (signatures, keys) in enumerate(self._chunks[:-1]):
            if isinstance(signatures, np.memmap):
                continue
            pair = []
            for name, array in (("signatures", signatures), ("keys", keys)):
                path = self._spill_dir / f"chunk-{id(self):x}-{i:06d}-{name}.npy"
                np.save(path, array)
                pair.append(np.load(path, mmap_mode="r"))
            self._chunks[i] = (pair[0], pair[1])
            self._in_memory -= len(keys)


class NearDuplicates:
    """Streaming near-duplicate filter over frames in order. State: one BandIndex per band
    (band key -> ordinal of the first kept document with it) and the kept documents'
    signatures, so that LSH candidates are confirmed by their estimated Jaccard similarity
    (LSH alone flags many short reviews that share one common phrase)."""

    def __init__(self, config: NearDupConfig, spill_dir: Path | None = None) -> None:
        self.config = config
        self.bands, self.rows = config.bands()
        self._index = [BandIndex(spill_dir) for _ in range(self.bands)]
        self._store = SignatureStore(spill_dir)
        self.sample: list[dict] = []  # first dropped documents with the key of the kept one

    def drop(self, frame: pl.DataFrame) -> tuple[pl.DataFrame, Counter]:
        """Keep the first document of each cluster; count the others per source."""
        if not self.config.enabled or not frame.height:
            return frame, Counter()
        cfg = self.config
        signatures, eligible = minhash_signatures(
            frame["text"], cfg.shingle, cfg.num_perm, cfg.min_chars
        )
        keys = band_keys(signatures, self.bands, self.rows)
        doc_keys = document_keys(frame)
        drop = np.zeros(frame.height, dtype=bool)
        match = np.zeros(frame.height, dtype=np.uint64)
        # Against documents kept in earlier batches: candidates from every band, confirmed.
        in_index = np.zeros(keys.shape, dtype=bool)
        for band, index in enumerate(self._index):
            found, ordinals = index.lookup(keys[:, band])
            in_index[:, band] = found
            ask = np.flatnonzero(found & eligible & ~drop)
            if not len(ask):
                continue
            kept_signatures, kept_keys = self._store.get(ordinals[ask])
            similar = self._similar(signatures[ask], kept_signatures)
            drop[ask[similar]] = True
            match[ask[similar]] = kept_keys[similar]
        # Inside this batch, in order: against the batch's documents kept so far.
        candidates = np.zeros(frame.height, dtype=bool)
        for band in range(self.bands):
            _, inverse, counts = np.unique(keys[:, band], return_inverse=True, return_counts=True)
            candidates |= counts[inverse] > 1
        buckets: dict[tuple[int, int], list[int]] = {}
        for i in np.flatnonzero(candidates & eligible & ~drop):
            row = keys[i].tolist()
            earlier = sorted({j for b, k in enumerate(row) for j in buckets.get((b, k), ())})
            similar = (
                self._similar(signatures[[i] * len(earlier)], signatures[earlier])
                if earlier
                else np.zeros(0, dtype=bool)
            )
            if similar.any():
                drop[i], match[i] = True, doc_keys[earlier[int(np.argmax(similar))]]
            else:
                for b, k in enumerate(row):
                    buckets.setdefault((b, k), []).append(int(i))
        kept = np.flatnonzero(eligible & ~drop)
        ordinals = self._store.append(signatures[kept], doc_keys[kept])
        for band, index in enumerate(self._index):
            fresh = ~in_index[kept, band]
            index.insert(keys[kept, band][fresh], ordinals[fresh])
        self._remember(frame, drop, match)
        counts: Counter = Counter()
        dropped = frame.filter(pl.Series(drop))
        for source, n in dropped.group_by("source").len().iter_rows():
            counts[(source, "near_duplicate")] += n
        return frame.filter(pl.Series(~drop)), counts

    def _similar(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Rows whose estimated Jaccard similarity (share of equal signature values) is at
        least the threshold."""
        return (a == b).mean(axis=1) >= self.config.threshold

    def _remember(self, frame: pl.DataFrame, drop: np.ndarray, match: np.ndarray) -> None:
        room = SAMPLE_CLUSTERS - len(self.sample)
        for i in np.flatnonzero(drop)[: max(room, 0)]:
            source, doc_id, text = frame.row(int(i))
            self.sample.append(
                {"source": source, "doc_id": doc_id, "text": text[:300], "of": int(match[i])}
            )


def document_keys(frame: pl.DataFrame) -> np.ndarray:
    """A uint64 per document naming it (source, doc_id), to find a kept one again later."""
    key = pl.concat_str("source", "doc_id", separator="\x1f").hash(NEARDUP_SEED)
    return frame.select(key).to_series().to_numpy().astype(np.uint64)


def resolve_sample(sample: list[dict], parquet_files: list[Path]) -> list[dict]:
    """Replace each sample's `of` key by the kept document (source, doc_id, text) it
    duplicates, read back from the output shards."""
    wanted = {item["of"] for item in sample}
    found: dict[int, dict] = {}
    for path in parquet_files:
        if len(found) == len(wanted):
            break
        shard = pl.read_parquet(path)
        if not shard.height:
            continue
        keys = document_keys(shard.with_columns(pl.lit("").alias("text")))
        for i in np.flatnonzero(np.isin(keys, np.fromiter(wanted, dtype=np.uint64))):
            source, doc_id, sentences = shard.row(int(i))
            found.setdefault(
                int(keys[i]),
                {"source": source, "doc_id": doc_id, "text": " ".join(sentences)[:300]},
            )
    return [
        {
            "dropped": {k: item[k] for k in ("source", "doc_id", "text")},
            "kept": found.get(
                item["of"], {"source": "?", "doc_id": "?", "text": "(not in shards)"}
            ),
        }
        for item in sample
    ]

"""Benchmark decontamination: drop documents that share a long character n-gram with a
benchmark item (e.g. NSMC's test reviews), or equal one.

Texts are compared by `matching_text` (NFC, lowercase, letters and digits only, runs of one
character cut to two), so a review quoted inside a comment with other spacing, punctuation
or laughter still matches. The n-gram length is measured (bench/RESULTS.md): long enough that
ordinary phrases do not match, short enough that a quote with a few characters changed does.
A document equal to an item of at least MIN_EXACT_CHARS key characters is dropped too (reason
`benchmark_exact`); shorter items ("최고", "재밌어요") are ordinary text and are not matched.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from corpus.dedup import codepoints, ngram_hashes, whole_text_hashes

DEFAULT_NGRAM = 13  # characters of the letters-and-digits key; see bench/RESULTS.md
MIN_EXACT_CHARS = 10  # shorter items ("최고의영화") are ordinary phrases, not contamination
TEXT_COLUMNS = ("document", "text", "sentence", "review", "comments")
SAMPLE_MATCHES = 20


class BenchmarkError(ValueError):
    """A benchmark file that cannot be read as asked; the message says what to do."""


@dataclass(frozen=True)
class BenchmarkSpec:
    """A benchmark file and, for TSV/JSON, the column or field holding the text."""

    path: Path
    column: str | None = None

    @classmethod
    def parse(cls, spec: str) -> BenchmarkSpec:
        """`FILE` or `FILE:COLUMN` (a path that exists as given wins over the split)."""
        if Path(spec).exists() or ":" not in spec:
            return cls(Path(spec))
        path, _, column = spec.rpartition(":")
        return cls(Path(path), column or None)

    def describe(self) -> str:
        return f"{self.path}:{self.column}" if self.column else str(self.path)


def read_benchmark(spec: BenchmarkSpec) -> list[str]:
    """Texts of a benchmark file: a TSV column (header line), a JSON/JSONL field, or one text
    per line. Empty texts are left out."""
    path = spec.path
    try:
        raw = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as err:
        raise BenchmarkError(f"benchmark file {path} does not exist") from err
    except (OSError, UnicodeDecodeError) as err:
        raise BenchmarkError(f"benchmark file {path} cannot be read as UTF-8: {err}") from err
    if path.suffix.lower() in (".json", ".jsonl"):
        texts = _json_texts(raw, spec)
    else:
        first = raw.split("\n", 1)[0]
        texts = _tsv_texts(raw, spec) if "\t" in first or spec.column else raw.splitlines()
    return [t for t in texts if t.strip()]


def _tsv_texts(raw: str, spec: BenchmarkSpec) -> list[str]:
    rows = list(csv.reader(raw.splitlines(), delimiter="\t", quoting=csv.QUOTE_NONE))
    header = rows[0] if rows else []
    column = spec.column or next((c for c in TEXT_COLUMNS if c in header), None)
    if column is None or column not in header:
        raise BenchmarkError(
            f"benchmark file {spec.path}: no column {column or '(text)'!r} in its header "
            f"{header}; name one (corpus.build: FILE:COLUMN; corpus.overlap: --column)"
        )
    at = header.index(column)
    return [row[at] for row in rows[1:] if len(row) > at]


def _json_texts(raw: str, spec: BenchmarkSpec) -> list[str]:
    try:
        stripped = raw.lstrip()
        if stripped.startswith("["):
            records = json.loads(stripped)
        else:
            records = [json.loads(line) for line in raw.splitlines() if line.strip()]
    except json.JSONDecodeError as err:
        raise BenchmarkError(
            f"benchmark file {spec.path} is not JSON or JSON lines: {err}"
        ) from err
    if not records or not all(isinstance(r, dict) for r in records):
        raise BenchmarkError(f"benchmark file {spec.path}: expected JSON objects, one per item")
    field_name = spec.column or next((c for c in TEXT_COLUMNS if c in records[0]), None)
    if field_name is None or field_name not in records[0]:
        raise BenchmarkError(
            f"benchmark file {spec.path}: no field {field_name or '(text)'!r} in its objects "
            f"(keys: {sorted(records[0])}); name one "
            "(corpus.build: FILE:FIELD; corpus.overlap: --column)"
        )
    return [str(r.get(field_name) or "") for r in records]


class BenchmarkIndex:
    """Sorted n-gram hashes and whole-text hashes of benchmark items, with the item of each."""

    def __init__(
        self, texts: list[str], ngram: int = DEFAULT_NGRAM, min_exact: int = MIN_EXACT_CHARS
    ) -> None:
        self.texts = texts
        self.ngram = ngram
        self.min_exact = min_exact
        cps, offsets = codepoints(pl.Series(texts, dtype=pl.String))
        self.key_lengths = np.diff(offsets)
        hashes, items = ngram_hashes(cps, offsets, ngram, short="none")
        order = np.argsort(hashes, kind="stable")
        self._ngrams, self._ngram_items = hashes[order], items[order]
        whole = whole_text_hashes(cps, offsets)
        nonempty = np.flatnonzero(self.key_lengths >= max(min_exact, 1))
        order = nonempty[np.argsort(whole[nonempty], kind="stable")]
        self._whole, self._whole_items = whole[order], order

    def __len__(self) -> int:
        return len(self.texts)

    def match(self, texts: pl.Series) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
        """Per text: the item it equals (-1: none), the first item sharing an n-gram with it
        (-1: none), and all items it shares n-grams with."""
        cps, offsets = codepoints(texts)
        exact = _lookup(self._whole, self._whole_items, whole_text_hashes(cps, offsets))
        exact[np.diff(offsets) == 0] = -1
        hashes, docs = ngram_hashes(cps, offsets, self.ngram, short="none")
        items = _lookup(self._ngrams, self._ngram_items, hashes)
        hit = items >= 0
        first = np.full(len(texts), -1, dtype=np.int64)
        per_doc: list[np.ndarray] = [np.zeros(0, dtype=np.int64)] * len(texts)
        if hit.any():
            hit_docs, hit_items = docs[hit], items[hit]
            starts = np.flatnonzero(np.r_[True, hit_docs[1:] != hit_docs[:-1]])
            first[hit_docs[starts]] = hit_items[starts]
            for doc, group in zip(hit_docs[starts], np.split(hit_items, starts[1:]), strict=True):
                per_doc[doc] = np.unique(group)
        return exact, first, per_doc


def _lookup(keys: np.ndarray, values: np.ndarray, queries: np.ndarray) -> np.ndarray:
    if not len(keys):
        return np.full(len(queries), -1, dtype=np.int64)
    order = np.argsort(queries)  # sorted queries: searchsorted walks the keys once
    sorted_queries = queries[order]
    pos = np.searchsorted(keys, sorted_queries)
    pos[pos == len(keys)] = 0
    out = np.empty(len(queries), dtype=np.int64)
    out[order] = np.where(keys[pos] == sorted_queries, values[pos], -1)
    return out


@dataclass
class Decontaminator:
    """Streaming filter: drops documents matching a benchmark; remembers which items were
    found and a sample of matches for the manifest."""

    index: BenchmarkIndex
    names: list[str] = field(default_factory=list)  # benchmark files, for the manifest
    items_found: set[int] = field(default_factory=set)
    sample: list[dict] = field(default_factory=list)

    def drop(self, frame: pl.DataFrame) -> tuple[pl.DataFrame, Counter]:
        reasons = self.reasons(frame)
        drop = np.array([r is not None for r in reasons], dtype=bool)
        counts: Counter = Counter()
        for i in np.flatnonzero(drop):
            counts[(frame["source"][int(i)], reasons[i])] += 1
        return frame.filter(pl.Series(~drop)), counts

    def reasons(self, frame: pl.DataFrame) -> list[str | None]:
        """Per document: `benchmark_exact`, `benchmark_ngram` or None (kept); remembers the
        items found and a sample of matches."""
        if not frame.height or not len(self.index):
            return [None] * frame.height
        exact, first, per_doc = self.index.match(frame["text"])
        reason = np.where(
            exact >= 0, "benchmark_exact", np.where(first >= 0, "benchmark_ngram", "")
        )
        for i in np.flatnonzero(reason != ""):
            source, doc_id, text = frame.select("source", "doc_id", "text").row(int(i))
            item = int(exact[i]) if exact[i] >= 0 else int(first[i])
            self.items_found.update({item, *per_doc[i].tolist()})
            if len(self.sample) < SAMPLE_MATCHES:
                self.sample.append(
                    {
                        "source": source,
                        "doc_id": doc_id,
                        "reason": str(reason[i]),
                        "text": text[:300],
                        "benchmark_item": self.index.texts[item][:300],
                    }
                )
        return [str(r) or None for r in reason]

    def found(self) -> dict:
        """What this filter found, to merge across tasks (`merge_found`)."""
        return {"items_found": sorted(self.items_found), "sample": self.sample}

    def summary(self) -> dict:
        return {
            "benchmarks": self.names,
            "ngram_chars": self.index.ngram,
            "items": len(self.index),
            "items_found": len(self.items_found),
            "sample": self.sample,
        }


def merge_found(names: list[str], index_items: int, ngram: int, found: list[dict]) -> dict:
    """The manifest's decontamination summary from every task's `Decontaminator.found()`."""
    items: set[int] = set()
    sample: list[dict] = []
    for part in found:
        items.update(part["items_found"])
        sample += part["sample"][: max(SAMPLE_MATCHES - len(sample), 0)]
    return {
        "benchmarks": names,
        "ngram_chars": ngram,
        "items": index_items,
        "items_found": len(items),
        "sample": sample,
    }

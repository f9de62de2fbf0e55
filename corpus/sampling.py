"""Seeded per-source sampling (e.g. model2's small sample of reviews), streaming-friendly:
a document is kept when a hash of (seed, source, doc_id) falls under the fraction."""

from __future__ import annotations

from collections import Counter

import polars as pl

_MAX = float(2**64)


def sample_mask(frame: pl.DataFrame, fractions: dict[str, float], seed: int) -> pl.Series:
    """True for the documents the sample keeps."""
    fraction = pl.col("source").replace_strict(fractions, default=1.0, return_dtype=pl.Float64)
    draw = pl.concat_str("source", "doc_id", separator="\x1f").hash(seed).cast(pl.Float64) / _MAX
    return frame.select((draw < fraction).alias("keep")).to_series()


def sample_frame(
    frame: pl.DataFrame, fractions: dict[str, float], seed: int
) -> tuple[pl.DataFrame, Counter]:
    if not fractions or not frame.height:
        return frame, Counter()
    keep = sample_mask(frame, fractions, seed)
    counts: Counter = Counter()
    for source, n in frame.filter(~keep).group_by("source").len().iter_rows():
        counts[(source, "not_sampled")] += n
    return frame.filter(keep), counts

"""Paired statistics for experiments.quality: confidence intervals across label subsets or seeds,
Wilcoxon signed-rank, and exact McNemar on two models' predictions for the same test items."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy import stats


def paired_difference(a: Sequence[float], b: Sequence[float]) -> dict:
    """Mean of a - b over paired runs with a 95% t interval and a Wilcoxon signed-rank p."""
    diff = np.asarray(a, dtype=float) - np.asarray(b, dtype=float)
    n = len(diff)
    mean = float(diff.mean()) if n else math.nan
    if n < 2:
        return {
            "n": n,
            "mean": mean,
            "ci95": [math.nan, math.nan],
            "t_p": math.nan,
            "wilcoxon_p": math.nan,
        }
    sem = float(diff.std(ddof=1) / math.sqrt(n))
    half = float(stats.t.ppf(0.975, n - 1) * sem)
    t_p = float(stats.ttest_1samp(diff, 0.0).pvalue) if sem > 0 else (0.0 if mean else 1.0)
    wilcoxon_p = float(stats.wilcoxon(diff).pvalue) if np.any(diff != 0) else 1.0
    return {
        "n": n,
        "mean": mean,
        "ci95": [mean - half, mean + half],
        "t_p": t_p,
        "wilcoxon_p": wilcoxon_p,
    }


def mcnemar(correct_a: Sequence[bool], correct_b: Sequence[bool]) -> dict:
    """Exact McNemar: items only A got right vs only B got right (binomial test on them)."""
    a, b = np.asarray(correct_a, bool), np.asarray(correct_b, bool)
    only_a, only_b = int(np.sum(a & ~b)), int(np.sum(b & ~a))
    p = float(stats.binomtest(only_a, only_a + only_b).pvalue) if only_a + only_b else 1.0
    return {"only_a": only_a, "only_b": only_b, "p": p}


def mean_ci(values: Sequence[float]) -> tuple[float, float]:
    """Mean and the half-width of its 95% t interval (0 for a single value)."""
    x = np.asarray(values, dtype=float)
    if len(x) < 2:
        return float(x.mean()), 0.0
    return float(x.mean()), float(
        stats.t.ppf(0.975, len(x) - 1) * x.std(ddof=1) / math.sqrt(len(x))
    )

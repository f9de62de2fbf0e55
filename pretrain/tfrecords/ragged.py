"""Ragged arrays with numpy: many variable-length slices handled as one flat array."""

from __future__ import annotations

import numpy as np


def ragged_gather(values: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Concatenation of values[s : s + n] for each (s, n), without a Python loop."""
    ends = np.cumsum(lengths)
    total = int(ends[-1]) if len(ends) else 0
    return values[np.arange(total) + np.repeat(starts - (ends - lengths), lengths)]

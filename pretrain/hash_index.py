"""64-bit polynomial hashes of many strings at once, and an open-addressing hash index over
numpy arrays, so that looking up a million strings is a few vectorised passes.

A string of units c_0..c_n-1 (bytes or code points) hashes to sum((c_j + 1) * B**j) mod 2**64.
Hashes can collide: callers compare the strings behind a hit before trusting it.
"""

from __future__ import annotations

import numpy as np

BASE = np.uint64(0x9E3779B97F4A7C15)  # odd, so invertible mod 2**64
_INVERSE = np.uint64(pow(int(BASE), -1, 1 << 64))
_MIX = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing: hash -> slot


def powers(count: int, base: np.uint64 = BASE) -> np.ndarray:
    """base**0 .. base**(count - 1) mod 2**64."""
    values = np.full(count, base, dtype=np.uint64)
    values[:1] = 1
    return np.cumprod(values, dtype=np.uint64)


def string_hashes(units: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """The hash of each non-empty string units[offsets[i] : offsets[i + 1]]."""
    lengths = np.diff(offsets)
    position = np.arange(offsets[-1] - offsets[0]) - np.repeat(offsets[:-1] - offsets[0], lengths)
    weighted = (units[offsets[0] : offsets[-1]].astype(np.uint64) + np.uint64(1)) * powers(
        int(lengths.max(initial=0)) + 1
    )[position]
    return np.add.reduceat(weighted, offsets[:-1] - offsets[0], dtype=np.uint64)


class SubstringHashes:
    """The hash of any substring [s, s + k) of a flat array, in O(1) each (prefix sums)."""

    def __init__(self, units: np.ndarray) -> None:
        weighted = (units.astype(np.uint64) + np.uint64(1)) * powers(len(units))
        self.prefix = np.concatenate([np.zeros(1, np.uint64), np.cumsum(weighted, dtype=np.uint64)])
        self.inverse_powers = powers(len(units) + 1, _INVERSE)

    def of(self, starts: np.ndarray, length: int | np.ndarray) -> np.ndarray:
        return (self.prefix[starts + length] - self.prefix[starts]) * self.inverse_powers[starts]


class HashIndex:
    """hash -> int value, linear probing, at least `sparsity` slots per entry (lookups of
    absent keys are the cheaper for it). The first value inserted for a hash stays; later
    ones with the same hash are not indexed."""

    def __init__(self, capacity: int = 1 << 10, sparsity: int = 2) -> None:
        self._sparsity = sparsity
        bits = max(4, (sparsity * capacity - 1).bit_length())
        self._hashes = np.zeros(1 << bits, np.uint64)
        self._values = np.zeros(1 << bits, np.int64)
        self._used = np.zeros(1 << bits, bool)
        self._shift = np.uint64(64 - bits)
        self._count = 0
        self._probes = 1

    def __len__(self) -> int:
        return self._count

    def _slots(self, hashes: np.ndarray) -> np.ndarray:
        return ((hashes * _MIX) >> self._shift).astype(np.int64)

    def insert(self, hashes: np.ndarray, values: np.ndarray) -> None:
        if self._sparsity * (self._count + len(hashes)) > len(self._hashes):
            self._grow(self._count + len(hashes))
        mask = len(self._hashes) - 1
        slots = self._slots(hashes)
        pending = np.arange(len(hashes))
        distance = np.zeros(len(hashes), np.int64)
        while len(pending):
            probe = (slots[pending] + distance[pending]) & mask
            taken = self._used[probe]
            present = taken & (self._hashes[probe] == hashes[pending])
            # of the keys probing the same free slot, the first takes it; the others look
            # at it again (the same hash is then present) before probing further
            free = np.flatnonzero(~taken)
            slot, first = np.unique(probe[free], return_index=True)
            winners = pending[free[first]]
            self._hashes[slot] = hashes[winners]
            self._values[slot] = values[winners]
            self._used[slot] = True
            self._count += len(winners)
            self._probes = max(self._probes, int(distance[winners].max(initial=0)) + 1)
            done = present.copy()
            done[free[first]] = True
            distance[pending[taken & ~present]] += 1
            pending = pending[~done]

    def _grow(self, needed: int) -> None:
        old = self._used
        hashes, values = self._hashes[old], self._values[old]
        self.__init__(max(needed, len(self._hashes)), self._sparsity)
        self.insert(hashes, values)

    def lookup(self, hashes: np.ndarray) -> np.ndarray:
        """The value of each hash, or -1."""
        mask = len(self._hashes) - 1
        slots = self._slots(hashes)
        found = np.full(len(hashes), -1, np.int64)
        pending = np.arange(len(hashes))
        for distance in range(self._probes):  # probing ends at a match or an empty slot
            probe = (slots[pending] + distance) & mask
            match = self._used[probe] & (self._hashes[probe] == hashes[pending])
            found[pending[match]] = self._values[probe[match]]
            pending = pending[~match & self._used[probe]]
            if not len(pending):
                break
        return found

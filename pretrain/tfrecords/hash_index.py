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
    absent keys are the cheaper for it). One value per hash: a hash already present keeps
    its value (equal hashes within one insert keep one of theirs). Slots holding 0 are
    empty, so a hash of 0 is stored as 1 (a false match the callers' check catches)."""

    def __init__(self, capacity: int = 1 << 10, sparsity: int = 2) -> None:
        self._sparsity = sparsity
        bits = max(4, (sparsity * capacity - 1).bit_length())
        self._hashes = np.zeros(1 << bits, np.uint64)
        self._values = np.zeros(1 << bits, np.int64)
        self._claims = np.zeros(1 << bits, np.int64)  # scratch of insert()
        self._shift = np.uint64(64 - bits)
        self._count = 0
        self._probes = 1

    def __len__(self) -> int:
        return self._count

    def _keys_and_slots(self, hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        keys = np.maximum(hashes, np.uint64(1))
        return keys, ((keys * _MIX) >> self._shift).astype(np.int64)

    def insert(self, hashes: np.ndarray, values: np.ndarray) -> None:
        if self._sparsity * (self._count + len(hashes)) > len(self._hashes):
            self._grow(self._count + len(hashes))
        mask = len(self._hashes) - 1
        keys, slots = self._keys_and_slots(hashes)
        pending = np.arange(len(keys))
        distance = np.zeros(len(keys), np.int64)
        while len(pending):
            probe = (slots[pending] + distance[pending]) & mask
            held = self._hashes[probe]
            present = held == keys[pending]
            # of the keys probing the same free slot, the one whose write stays takes it;
            # the others look at it again (an equal hash is then present) before probing on
            free = np.flatnonzero(held == 0)
            claims = probe[free]
            self._claims[claims] = free
            won = self._claims[claims] == free
            slot, winners = claims[won], pending[free[won]]
            self._hashes[slot] = keys[winners]
            self._values[slot] = values[winners]
            self._count += len(winners)
            self._probes = max(self._probes, int(distance[winners].max(initial=0)) + 1)
            done = present.copy()
            done[free[won]] = True
            distance[pending[(held != 0) & ~present]] += 1
            pending = pending[~done]

    def _grow(self, needed: int) -> None:
        used = self._hashes != 0
        hashes, values = self._hashes[used], self._values[used]
        self.__init__(max(needed, 2 * len(self._hashes)), self._sparsity)  # 4x the slots
        self.insert(hashes, values)

    def lookup(self, hashes: np.ndarray) -> np.ndarray:
        """The value of each hash, or -1."""
        mask = len(self._hashes) - 1
        keys, probe = self._keys_and_slots(hashes)
        held = self._hashes[probe]
        match = held == keys
        found = np.where(match, self._values[probe], -1)
        pending = np.flatnonzero(~match & (held != 0))
        for distance in range(1, self._probes):  # probing ends at a match or an empty slot
            if not len(pending):
                break
            probe = (probe[pending] + 1) & mask if distance == 1 else (probe + 1) & mask
            held = self._hashes[probe]
            match = held == keys[pending]
            found[pending[match]] = self._values[probe[match]]
            going = ~match & (held != 0)
            pending, probe = pending[going], probe[going]
        return found

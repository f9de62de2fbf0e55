"""What `tokenizers`' WordPiece trainer would take as its alphabet, decided in a fixed order.

The trainer (tokenizers <= 0.23) gives the continuing-subword tokens (`##가`) their ids in the
iteration order of a hash map, and breaks ties between equally frequent merges by those ids;
it also cuts the alphabet at `limit_alphabet` by an unstable sort over the same map. So two
runs on the same corpus give vocabularies that differ in their order and, at ties, in their
tokens (huggingface/tokenizers#1794). A scan here counts what the trainer counts (characters
of the words its BERT normalizer and pre-tokenizer produce) and decides both in a fixed
order: the alphabet is the `limit_alphabet` most frequent characters (ties: lower code point
first), and the continuing tokens are registered up front, sorted, so that no id depends on a
hash map. Characters are classified by the tokenizer's own normalizer and pre-tokenizer;
the scan itself is numpy over code points (about 100 MB of text a second).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np

# How the trainer's BERT normalizer and pre-tokenizer treat a character.
REMOVED, SPACE, ALONE, WORD = 0, 1, 2, 3  # ALONE: punctuation and CJK ideographs, one per word
UNKNOWN = 255  # not classified yet
CODE_POINTS = 0x110000
SEPARATOR = "\n"

BATCH_CHARS = 2_000_000  # characters per scanned frame (one row each): bounds its memory


@dataclass(frozen=True)
class Alphabet:
    characters: tuple[str, ...]  # kept, in code point order
    continuing: tuple[str, ...]  # `##c` for every kept c that follows another in a word

    @property
    def size(self) -> int:
        return len(self.characters)


class AlphabetScan:
    """Character counts and word-inner characters over a stream of sentences, as arrays of
    code points (a kind and a count per code point; each distinct one classified once)."""

    def __init__(self, normalizer, pre_tokenizer, prefix: str) -> None:
        """`normalizer` and `pre_tokenizer`: those of the tokenizer to be trained."""
        self._normalizer, self._pre_tokenizer, self._prefix = normalizer, pre_tokenizer, prefix
        self._kinds = np.full(CODE_POINTS, UNKNOWN, np.uint8)
        self._kinds[ord(SEPARATOR)] = SPACE
        self._counts = np.zeros(CODE_POINTS, np.int64)
        self._inner = np.zeros(CODE_POINTS, bool)

    def kind(self, char: str) -> int:
        """REMOVED (control), SPACE, ALONE (split off as a word of its own) or WORD."""
        normal = self._normalizer.normalize_str(char)
        if not normal:
            return REMOVED
        if not normal.strip():
            return SPACE
        if normal != char:  # CJK ideographs are padded with spaces
            return ALONE
        return ALONE if len(self._pre_tokenizer.pre_tokenize_str(f"a{char}a")) == 3 else WORD

    def add(self, sentences: list[str]) -> None:
        """Sentences are joined by a newline (a space to the trainer: a word boundary)."""
        text = SEPARATOR.join(sentences)
        points = np.frombuffer(text.encode("utf-32-le"), np.uint32)
        for point in np.unique(points[self._kinds[points] == UNKNOWN]):
            self._kinds[point] = self.kind(chr(point))
        kinds = self._kinds[points]
        kept = kinds != REMOVED  # a removed character joins its neighbours
        points, kinds = points[kept], kinds[kept]
        self._counts += np.bincount(points[kinds != SPACE], minlength=CODE_POINTS)
        inner = (kinds[1:] == WORD) & (kinds[:-1] == WORD)
        self._inner[points[1:][inner]] = True

    @property
    def counts(self) -> dict[str, int]:
        seen = np.flatnonzero(self._counts)
        return {chr(point): int(self._counts[point]) for point in seen}

    @property
    def inner(self) -> set[str]:
        return {chr(point) for point in np.flatnonzero(self._inner)}

    def alphabet(self, limit: int) -> Alphabet:
        seen = np.flatnonzero(self._counts)
        # most frequent first, ties by lower code point (a stable sort of ascending points)
        ranked = seen[np.argsort(-self._counts[seen], kind="stable")][:limit]
        kept = np.sort(ranked)
        inner = kept[self._inner[kept]]
        return Alphabet(
            tuple(chr(p) for p in kept), tuple(f"{self._prefix}{chr(p)}" for p in inner)
        )


def scan(sentences: Iterable[str], limit: int, tokenizer, prefix: str) -> Alphabet:
    """The alphabet the trainer of `tokenizer` (a `tokenizers.Tokenizer`) should take from
    `sentences`, in a fixed order."""
    found = AlphabetScan(tokenizer.normalizer, tokenizer.pre_tokenizer, prefix)
    for batch in _batches(iter(sentences), BATCH_CHARS):
        found.add(batch)
    return found.alphabet(limit)


def _batches(items: Iterator[str], chars: int) -> Iterator[list[str]]:
    """Lists of sentences of about `chars` characters in all."""
    batch, size = [], 0
    for item in items:
        batch.append(item)
        size += len(item)
        if size >= chars:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch

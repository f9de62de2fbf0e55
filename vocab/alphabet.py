"""What `tokenizers`' WordPiece trainer would take as its alphabet, decided in a fixed order.

The trainer (tokenizers <= 0.23) gives the continuing-subword tokens (`##가`) their ids in the
iteration order of a hash map, and breaks ties between equally frequent merges by those ids;
it also cuts the alphabet at `limit_alphabet` by an unstable sort over the same map. So two
runs on the same corpus give vocabularies that differ in their order and, at ties, in their
tokens (huggingface/tokenizers#1794). A scan here counts what the trainer counts (characters
of the words its BERT normalizer and pre-tokenizer produce) and decides both in a fixed
order: the alphabet is the `limit_alphabet` most frequent characters (ties: lower code point
first), and the continuing tokens are registered up front, sorted, so that no id depends on a
hash map. Characters are classified by the tokenizer's own normalizer and pre-tokenizer.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice

import polars as pl

# How the trainer's BERT normalizer and pre-tokenizer treat a character.
REMOVED, SPACE, ALONE, WORD = 0, 1, 2, 3  # ALONE: punctuation and CJK ideographs, one per word

BATCH = 50_000  # sentences per scanned frame


@dataclass(frozen=True)
class Alphabet:
    characters: tuple[str, ...]  # kept, in code point order
    continuing: tuple[str, ...]  # `##c` for every kept c that follows another in a word

    @property
    def size(self) -> int:
        return len(self.characters)


class AlphabetScan:
    """Character counts and word-inner characters over a stream of sentences."""

    def __init__(self, normalizer, pre_tokenizer, prefix: str) -> None:
        """`normalizer` and `pre_tokenizer`: those of the tokenizer to be trained."""
        self._normalizer, self._pre_tokenizer, self._prefix = normalizer, pre_tokenizer, prefix
        self._kinds: dict[str, int] = {}
        self.counts: Counter[str] = Counter()
        self.inner: set[str] = set()

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
        chars = (
            pl.DataFrame({"text": sentences}, schema={"text": pl.String})
            .with_row_index("sentence")
            .select("sentence", pl.col("text").str.split("").alias("char"))
            .explode("char")
            .filter(pl.col("char").is_not_null() & (pl.col("char") != ""))
        )
        for char in chars["char"].unique().to_list():
            if char not in self._kinds:
                self._kinds[char] = self.kind(char)
        kind = pl.col("char").replace_strict(self._kinds, return_dtype=pl.UInt8)
        kept = chars.with_columns(kind.alias("kind")).filter(pl.col("kind") != REMOVED)
        follows_word = (pl.col("sentence") == pl.col("sentence").shift(1)) & (
            pl.col("kind").shift(1) == WORD
        )
        inner = kept.filter((pl.col("kind") == WORD) & follows_word)["char"].unique()
        self.inner.update(inner.to_list())
        counted = kept.filter(pl.col("kind") != SPACE).group_by("char").len()
        self.counts.update(dict(zip(counted["char"], counted["len"], strict=True)))

    def alphabet(self, limit: int) -> Alphabet:
        ranked = sorted(self.counts.items(), key=lambda item: (-item[1], item[0]))[:limit]
        kept = sorted(char for char, _ in ranked)
        inner = sorted(f"{self._prefix}{char}" for char in kept if char in self.inner)
        return Alphabet(tuple(kept), tuple(inner))


def scan(sentences: Iterable[str], limit: int, tokenizer, prefix: str) -> Alphabet:
    """The alphabet the trainer of `tokenizer` (a `tokenizers.Tokenizer`) should take from
    `sentences`, in a fixed order."""
    found = AlphabetScan(tokenizer.normalizer, tokenizer.pre_tokenizer, prefix)
    for batch in _batches(iter(sentences), BATCH):
        found.add(batch)
    return found.alphabet(limit)


def _batches(items: Iterator[str], size: int) -> Iterator[list[str]]:
    while batch := list(islice(items, size)):
        yield batch

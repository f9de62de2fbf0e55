"""BERT's WordPiece over many words at once, with numpy: greedy longest match first, `##`
continuations, one `[UNK]` for a word that has an unmatchable rest or is over 100 characters.

Words come as one flat array of Unicode code points plus offsets. Substrings are looked up by a
polynomial hash (mod 2**64, from prefix sums, so any substring's hash costs O(1)) in sorted
tables of the vocabulary's hashes; every match is then checked character by character against
the vocabulary entry, and a word with a false match (a hash collision) is tokenized by the
`tokenizers` WordPiece model instead, so the result is always exact. A test compares it with
`tokenizers` on every distinct word of a real corpus.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pretrain.tfrecords.hash_index import HashIndex, SubstringHashes, string_hashes
from pretrain.tfrecords.ragged import ragged_gather

# BERT's and ELECTRA's FullTokenizer (tokenization.py): a longer word is one [UNK]. transformers'
# port of it uses 100; the records follow the original builder.
MAX_INPUT_CHARS_PER_WORD = 200
# Each round costs a dozen numpy calls whatever its size: once this few words still have
# characters left (long runs such as ㅋㅋㅋㅋ...), `tokenizers` finishes them faster.
FEW_WORDS = 64


def code_points(words: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Flat uint32 code points of `words` and their offsets (len(words) + 1)."""
    flat = np.frombuffer("".join(words).encode("utf-32-le"), dtype=np.uint32)
    lengths = np.fromiter(map(len, words), dtype=np.int64, count=len(words))
    return flat, np.concatenate([[0], np.cumsum(lengths)])


@dataclass
class _Table:
    """Vocabulary entries (without their `##`) by hash, and their longest length."""

    index: HashIndex
    max_length: int

    @classmethod
    def build(cls, keys: list[str], ids: list[int]) -> _Table:
        flat, offsets = code_points(keys)
        index = HashIndex(len(keys), sparsity=4)  # most lookups are of absent substrings
        index.insert(string_hashes(flat, offsets), np.asarray(ids, np.int64))
        return cls(index, int(np.diff(offsets).max(initial=0)))


class VectorWordPiece:
    def __init__(self, vocab: dict[str, int], unk_token: str = "[UNK]", prefix: str = "##"):
        from tokenizers import Tokenizer
        from tokenizers.models import WordPiece

        starts = [(t, i) for t, i in vocab.items() if not t.startswith(prefix)]
        rests = [(t[len(prefix) :], i) for t, i in vocab.items() if t.startswith(prefix)]
        rests = [(t, i) for t, i in rests if t]  # a bare `##` never matches
        self._first = _Table.build([t for t, _ in starts], [i for _, i in starts])
        self._next = _Table.build([t for t, _ in rests], [i for _, i in rests])
        keys = [""] * (max(vocab.values()) + 1)
        for token, i in vocab.items():
            keys[i] = token.removeprefix(prefix)
        self._key_points, self._key_offsets = code_points(keys)
        self.unk_id = vocab[unk_token]
        self._fallback = Tokenizer(
            WordPiece(
                vocab,
                unk_token=unk_token,
                continuing_subword_prefix=prefix,
                max_input_chars_per_word=MAX_INPUT_CHARS_PER_WORD,
            )
        )

    def tokenize(self, flat: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Token ids of every word, concatenated in word order, and the token count per word.
        Words must be non-empty and hold no whitespace or punctuation (BERT's words)."""
        words = len(offsets) - 1
        hashes = SubstringHashes(flat)
        lengths = np.diff(offsets)
        bad = lengths > MAX_INPUT_CHARS_PER_WORD
        word = np.flatnonzero(~bad & (lengths > 0))
        position, end = offsets[word], offsets[word + 1]
        found_words, found_starts, found_lengths, found_ids = [], [], [], []
        table = self._first
        while len(word) > FEW_WORDS or (len(word) and table is self._first):
            length, token = self._longest_matches(hashes, table, position, end)
            matched = length > 0
            bad[word[~matched]] = True
            found_words.append(word[matched])
            found_starts.append(position[matched])
            found_lengths.append(length[matched])
            found_ids.append(token[matched])
            position = position + length
            more = matched & (position < end)
            word, position, end = word[more], position[more], end[more]
            table = self._next
        token_word = np.concatenate(found_words or [np.zeros(0, np.int64)])
        starts = np.concatenate(found_starts or [np.zeros(0, np.int64)])
        token_lengths = np.concatenate(found_lengths or [np.zeros(0, np.int64)])
        ids = np.concatenate(found_ids or [np.zeros(0, np.int64)])
        redo = self._false_matches(flat, token_word, starts, token_lengths, ids, words)
        redo[word] = True  # the few words still going: tokenizers does them whole
        redo &= ~bad
        # tokens of a word come in rounds (one token per round): order by word, then round
        keep = ~(bad | redo)[token_word]
        order = np.argsort(token_word[keep], kind="stable")
        token_word, ids = token_word[keep][order], ids[keep][order]
        pieces = [(token_word, ids), (np.flatnonzero(bad), np.full(int(bad.sum()), self.unk_id))]
        if redo.any():
            pieces.append(self._tokenize_exactly(flat, offsets, np.flatnonzero(redo)))
        token_word = np.concatenate([p[0] for p in pieces])
        ids = np.concatenate([p[1] for p in pieces])
        order = np.argsort(token_word, kind="stable")
        return ids[order].astype(np.int32), np.bincount(token_word, minlength=words)

    def _longest_matches(
        self, hashes: SubstringHashes, table: _Table, position: np.ndarray, end: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Per word: the length and id of the longest vocabulary entry at `position` (0, 0
        where none matches). The longest possible entry first (often the whole rest of a
        word), then every shorter length in one batch: for words of a few characters, one
        numpy call per length would cost more than the extra lookups."""
        longest = np.minimum(end - position, table.max_length)
        length = np.zeros(len(position), np.int64)
        token = table.index.lookup(hashes.of(position, longest))
        whole = token >= 0
        length[whole] = longest[whole]
        rest = np.flatnonzero(~whole & (longest > 1))
        shorter = longest[rest] - 1
        word = np.repeat(rest, shorter)
        k = np.arange(len(word)) - np.repeat(np.cumsum(shorter) - shorter, shorter) + 1
        ids = table.index.lookup(hashes.of(position[word], k))
        hits = np.flatnonzero(ids >= 0)
        # k rises within a word's run of candidates: its last hit is its longest match
        last = hits[np.append(word[hits][1:] != word[hits][:-1], True)] if len(hits) else hits
        length[word[last]] = k[last]
        token[word[last]] = ids[last]
        return length, np.maximum(token, 0)

    def _false_matches(self, flat, token_word, starts, lengths, ids, words) -> np.ndarray:
        """Words with a token whose characters differ from its vocabulary entry."""
        key_lengths = np.diff(self._key_offsets)[ids]
        wrong = key_lengths != lengths
        # one character hashes to its code point + 1, exactly: only longer matches can be false
        same_length = ~wrong & (lengths > 1)
        text = ragged_gather(flat, starts[same_length], lengths[same_length])
        entry = ragged_gather(
            self._key_points, self._key_offsets[ids[same_length]], lengths[same_length]
        )
        differs = np.repeat(np.arange(int(same_length.sum())), lengths[same_length])[text != entry]
        wrong[np.flatnonzero(same_length)[differs]] = True
        redo = np.zeros(words, bool)
        redo[token_word[wrong]] = True
        return redo

    def _tokenize_exactly(self, flat, offsets, words) -> tuple[np.ndarray, np.ndarray]:
        texts = [flat[offsets[w] : offsets[w + 1]].tobytes().decode("utf-32-le") for w in words]
        encoding = self._fallback.encode(texts, is_pretokenized=True, add_special_tokens=False)
        return words[np.asarray(encoding.word_ids, np.int64)], np.asarray(encoding.ids, np.int64)

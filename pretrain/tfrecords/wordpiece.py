"""BERT FullTokenizer ids for a whole block of text at once: each distinct space-separated
chunk is tokenized once, then every chunk's ids are gathered with numpy.

Exact: nothing in BERT's tokenizer crosses an ASCII space (text cleaning and CJK spacing are
per character, then whitespace split, punctuation split and WordPiece are per word), so the
ids of a line are the concatenation of the ids of its chunks. A chunk of Hangul, compatibility
jamo and printable ASCII only needs no cleaning or CJK spacing: it is split at ASCII
punctuation with numpy and goes to the vectorised WordPiece; any other chunk goes to the
`tokenizers` BERT pipeline (normaliser, pre-tokenizer, WordPiece). Neither treats `[CLS]` in
text as a special token, as FullTokenizer does not. Tests compare with whole-line tokenization
and with BERT's Python tokenizer.
"""

from __future__ import annotations

import os

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

from pretrain.tfrecords.hash_index import HashIndex
from pretrain.tfrecords.ragged import ragged_gather
from pretrain.tfrecords.vector_wordpiece import MAX_INPUT_CHARS_PER_WORD, VectorWordPiece

MAX_CACHED_CHUNKS = 2_000_000


def _between(points: np.ndarray, low: int, high: int) -> np.ndarray:
    return (points >= low) & (points <= high)


def _ascii_punctuation(points: np.ndarray) -> np.ndarray:
    return (
        _between(points, 33, 47)
        | _between(points, 58, 64)
        | _between(points, 91, 96)
        | _between(points, 123, 126)
    )


class _Growing:
    """A numpy array appended to in amortised O(1)."""

    def __init__(self, dtype, first=()) -> None:
        self.array = np.zeros(max(1024, len(first)), dtype)
        self.size = len(first)
        self.array[: self.size] = first

    def extend(self, values: np.ndarray) -> None:
        if self.size + len(values) > len(self.array):
            grown = np.zeros(max(self.size + len(values), 2 * len(self.array)), self.array.dtype)
            grown[: self.size] = self.array[: self.size]
            self.array = grown
        self.array[self.size : self.size + len(values)] = values
        self.size += len(values)


class _ChunkCache:
    """Token ids of chunks seen before, found by a 64-bit hash (polars') and checked byte
    for byte (a chunk whose hash another chunk holds is simply not cached)."""

    def __init__(self) -> None:
        self.index = HashIndex(1 << 18)
        self.key_bytes = _Growing(np.uint8)
        self.key_offsets = _Growing(np.int64, [0])
        self.tokens = _Growing(np.int32)
        self.offsets = _Growing(np.int64, [0])

    def __len__(self) -> int:
        return self.offsets.size - 1

    def find(self, data: np.ndarray, offsets: np.ndarray, hashes: np.ndarray) -> np.ndarray:
        """The row of each chunk data[offsets[i] : offsets[i + 1]], or -1."""
        rows = self.index.lookup(hashes)
        hit = np.flatnonzero(rows >= 0)
        key_offsets = self.key_offsets.array
        lengths = offsets[hit + 1] - offsets[hit]
        same_length = key_offsets[rows[hit] + 1] - key_offsets[rows[hit]] == lengths
        rows[hit[~same_length]] = -1  # another chunk has this hash
        hit, lengths = hit[same_length], lengths[same_length]
        ours = ragged_gather(data, offsets[hit], lengths)
        cached = ragged_gather(self.key_bytes.array, key_offsets[rows[hit]], lengths)
        rows[hit[np.repeat(np.arange(len(hit)), lengths)[ours != cached]]] = -1
        return rows

    def add(self, data, offsets, hashes, ids, counts) -> np.ndarray:
        first = len(self)
        lengths = np.diff(offsets)
        self.key_bytes.extend(ragged_gather(data, offsets[:-1], lengths))
        self.key_offsets.extend(self.key_offsets.array[first] + np.cumsum(lengths))
        self.tokens.extend(ids)
        self.offsets.extend(self.offsets.array[first] + np.cumsum(counts))
        rows = np.arange(first, len(self))
        self.index.insert(hashes, rows)
        return rows

    def spans(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        starts = self.offsets.array[rows]
        return starts, self.offsets.array[rows + 1] - starts


def _utf8(array: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """The bytes and offsets (into those bytes) of a large_string array."""
    _, offsets, data = array.buffers()
    offsets = np.frombuffer(offsets, np.int64)[array.offset : array.offset + len(array) + 1]
    return np.frombuffer(data, np.uint8), offsets


class ChunkCachedWordPiece:
    def __init__(self, vocab_file: str, lower_case: bool = False) -> None:
        os.environ["TOKENIZERS_PARALLELISM"] = "false"  # one core per process; jobs parallelise
        from tokenizers import Tokenizer, normalizers, pre_tokenizers
        from tokenizers.models import WordPiece

        model = WordPiece.from_file(
            vocab_file, unk_token="[UNK]", max_input_chars_per_word=MAX_INPUT_CHARS_PER_WORD
        )
        self.tokenizer = Tokenizer(model)
        self.tokenizer.normalizer = normalizers.BertNormalizer(
            clean_text=True, handle_chinese_chars=True, strip_accents=False, lowercase=lower_case
        )
        self.tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
        self.vocab = self.tokenizer.get_vocab(with_added_tokens=False)
        self.lower_case = lower_case
        self._wordpiece = VectorWordPiece(self.vocab)
        self._cache = _ChunkCache()

    def token_to_id(self, token: str) -> int:
        return self.vocab[token]

    def get_vocab_size(self) -> int:
        return len(self.vocab)

    def encode_lines(self, lines: list[str]) -> list[list[int]]:
        """Ids of each line (no special tokens)."""
        chunked = [line.split(" ") for line in lines]
        chunks = pa.array([f"{c} " for chunks in chunked for c in chunks], pa.large_string())
        ids, counts = self.encode_chunks(chunks)
        ends = np.cumsum(np.add.reduceat(counts, np.cumsum([0, *map(len, chunked[:-1])])))
        return [part.tolist() for part in np.split(ids, ends[:-1])] if lines else []

    def encode_chunks(self, chunks: pa.Array) -> tuple[np.ndarray, np.ndarray]:
        """Ids of every chunk (each ends with one space), concatenated, and their counts."""
        if not len(chunks):
            return np.zeros(0, np.int32), np.zeros(0, np.int64)
        encoded = pc.dictionary_encode(chunks.cast(pa.large_string()))
        codes = encoded.indices.to_numpy()
        distinct = encoded.dictionary
        data, offsets = _utf8(distinct)
        hashes = pl.from_arrow(distinct).hash(seed=0).to_numpy()  # 5x faster than ours
        rows = self._cache.find(data, offsets, hashes)
        missing = np.flatnonzero(rows < 0)
        if len(missing):
            if len(self._cache) + len(missing) > MAX_CACHED_CHUNKS:
                self._cache = _ChunkCache()  # start again from this block's chunks
                missing = np.arange(len(distinct))
            lengths = offsets[missing + 1] - offsets[missing]
            new_offsets = np.concatenate([[0], np.cumsum(lengths)])
            new_data = ragged_gather(data, offsets[missing], lengths)
            ids, counts = self._tokenize(new_data, new_offsets, distinct, missing)
            rows[missing] = self._cache.add(new_data, new_offsets, hashes[missing], ids, counts)
        starts, lengths = self._cache.spans(rows)
        chunk_lengths = lengths[codes]
        return ragged_gather(self._cache.tokens.array, starts[codes], chunk_lengths), chunk_lengths

    def _tokenize(self, data, offsets, distinct, which) -> tuple[np.ndarray, np.ndarray]:
        """Ids of chunks never seen before (UTF-8 data[offsets[i] : offsets[i + 1]], which
        are distinct[which[i]]), concatenated, and their counts."""
        points = np.frombuffer(data.tobytes().decode("utf-8").encode("utf-32-le"), dtype=np.uint32)
        starts_character = (data & 0xC0) != 0x80
        lengths = np.add.reduceat(starts_character, offsets[:-1]).astype(np.int64)
        point_offsets = np.concatenate([[0], np.cumsum(lengths)])
        plain = (
            _between(points, 0xAC00, 0xD7A3)  # Hangul syllables
            | _between(points, 0x3131, 0x3163)  # compatibility jamo
            | _between(points, 32, 126)  # printable ASCII
        )
        is_plain = np.minimum.reduceat(plain, point_offsets[:-1])
        parts = [self._tokenize_plain(points, lengths, is_plain)]
        other = np.flatnonzero(~is_plain)
        if len(other):
            texts = distinct.take(pa.array(which[other])).to_pylist()
            encoding = self.tokenizer.encode(texts, is_pretokenized=True, add_special_tokens=False)
            parts.append((other[np.asarray(encoding.word_ids, np.int64)], np.asarray(encoding.ids)))
        token_chunk = np.concatenate([p[0] for p in parts])
        order = np.argsort(token_chunk, kind="stable")
        ids = np.concatenate([p[1] for p in parts]).astype(np.int32)[order]
        return ids, np.bincount(token_chunk, minlength=len(which))

    def _tokenize_plain(self, points, lengths, is_plain) -> tuple[np.ndarray, np.ndarray]:
        """BERT's punctuation split with numpy (the only step that changes such a chunk, with
        lower-casing of A-Z), then WordPiece."""
        chunk_of_point = np.repeat(np.arange(len(lengths)), lengths)
        keep = np.repeat(is_plain, lengths) & (points != 32)
        points, chunk_of_point = points[keep], chunk_of_point[keep]
        if self.lower_case:
            points = np.where(_between(points, 65, 90), points + 32, points)
        punctuation = _ascii_punctuation(points)
        starts = np.ones(len(points), bool)
        starts[1:] = (
            (chunk_of_point[1:] != chunk_of_point[:-1]) | punctuation[1:] | punctuation[:-1]
        )
        word_offsets = np.append(np.flatnonzero(starts), len(points))
        ids, counts = self._wordpiece.tokenize(points, word_offsets)
        return np.repeat(chunk_of_point[word_offsets[:-1]], counts), ids

"""BERT WordPiece ids for many lines, fast: `tokenizers` on each distinct space-separated
chunk once, then a dictionary lookup.

Exact: nothing in BERT's tokenizer crosses an ASCII space (text cleaning and CJK spacing are
per character, then whitespace split, punctuation split and WordPiece are per word), so the
ids of a line are the concatenation of the ids of its chunks. Tests compare against the
whole-line tokenizer and BERT's Python tokenizer.
"""

from __future__ import annotations

import os
from itertools import chain

MAX_CACHED_CHUNKS = 1_000_000


class ChunkCachedWordPiece:
    def __init__(self, vocab_file: str, lower_case: bool = False) -> None:
        os.environ["TOKENIZERS_PARALLELISM"] = "false"  # one core per process; jobs parallelise
        from tokenizers import BertWordPieceTokenizer

        self.tokenizer = BertWordPieceTokenizer(
            vocab_file,
            clean_text=True,
            handle_chinese_chars=True,
            strip_accents=False,
            lowercase=lower_case,
        )
        self._cache: dict[str, list[int]] = {}

    def token_to_id(self, token: str) -> int:
        return self.tokenizer.token_to_id(token)

    def get_vocab_size(self) -> int:
        return self.tokenizer.get_vocab_size()

    def encode_lines(self, lines: list[str]) -> list[list[int]]:
        cache = self._cache
        chunked = [line.split(" ") for line in lines]
        missing = list(set(chain.from_iterable(chunked)).difference(cache))
        if missing:
            if len(cache) + len(missing) > MAX_CACHED_CHUNKS:
                cache.clear()
            encodings = self.tokenizer._tokenizer.encode_batch_fast(
                missing, add_special_tokens=False
            )
            cache.update(zip(missing, (e.ids for e in encodings), strict=True))
        ids_of = cache.__getitem__
        return [list(chain.from_iterable(map(ids_of, chunks))) for chunks in chunked]

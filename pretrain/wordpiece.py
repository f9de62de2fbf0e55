"""BERT WordPiece ids for many lines, fast: `tokenizers` on each distinct space-separated
chunk once, then a dictionary lookup.

Exact: nothing in BERT's tokenizer crosses an ASCII space (text cleaning and CJK spacing are
per character, then whitespace split, punctuation split and WordPiece are per word), so the
ids of a line are the concatenation of the ids of its chunks. Tests compare against the
whole-line tokenizer and BERT's Python tokenizer.
"""

from __future__ import annotations

import os
import re
from itertools import chain

MAX_CACHED_CHUNKS = 1_000_000
# A chunk of only these characters is one word for BERT (no control, CJK, whitespace or
# punctuation characters, nothing to normalise), so it goes straight to the WordPiece model.
_ONE_WORD = {False: re.compile(r"[가-힣ㄱ-ㅣA-Za-z0-9]+"), True: re.compile(r"[가-힣ㄱ-ㅣa-z0-9]+")}


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
        self._one_word = _ONE_WORD[lower_case].fullmatch

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
            self._tokenize_into_cache(missing)
        ids_of = cache.__getitem__
        return [list(chain.from_iterable(map(ids_of, chunks))) for chunks in chunked]

    def _tokenize_into_cache(self, chunks: list[str]) -> None:
        tokenizer = self.tokenizer._tokenizer
        wordpiece = tokenizer.model.tokenize
        other = []
        for chunk in chunks:
            if self._one_word(chunk):
                self._cache[chunk] = [token.id for token in wordpiece(chunk)]
            else:
                other.append(chunk)
        encodings = tokenizer.encode_batch_fast(other, add_special_tokens=False)
        self._cache.update(zip(other, (e.ids for e in encodings), strict=True))

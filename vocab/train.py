"""Train or import a cased WordPiece vocabulary with `tokenizers`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from tokenizers import BertWordPieceTokenizer

from vocab.schema import SPECIAL_TOKENS, read_vocab, unused_tokens


def new_tokenizer(vocab: Path | None = None) -> BertWordPieceTokenizer:
    """BERT's basic + WordPiece tokenizer, cased: lowercasing applies NFD and breaks Hangul."""
    return BertWordPieceTokenizer(
        str(vocab) if vocab else None,
        clean_text=True,
        handle_chinese_chars=True,
        strip_accents=False,
        lowercase=False,
    )


def train_wordpiece(
    sentences: Iterator[str],
    vocab_size: int,
    limit_alphabet: int,
    min_frequency: int = 2,
    unused: int = 0,
) -> BertWordPieceTokenizer:
    tokenizer = new_tokenizer()
    tokenizer.train_from_iterator(
        sentences,
        vocab_size=vocab_size,
        min_frequency=min_frequency,
        limit_alphabet=limit_alphabet,
        special_tokens=[*SPECIAL_TOKENS, *unused_tokens(unused)],
        show_progress=False,
        wordpieces_prefix="##",
    )
    return tokenizer


def import_vocab(path: Path) -> BertWordPieceTokenizer:
    """An external vocab.txt (e.g. enliple kor_pretrain_LM for model5), validated first."""
    read_vocab(path)
    return new_tokenizer(path)

"""Train or import a cased WordPiece vocabulary with `tokenizers`, deterministically: the same
sentences and options give the same vocab.txt, byte for byte, in any process."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path

from tokenizers import BertWordPieceTokenizer

from vocab.alphabet import Alphabet, scan
from vocab.export import vocab_tokens
from vocab.schema import SPECIAL_TOKENS, read_vocab, unused_tokens

CONTINUING_PREFIX = "##"


def new_tokenizer(vocab: Path | dict[str, int] | None = None) -> BertWordPieceTokenizer:
    """BERT's basic + WordPiece tokenizer, cased: lowercasing applies NFD and breaks Hangul."""
    return BertWordPieceTokenizer(
        str(vocab) if isinstance(vocab, Path) else vocab,
        clean_text=True,
        handle_chinese_chars=True,
        strip_accents=False,
        lowercase=False,
        wordpieces_prefix=CONTINUING_PREFIX,
    )


def train_wordpiece(
    sentences: Callable[[], Iterable[str]],
    vocab_size: int,
    limit_alphabet: int,
    min_frequency: int = 2,
    unused: int = 0,
) -> BertWordPieceTokenizer:
    """`sentences()` gives the training sentences (it is called twice: a scan that fixes the
    alphabet, then the trainer's pass)."""
    blank = new_tokenizer()
    alphabet = scan(sentences(), limit_alphabet, blank._tokenizer, CONTINUING_PREFIX)
    reserved = [*SPECIAL_TOKENS, *unused_tokens(unused)]
    while True:
        trained = _train(sentences(), alphabet, reserved, vocab_size, min_frequency)
        tokens = vocab_tokens(trained)
        # A `##c` the scan did not foresee got a hash-ordered id: register it too, train again.
        unforeseen = {t for t in tokens if _is_continuing_char(t)} - set(alphabet.continuing)
        if not unforeseen:
            break
        alphabet = replace(alphabet, continuing=tuple(sorted({*alphabet.continuing, *unforeseen})))
    tokenizer = new_tokenizer({token: i for i, token in enumerate(tokens)})
    tokenizer.add_special_tokens(unused_tokens(unused))
    return tokenizer


def _train(
    sentences: Iterable[str],
    alphabet: Alphabet,
    reserved: list[str],
    vocab_size: int,
    min_frequency: int,
) -> BertWordPieceTokenizer:
    """The upstream trainer with every id fixed in advance, in its own layout: the reserved
    tokens, the alphabet (code point order), the continuing tokens (sorted, where upstream
    takes a hash map's order), then the merges."""
    tokenizer = new_tokenizer()
    tokenizer.train_from_iterator(
        sentences,
        vocab_size=vocab_size,
        min_frequency=min_frequency,
        limit_alphabet=alphabet.size,
        initial_alphabet=list(alphabet.characters),
        special_tokens=[*reserved, *alphabet.characters, *alphabet.continuing],
        show_progress=False,
        wordpieces_prefix=CONTINUING_PREFIX,
    )
    return tokenizer


def _is_continuing_char(token: str) -> bool:
    return token.startswith(CONTINUING_PREFIX) and len(token) == len(CONTINUING_PREFIX) + 1


def import_vocab(path: Path) -> BertWordPieceTokenizer:
    """An external vocab.txt (e.g. enliple kor_pretrain_LM for model5), validated first."""
    read_vocab(path)
    return new_tokenizer(path)

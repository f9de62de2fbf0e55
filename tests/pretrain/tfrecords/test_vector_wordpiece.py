import numpy as np
import pytest
from tokenizers import Tokenizer
from tokenizers.models import WordPiece

from pretrain.tfrecords.hash_index import string_hashes
from pretrain.tfrecords.vector_wordpiece import (
    MAX_INPUT_CHARS_PER_WORD,
    VectorWordPiece,
    code_points,
)


@pytest.fixture(scope="module")
def reference(vocab_file):
    """The `tokenizers` WordPiece model with BERT's settings."""
    return Tokenizer(
        WordPiece.from_file(str(vocab_file), unk_token="[UNK]", max_input_chars_per_word=200)
    )


def words_to_check(corpus_words, vocab):
    long_token = max((t for t in vocab if t.isalpha()), key=len)
    return corpus_words + [
        "가" * 150,  # over transformers' limit (100), under the original's
        "가" * MAX_INPUT_CHARS_PER_WORD,  # the longest word WordPiece takes
        "가" * (MAX_INPUT_CHARS_PER_WORD + 1),  # one more: [UNK]
        "ㅋ" * 60,  # one token per character
        long_token,
        long_token + "ㅎ",
        "z" * 7,
        "亜",  # a character the vocabulary may not have: [UNK]
    ]


def tokenize(wordpiece, words):
    ids, counts = wordpiece.tokenize(*code_points(words))
    return ids.tolist(), counts.tolist()


def expected(reference, words):
    encoding = reference.encode(words, is_pretokenized=True, add_special_tokens=False)
    return encoding.ids, np.bincount(encoding.word_ids, minlength=len(words)).tolist()


def test_same_ids_as_tokenizers_on_every_word_of_the_corpus(corpus_words, reference):
    vocab = reference.get_vocab()
    words = words_to_check(corpus_words, vocab)
    assert len(words) > 1000
    assert tokenize(VectorWordPiece(vocab), words) == expected(reference, words)


def test_a_false_hash_match_is_caught_and_the_word_redone(corpus_words, reference):
    vocab = reference.get_vocab()
    wordpiece = VectorWordPiece(vocab)
    # make the hash of one common multi-character word-start token point at another token
    # of the same length, as a hash collision would
    words = words_to_check(corpus_words, vocab)
    first_tokens = [reference.id_to_token(i) for i in expected(reference, words)[0]]
    victim = next(t for t in first_tokens if len(t) == 2 and not t.startswith("#"))
    impostor = next(t for t in vocab if len(t) == 2 and t != victim and t.isalpha())
    index = wordpiece._first.index
    flat, offsets = code_points([victim])
    slot = np.flatnonzero(index._hashes == string_hashes(flat, offsets)[0])
    assert len(slot) == 1
    index._values[slot] = vocab[impostor]
    assert tokenize(wordpiece, words) == expected(reference, words)

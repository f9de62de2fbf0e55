import numpy as np

from pretrain.hash_index import HashIndex, SubstringHashes, string_hashes
from pretrain.vector_wordpiece import code_points


def test_string_and_substring_hashes_agree_and_separate_strings(corpus_words):
    words = corpus_words[:5000]
    flat, offsets = code_points(words)
    whole = string_hashes(flat, offsets)
    assert np.array_equal(whole, SubstringHashes(flat).of(offsets[:-1], np.diff(offsets)))
    assert len(set(whole.tolist())) == len(words)  # distinct words, distinct hashes
    again, again_offsets = code_points(words[::-1])
    assert np.array_equal(string_hashes(again, again_offsets), whole[::-1])  # position-free


def test_index_keeps_the_first_value_of_a_hash_and_grows():
    rng = np.random.default_rng(0)
    hashes = rng.integers(0, 2**63, 50_000, dtype=np.uint64)
    hashes[20_000:20_100] = hashes[:100]  # the same hashes again, with other values
    index = HashIndex(capacity=16)  # grows many times
    index.insert(hashes[:30_000], np.arange(30_000))
    index.insert(hashes[30_000:], np.arange(30_000, 50_000))
    first = {}
    for position, value in enumerate(hashes.tolist()):
        first.setdefault(value, position)
    assert len(index) == len(first)
    assert index.lookup(hashes).tolist() == [first[h] for h in hashes.tolist()]
    absent = rng.integers(0, 2**63, 1000, dtype=np.uint64)
    assert (index.lookup(absent[~np.isin(absent, hashes)]) == -1).all()

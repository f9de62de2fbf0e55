import numpy as np

from pretrain.tfrecords.hash_index import HashIndex, SubstringHashes, string_hashes
from pretrain.tfrecords.vector_wordpiece import code_points


def test_string_and_substring_hashes_agree_and_separate_strings(corpus_words):
    words = corpus_words[:5000]
    flat, offsets = code_points(words)
    whole = string_hashes(flat, offsets)
    assert np.array_equal(whole, SubstringHashes(flat).of(offsets[:-1], np.diff(offsets)))
    assert len(set(whole.tolist())) == len(words)  # distinct words, distinct hashes
    again, again_offsets = code_points(words[::-1])
    assert np.array_equal(string_hashes(again, again_offsets), whole[::-1])  # position-free


def test_index_keeps_the_value_of_a_present_hash_and_grows():
    rng = np.random.default_rng(0)
    hashes = rng.integers(0, 2**63, 50_000, dtype=np.uint64)
    hashes[40_000:40_100] = hashes[:100]  # hashes already present, with other values
    index = HashIndex(capacity=16)  # grows many times
    index.insert(hashes[:30_000], np.arange(30_000))
    index.insert(hashes[30_000:], np.arange(30_000, 50_000))
    assert len(index) == 50_000 - 100
    expected = np.arange(50_000)
    expected[40_000:40_100] = np.arange(100)
    assert np.array_equal(index.lookup(hashes), expected)
    absent = rng.integers(0, 2**63, 1000, dtype=np.uint64)
    assert (index.lookup(absent[~np.isin(absent, hashes)]) == -1).all()
    twice = HashIndex()
    twice.insert(np.array([7, 7, 9], np.uint64), np.array([1, 2, 3]))  # equal hashes at once
    assert len(twice) == 2 and twice.lookup(np.array([7], np.uint64))[0] in (1, 2)

import numpy as np
import pytest
import tensorflow as tf

from pretrain.objective import gumbel_sample, mask_tokens

PAD, CLS, SEP, MASK = 0, 2, 3, 4


def batch(rows=400, length=64, seed=0):
    rng = np.random.default_rng(seed)
    ids = np.zeros((rows, length), np.int32)
    mask = np.zeros((rows, length), np.int32)
    for r in range(rows):
        used = rng.integers(6, length + 1)
        ids[r, :used] = rng.integers(10, 1000, used)
        ids[r, 0], ids[r, used - 1] = CLS, SEP
        mask[r, :used] = 1
    return ids, mask


def test_masking_rules():
    ids, mask = batch()
    masked, positions, targets, weights = (
        x.numpy()
        for x in mask_tokens(
            tf.constant(ids),
            tf.constant(mask),
            [PAD, CLS, SEP],
            MASK,
            0.15,
            10,
            tf.constant([1, 2]),
        )
    )
    n_tokens = mask.sum(1) - 2
    expected = np.clip(np.round(n_tokens * 0.15), 1, 10)
    assert (weights.sum(1) == expected).all()
    chosen = [set(p[w > 0].tolist()) for p, w in zip(positions, weights, strict=True)]
    for r in range(len(ids)):
        assert len(chosen[r]) == weights[r].sum()  # distinct positions
        for p in chosen[r]:
            assert mask[r, p] and ids[r, p] not in (PAD, CLS, SEP)
        others = np.ones(ids.shape[1], bool)
        others[list(chosen[r])] = False
        assert (masked[r, others] == ids[r, others]).all()  # nothing else changes
    assert (targets[weights > 0] == ids[np.nonzero(weights)[0], positions[weights > 0]]).all()
    replaced = (masked[np.nonzero(weights)[0], positions[weights > 0]] == MASK).mean()
    assert replaced == pytest.approx(0.85, abs=0.03)  # 85% [MASK], 15% unchanged


def test_masking_is_seeded():
    ids, mask = batch(rows=20)
    first = mask_tokens(
        tf.constant(ids), tf.constant(mask), [0, 2, 3], MASK, 0.15, 10, tf.constant([5, 6])
    )
    again = mask_tokens(
        tf.constant(ids), tf.constant(mask), [0, 2, 3], MASK, 0.15, 10, tf.constant([5, 6])
    )
    other = mask_tokens(
        tf.constant(ids), tf.constant(mask), [0, 2, 3], MASK, 0.15, 10, tf.constant([5, 7])
    )
    assert np.array_equal(first[1].numpy(), again[1].numpy())
    assert not np.array_equal(first[1].numpy(), other[1].numpy())


def test_gumbel_sampling_follows_the_softmax():
    logits = tf.math.log(tf.constant([[0.7, 0.2, 0.1]] * 20000))
    samples = gumbel_sample(logits, 1.0, tf.constant([3, 4])).numpy()
    assert np.bincount(samples, minlength=3) / len(samples) == pytest.approx(
        [0.7, 0.2, 0.1], abs=0.02
    )

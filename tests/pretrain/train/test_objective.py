import numpy as np
import pytest
from keras import ops

from pretrain.train.objective import (
    auc_from_histograms,
    auc_histograms,
    gumbel_sample,
    hash32,
    mask_tokens,
    uniform,
)

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


def lowbias32(x: np.ndarray) -> np.ndarray:
    """The reference hash in uint32 numpy."""
    x = x.astype(np.uint32)
    x ^= x >> 16
    x *= np.uint32(0x7FEB352D)
    x ^= x >> 15
    x *= np.uint32(0x846CA68B)
    x ^= x >> 16
    return x


def test_hash_is_lowbias32_in_int32():
    values = np.array([0, 1, 2, 12345, 2**31 - 1, -(2**31), -1], np.int32)
    ours = ops.convert_to_numpy(hash32(ops.convert_to_tensor(values)))
    assert np.array_equal(ours.view(np.uint32), lowbias32(values.view(np.uint32)))


def test_uniform_draws_are_uniform_and_follow_seed_and_step():
    draws = ops.convert_to_numpy(uniform((200, 500), 7, 3, 1))
    assert draws.min() > 0 and draws.max() < 1
    assert draws.mean() == pytest.approx(0.5, abs=0.005)
    assert np.histogram(draws, 10, (0, 1))[0] / draws.size == pytest.approx([0.1] * 10, abs=0.005)
    same = ops.convert_to_numpy(uniform((200, 500), 7, 3, 1))
    assert np.array_equal(draws, same)
    for other in (
        uniform((200, 500), 8, 3, 1),
        uniform((200, 500), 7, 4, 1),
        uniform((200, 500), 7, 3, 2),
    ):
        assert np.abs(np.corrcoef(draws.ravel(), ops.convert_to_numpy(other).ravel())[0, 1]) < 0.01


def test_masking_rules():
    ids, mask = batch()
    masked, positions, targets, weights = (
        ops.convert_to_numpy(x)
        for x in mask_tokens(ids, mask, [PAD, CLS, SEP], MASK, 0.15, 10, 1, 2)
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
    first = mask_tokens(ids, mask, [0, 2, 3], MASK, 0.15, 10, 5, 6)
    again = mask_tokens(ids, mask, [0, 2, 3], MASK, 0.15, 10, 5, 6)
    other = mask_tokens(ids, mask, [0, 2, 3], MASK, 0.15, 10, 5, 7)
    assert np.array_equal(ops.convert_to_numpy(first[1]), ops.convert_to_numpy(again[1]))
    assert not np.array_equal(ops.convert_to_numpy(first[1]), ops.convert_to_numpy(other[1]))


def test_sampling_follows_the_softmax():
    logits = np.log(np.array([[[0.7, 0.2, 0.1]] * 20000], np.float32))
    samples = ops.convert_to_numpy(gumbel_sample(logits, 1.0, 3, 4)).ravel()
    assert np.bincount(samples, minlength=3) / len(samples) == pytest.approx(
        [0.7, 0.2, 0.1], abs=0.02
    )


@pytest.mark.parametrize("temperature", [1.0, 2.0])
def test_sampling_follows_each_rows_softmax_at_the_temperature(temperature):
    # Two rows with different distributions over 64 tokens; every position of a row samples
    # from that row's softmax(logits / temperature), whatever its place in the vocabulary.
    rng = np.random.default_rng(1)
    row_logits = (3 * rng.standard_normal((2, 64))).astype("float32")
    logits = np.repeat(row_logits[:, None, :], 30000, axis=1)
    samples = ops.convert_to_numpy(gumbel_sample(logits, temperature, 3, 4))
    for row in range(2):
        expected = np.exp(row_logits[row] / temperature)
        expected /= expected.sum()
        observed = np.bincount(samples[row], minlength=64) / samples.shape[1]
        assert np.abs(observed - expected).max() < 0.012
    assert not np.array_equal(
        samples, ops.convert_to_numpy(gumbel_sample(logits, temperature, 3, 5))
    )


@pytest.mark.parametrize("vocab", [2, 1000, 1030])
def test_two_level_sampling_follows_the_softmax_across_blocks(vocab):
    # The sampler cuts the vocabulary into ~sqrt(V) blocks (1030 leaves a padded last block):
    # every token, in every block and in the last one, is drawn at its softmax probability,
    # and no padding index is ever returned.
    rng = np.random.default_rng(2)
    row = rng.standard_normal(vocab).astype("float32")
    row[-1] += 4.0  # the last token (in the padded block) is one of the likeliest
    row[vocab // 2] += 3.0
    logits = np.repeat(row[None, None, :], 40000, axis=1)
    samples = ops.convert_to_numpy(gumbel_sample(logits, 1.0, 7, 1)).ravel()
    assert samples.min() >= 0 and samples.max() < vocab
    expected = np.exp(row - row.max())
    expected /= expected.sum()
    observed = np.bincount(samples, minlength=vocab) / len(samples)
    # 4.5 binomial standard deviations per token
    assert np.all(np.abs(observed - expected) <= 4.5 * np.sqrt(expected / len(samples)) + 1e-4)


def exact_auc(labels: np.ndarray, scores: np.ndarray) -> float:
    """Mann-Whitney AUC, the definition the histograms approximate."""
    from scipy.stats import rankdata

    ranks = rankdata(scores)
    positive = labels > 0.5
    n_pos, n_neg = positive.sum(), (~positive).sum()
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


@pytest.mark.parametrize("spread", [0.02, 0.3, 3.0])
def test_window_auc_matches_the_exact_auc_near_the_prior(spread):
    # A discriminator near the prior: every probability within a hair of the replaced rate
    # (~13%), replaced tokens ranked slightly higher. 200 probability bins read this as 0.500.
    rng = np.random.default_rng(0)
    labels = (rng.random(20_000) < 0.13).astype("float32")
    logits = (np.log(0.13 / 0.87) + spread * (rng.standard_normal(20_000) + 0.6 * labels)).astype(
        "float32"
    )
    weights = (rng.random(20_000) < 0.9).astype("float32")  # padding does not count
    halves = [
        ops.convert_to_numpy(auc_histograms(labels[s], logits[s], weights[s]))
        for s in (slice(0, 10_000), slice(10_000, None))
    ]
    kept = weights > 0
    expected = exact_auc(labels[kept], logits[kept])
    assert expected > 0.6
    assert auc_from_histograms(halves[0] + halves[1]) == pytest.approx(expected, abs=0.01)


def test_a_part_of_a_batch_draws_the_random_numbers_of_its_rows():
    whole = ops.convert_to_numpy(uniform((6, 5, 7), 3, 11, 2))
    part = ops.convert_to_numpy(uniform((2, 5, 7), 3, 11, 2, row_offset=4))
    assert np.array_equal(part, whole[4:])
    ids, mask = batch(rows=8)
    masked = mask_tokens(ids, mask, [PAD, CLS, SEP], MASK, 0.15, 9, 7, 5)
    second = mask_tokens(ids[4:], mask[4:], [PAD, CLS, SEP], MASK, 0.15, 9, 7, 5, rows=4)
    for a, b in zip(masked, second, strict=True):
        assert np.array_equal(ops.convert_to_numpy(a)[4:], ops.convert_to_numpy(b))
    logits = np.random.default_rng(0).normal(size=(8, 9, 50)).astype(np.float32)
    sampled = ops.convert_to_numpy(gumbel_sample(logits, 1.0, 7, 5))
    assert np.array_equal(
        sampled[4:], ops.convert_to_numpy(gumbel_sample(logits[4:], 1.0, 7, 5, 4))
    )

"""The ELECTRA objective (original `run_pretraining.py` / `pretrain_helpers.py`) in `keras.ops`,
fixed shapes, the same numbers on every Keras backend.

1. Mask: per sequence, k = clip(round(mask_prob * tokens), 1, N) of the non-special tokens are
   chosen uniformly (N = max_predictions_per_seq, static); 85% become [MASK], 15% stay.
2. Generator: MLM loss at the masked positions.
3. Sample replacements from the generator with a two-level Gumbel-max (no gradient).
4. Discriminator: which tokens were replaced (a sampled token equal to the original is "real").
Loss = generator_weight * MLM + disc_weight (50) * replaced-token detection.

Random numbers come from a counter-based hash of (seed, step, stream, element index) in int32
`keras.ops` (TensorFlow, JAX and PyTorch each have their own generator, and they differ): the
same seed and step give the same masks and samples on every backend, on device, with no state.
"""

from __future__ import annotations

import math

import numpy as np
from keras import ops

# Streams of random numbers drawn per step
MASK_POSITIONS, MASK_OR_KEEP, GUMBEL, GUMBEL_BLOCK = 1, 2, 3, 4


def _int32(value: int) -> int:
    """A uint32 constant as the int32 with the same bits."""
    return value - (1 << 32) if value >= 1 << 31 else value


def _shift_right(x, bits: int):
    """Logical (unsigned) right shift of int32 values."""
    return ops.bitwise_and(ops.right_shift(x, bits), (1 << (32 - bits)) - 1)


def hash32(x):
    """Chris Wellons' `lowbias32` integer hash on int32 tensors (wrap-around arithmetic)."""
    x = ops.bitwise_xor(x, _shift_right(x, 16))
    x = ops.multiply(x, ops.cast(_int32(0x7FEB352D), "int32"))
    x = ops.bitwise_xor(x, _shift_right(x, 15))
    x = ops.multiply(x, ops.cast(_int32(0x846CA68B), "int32"))
    return ops.bitwise_xor(x, _shift_right(x, 16))


def uniform(shape: tuple[int, ...], seed: int, step, stream: int, row_offset=0):
    """float32 uniform draws in (0, 1) (24 bits), a pure function of (seed, step, stream):
    rows `row_offset`... of the global batch, so that a process holding only some rows of a
    batch draws what one process holding them all would."""
    step = ops.cast(step, "int32")
    key = hash32(
        ops.add(hash32(ops.cast(_int32((seed * 0x9E3779B9 + stream) % (1 << 32)), "int32")), step)
    )
    count = int(np.prod(shape))
    index = ops.reshape(ops.arange(count, dtype="int32"), shape)
    if not isinstance(row_offset, int) or row_offset:
        index = ops.add(index, ops.cast(row_offset, "int32") * (count // shape[0]))
    bits = hash32(ops.add(hash32(ops.bitwise_xor(index, key)), key))
    return ops.add(ops.multiply(ops.cast(_shift_right(bits, 8), "float32"), 2.0**-24), 2.0**-25)


def gather_positions(x, positions):
    """x[b, positions[b, n]] for x [B, L] or [B, L, H]."""
    if len(x.shape) == 2:
        return ops.take_along_axis(x, positions, axis=1)
    index = ops.broadcast_to(ops.expand_dims(positions, -1), (*positions.shape, x.shape[-1]))
    return ops.take_along_axis(x, index, axis=1)


def scatter(input_ids, positions, tokens, weights):
    """input_ids with tokens written at positions where weight is 1 (positions are distinct)."""
    length = input_ids.shape[1]
    hit = ops.equal(ops.expand_dims(positions, -1), ops.arange(length, dtype="int32"))  # B N L
    hit = ops.logical_and(hit, ops.expand_dims(ops.greater(weights, 0), -1))
    written = ops.sum(ops.where(hit, ops.expand_dims(tokens, -1), 0), axis=1)
    return ops.where(ops.any(hit, axis=1), written, input_ids)


def mask_tokens(
    input_ids, input_mask, special_ids, mask_id, mask_prob, max_predictions, seed, step, rows=0
):
    """Returns masked ids, positions [B, N], original ids there [B, N], weights [B, N] (0/1)."""
    batch, length = input_ids.shape
    candidate = ops.cast(input_mask, "bool")
    for special in special_ids:
        candidate = ops.logical_and(candidate, ops.not_equal(input_ids, special))
    n_candidates = ops.sum(ops.cast(candidate, "int32"), axis=1)
    k = ops.cast(ops.round(ops.cast(n_candidates, "float32") * mask_prob), "int32")
    k = ops.minimum(ops.maximum(k, 1), ops.minimum(n_candidates, max_predictions))
    scores = ops.where(candidate, uniform((batch, length), seed, step, MASK_POSITIONS, rows), -1.0)
    _, positions = ops.top_k(scores, k=max_predictions)
    positions = ops.cast(positions, "int32")
    weights = ops.cast(
        ops.less(ops.arange(max_predictions, dtype="int32")[None, :], k[:, None]), "float32"
    )
    positions = positions * ops.cast(weights, "int32")  # unused slots point at [CLS], weight 0
    targets = gather_positions(input_ids, positions)
    use_mask = ops.less(uniform((batch, max_predictions), seed, step, MASK_OR_KEEP, rows), 0.85)
    new_tokens = ops.where(use_mask, ops.full_like(targets, mask_id), targets)
    masked = scatter(input_ids, positions, new_tokens, weights)
    return masked, positions, targets, weights


def gumbel_sample(logits, temperature: float, seed: int, step, rows=0):
    """One token per row of logits [..., V], distributed as softmax(logits / temperature).

    Two-level Gumbel-max: the vocabulary is cut into ~sqrt(V) blocks of ~sqrt(V) tokens; a block
    is drawn by Gumbel-max over the blocks' log-masses, then a token within it by Gumbel-max over
    its logits. P(block) * P(token | block) is the softmax, and the hashed noise is ~2 sqrt(V)
    uniforms per row instead of V (at V 32k, 360 instead of 32,000, and the per-row cost is one
    exp-and-sum pass over the logits). Like one-level Gumbel-max, and unlike an inverse CDF
    (tried: a cumulative sum rounds differently per backend, and TensorFlow and JAX then sampled
    a different token in the cross-backend one-step test), the choice moves only when two of
    the top perturbed values are within float rounding, so every backend picks the same token.
    experiments/sampling.py times the variants."""
    scaled = ops.stop_gradient(ops.cast(logits, "float32"))
    if temperature != 1.0:
        scaled = scaled / temperature
    *lead, vocab = scaled.shape
    width = math.isqrt(vocab - 1) + 1 if vocab > 1 else 1
    blocks = -(-vocab // width)
    if blocks * width > vocab:  # padding the last block: never drawn
        pad = [[0, 0]] * len(lead) + [[0, blocks * width - vocab]]
        scaled = ops.pad(scaled, pad, constant_values=-1e30)
    grid = ops.reshape(scaled, (*lead, blocks, width))
    top = ops.max(scaled, axis=-1, keepdims=True)
    mass = ops.sum(ops.exp(grid - ops.expand_dims(top, -1)), axis=-1)  # [..., blocks], top >= 1
    block = ops.argmax(
        ops.log(mass) + gumbel_noise((*lead, blocks), seed, step, GUMBEL_BLOCK, rows), -1
    )
    block = ops.cast(block, "int32")
    index = ops.broadcast_to(ops.reshape(block, (*lead, 1, 1)), (*lead, 1, width))
    within = ops.squeeze(ops.take_along_axis(grid, index, axis=-2), -2)  # [..., width]
    token = ops.argmax(within + gumbel_noise((*lead, width), seed, step, GUMBEL, rows), axis=-1)
    return block * width + ops.cast(token, "int32")


def gumbel_noise(shape: tuple[int, ...], seed: int, step, stream: int, rows=0):
    """Standard Gumbel draws -log(-log(u)) from the hashed uniforms."""
    return -ops.log(-ops.log(uniform(shape, seed, step, stream, rows)))


def _weighted_mean(values, weights, global_sum=None):
    """The mean over the global batch: with `global_sum` (the sum over every process's part),
    this part's share of it, so that the parts' values add up to the global mean."""
    total = ops.sum(weights)
    if global_sum is not None:
        total = global_sum(ops.stop_gradient(total))
    return ops.sum(values * weights) / (total + 1e-6)


AUC_BINS = 16384
AUC_LOGIT_LIMIT = 12.0


def auc_histograms(labels, logits, weights, bins: int = AUC_BINS, limit: float = AUC_LOGIT_LIMIT):
    """Weighted counts of positives and negatives per logit bin: summed over steps they give
    the AUC of a window (`auc_from_histograms`) without a stateful metric.

    The bins are over logits (width 2 * limit / bins, about 0.0015), not probabilities: a
    discriminator near the prior puts every probability within a few thousandths of the
    replaced rate, which 200 probability bins would count as one tie (AUC 0.500 whatever the
    ranking)."""
    scaled = (ops.clip(logits, -limit, limit) + limit) * (bins / (2 * limit))
    index = ops.reshape(ops.clip(ops.cast(scaled, "int32"), 0, bins - 1), (-1,))
    positive = ops.reshape(labels * weights, (-1,))
    negative = ops.reshape((1.0 - labels) * weights, (-1,))
    return ops.stack(
        [ops.segment_sum(positive, index, bins), ops.segment_sum(negative, index, bins)]
    )


def auc_from_histograms(histograms: np.ndarray) -> float:
    """Area under the ROC curve from `auc_histograms` counts (trapezoids between bins)."""
    positive, negative = np.asarray(histograms, np.float64)
    if positive.sum() == 0 or negative.sum() == 0:
        return float("nan")
    true_rate = np.concatenate([[0.0], np.cumsum(positive[::-1]) / positive.sum()])
    false_rate = np.concatenate([[0.0], np.cumsum(negative[::-1]) / negative.sum()])
    return float(np.sum(np.diff(false_rate) * (true_rate[1:] + true_rate[:-1]) / 2))


def electra_losses(
    model, batch, config, special_ids, mask_id, step, training=True, rows=0, global_sum=None
):
    """All terms of the objective and the metrics' inputs, for one batch; `step` (a scalar
    tensor) selects the random numbers.

    A process (or replica) that holds only some rows of the global batch passes `rows`, the
    global index of its first row (it draws the random numbers of those rows), and
    `global_sum`, the sum over all parts (an all-reduce); then every value is its part's
    share and the parts' values summed are the global batch's (the AUC histograms too)."""
    input_ids = ops.cast(batch["input_ids"], "int32")
    input_mask = ops.cast(batch["input_mask"], "int32")
    segment_ids = ops.cast(batch["segment_ids"], "int32")
    masked, positions, targets, weights = mask_tokens(
        input_ids,
        input_mask,
        special_ids,
        mask_id,
        config.mask_prob,
        config.max_predictions_per_seq,
        config.seed,
        step,
        rows,
    )
    logits = ops.cast(
        model.generator_logits(masked, segment_ids, input_mask, positions, training), "float32"
    )
    mlm = ops.sparse_categorical_crossentropy(targets, logits, from_logits=True)
    mlm_loss = _weighted_mean(mlm, weights, global_sum)
    mlm_correct = ops.cast(ops.equal(ops.cast(ops.argmax(logits, -1), "int32"), targets), "float32")
    sampled = gumbel_sample(logits, config.temperature, config.seed, step, rows)
    fake = scatter(input_ids, positions, sampled, weights)
    replaced = ops.cast(ops.not_equal(fake, input_ids), "float32")
    disc_logits = ops.cast(
        model.discriminator_logits(fake, segment_ids, input_mask, training), "float32"
    )
    token_weights = ops.cast(input_mask, "float32")
    disc = ops.binary_crossentropy(replaced, disc_logits, from_logits=True)
    disc_loss = _weighted_mean(disc, token_weights, global_sum)
    total = config.generator_weight * mlm_loss + config.disc_weight * disc_loss
    disc_correct = ops.cast(ops.equal(ops.cast(disc_logits > 0, "float32"), replaced), "float32")
    return {
        "loss": total,
        "mlm_loss": mlm_loss,
        "mlm_accuracy": _weighted_mean(mlm_correct, weights, global_sum),
        "disc_loss": disc_loss,
        "disc_accuracy": _weighted_mean(disc_correct, token_weights, global_sum),
        "auc_histograms": auc_histograms(replaced, disc_logits, token_weights),
    }

"""The ELECTRA objective (original `run_pretraining.py` / `pretrain_helpers.py`), fixed shapes.

1. Mask: per sequence, k = clip(round(mask_prob * tokens), 1, N) of the non-special tokens are
   chosen uniformly (N = max_predictions_per_seq, static); 85% become [MASK], 15% stay.
2. Generator: MLM loss at the masked positions.
3. Sample replacements from the generator with the Gumbel-max trick (no gradient).
4. Discriminator: which tokens were replaced (a sampled token equal to the original is "real").
Loss = generator_weight * MLM + disc_weight (50) * replaced-token detection.
"""

from __future__ import annotations

import tensorflow as tf


def mask_tokens(input_ids, input_mask, special_ids, mask_id, mask_prob, max_predictions, seed):
    """Returns masked ids, positions [B, N], original ids there [B, N], weights [B, N] (0/1)."""
    batch, length = tf.shape(input_ids)[0], tf.shape(input_ids)[1]
    candidate = tf.cast(input_mask, tf.bool)
    for special in special_ids:
        candidate &= tf.not_equal(input_ids, special)
    n_candidates = tf.reduce_sum(tf.cast(candidate, tf.int32), axis=1)
    k = tf.cast(tf.round(tf.cast(n_candidates, tf.float32) * mask_prob), tf.int32)
    k = tf.minimum(tf.maximum(k, 1), tf.minimum(n_candidates, max_predictions))
    scores = tf.random.stateless_uniform([batch, length], seed=seed)
    scores = tf.where(candidate, scores, -1.0)
    _, positions = tf.math.top_k(scores, k=max_predictions)
    weights = tf.cast(tf.range(max_predictions)[None, :] < k[:, None], tf.float32)
    positions = positions * tf.cast(weights, tf.int32)  # unused slots point at [CLS], weight 0
    targets = tf.gather(input_ids, positions, batch_dims=1)
    use_mask = tf.random.stateless_uniform([batch, max_predictions], seed=seed + [0, 1]) < 0.85
    replace = tf.cast(use_mask, tf.float32) * weights > 0
    new_tokens = tf.where(replace, tf.fill(tf.shape(targets), mask_id), targets)
    masked = scatter(input_ids, positions, new_tokens, weights)
    return masked, positions, targets, weights


def scatter(input_ids, positions, tokens, weights):
    """input_ids with tokens written at positions where weight is 1."""
    batch = tf.shape(input_ids)[0]
    rows = tf.repeat(tf.range(batch)[:, None], tf.shape(positions)[1], axis=1)
    index = tf.stack([rows, positions], axis=-1)
    keep = weights > 0
    return tf.tensor_scatter_nd_update(
        input_ids, tf.boolean_mask(index, keep), tf.boolean_mask(tokens, keep)
    )


def gumbel_sample(logits, temperature, seed):
    uniform = tf.random.stateless_uniform(tf.shape(logits), seed=seed, minval=1e-9, maxval=1.0)
    gumbel = -tf.math.log(-tf.math.log(uniform))
    return tf.argmax(tf.stop_gradient(logits) / temperature + gumbel, axis=-1, output_type=tf.int32)


def electra_losses(model, batch, config, special_ids, mask_id, seed, training=True):
    """All terms of the objective and what the metrics need, for one batch."""
    input_ids = tf.cast(batch["input_ids"], tf.int32)
    input_mask = tf.cast(batch["input_mask"], tf.int32)
    segment_ids = tf.cast(batch["segment_ids"], tf.int32)
    masked, positions, targets, weights = mask_tokens(
        input_ids,
        input_mask,
        special_ids,
        mask_id,
        config.mask_prob,
        config.max_predictions_per_seq,
        seed,
    )
    logits = tf.cast(
        model.generator_logits(masked, segment_ids, input_mask, positions, training), tf.float32
    )
    mlm = tf.keras.losses.sparse_categorical_crossentropy(targets, logits, from_logits=True)
    denominator = tf.reduce_sum(weights) + 1e-6
    mlm_loss = tf.reduce_sum(mlm * weights) / denominator
    mlm_correct = tf.cast(
        tf.equal(tf.argmax(logits, -1, output_type=tf.int32), targets), tf.float32
    )
    sampled = gumbel_sample(logits, config.temperature, seed + [0, 2])
    fake = scatter(input_ids, positions, sampled, weights)
    replaced = tf.cast(tf.not_equal(fake, input_ids), tf.float32)
    disc_logits = tf.cast(
        model.discriminator_logits(fake, segment_ids, input_mask, training), tf.float32
    )
    token_weights = tf.cast(input_mask, tf.float32)
    disc = tf.nn.sigmoid_cross_entropy_with_logits(labels=replaced, logits=disc_logits)
    disc_loss = tf.reduce_sum(disc * token_weights) / (tf.reduce_sum(token_weights) + 1e-6)
    total = config.generator_weight * mlm_loss + config.disc_weight * disc_loss
    return {
        "loss": total,
        "mlm_loss": mlm_loss,
        "mlm_accuracy": tf.reduce_sum(mlm_correct * weights) / denominator,
        "disc_loss": disc_loss,
        "disc_accuracy": tf.reduce_sum(
            tf.cast(tf.equal(tf.cast(disc_logits > 0, tf.float32), replaced), tf.float32)
            * token_weights
        )
        / (tf.reduce_sum(token_weights) + 1e-6),
        "replaced": replaced,
        "disc_probs": tf.sigmoid(disc_logits),
        "token_weights": token_weights,
    }

"""The ELECTRA generator + discriminator in Keras 3 (any backend: only `keras.ops`).

The discriminator is keras_hub's `ElectraBackbone` (the architecture of HF's ElectraModel, with
the tanh GELU: exported as `hidden_act: "gelu_new"`) plus the replaced-token-detection head.
The generator is smaller, shares the discriminator's embeddings (token, position, segment and
their LayerNorm) as in the original, and has the MLM head with exact GELU tied to the token
embedding matrix. Its logits are computed only at the masked positions.
"""

from __future__ import annotations

import keras
import keras_hub
import numpy as np
from keras import ops
from keras_hub.layers import TransformerEncoder
from keras_hub.src.utils.keras_utils import gelu_approximate

from kosent_common.electra import LAYER_NORM_EPS, MAX_POSITIONS
from pretrain.train.config import PretrainConfig
from pretrain.train.objective import gather_positions


def _init():
    return keras.initializers.TruncatedNormal(stddev=0.02)


class ElectraPretrainer(keras.Model):
    def __init__(self, config: PretrainConfig, **kwargs) -> None:
        super().__init__(**kwargs)
        disc, gen = config.sizes, config.generator_sizes
        self.config_ = config
        self.discriminator = keras_hub.models.ElectraBackbone(
            vocab_size=config.vocab_size,
            num_layers=disc["num_hidden_layers"],
            num_heads=disc["num_attention_heads"],
            hidden_dim=disc["hidden_size"],
            embedding_dim=disc["embedding_size"],
            intermediate_dim=disc["intermediate_size"],
            dropout=config.dropout,
            max_sequence_length=MAX_POSITIONS,
            name="discriminator",
        )
        self.discriminator.get_layer("pooled_dense").trainable = False  # no HF counterpart
        self.disc_dense = keras.layers.Dense(  # HF applies hidden_act here: gelu_new (tanh)
            disc["hidden_size"],
            activation=gelu_approximate,
            kernel_initializer=_init(),
            name="disc_head_dense",
        )
        self.disc_out = keras.layers.Dense(1, kernel_initializer=_init(), name="disc_head_out")

        self.gen_dropout = keras.layers.Dropout(config.dropout)
        # HF's ElectraModel projects embeddings only when the sizes differ; so do we.
        self.gen_projection = (
            keras.layers.Dense(
                gen["hidden_size"], kernel_initializer=_init(), name="gen_embeddings_projection"
            )
            if gen["hidden_size"] != gen["embedding_size"]
            else keras.layers.Identity()
        )
        self.gen_layers = [
            TransformerEncoder(
                num_heads=gen["num_attention_heads"],
                intermediate_dim=gen["intermediate_size"],
                activation=gelu_approximate,
                dropout=config.dropout,
                layer_norm_epsilon=LAYER_NORM_EPS,
                kernel_initializer=_init(),
                name=f"gen_transformer_layer_{i}",
            )
            for i in range(gen["num_hidden_layers"])
        ]
        self.gen_dense = keras.layers.Dense(
            gen["embedding_size"],
            activation=lambda x: keras.activations.gelu(x, approximate=False),
            kernel_initializer=_init(),
            name="gen_head_dense",
        )  # exact GELU, as HF's generator head
        self.gen_norm = keras.layers.LayerNormalization(
            epsilon=LAYER_NORM_EPS, name="gen_head_norm"
        )
        self.gen_bias = self.add_weight(
            shape=(config.vocab_size,), initializer="zeros", name="gen_output_bias"
        )

    def _embed(self, token_ids, segment_ids, training):
        backbone = self.discriminator
        tokens = backbone.get_layer("token_embedding")(token_ids)
        positions = backbone.get_layer("position_embedding")(tokens)
        segments = backbone.get_layer("segment_embedding")(segment_ids)
        x = backbone.get_layer("embeddings_layer_norm")(tokens + positions + segments)
        return self.gen_dropout(x, training=training)

    def generator_logits(self, token_ids, segment_ids, padding_mask, positions, training=False):
        """MLM logits [batch, predictions, vocab] at the given positions only."""
        x = self.gen_projection(self._embed(token_ids, segment_ids, training))
        for layer in self.gen_layers:
            x = layer(x, padding_mask=padding_mask, training=training)
        x = self.gen_norm(self.gen_dense(gather_positions(x, positions)))
        table = self.discriminator.get_layer("token_embedding").embeddings
        logits = ops.matmul(x, ops.transpose(ops.cast(table, x.dtype)))
        return logits + ops.cast(self.gen_bias, x.dtype)

    def discriminator_logits(self, token_ids, segment_ids, padding_mask, training=False):
        """Replaced-token-detection logits [batch, length]."""
        hidden = self.discriminator(
            {"token_ids": token_ids, "segment_ids": segment_ids, "padding_mask": padding_mask},
            training=training,
        )["sequence_output"]
        return ops.squeeze(self.disc_out(self.disc_dense(hidden)), -1)

    def build_all(self, batch: int = 1) -> None:
        """Create every weight (Keras builds lazily)."""
        length = 8
        ids = np.zeros((batch, length), np.int32)
        self.generator_logits(ids, ids, np.ones_like(ids), np.zeros((batch, 1), np.int32))
        self.discriminator_logits(ids, ids, np.ones_like(ids))

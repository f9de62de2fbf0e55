"""The Hugging Face ELECTRA configuration of our models, and the position limit, in one place:
the trainer's position table, the export's config.json, the random control model of finetune
and the tokenizer's model_max_length all read them from here."""

from __future__ import annotations

from typing import Any

MAX_POSITIONS = 512  # position table size, as in the original ELECTRA (sequences may be shorter)
LAYER_NORM_EPS = 1e-12
HIDDEN_ACT = "gelu_new"  # keras_hub's transformer uses the tanh approximation of GELU
SIZE_KEYS = (
    "embedding_size",
    "hidden_size",
    "num_hidden_layers",
    "num_attention_heads",
    "intermediate_size",
)


def electra_config_dict(
    sizes: dict[str, int], vocab_size: int, architecture: str | None = None
) -> dict[str, Any]:
    """The config.json of an ELECTRA with these sizes (the keys of SIZE_KEYS)."""
    config: dict[str, Any] = {"architectures": [architecture]} if architecture else {}
    return {
        **config,
        "model_type": "electra",
        "vocab_size": vocab_size,
        **{key: sizes[key] for key in SIZE_KEYS},
        "hidden_act": HIDDEN_ACT,
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": MAX_POSITIONS,
        "type_vocab_size": 2,
        "initializer_range": 0.02,
        "layer_norm_eps": LAYER_NORM_EPS,
        "pad_token_id": 0,
        "position_embedding_type": "absolute",
        "summary_type": "first",
        "summary_use_proj": True,
        "summary_activation": "gelu",
        "summary_last_dropout": 0.1,
        "tie_word_embeddings": True,
    }


def electra_config(sizes: dict[str, int], vocab_size: int, architecture: str | None = None):
    """The same as a `transformers.ElectraConfig` (imports transformers)."""
    from transformers import ElectraConfig

    raw = electra_config_dict(sizes, vocab_size, architecture)
    raw.pop("model_type")
    return ElectraConfig(**raw)

"""A randomly initialised ELECTRA in Hugging Face format, with a tokenizer folder's files: the
"no pretraining" control for fine-tuning, and a model for tests and throughput benchmarks."""

from __future__ import annotations

import shutil
from pathlib import Path

TOKENIZER_FILES = (
    "vocab.txt",
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
)


def save_random_electra(
    tokenizer_dir: Path,
    out_dir: Path,
    embedding_size: int,
    hidden_size: int,
    num_hidden_layers: int,
    num_attention_heads: int,
    intermediate_size: int,
    seed: int = 0,
) -> Path:
    import torch
    from transformers import ElectraForPreTraining

    from kosent_common.electra import electra_config

    torch.manual_seed(seed)
    vocab = (Path(tokenizer_dir) / "vocab.txt").read_text(encoding="utf-8").splitlines()
    sizes = {
        "embedding_size": embedding_size,
        "hidden_size": hidden_size,
        "num_hidden_layers": num_hidden_layers,
        "num_attention_heads": num_attention_heads,
        "intermediate_size": intermediate_size,
    }
    config = electra_config(sizes, len(vocab), "ElectraForPreTraining")
    ElectraForPreTraining(config).save_pretrained(out_dir)
    for name in TOKENIZER_FILES:
        if (Path(tokenizer_dir) / name).exists():
            shutil.copy(Path(tokenizer_dir) / name, Path(out_dir) / name)
    return Path(out_dir)

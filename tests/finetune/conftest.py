import shutil
from pathlib import Path

import pytest

DEMO_NSMC = Path(__file__).resolve().parents[2] / "demo" / "data" / "nsmc"


@pytest.fixture(scope="session")
def tiny_model(vocab_dir, tmp_path_factory) -> Path:
    """A tiny randomly initialised ELECTRA saved with the fixture vocabulary."""
    from transformers import ElectraConfig, ElectraForPreTraining

    out = tmp_path_factory.mktemp("tiny_model")
    vocab = (vocab_dir / "vocab.txt").read_text(encoding="utf-8").splitlines()
    config = ElectraConfig(
        vocab_size=len(vocab),
        embedding_size=32,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=128,
    )
    ElectraForPreTraining(config).save_pretrained(out)
    for name in ("vocab.txt", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"):
        shutil.copy(vocab_dir / name, out / name)
    return out


@pytest.fixture(scope="session")
def demo_nsmc() -> Path:
    return DEMO_NSMC

from pathlib import Path

import pytest

DEMO_NSMC = Path(__file__).resolve().parents[2] / "demo" / "data" / "nsmc"


@pytest.fixture(scope="session")
def tiny_model(vocab_dir, tmp_path_factory) -> Path:
    """A tiny randomly initialised ELECTRA saved with the fixture vocabulary."""
    from finetune.random_model import save_random_electra

    return save_random_electra(
        vocab_dir,
        tmp_path_factory.mktemp("tiny_model"),
        embedding_size=32,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
    )


@pytest.fixture(scope="session")
def demo_nsmc() -> Path:
    return DEMO_NSMC

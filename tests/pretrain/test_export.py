"""Export to Hugging Face: transformers' logits equal the Keras model's; URL paths; errors."""

import json
from pathlib import Path

import numpy as np

from pretrain.export import main as export
from tests.pretrain.train.test_loop import final_weights, records, tiny_config  # noqa: F401


def assert_export_matches(run: Path, config_path: Path) -> None:
    """Export `run` and compare transformers' logits with our Keras model's (this process's
    backend) holding the run's weights."""
    import torch
    from transformers import ElectraForMaskedLM, ElectraForPreTraining, ElectraTokenizer

    from pretrain.train.config import load_config
    from pretrain.train.loop import variable_names
    from pretrain.train.model import ElectraPretrainer

    assert export([str(run)]) == 0
    model = ElectraPretrainer(load_config(config_path))
    model.build_all()
    weights = final_weights(run)
    for variable, name in zip(model.variables, variable_names(model), strict=True):
        variable.assign(weights[name])
    rng = np.random.default_rng(0)
    ids = rng.integers(5, model.config_.vocab_size, size=(3, 24)).astype(np.int32)
    segments = np.zeros_like(ids)
    segments[:, 14:] = 1
    mask = np.ones_like(ids)
    mask[1, 15:] = 0
    ours_disc = np.asarray(model.discriminator_logits(ids, segments, mask))
    positions = np.tile(np.arange(24, dtype=np.int32), (3, 1))
    ours_gen = np.asarray(model.generator_logits(ids, segments, mask, positions))

    def tensor(array):
        return torch.tensor(array, dtype=torch.long)

    inputs = {"input_ids": tensor(ids), "token_type_ids": tensor(segments)}
    inputs["attention_mask"] = tensor(mask)
    disc = ElectraForPreTraining.from_pretrained(str(run / "hf" / "discriminator")).eval()
    gen = ElectraForMaskedLM.from_pretrained(str(run / "hf" / "generator")).eval()
    with torch.no_grad():
        hf_disc = disc(**inputs).logits.numpy()
        hf_gen = gen(**inputs).logits.numpy()
    valid = mask.astype(bool)
    np.testing.assert_allclose(ours_disc[valid], hf_disc[valid], rtol=0, atol=2e-5)
    np.testing.assert_allclose(ours_gen[valid], hf_gen[valid], rtol=0, atol=1e-4)
    tokenizer = ElectraTokenizer.from_pretrained(str(run / "hf" / "discriminator"))
    assert tokenizer.unk_token not in tokenizer.tokenize("정말 재밌어요")


def test_export_to_a_url_path(records, vocab_dir, tmp_path):  # noqa: F811
    """`pretrain.export RUN --out ram://...` (gs:// works the same way, through tf.io.gfile)."""
    import tensorflow as tf

    from pretrain.train.loop import main as train

    config = tiny_config(tmp_path / "c.json", vocab_dir, num_train_steps=2, log_every_steps=1)
    run = tmp_path / "run"
    assert train(["--config", str(config), "--data", str(records), "--out", str(run)]) == 0
    assert export([str(run), "--out", "ram://export-test/hf"]) == 0
    assert export([str(run), "--out", str(tmp_path / "hf")]) == 0
    for name in ("config.json", "model.safetensors", "vocab.txt", "tokenizer_config.json"):
        with tf.io.gfile.GFile(f"ram://export-test/hf/discriminator/{name}", "rb") as handle:
            assert handle.read() == (tmp_path / "hf" / "discriminator" / name).read_bytes()
    config_json = json.loads((tmp_path / "hf" / "generator" / "config.json").read_text())
    assert config_json["architectures"] == ["ElectraForMaskedLM"]


def test_export_without_weights_is_a_clear_error(tmp_path, capsys):
    assert export([str(tmp_path / "nothing")]) == 2
    assert "has no weights/latest.json: train first" in capsys.readouterr().err

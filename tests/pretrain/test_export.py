"""Export to Hugging Face: transformers' logits equal the Keras model's; URL paths; errors."""

import json
from pathlib import Path

import numpy as np

from kosent_common.electra import MAX_POSITIONS
from pretrain.export import ExportManifest
from pretrain.export import main as export
from pretrain.tfrecords.schema import RecordsManifest
from tests.pretrain.train.test_loop import final_weights, records, tiny_config  # noqa: F401


def assert_export_matches(run: Path) -> None:
    """Export `run` and compare transformers' logits with our Keras model's (this process's
    backend) holding the run's weights, built from the config the run wrote (with the records'
    vocab_size and max_seq_length filled in)."""
    import torch
    from transformers import ElectraForMaskedLM, ElectraForPreTraining, ElectraTokenizer

    from pretrain.train.config import config_from_dict
    from pretrain.train.loop import variable_names
    from pretrain.train.model import ElectraPretrainer

    assert export([str(run)]) == 0
    model = ElectraPretrainer(config_from_dict(json.loads((run / "config.json").read_text())))
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


def test_export_to_a_url_path(records, vocab_file, tmp_path, capsys):  # noqa: F811
    """`pretrain.export RUN --out ram://...` (gs:// works the same way, through tf.io.gfile);
    what the export carries from the records (vocab size, vocab sha256), and checks."""
    import tensorflow as tf

    from pretrain.train.loop import main as train

    config = tiny_config(tmp_path / "c.json", num_train_steps=2, log_every_steps=1)
    run = tmp_path / "run"
    vocab = tmp_path / "vocab.txt"
    vocab.write_bytes(vocab_file.read_bytes())  # the same bytes: the records' sha256
    argv = ["--config", str(config), "--data", str(records), "--out", str(run)]
    assert train([*argv, "--vocab-file", str(vocab)]) == 0
    assert export([str(run), "--out", "ram://export-test/hf"]) == 0
    assert export([str(run), "--out", str(tmp_path / "hf")]) == 0
    names = ("config.json", "model.safetensors", "vocab.txt", "tokenizer_config.json")
    for name in (*names, ExportManifest.FILE):
        with tf.io.gfile.GFile(f"ram://export-test/hf/discriminator/{name}", "rb") as handle:
            assert handle.read() == (tmp_path / "hf" / "discriminator" / name).read_bytes()
    config_json = json.loads((tmp_path / "hf" / "generator" / "config.json").read_text())
    assert config_json["architectures"] == ["ElectraForMaskedLM"]
    # the config stated neither: both are the records', and reach the exported model
    records_manifest = RecordsManifest.read(records)
    assert config_json["vocab_size"] == records_manifest.vocab_size
    assert config_json["max_position_embeddings"] == MAX_POSITIONS
    trained = json.loads((run / "config.json").read_text())
    assert (trained["vocab_size"], trained["max_seq_length"]) == (records_manifest.vocab_size, 64)
    exported = ExportManifest.read(tmp_path / "hf" / "discriminator")
    assert exported.vocab_sha256 == records_manifest.vocab_sha256  # traced to its vocab
    assert exported.step == 2 and exported.max_seq_length == 64
    # a vocab that changed since training is refused, with one line
    lines = vocab.read_text(encoding="utf-8").splitlines()
    vocab.write_text("\n".join([*lines[:-1], "바뀐토큰"]) + "\n", encoding="utf-8")
    capsys.readouterr()
    assert export([str(run), "--out", str(tmp_path / "hf2")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "changed since training" in err
    assert len(err.splitlines()) == 1 and not (tmp_path / "hf2").exists()


def test_export_without_weights_is_a_clear_error(tmp_path, capsys):
    assert export([str(tmp_path / "nothing")]) == 2
    assert "has no weights/latest.json: train first" in capsys.readouterr().err

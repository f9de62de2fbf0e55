import pytest

from pretrain.tfrecords.schema import RecordsManifest
from pretrain.train.config import MODEL_SIZES, ConfigError, config_from_dict, load_config


def records_manifest(**facts) -> RecordsManifest:
    """The manifest pretrain.tfrecords writes, with the facts a config could also state."""
    facts = {"max_seq_length": 128, "vocab_size": 32000, **facts}
    return RecordsManifest(examples=1, files=[], vocab_sha256="0" * 64, **facts)


def test_seed_config_loads():
    config = load_config("configs/base.json")
    assert config.use_tpu and config.model_size == "base" and config.learning_rate == 1.5e-4
    assert config.sizes == MODEL_SIZES["base"]
    assert config.disc_weight == 50.0 and config.mask_prob == 0.15  # the original's defaults
    assert config.with_records(records_manifest()).max_predictions_per_seq == 19


@pytest.mark.parametrize("preset", ["base", "tiny-cpu"])
def test_presets_take_vocab_size_and_length_from_the_records(preset):
    config = load_config(preset)
    assert config.vocab_size is None and config.max_seq_length is None
    resolved = config.with_records(records_manifest(vocab_size=64000, max_seq_length=512))
    assert (resolved.vocab_size, resolved.max_seq_length) == (64000, 512)


@pytest.mark.parametrize(
    ("stated", "message"),
    [
        ({"vocab_size": 8000}, "vocab_size is 8000 in the config but 3000 in the records"),
        ({"max_seq_length": 128}, "max_seq_length is 128 in the config but 64 in the records"),
        ({"do_lower_case": True}, 'set "do_lower_case": false'),
    ],
)
def test_a_config_that_disagrees_with_the_records_names_both_values(stated, message):
    config = config_from_dict({"model_size": "tiny", **stated})
    with pytest.raises(ConfigError, match=message):
        config.with_records(records_manifest(vocab_size=3000, max_seq_length=64))
    agreeing = config_from_dict({"model_size": "tiny", "vocab_size": 3000, "max_seq_length": 64})
    assert agreeing.with_records(records_manifest(vocab_size=3000, max_seq_length=64)) == agreeing


def test_size_presets_follow_the_original():
    assert (
        MODEL_SIZES["small"]["hidden_size"] == 256 and MODEL_SIZES["small"]["embedding_size"] == 128
    )
    assert MODEL_SIZES["small"]["num_hidden_layers"] == 12
    assert (
        MODEL_SIZES["large"]["hidden_size"] == 1024
        and MODEL_SIZES["large"]["num_hidden_layers"] == 24
    )
    small = config_from_dict({"model_size": "small"})
    assert small.generator_sizes["hidden_size"] == 64  # 0.25 of the discriminator
    assert small.generator_sizes["embedding_size"] == 128  # shared embeddings


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"learning-rate": 1e-4}, r"'learning-rate' \(did you mean 'learning_rate'\?\)"),
        ({"model_size": "huge"}, "model_size 'huge'"),
        ({"use_tpu": True}, "use_tpu needs tpu_name"),
        ({"mask_prob": 1.5}, "out of range: mask_prob"),
        ({"use_tpu": "true"}, "must be true or false"),
        ({"num_train_steps": 1.5}, "whole number"),
        ({"vocab_size": "8000"}, "vocab_size must be a whole number"),
        ({"max_seq_length": 4096}, "out of range: max_seq_length=4096"),
    ],
)
def test_bad_configs_are_errors(raw, message):
    with pytest.raises(ConfigError, match=message):
        config_from_dict(raw)


@pytest.mark.parametrize("text", ["[1, 2]", '"base"', "3"])
def test_a_config_must_be_a_json_object(tmp_path, text):
    path = tmp_path / "c.json"
    path.write_text(text)
    with pytest.raises(ConfigError, match="must be a JSON object"):
        load_config(path)


def test_retired_keys_are_accepted_with_a_warning(tmp_path):
    path = tmp_path / "old.json"
    path.write_text('{"shuffle_buffer": 1000, "model_size": "tiny"}')
    warnings = []
    assert load_config(path, warn=warnings.append).model_size == "tiny"
    assert warnings == [
        f"warning: {path}: shuffle_buffer is no longer used (records are shuffled a whole file "
        "at a time (pretrain.train.record_reader))"
    ]

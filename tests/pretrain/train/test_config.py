import pytest

from pretrain.train.config import MODEL_SIZES, ConfigError, config_from_dict, load_config


def test_seed_config_loads():
    config = load_config("configs/base.json")
    assert config.use_tpu and config.model_size == "base" and config.learning_rate == 1.5e-4
    assert config.sizes == MODEL_SIZES["base"]
    assert config.disc_weight == 50.0 and config.mask_prob == 0.15  # the original's defaults
    assert config.max_predictions_per_seq == 19


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

import json

import pytest

from finetune.config import (
    DEFAULT_CONFIG,
    ConfigError,
    FinetuneConfig,
    cap_max_seq_length,
    config_from_dict,
    load_config,
)


def test_bundled_config_loads_and_overrides_apply():
    config = load_config(DEFAULT_CONFIG, train_data="a.txt", output_dir=None)
    assert config.train_data == "a.txt" and config.output_dir == "runs/nsmc"
    assert set(json.loads(DEFAULT_CONFIG.read_text())) == set(FinetuneConfig.__dataclass_fields__)


def test_the_seeds_typo_is_an_error_with_a_hint():
    with pytest.raises(ConfigError, match=r"'learning-rate' \(did you mean 'learning_rate'\?\)"):
        config_from_dict({"learning-rate": 1e-5})


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"fp16": "yes"}, "fp16 must be true or false"),
        ({"train_batch_size": 3.5}, "whole number"),
        ({"learning_rate": "1e-5"}, "must be a number"),
        ({"warmup_ratio": 1.5}, "out of range: warmup_ratio"),
        ({"fp16": True, "bf16": True}, "exclusive"),
    ],
)
def test_bad_values_are_errors(raw, message):
    with pytest.raises(ConfigError, match=message):
        config_from_dict(raw)


def test_bad_files(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "none.json")
    (tmp_path / "bad.json").write_text("{")
    with pytest.raises(ConfigError, match="not valid JSON"):
        load_config(tmp_path / "bad.json")


def test_max_seq_length_is_capped_at_the_models_positions():
    lines = []
    config = config_from_dict({"max_seq_length": 4096})
    capped = cap_max_seq_length(config, 512, lines.append)
    assert capped.max_seq_length == 512 and config.max_seq_length == 4096
    assert lines == [
        "note: max_seq_length 4096 is more than the model's 512 positions "
        "(max_position_embeddings): using 512"
    ]
    assert cap_max_seq_length(capped, 512, lines.append) is capped and len(lines) == 1

"""`--config` takes a preset name or a path, from any folder."""

import json

import pytest

from finetune import config as finetune_config
from pretrain.train import config as pretrain_config


def test_preset_names_and_old_paths_resolve_from_any_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no repository around: only the shipped files can be found
    assert set(pretrain_config.PRESETS) == {"base", "tiny-cpu"}
    base = pretrain_config.load_config("base")
    assert base.model_size == "base" and base.learning_rate == 1.5e-4  # the seed's base config
    assert pretrain_config.load_config("configs/base.json") == base  # the path README used
    assert pretrain_config.load_config("tiny-cpu.json").model_size == "tiny"
    assert finetune_config.load_config("default") == finetune_config.load_config(
        "finetune/config.json"
    )


def test_a_file_wins_over_a_preset_and_unknown_names_list_the_presets(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "configs").mkdir()
    own = tmp_path / "configs" / "base.json"
    own.write_text(json.dumps({"model_size": "tiny", "num_train_steps": 7}), encoding="utf-8")
    assert pretrain_config.load_config("configs/base.json").num_train_steps == 7
    with pytest.raises(pretrain_config.ConfigError, match="presets: base, tiny-cpu"):
        pretrain_config.load_config("bsae")
    with pytest.raises(finetune_config.ConfigError, match="does not exist.*presets: default"):
        finetune_config.load_config("nsmc.json")

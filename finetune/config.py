"""Fine-tuning configuration: the seed's `config.json` keys, validated (a typo is an error)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from kosent_common.presets import resolve_config
from kosent_common.strict import (
    ConfigError,
    check_ranges,
    dataclass_from_dict,
    load_json_dataclass,
)

DEFAULT_CONFIG = Path(__file__).with_name("config.json")
# Shipped with the package: `--config default` works from any folder.
PRESETS = {"default": DEFAULT_CONFIG}


@dataclass(frozen=True)
class FinetuneConfig:
    train_data: str = "ratings_train.txt"
    test_data: str = "ratings_test.txt"
    max_seq_length: int = 128
    num_train_epochs: float = 3
    train_batch_size: int = 32
    eval_batch_size: int = 128
    learning_rate: float = 5e-5
    warmup_ratio: float = 0.1
    weight_decay: float = 0.01
    manual_seed: int = 42
    dev_fraction: float = 0.1
    evals_per_epoch: int = 2
    fp16: bool = False
    bf16: bool = False
    output_dir: str = "runs/nsmc"

    def __post_init__(self) -> None:
        checks = {
            "max_seq_length": 8 <= self.max_seq_length <= 4096,
            "num_train_epochs": self.num_train_epochs > 0,
            "train_batch_size": self.train_batch_size > 0,
            "eval_batch_size": self.eval_batch_size > 0,
            "learning_rate": 0 < self.learning_rate < 1,
            "warmup_ratio": 0 <= self.warmup_ratio < 1,
            "weight_decay": 0 <= self.weight_decay < 1,
            "dev_fraction": 0 < self.dev_fraction < 1,
            "evals_per_epoch": self.evals_per_epoch >= 1,
        }
        check_ranges(self, checks, ConfigError)
        if self.fp16 and self.bf16:
            raise ConfigError("fp16 and bf16 are exclusive")


def cap_max_seq_length(
    config: FinetuneConfig, positions: int, log: Callable[[str], None] | None = None
) -> FinetuneConfig:
    """max_seq_length no longer than the model's position table (max_position_embeddings):
    a longer request is lowered, with one line saying so, instead of failing in the model."""
    if config.max_seq_length <= positions:
        return config
    line = (
        f"note: max_seq_length {config.max_seq_length} is more than the model's {positions} "
        f"positions (max_position_embeddings): using {positions}"
    )
    (log or (lambda text: print(text, file=sys.stderr)))(line)
    return replace(config, max_seq_length=positions)


def config_path(value: str | Path) -> Path:
    """A config file, or `default` for the seed's keys shipped as finetune/config.json."""
    return resolve_config(value, PRESETS, {"finetune/config.json": "default"}, ConfigError)


def load_config(path: str | Path = DEFAULT_CONFIG, **overrides) -> FinetuneConfig:
    return load_json_dataclass(FinetuneConfig, config_path(path), ConfigError, **overrides)


def config_from_dict(raw: dict, where: str = "config") -> FinetuneConfig:
    return dataclass_from_dict(FinetuneConfig, raw, where, ConfigError)

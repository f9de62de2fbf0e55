"""Pretraining configuration: the seed's keys plus the original ELECTRA hyperparameters with the
original defaults (google-research/electra `configure_pretraining.py`). Unknown or misspelt keys
are errors — the seed's own config silently ignored `"learning-rate"`."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from kosent_common.electra import MAX_POSITIONS
from kosent_common.presets import presets_in, resolve_config
from kosent_common.strict import (
    ConfigError,
    check_ranges,
    dataclass_from_dict,
    read_config_file,
)

if TYPE_CHECKING:
    from pretrain.tfrecords.schema import RecordsManifest

# Shipped with the package: `--config base` works from any folder. configs/ was their old place.
PRESETS = presets_in(Path(__file__).with_name("configs"))

# Sizes of the original paper/code, plus `tiny` for tests.
MODEL_SIZES = {
    "tiny": {
        "embedding_size": 32,
        "hidden_size": 64,
        "num_hidden_layers": 2,
        "num_attention_heads": 2,
        "intermediate_size": 128,
    },
    # ELECTRA-"mini" proportions for quick CPU experiments and bench/pretrain_step.py
    "mini": {
        "embedding_size": 128,
        "hidden_size": 128,
        "num_hidden_layers": 4,
        "num_attention_heads": 2,
        "intermediate_size": 512,
    },
    "small": {
        "embedding_size": 128,
        "hidden_size": 256,
        "num_hidden_layers": 12,
        "num_attention_heads": 4,
        "intermediate_size": 1024,
    },
    "base": {
        "embedding_size": 768,
        "hidden_size": 768,
        "num_hidden_layers": 12,
        "num_attention_heads": 12,
        "intermediate_size": 3072,
    },
    "large": {
        "embedding_size": 1024,
        "hidden_size": 1024,
        "num_hidden_layers": 24,
        "num_attention_heads": 16,
        "intermediate_size": 4096,
    },
}


@dataclass(frozen=True)
class PretrainConfig:
    # the seed's keys
    use_tpu: bool = False
    num_tpu_cores: int = 1
    tpu_name: str | None = None
    tpu_zone: str | None = None
    gcp_project: str | None = None
    model_size: str = "small"
    vocab_size: int | None = None  # None: the records' (their manifest); stated, it must agree
    do_lower_case: bool = False
    learning_rate: float = 5e-4
    keep_checkpoint_max: int = 5
    train_batch_size: int = 128
    save_checkpoints_steps: int = 1000
    num_train_steps: int = 1_000_000
    # the rest of the original's hyperparameters
    max_seq_length: int | None = None  # None: the records'; stated, it must agree
    mask_prob: float = 0.15
    lr_decay_power: float = 1.0
    weight_decay_rate: float = 0.01
    num_warmup_steps: int = 10_000
    generator_weight: float = 1.0
    disc_weight: float = 50.0
    generator_hidden_size: float = 0.25
    generator_layers: float = 1.0
    temperature: float = 1.0
    dropout: float = 0.1
    seed: int = 0
    log_every_steps: int = 100
    mixed_precision: bool = False  # bf16 compute, fp32 weights (GPU, TPU, CPUs with AVX512_BF16)
    deterministic: bool = False  # deterministic GPU kernels (TF, torch): a little slower
    # streams the records are read as (pretrain.train.record_reader): fixes which examples
    # make each global batch, whatever the number of processes (a multiple of it); 0: auto
    input_shards: int = 0

    def __post_init__(self) -> None:
        for key in RECORDED:
            value = getattr(self, key)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                raise ConfigError(f"{key} must be a whole number, not {value!r}")
        if self.model_size not in MODEL_SIZES:
            raise ConfigError(
                f"model_size {self.model_size!r}: choose one of {', '.join(MODEL_SIZES)}"
            )
        checks = {
            "mask_prob": 0 < self.mask_prob < 1,
            "generator_hidden_size": 0 < self.generator_hidden_size <= 1,
            "generator_layers": 0 < self.generator_layers <= 1,
            "num_train_steps": self.num_train_steps > 0,
            "train_batch_size": self.train_batch_size > 0,
            "save_checkpoints_steps": self.save_checkpoints_steps > 0,
            "keep_checkpoint_max": self.keep_checkpoint_max > 0,
            "max_seq_length": self.max_seq_length is None
            or 8 <= self.max_seq_length <= MAX_POSITIONS,
            "vocab_size": self.vocab_size is None or self.vocab_size > 0,
            "learning_rate": 0 < self.learning_rate < 1,
            "num_warmup_steps": self.num_warmup_steps >= 0,
            "input_shards": self.input_shards >= 0,
        }
        check_ranges(self, checks, ConfigError)
        if self.use_tpu and not self.tpu_name:
            raise ConfigError("use_tpu needs tpu_name (and tpu_zone for a Cloud TPU)")

    @property
    def sizes(self) -> dict:
        return MODEL_SIZES[self.model_size]

    @property
    def max_predictions_per_seq(self) -> int:
        """Fixed number of masked positions per sequence (static shapes for TPU)."""
        if self.max_seq_length is None:
            raise ConfigError("max_seq_length is not known before the records are (with_records)")
        return int((self.mask_prob + 0.005) * self.max_seq_length)

    def with_records(self, manifest: RecordsManifest, where: str = "the records") -> PretrainConfig:
        """The facts the records were built with (their manifest), filled in; a config that
        states one and disagrees is an error naming both values."""
        for key in RECORDED:
            stated, recorded = getattr(self, key), getattr(manifest, key)
            if stated is not None and stated != recorded:
                raise ConfigError(
                    f"{key} is {stated} in the config but {recorded} in {where} (their "
                    f'manifest.json): drop "{key}" from the config to take the records\' '
                    f"{recorded}, or rebuild the records"
                )
        if manifest.do_lower_case != self.do_lower_case:  # exported tokenizers lower-case
            lower = str(manifest.do_lower_case).lower()
            raise ConfigError(
                f"do_lower_case is {str(self.do_lower_case).lower()} but {where} were built "
                f'with lower_case {lower}: set "do_lower_case": {lower}'
            )
        return replace(self, **{key: getattr(manifest, key) for key in RECORDED})

    @property
    def generator_sizes(self) -> dict:
        hidden = max(1, round(self.sizes["hidden_size"] * self.generator_hidden_size))
        return {
            "embedding_size": self.sizes["embedding_size"],  # embeddings are shared
            "hidden_size": hidden,
            "num_hidden_layers": max(
                1, round(self.sizes["num_hidden_layers"] * self.generator_layers)
            ),
            "num_attention_heads": max(1, hidden // 64),
            "intermediate_size": 4 * hidden,
        }


def no_tpu_message(config: PretrainConfig, reason: str) -> str:
    """The one line for a config with use_tpu on a machine that cannot reach that TPU."""
    return (
        f"use_tpu is true but TPU {config.tpu_name!r} cannot be reached ({reason}): on a "
        'machine without a TPU use a config with "use_tpu": false (the tiny-cpu preset, or '
        "your own); on a Cloud TPU set tpu_name (and tpu_zone) to yours"
    )


# Keys whose value the records' manifest knows: a config may leave them out.
RECORDED = ("vocab_size", "max_seq_length")

# Keys older configs hold that no longer do anything: accepted with a warning.
RETIRED = {
    "shuffle_buffer": "records are shuffled a whole file at a time (pretrain.train.record_reader)",
}


def config_from_dict(raw: dict, where: str = "config", warn=None) -> PretrainConfig:
    if not isinstance(raw, dict):
        raise ConfigError(f"{where} must be a JSON object {{...}}, not {type(raw).__name__}")
    for key, why in RETIRED.items():
        if key in raw:
            raw = {k: v for k, v in raw.items() if k != key}
            if warn:
                warn(f"warning: {where}: {key} is no longer used ({why})")
    return dataclass_from_dict(PretrainConfig, raw, where, ConfigError)


def config_path(value: str | Path) -> Path:
    """A config file, or the name of a preset in pretrain/train/configs/ (`base`, `tiny-cpu`)."""
    old = {f"configs/{name}.json": name for name in PRESETS}
    return resolve_config(value, PRESETS, old, ConfigError)


def load_config(path: str | Path, warn=None) -> PretrainConfig:
    """A config file or preset; `warn(line)` hears about retired keys."""
    path = config_path(path)
    raw = read_config_file(path, ConfigError)
    return config_from_dict(raw, str(path), warn)

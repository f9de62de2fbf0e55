"""The pretrain and export stages of `python -m kosent`: `pretrain.train` on the records into
OUT/run, with the config the graph writes (OUT/pretrain.json: the user's file or preset and the
plan's overrides); `pretrain.export` of that run into Hugging Face folders, OUT/run/hf. A run
whose checkpoints match the records and the model is resumed, never discarded. Light: Keras
and the trainer are imported only where a function needs them."""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING

from kosent_common.extras import require
from kosent_common.graph import Command, InputError, Plan, Stage, WrittenConfig, read_json
from kosent_common.presets import presets_in, resolve_config
from vocab.stage import expected_vocab_size

if TYPE_CHECKING:
    from pretrain.train.config import PretrainConfig

RUN, HF = "run", "run/hf"  # their folders in OUT
PRETRAIN_CONFIG = "pretrain.json"  # the config the pretrain stage runs with, in OUT
PLACEHOLDER_TPU = "your-tpu"  # tpu_name of the shipped `base` preset
# The weights (what fine-tuning reads), then the export's own manifest, written last.
HF_FILES = (
    "model.safetensors",
    "config.json",
    "vocab.txt",
    "tokenizer_config.json",
    "kosent_manifest.json",
)


def pretrain_commands(plan: Plan, out: Path) -> tuple[Command, ...]:
    args = ("--config", str(out / PRETRAIN_CONFIG), "--data", str(out / plan.records))
    return (Command("pretrain.train", (*args, "--out", str(out / RUN), *plan.extra("pretrain"))),)


def pretrain_config_path(plan: Plan) -> Path:
    """The config file `--config` names: a JSON file or a preset of pretrain.train."""
    presets = presets_in(Path(str(files("pretrain") / "train" / "configs")))
    old = {f"configs/{name}.json": name for name in presets}
    return resolve_config(plan.pretrain_config, presets, old, InputError)


def pretrain_config(plan: Plan) -> dict:
    """The config the pretrain stage runs with: the user's (file or preset) and the plan's
    overrides. vocab_size and max_seq_length are not added: pretrain.train reads them from the
    records' manifest."""
    path = pretrain_config_path(plan)
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise InputError(f"pretraining config {path} is not JSON: {err}") from None
    if not isinstance(config, dict):
        raise InputError(f"pretraining config {path} must be a JSON object")
    return {**config, **plan.pretrain_overrides}


def checked_pretrain_config(plan: Plan, vocab_size: int | None) -> PretrainConfig:
    """The pretraining config, checked as pretrain.train will check it, before any stage
    runs; errors name the user's file and key. `vocab_size`: what the vocab stage will give
    (None when not known before it runs)."""
    from pretrain.train.config import ConfigError, config_from_dict

    path = pretrain_config_path(plan)
    try:
        config = config_from_dict(pretrain_config(plan), str(path))
    except ConfigError as err:
        message = str(err)
        raise InputError(message if str(path) in message else f"{path}: {message}") from None
    stated = {
        "max_seq_length": (plan.max_seq_length, "--max-seq-length"),
        "vocab_size": (vocab_size, "the vocab size (--vocab-size, else the recipe's)"),
    }
    for key, (graph, origin) in stated.items():
        value = getattr(config, key)
        if value is not None and graph is not None and value != graph:
            raise InputError(
                f'{path}: "{key}": {value} disagrees with {origin}, {graph}: drop the key (the '
                f"records give it) or make them agree"
            )
    if config.do_lower_case:
        raise InputError(
            f'{path}: "do_lower_case": true, but kosent builds cased records (lower-casing '
            "breaks Hangul into jamo): set it to false"
        )
    if config.use_tpu and config.tpu_name == PLACEHOLDER_TPU:
        raise InputError(
            f'{path}: "use_tpu" is true with the placeholder "tpu_name": "{PLACEHOLDER_TPU}" '
            "(the seed's TPU preset): on a machine without a TPU leave out --config (the "
            "tiny-cpu preset) or pass your own config; on a Cloud TPU copy the preset and set "
            "tpu_name and tpu_zone"
        )
    return config


def check(plan: Plan) -> PretrainConfig:
    return checked_pretrain_config(plan, expected_vocab_size(plan))


def trained_run(plan: Plan, out: Path, config: PretrainConfig) -> tuple[str, list[str]] | None:
    """What OUT/run holds ("a run trained to step N") and how the records and config now
    differ from what it was trained on; None when it holds no checkpoint."""
    from pretrain.tfrecords.schema import RecordsError, RecordsManifest
    from pretrain.train import checkpoint
    from pretrain.train.config import ConfigError
    from pretrain.train.run_identity import identity, resume_differences

    meta = checkpoint.latest_meta(str(out / RUN / "checkpoints"))
    if meta is None:
        return None
    records = out / plan.records
    try:
        manifest = RecordsManifest.read(records)
        current = identity(config.with_records(manifest, f"the records in {records}"), manifest)
    except (ConfigError, RecordsError) as err:
        step, differ = meta["step"], [str(err)]
    else:
        found = resume_differences(str(out / RUN), current)
        if found is None:
            return None
        step, differ = found
    return f"a run trained to step {step}", differ


def pretrain_figures(plan: Plan, out: Path) -> dict[str, object]:
    history = read_json(out / RUN / "train_history.json")
    first, last = history["history"][0], history["history"][-1]
    return {
        "steps": history["steps"],
        "MLM loss": f"{first['mlm_loss']:.2f} -> {last['mlm_loss']:.2f}",
        "discriminator AUC": round(last["disc_auc"], 3),
    }


def pretrain_extras(plan: Plan) -> None:
    from pretrain.train import require_extras  # picks the Keras backend (env only, no import)

    require_extras()


def parse_args(argv: list[str]) -> object:
    from pretrain.train.arguments import parse_args as parse

    return parse(argv)


def export_figures(plan: Plan, out: Path) -> dict[str, object]:
    config = read_json(out / HF / "discriminator" / "config.json")
    return {"hidden size": config["hidden_size"], "layers": config["num_hidden_layers"]}


PRETRAIN = Stage(
    "pretrain",
    reads=("tfrecords",),
    outputs=lambda p: (RUN,),
    markers=lambda p: (f"{RUN}/train_history.json",),
    commands=pretrain_commands,
    inputs_text=lambda p: f"{p.records} + {PRETRAIN_CONFIG}",
    outputs_text=lambda p: f"{RUN}/ (checkpoints, TensorBoard logs, train_history.json)",
    figures=pretrain_figures,
    requires=pretrain_extras,
    check=check,
    parse_args=parse_args,
    config=WrittenConfig(PRETRAIN_CONFIG, pretrain_config),
    resumes=trained_run,
)

EXPORT = Stage(
    "export",
    reads=("pretrain",),
    outputs=lambda p: (HF,),
    markers=lambda p: tuple(
        f"{HF}/{m}/{f}" for m in ("discriminator", "generator") for f in HF_FILES
    ),
    commands=lambda plan, out: (Command("pretrain.export", (str(out / RUN),)),),
    inputs_text=lambda p: f"{RUN}/",
    outputs_text=lambda p: f"{HF}/discriminator, {HF}/generator (Hugging Face)",
    figures=export_figures,
    requires=lambda p: require("pretrain", "the export stage", ("safetensors",)),
)

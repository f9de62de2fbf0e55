"""The user's files each stage reads (fingerprinted by size and mtime), and the pretraining
config the graph writes for the pretrain stage. Bad input raises InputError with the message."""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path

from corpus.recipes import DEFAULT_RECIPES, RecipeError, get_recipe
from corpus.sources import SourceError, load_locations, resolve_files
from kosent.stages import Plan
from kosent_common.presets import presets_in, resolve_config
from pretrain.train.config import ConfigError, PretrainConfig, config_from_dict

PLACEHOLDER_TPU = "your-tpu"  # tpu_name of the shipped `base` preset


class InputError(ValueError):
    """A recipe, sources file or config the pipeline cannot use; the message says which."""


def user_inputs(stage: str, plan: Plan, out: Path) -> list[Path]:
    if stage == "corpus":
        return corpus_inputs(plan)
    if stage == "vocab" and plan.external_vocab:
        return [plan.external_vocab]
    if stage == "nsmc":
        named = [plan.nsmc_train, plan.nsmc_test, Path(plan.nsmc_config)]
        return [p for p in named if p is not None and p.is_file()]
    return []


def corpus_inputs(plan: Plan) -> list[Path]:
    """The recipes file, sources.toml and every file the recipe's sources match."""
    recipes = plan.recipes or DEFAULT_RECIPES
    try:
        recipe = get_recipe(plan.recipe, recipes)
        locations = load_locations(plan.sources, list(plan.source_overrides))
        found = resolve_files(recipe.name, recipe.sources, locations)
    except (RecipeError, SourceError) as err:
        raise InputError(str(err)) from None
    named = [recipes] + ([plan.sources] if plan.sources else [])
    return named + [path for paths in found.values() for path in paths]


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

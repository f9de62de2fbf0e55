"""Recipes: which sources a model's corpus mixes, and how much of each (recipes.toml)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from corpus.quality import QualityConfig
from corpus.sources import source_names
from kosent_common.strict import read_config_file

DEFAULT_STEPS = ("clean", "quality", "sample", "decontaminate")  # see corpus.steps

DEFAULT_RECIPES = Path(__file__).with_name("recipes.toml")
_KEYS = {
    "description",
    "vocab_size",
    "sources",
    "sample",
    "external_vocab",
    "num_train_steps",
    "quality",
    "steps",
}


class RecipeError(ValueError):
    """A recipe file or recipe that cannot be used; the message says how to fix it."""


@dataclass(frozen=True)
class Recipe:
    name: str
    sources: tuple[str, ...]
    vocab_size: int
    description: str = ""
    sample: dict[str, float] = field(default_factory=dict)
    external_vocab: bool = False
    num_train_steps: int | None = None
    quality: dict[str, QualityConfig] = field(default_factory=dict)  # per source
    steps: tuple[str, ...] = DEFAULT_STEPS  # per-document steps in order (corpus.steps)

    def fraction(self, source: str) -> float:
        return self.sample.get(source, 1.0)

    def quality_for(self, source: str) -> QualityConfig:
        return self.quality.get(source, QualityConfig())


def load_recipes(path: Path = DEFAULT_RECIPES) -> dict[str, Recipe]:
    raw = read_config_file(path, RecipeError, "recipes file", "toml")
    return {name: _parse_recipe(name, table, path) for name, table in raw.items()}


def get_recipe(name: str, path: Path = DEFAULT_RECIPES) -> Recipe:
    recipes = load_recipes(path)
    if name not in recipes:
        raise RecipeError(
            f"no recipe {name!r} in {path}; known recipes: {', '.join(sorted(recipes))}"
        )
    return recipes[name]


def _parse_recipe(name: str, table: object, path: Path) -> Recipe:
    where = f"recipe [{name}] in {path}"
    if not isinstance(table, dict):
        raise RecipeError(f"{where} must be a table")
    unknown = set(table) - _KEYS
    if unknown:
        raise RecipeError(f"{where}: unknown keys {sorted(unknown)} (allowed: {sorted(_KEYS)})")
    sources = table.get("sources")
    if not isinstance(sources, list) or not sources:
        raise RecipeError(f"{where}: `sources` must be a non-empty list of source names")
    known = source_names()
    bad = [s for s in sources if s not in known]
    if bad:
        raise RecipeError(f"{where}: unknown sources {bad} (known: {', '.join(known)})")
    if len(set(sources)) != len(sources):
        raise RecipeError(f"{where}: a source is listed twice")
    sample = table.get("sample", {})
    for source, fraction in sample.items():
        if source not in sources:
            raise RecipeError(f"{where}: sample names {source!r}, which is not in its sources")
        if not isinstance(fraction, int | float) or not 0 < fraction <= 1:
            raise RecipeError(f"{where}: sample.{source} must be a fraction in (0, 1]")
    vocab_size = table.get("vocab_size")
    if not isinstance(vocab_size, int) or vocab_size <= 0:
        raise RecipeError(f"{where}: `vocab_size` must be a positive integer")
    quality = _parse_quality(table.get("quality", {}), sources, where)
    steps = table.get("steps", list(DEFAULT_STEPS))
    if not isinstance(steps, list) or not all(isinstance(n, str) and n for n in steps):
        raise RecipeError(f"{where}: `steps` must be a list of step names (corpus.steps)")
    return Recipe(
        name=name,
        sources=tuple(sources),
        vocab_size=vocab_size,
        description=table.get("description", ""),
        sample={k: float(v) for k, v in sample.items()},
        external_vocab=bool(table.get("external_vocab", False)),
        num_train_steps=table.get("num_train_steps"),
        quality=quality,
        steps=tuple(steps),
    )


def _parse_quality(table: object, sources: list[str], where: str) -> dict[str, QualityConfig]:
    """`[R.quality]` keys apply to every source; `[R.quality.SOURCE]` overrides them for one.
    Every source of the recipe gets a full config (defaults from QualityConfig)."""
    if not isinstance(table, dict):
        raise RecipeError(f"{where}: `quality` must be a table")
    common = {k: v for k, v in table.items() if not isinstance(v, dict)}
    per_source = {k: v for k, v in table.items() if isinstance(v, dict)}
    unknown = [s for s in per_source if s not in sources]
    if unknown:
        raise RecipeError(f"{where}: quality names {unknown}, which are not in its sources")
    try:
        return {
            s: QualityConfig.from_table({**common, **per_source.get(s, {})}, where) for s in sources
        }
    except ValueError as err:
        raise RecipeError(str(err)) from err

"""The corpus stage of `python -m kosent`: `corpus.build` over the recipe's sources into
OUT/corpus/RECIPE. Light: the corpus code (polars) is imported only where a function needs it,
so `python -m kosent --help` does not load it."""

from __future__ import annotations

from pathlib import Path

from kosent_common.graph import Command, InputError, Plan, Stage, executor_extra, read_json, tuning


def commands(plan: Plan, out: Path) -> tuple[Command, ...]:
    args = ["--recipe", plan.recipe]
    if plan.recipes:
        args += ["--recipes", str(plan.recipes)]
    if plan.sources:
        args += ["--sources", str(plan.sources)]
    for item in plan.source_overrides:
        args += ["--source", item]
    if plan.decontaminate:
        args += ["--decontaminate", *plan.decontaminate]
    args += ["--out", str(out / "corpus"), *plan.extra("corpus")]
    return (Command("corpus.build", tuple(args), tuning(plan, "--workers")),)


def corpus_inputs(plan: Plan, out: Path | None = None) -> list[Path]:
    """The recipes file, sources.toml and every file the recipe's sources match."""
    from corpus.recipes import DEFAULT_RECIPES, RecipeError, get_recipe  # polars
    from corpus.sources import SourceError, load_locations, resolve_files

    recipes = plan.recipes or DEFAULT_RECIPES
    try:
        recipe = get_recipe(plan.recipe, recipes)
        locations = load_locations(plan.sources, list(plan.source_overrides))
        found = resolve_files(recipe.name, recipe.sources, locations)
    except (RecipeError, SourceError) as err:
        raise InputError(str(err)) from None
    named = [recipes] + ([plan.sources] if plan.sources else [])
    return named + [path for paths in found.values() for path in paths]


def check(plan: Plan) -> None:
    """The recipe, its sources and the benchmark files exist."""
    from corpus.decontaminate import BenchmarkSpec  # polars, numpy

    corpus_inputs(plan)
    for item in plan.decontaminate:
        spec = BenchmarkSpec.parse(item)
        if not spec.path.is_file():
            raise InputError(f"--decontaminate {item}: {spec.path} does not exist")


def figures(plan: Plan, out: Path) -> dict[str, object]:
    manifest = read_json(out / plan.corpus / "manifest.json")
    found = {k: manifest["totals"][k] for k in ("docs", "sentences", "bytes", "shards")}
    if "reviews" in manifest["sources"]:
        found["reviews docs"] = manifest["sources"]["reviews"]["docs_out"]
    return found


def parse_args(argv: list[str]) -> object:
    from corpus.build import parse_args as parse

    return parse(argv)


STAGE = Stage(
    "corpus",
    reads=(),
    outputs=lambda p: (p.corpus,),
    markers=lambda p: (f"{p.corpus}/manifest.json",),
    commands=commands,
    inputs_text=lambda p: f"sources of recipe {p.recipe}",
    outputs_text=lambda p: f"{p.corpus} (text + Parquet shards, manifest, report)",
    figures=figures,
    requires=executor_extra,
    user_inputs=corpus_inputs,
    check=check,
    parse_args=parse_args,
)

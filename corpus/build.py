"""CLI: `python -m corpus.build --recipe model3 --sources sources.toml --out data/corpus`."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from corpus.cleaning import CleaningConfig
from corpus.executor import WorkerDied, add_executor_arguments, executor_from_args
from corpus.pipeline import BuildError, BuildOptions, build_corpus
from corpus.recipes import DEFAULT_RECIPES, RecipeError, get_recipe, load_recipes
from corpus.report import write_report
from corpus.sources import SourceError, load_locations, resolve_files
from corpus.split import SPLITTERS


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m corpus.build",
        description="Build a pretraining corpus for a recipe: read its sources, clean, "
        "deduplicate, split sentences (kss), and write text + Parquet shards, manifest.json, "
        "rejects/ and report/ under OUT/RECIPE/. Rerunning after a kill resumes.",
    )
    parser.add_argument("--recipe", required=True, help="recipe name (model1..model5, or yours)")
    parser.add_argument(
        "--recipes",
        type=Path,
        default=DEFAULT_RECIPES,
        help="recipes TOML file (default: the bundled corpus/recipes.toml)",
    )
    parser.add_argument(
        "--sources",
        type=Path,
        help="sources TOML with a [sources] table: name = path, glob, or list",
    )
    parser.add_argument(
        "--source",
        action="append",
        default=[],
        metavar="NAME=PATH",
        help="source location, overriding sources.toml (repeatable)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("data/corpus"),
        help="output root; the corpus goes to OUT/RECIPE (default: data/corpus)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=2,
        help="sentence-splitting processes (default 2; 1 = in this process)",
    )
    add_executor_arguments(parser)
    parser.add_argument("--seed", type=int, default=0, help="seed for sampling (default 0)")
    parser.add_argument(
        "--splitter",
        choices=SPLITTERS,
        default="kss",
        help="kss (mecab backend, default) or kiwi (needs kosent[kiwi])",
    )
    parser.add_argument(
        "--shard-mb", type=float, default=1.0, help="text per output shard in MB (default 1)"
    )
    parser.add_argument(
        "--min-chars",
        type=int,
        default=CleaningConfig.min_chars,
        help="drop documents shorter than this after cleaning (default %(default)s)",
    )
    parser.add_argument(
        "--emoji",
        choices=("keep", "drop"),
        default="keep",
        help="keep emoji (they carry sentiment; default) or drop them",
    )
    parser.add_argument(
        "--hanja",
        choices=("keep", "drop"),
        default="keep",
        help="keep Chinese characters (default) or drop them",
    )
    parser.add_argument(
        "--include-nsmc-test",
        action="store_true",
        help="also put NSMC's test split into the corpus, as the seed did "
        "(contaminates the NSMC benchmark; the manifest says so)",
    )
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="rebuild an output folder that holds a build with other options",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument(
        "--list-recipes", action="store_true", help="print the recipes of --recipes and exit"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        if args.list_recipes:
            for recipe in load_recipes(args.recipes).values():
                print(f"{recipe.name}\tvocab {recipe.vocab_size}\t{', '.join(recipe.sources)}")
            return 0
        recipe = get_recipe(args.recipe, args.recipes)
        files = resolve_files(
            recipe.name, recipe.sources, load_locations(args.sources, args.source)
        )
        options = BuildOptions(
            seed=args.seed,
            workers=args.workers,
            executor=executor_from_args(args),
            splitter=args.splitter,
            shard_mb=args.shard_mb,
            include_nsmc_test=args.include_nsmc_test,
            overwrite=args.overwrite,
            progress=not args.no_progress,
            cleaning=CleaningConfig(
                keep_emoji=args.emoji == "keep",
                keep_hanja=args.hanja == "keep",
                min_chars=args.min_chars,
            ),
        )
        started = time.monotonic()
        manifest = build_corpus(recipe, files, args.out, options)
        out_dir = args.out / recipe.name
        write_report(out_dir, manifest)
    except (RecipeError, SourceError, BuildError, WorkerDied) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    seconds = time.monotonic() - started
    totals = manifest["totals"]
    print(
        f"corpus {recipe.name}: {totals['docs']} docs, {totals['sentences']} sentences, "
        f"{totals['bytes'] / 1e6:.1f} MB in {totals['shards']} shards, {seconds:.1f}s "
        f"-> {out_dir} (summary: {out_dir / 'report' / 'summary.md'})"
    )
    for source, s in manifest["sources"].items():
        drops = ", ".join(f"{k} {v}" for k, v in s["drops"].items()) or "none"
        print(f"  {source:15s} in {s['docs_in']:>9} out {s['docs_out']:>9}  drops: {drops}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""CLI: `python -m corpus.build --recipe model3 --sources sources.toml --out data/corpus`."""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

from corpus.cleaning import CleaningConfig
from corpus.decontaminate import DEFAULT_NGRAM
from corpus.exclusions import ExclusionPolicy
from corpus.neardup import NearDupConfig
from corpus.pipeline import BuildError, BuildOptions, build_corpus
from corpus.plan import DEFAULT_TASK_MB
from corpus.recipes import DEFAULT_RECIPES, RecipeError, get_recipe, load_recipes
from corpus.report import write_report
from corpus.sniff import table_warning
from corpus.sources import (
    SourceError,
    get_source,
    load_licenses,
    load_locations,
    resolve_files,
)
from corpus.split import DEFAULT_SPLITTER, SPLITTERS
from kosent_common.cli import ArgumentParser, above, at_least
from kosent_common.executor import WorkerDied, add_executor_arguments, executor_from_args
from kosent_common.extras import exits_on_missing_extra, require
from kosent_common.verbosity import add_verbose_argument, verbose


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = ArgumentParser(
        prog="python -m corpus.build",
        description="Build a pretraining corpus for a recipe: read its sources, clean, "
        "deduplicate, split sentences (kss), and write text + Parquet shards, manifest.json, "
        "rejects/, report/ and a dataset card (README.md) under OUT/RECIPE/. Rerunning after a "
        "kill resumes.",
    )
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--recipe", help="recipe name (model1..model5, or yours)")
    parser.add_argument(
        "--recipes",
        type=Path,
        default=DEFAULT_RECIPES,
        help="recipes TOML file (default: the bundled corpus/recipes.toml)",
    )
    parser.add_argument(
        "--sources",
        type=Path,
        help="sources TOML with a [sources] table: name = path, glob, or list (and optionally "
        "[licenses]: name = licence, for the dataset card)",
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
        type=at_least(1),
        default=2,
        help="worker processes: every per-document step runs in them (default 2; 1 = in "
        "this process)",
    )
    parser.add_argument(
        "--task-mb",
        type=above(0),
        default=DEFAULT_TASK_MB,
        help="input per task in MB: large line files and Parquet files are cut into tasks of "
        "about this size (default %(default)s; does not change which documents are kept)",
    )
    parser.add_argument(
        "--exclusions",
        default="all",
        metavar="all|sample:N|none",
        help="what each step dropped, written to OUT/RECIPE/excluded/STEP/: every document "
        "(all, default), the first N per step and task, or none",
    )
    add_executor_arguments(parser)
    parser.add_argument("--seed", type=int, default=0, help="seed for sampling (default 0)")
    parser.add_argument(
        "--splitter",
        choices=SPLITTERS,
        default=DEFAULT_SPLITTER,
        help="kss-fast (default: compiled core with kss's exact mecab-path answers), "
        "kss (the reference kss, ~12x slower) or kiwi (needs kosent[kiwi])",
    )
    parser.add_argument(
        "--shard-mb", type=above(0), default=1.0, help="text per output shard in MB (default 1)"
    )
    parser.add_argument(
        "--min-chars",
        type=at_least(0),
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
        "--decontaminate",
        nargs="+",
        action="extend",
        default=[],
        metavar="FILE[:COLUMN]",
        help="benchmark texts to keep out: drop documents sharing a "
        f"{DEFAULT_NGRAM}-character n-gram with an item (a TSV column, JSON field, or one "
        "text per line). NSMC's test split is always included when the recipe's NSMC "
        "files hold it",
    )
    parser.add_argument(
        "--decontaminate-ngram",
        type=at_least(4),
        default=DEFAULT_NGRAM,
        help="n-gram length in letters and digits (default %(default)s)",
    )
    parser.add_argument(
        "--no-decontaminate",
        action="store_true",
        help="no decontamination at all (not even against NSMC's test split)",
    )
    parser.add_argument(
        "--no-quality", action="store_true", help="skip the recipe's quality filters"
    )
    parser.add_argument(
        "--no-near-dup", action="store_true", help="skip near-duplicate removal (MinHash LSH)"
    )
    parser.add_argument(
        "--near-dup-shingle",
        type=at_least(1),
        default=NearDupConfig.shingle,
        help="characters per MinHash shingle (default %(default)s)",
    )
    parser.add_argument(
        "--near-dup-threshold",
        type=float,
        default=NearDupConfig.threshold,
        help="Jaccard similarity at which documents are near-duplicates (default %(default)s)",
    )
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="rebuild an output folder that holds a build with other options",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    add_verbose_argument(parser, "also each source's documents in and out and its drops")
    what.add_argument(
        "--list-recipes", action="store_true", help="print the recipes of --recipes and exit"
    )
    return parser.parse_args(argv)


def near_dup_config(args: argparse.Namespace) -> NearDupConfig:
    if not 0 < args.near_dup_threshold <= 1 or args.near_dup_shingle < 1:
        raise BuildError("--near-dup-threshold must be in (0, 1] and --near-dup-shingle >= 1")
    return NearDupConfig(
        enabled=not args.no_near_dup,
        shingle=args.near_dup_shingle,
        threshold=args.near_dup_threshold,
    )


def exclusion_policy(text: str) -> ExclusionPolicy:
    try:
        return ExclusionPolicy.parse(text)
    except ValueError as err:
        raise BuildError(str(err)) from err


@exits_on_missing_extra
def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    executor = executor_from_args(args)  # a missing extra answers before any work
    if args.splitter == "kiwi":
        require("kiwi", "--splitter kiwi")
    try:
        if args.list_recipes:
            for recipe in load_recipes(args.recipes).values():
                print(f"{recipe.name}\tvocab {recipe.vocab_size}\t{', '.join(recipe.sources)}")
            return 0
        recipe = get_recipe(args.recipe, args.recipes)
        files = resolve_files(
            recipe.name, recipe.sources, load_locations(args.sources, args.source)
        )
        for source, paths in files.items():
            if get_source(source).plain_text:
                for path in paths:
                    if warning := table_warning(source, path):
                        print(warning, file=sys.stderr)
        options = BuildOptions(
            seed=args.seed,
            workers=args.workers,
            executor=executor,
            splitter=args.splitter,
            shard_mb=args.shard_mb,
            task_mb=args.task_mb,
            exclusions=exclusion_policy(args.exclusions),
            include_nsmc_test=args.include_nsmc_test,
            overwrite=args.overwrite,
            progress=not args.no_progress,
            cleaning=CleaningConfig(
                keep_emoji=args.emoji == "keep",
                keep_hanja=args.hanja == "keep",
                min_chars=args.min_chars,
            ),
            quality=not args.no_quality,
            near_dup=near_dup_config(args),
            decontaminate=() if args.no_decontaminate else tuple(args.decontaminate),
            decontaminate_nsmc_test=not args.no_decontaminate,
            decontaminate_ngram=args.decontaminate_ngram,
        )
        started = time.monotonic()
        licenses = load_licenses(args.sources, recipe.sources)
        manifest = build_corpus(recipe, files, args.out, options, licenses)
        out_dir = args.out / recipe.name
        write_report(out_dir, manifest)
    except (RecipeError, SourceError, BuildError, WorkerDied) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    seconds = time.monotonic() - started
    totals = manifest["totals"]
    if not totals["docs"]:
        read = ", ".join(
            f"{name} {s['docs_in']} in, drops {dict(s['drops']) or 'none'}"
            for name, s in manifest["sources"].items()
        )
        print(
            f"error: recipe {recipe.name} produced 0 documents, no corpus written ({read}; "
            f"details in {out_dir / 'manifest.json'})",
            file=sys.stderr,
        )
        return 2
    took = (
        "already complete (reused; --overwrite with other options rebuilds)"
        if manifest.get("reused")
        else f"{seconds:.1f}s"
    )
    print(
        f"corpus {recipe.name}: {totals['docs']} docs, {totals['sentences']} sentences, "
        f"{totals['bytes'] / 1e6:.1f} MB in {totals['shards']} shards, {took} "
        f"-> {out_dir} (summary: {out_dir / 'report' / 'summary.md'})"
    )
    drops: Counter[str] = Counter()
    for s in manifest["sources"].values():
        drops.update(s["drops"])
    print(f"  drops: {', '.join(f'{k} {v}' for k, v in sorted(drops.items())) or 'none'}")
    if verbose(args.verbose):
        for source, s in manifest["sources"].items():
            drops_here = ", ".join(f"{k} {v}" for k, v in s["drops"].items()) or "none"
            print(
                f"  {source:15s} in {s['docs_in']:>9} out {s['docs_out']:>9}  drops: {drops_here}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())

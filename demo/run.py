"""`python -m demo.run`: the whole pipeline on bundled data, one stage after another.

crawl (a local review site on 127.0.0.1, served from demo/data/reviews) -> corpus -> vocab ->
TFRecords -> pretraining -> export -> NSMC fine-tuning + TF-IDF baseline. The crawl is the
demo's own; the rest is the stage graph `python -m kosent` runs (kosent.stages), on the demo's
recipe and sources. Every stage is the command a user would type, run as a subprocess with its
own progress output; at the end one summary table (inputs, outputs, time, key figures) is
printed and written with the plots to OUT/REPORT.md. `--size smallest` is the same pipeline on
the test fixtures with a few steps (what CI runs); `--size demo` (default, `make demo`) uses the
demo slices.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from demo.local_site import GENERIC_SITES_TOML, LocalReviewSite, build_places, texts_from_parquet
from kosent.inputs import InputError
from kosent.report import StageResult, summary_table, write_report
from kosent.run import StageFailed, run_command, run_stages
from kosent.stages import STAGES, Plan
from kosent.validate import check
from kosent_common.extras import MissingExtra, require
from kosent_common.graph import read_json
from kosent_common.verbosity import ENV as VERBOSE_ENV
from kosent_common.verbosity import add_verbose_argument

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "demo"


@dataclass(frozen=True)
class Size:
    places: int  # per source on the local site
    per_place: int
    sources_toml: Path
    pretrain_steps: int
    nsmc_max_train_examples: int | None = None
    nsmc_epochs: int | None = None


SIZES = {
    "demo": Size(20, 30, DEMO / "sources.toml", 300),  # 1,800 of the 1,816 bundled reviews
    "smallest": Size(4, 12, DEMO / "sources-smallest.toml", 20, 400, 1),
}


def plan(out: Path, size: Size) -> Plan:
    """The demo's pipeline after the crawl: recipe `demo` over the bundled slices and the crawl."""
    config = read_json(DEMO / "pretrain.json")
    steps = size.pretrain_steps
    return Plan(
        out=out,
        recipe="demo",
        recipes=DEMO / "recipes.toml",
        sources=size.sources_toml,
        source_overrides=(f"reviews={out / 'raw' / 'reviews'}",),
        workers=2,
        limit_alphabet=3000,
        pack_across_docs=True,  # short reviews: one per example would be ~77% padding
        pretrain_config=str(DEMO / "pretrain.json"),
        pretrain_overrides={
            "num_train_steps": steps,
            "num_warmup_steps": min(config["num_warmup_steps"], steps // 4),
            "save_checkpoints_steps": min(config["save_checkpoints_steps"], steps),
        },
        nsmc_config=str(DEMO / "finetune.json"),
        nsmc_max_train_examples=size.nsmc_max_train_examples,
        nsmc_epochs=size.nsmc_epochs,
    )


def crawl(out: Path, size: Size) -> StageResult:
    stage = StageResult(
        "crawl", inputs=f"local site: 3 sources x {size.places} places x {size.per_place} reviews"
    )
    n = size.places * size.per_place
    texts = texts_from_parquet(DEMO / "data" / "reviews", 3 * n)
    if len(texts) < 3 * n:
        raise SystemExit(f"demo/data/reviews holds {len(texts)} texts; the site needs {3 * n}")
    site = LocalReviewSite(
        kakao=build_places(texts[:n], "k", size.places, size.per_place),
        diningcode=build_places(
            texts[n : 2 * n], "d", size.places, size.per_place, first_id=100_000
        ),
        generic=build_places(texts[2 * n :], "g", size.places, size.per_place, first_id=200_000),
    )
    base = site.start()
    sites_file = out / "sites.toml"
    sites_file.write_text(GENERIC_SITES_TOML, encoding="utf-8")
    raw = out / "raw" / "reviews"
    # A local site: no delay beyond a token one (a real site keeps the polite defaults).
    settings = {
        "REVIEWS_OUTPUT_DIR": raw,
        "KAKAO_BASE_URL": base,
        "DININGCODE_BASE_URL": base,
        "DININGCODE_API_URL": base,
        "GENERIC_BASE_URLS": json.dumps({"localsite": base}),
        "DOWNLOAD_DELAY": "0.005",
        "AUTOTHROTTLE_ENABLED": "0",
        "REVIEWS_LOG_INTERVAL": "5",
    }
    flags = [arg for key, value in settings.items() for arg in ("-s", f"{key}={value}")]
    ids = lambda prefix: ",".join(f"{prefix}{i + 1}" for i in range(size.places))  # noqa: E731
    jobs = [
        ["-a", "source=kakao", "-a", f"places={ids('k')}"],
        ["-a", "source=diningcode", "-a", "query=식당"],
        [
            "-a",
            "source=generic",
            "-a",
            "site=localsite",
            "-a",
            f"sites_file={sites_file}",
            "-a",
            f"places={ids('g')}",
        ],
    ]
    try:
        for job in jobs:
            run_command(
                stage, [sys.executable, "-m", "scrapy", "crawl", "reviews", *flags, *job], ROOT
            )
    finally:
        site.stop()
    for source_dir in sorted(p for p in raw.iterdir() if p.is_dir()):
        summary = read_json(sorted((source_dir / "crawls").glob("*.json"))[-1])
        stage.figures[f"{source_dir.name} reviews"] = summary["items_written"]
        stage.figures[f"{source_dir.name} pages"] = summary["review_pages"]
    served = sum(len(ids) for ids in site.served.values())
    stage.figures["served by the site"] = served
    stage.outputs = "raw/reviews/<source>/part-*.parquet"
    return stage


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demo.run", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out", type=Path, default=ROOT / "data" / "demo", help="output folder (replaced)"
    )
    parser.add_argument("--size", choices=sorted(SIZES), default="demo")
    add_verbose_argument(parser)
    args = parser.parse_args(argv)
    if args.verbose:
        os.environ[VERBOSE_ENV] = "1"  # every stage shows its engines' and Scrapy's logs too
    size = SIZES[args.size]
    out = args.out.resolve()
    pipeline = plan(out, size)
    try:  # every extra the demo needs, before anything is removed or run
        require("crawl", "the demo's crawl")
        for stage in STAGES:
            stage.requires(pipeline)
    except MissingExtra as err:
        print(f"error: {err} (make demo installs every extra)", file=sys.stderr)
        return 2
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    started = time.perf_counter()
    try:
        stages = [crawl(out, size)]
        config = check(pipeline, STAGES[-1].name)  # every config, before the first stage
        stages += run_stages(pipeline, STAGES, cwd=ROOT, config=config)
    except (StageFailed, InputError) as err:
        raise SystemExit(f"demo stopped: {err}") from None
    total = time.perf_counter() - started
    table = summary_table(stages, total)
    print("\n" + table)
    notes = [
        "Corpus report: corpus/demo/report/summary.md. The tiny model shows the plumbing works;",
        "see bench/RESULTS.md (make bench-quality) for what pretraining buys at a real budget.",
    ]
    report = write_report(out, table, f"kosent demo ({args.size})", notes)
    print(f"\nreport: {report}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""`python -m demo.run`: the whole pipeline on bundled data, one stage after another.

crawl (a local review site on 127.0.0.1, served from demo/data/reviews) -> corpus -> vocab ->
TFRecords -> pretraining -> export -> NSMC fine-tuning + TF-IDF baseline. Every stage is the
command a user would type, run as a subprocess with its own progress output; at the end one
summary table (inputs, outputs, time, key figures) is printed and written with the plots to
OUT/REPORT.md. `--size smallest` is the same pipeline on the test fixtures with a few steps
(what CI runs); `--size demo` (default, `make demo`) uses the demo slices.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from crawler.local_site import GENERIC_SITES_TOML, LocalReviewSite, build_places, texts_from_parquet

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "demo"


@dataclass(frozen=True)
class Size:
    places: int  # per source on the local site
    per_place: int
    sources_toml: Path
    pretrain_steps: int
    finetune_args: tuple[str, ...]


SIZES = {
    "demo": Size(20, 30, DEMO / "sources.toml", 300, ()),  # 1,800 of the 1,816 bundled reviews
    "smallest": Size(
        4, 12, DEMO / "sources-smallest.toml", 20, ("--max-train-examples", "400", "--epochs", "1")
    ),
}


@dataclass
class Stage:
    name: str
    seconds: float = 0.0
    inputs: str = ""
    outputs: str = ""
    figures: dict[str, object] = field(default_factory=dict)


def child_environment(on_terminal: bool) -> dict[str, str]:
    """The stages' environment: off a terminal (a log, CI, `make demo | tee`), progress bars
    update at most every 5 s (tqdm) or not at all (Hugging Face's file bars); TensorFlow's
    C++ INFO lines are left out unless the user set TF_CPP_MIN_LOG_LEVEL."""
    env = dict(os.environ)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")
    if not on_terminal:
        env.setdefault("TQDM_MININTERVAL", "5")
        env.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    return env


def run(stage: Stage, command: list[str]) -> None:
    """Run one stage's command (output shown as it comes); a failure stops the demo."""
    print(f"\n=== {stage.name}: {' '.join(command)}", flush=True)
    start = time.perf_counter()
    env = child_environment(sys.stdout.isatty() and sys.stderr.isatty())
    done = subprocess.run(command, cwd=ROOT, env=env)
    stage.seconds += time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"demo stopped: stage {stage.name!r} failed (exit {done.returncode})")


def read_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def crawl(out: Path, size: Size) -> Stage:
    stage = Stage(
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
            run(stage, [sys.executable, "-m", "scrapy", "crawl", "reviews", *flags, *job])
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
    args = parser.parse_args(argv)
    size = SIZES[args.size]
    out = args.out.resolve()
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    py = sys.executable
    started = time.perf_counter()
    stages = [crawl(out, size)]

    corpus = Stage("corpus", inputs="crawl output + bundled corpus slices (recipe demo)")
    run(
        corpus,
        [
            py,
            "-m",
            "corpus.build",
            "--recipe",
            "demo",
            "--recipes",
            str(DEMO / "recipes.toml"),
            "--sources",
            str(size.sources_toml),
            "--source",
            f"reviews={out / 'raw' / 'reviews'}",
            "--out",
            str(out / "corpus"),
            "--workers",
            "2",
        ],
    )
    manifest = read_json(out / "corpus" / "demo" / "manifest.json")
    corpus.outputs = "corpus/demo (text + Parquet shards, manifest, report)"
    corpus.figures = {k: manifest["totals"][k] for k in ("docs", "sentences", "bytes", "shards")}
    corpus.figures["reviews docs"] = manifest["sources"]["reviews"]["docs_out"]
    stages.append(corpus)

    vocab = Stage("vocab", inputs="corpus/demo")
    run(
        vocab,
        [
            py,
            "-m",
            "vocab.build",
            "--corpus",
            str(out / "corpus" / "demo"),
            "--out",
            str(out / "vocab"),
            "--recipe",
            "demo",
            "--recipes",
            str(DEMO / "recipes.toml"),
            "--limit-alphabet",
            "3000",
        ],
    )
    report = read_json(out / "vocab" / "report.json")
    vocab.outputs = "vocab (vocab.txt, tokenizer.json, report.json)"
    vocab.figures = {
        "vocab size": report["vocab_size"],
        "UNK rate": round(report["unk_rate"], 4),
        "chars/token": round(report["characters_per_token"], 2),
    }
    stages.append(vocab)

    records = Stage("tfrecords", inputs="corpus/demo + vocab.txt")
    run(
        records,
        [
            py,
            "-m",
            "pretrain.tfrecords",
            "--corpus-dir",
            str(out / "corpus" / "demo"),
            "--vocab-file",
            str(out / "vocab" / "vocab.txt"),
            "--output-dir",
            str(out / "tfrecords" / "L128"),
            "--max-seq-length",
            "128",
            "--num-processes",
            "2",
        ],
    )
    records_manifest = read_json(out / "tfrecords" / "L128" / "manifest.json")
    records.outputs = "tfrecords/L128"
    records.figures = {
        "examples": records_manifest["examples"],
        "tokens": records_manifest["tokens"],
        "padding share": round(records_manifest["padding_share"], 3),
    }
    stages.append(records)

    pretrain = Stage("pretrain", inputs="tfrecords/L128")
    config = read_json(DEMO / "pretrain.json")
    config.update(
        num_train_steps=size.pretrain_steps,
        vocab_size=report["vocab_size"],
        num_warmup_steps=min(config["num_warmup_steps"], size.pretrain_steps // 4),
        save_checkpoints_steps=min(config["save_checkpoints_steps"], size.pretrain_steps),
    )
    (out / "pretrain.json").write_text(json.dumps(config, indent=2), encoding="utf-8")
    run(
        pretrain,
        [
            py,
            "-m",
            "pretrain.train",
            "--config",
            str(out / "pretrain.json"),
            "--data",
            str(out / "tfrecords" / "L128"),
            "--out",
            str(out / "run"),
        ],
    )
    run(pretrain, [py, "-m", "pretrain.export", str(out / "run")])
    history = read_json(out / "run" / "train_history.json")
    first, last = history["history"][0], history["history"][-1]
    pretrain.outputs = "run/ (checkpoints, TensorBoard logs, hf/discriminator, hf/generator)"
    pretrain.figures = {
        "steps": history["steps"],
        "MLM loss": f"{first['mlm_loss']:.2f} -> {last['mlm_loss']:.2f}",
        "discriminator AUC": round(last["disc_auc"], 3),
    }
    stages.append(pretrain)

    finetune = Stage("nsmc", inputs="run/hf/discriminator + NSMC slice")
    run(
        finetune,
        [
            py,
            "-m",
            "finetune.nsmc",
            "--model",
            str(out / "run" / "hf" / "discriminator"),
            "--config",
            str(DEMO / "finetune.json"),
            "--out",
            str(out / "nsmc"),
            *size.finetune_args,
        ],
    )
    run(
        finetune,
        [
            py,
            "-m",
            "finetune.nsmc",
            "--baseline",
            "tfidf",
            "--config",
            str(DEMO / "finetune.json"),
            "--out",
            str(out / "nsmc-tfidf"),
            *size.finetune_args[:2],
        ],
    )
    ours, tfidf = (
        read_json(out / "nsmc" / "results.json"),
        read_json(out / "nsmc-tfidf" / "results.json"),
    )
    finetune.outputs = "nsmc/results.json, nsmc-tfidf/results.json"
    finetune.figures = {
        "test acc (dev-selected)": round(ours["test"]["accuracy"], 4),
        "TF-IDF test acc": round(tfidf["test"]["accuracy"], 4),
    }
    stages.append(finetune)

    total = time.perf_counter() - started
    table = summary_table(stages, total)
    print("\n" + table)
    write_report(out, table, args.size)
    print(f"\nreport: {out / 'REPORT.md'}")
    return 0


def summary_table(stages: list[Stage], total: float) -> str:
    lines = ["| stage | time s | inputs | outputs | key figures |", "|---|---|---|---|---|"]
    for s in stages:
        figures = ", ".join(f"{k}: {v}" for k, v in s.figures.items())
        lines.append(f"| {s.name} | {s.seconds:.1f} | {s.inputs} | {s.outputs} | {figures} |")
    lines.append(f"| **total** | {total:.1f} | | | |")
    return "\n".join(lines)


def write_report(out: Path, table: str, size: str) -> None:
    plots = sorted(p.relative_to(out) for p in out.rglob("*.png"))
    text = [f"# kosent demo ({size})", "", table, "", "## Plots", ""]
    text += [f"![{p}]({p})" for p in plots]
    text += [
        "",
        "Corpus report: corpus/demo/report/summary.md. The tiny model shows the plumbing works;",
        "see bench/RESULTS.md (make bench-quality) for what pretraining buys at a real budget.",
    ]
    (out / "REPORT.md").write_text("\n".join(text) + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())

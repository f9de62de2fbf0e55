"""The corpus benchmarks' input, cut from ../shared/data, and how they run corpus.build on it.

`prepare_inputs` lays the shared data out as the `bench` recipe, every source kind of the seed's
mix (bench.corpus_build, bench.corpus_quality, bench.scaling, bench.scale, experiments.quality);
`build_command` is `python -m corpus.build` of that recipe and `run_measured` runs a command with
its wall time and its process tree's peak RSS; `real_lines` are the shared data's Korean lines,
which bench.vocab_build and bench.scale recombine into corpora of any size.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil

from corpus.recipes import get_recipe
from corpus.sources import SOURCES as DECLARED

ROOT = Path(__file__).resolve().parents[2]
SOURCES = get_recipe("model3").sources  # the seed's whole mix (not a user's own `text`)


def build_command(sources: Path, out: Path, workers: int, *extra: str) -> list[str]:
    """`python -m corpus.build` of the bench recipe prepare_inputs wrote next to `sources`."""
    return [
        sys.executable,
        "-m",
        "corpus.build",
        "--recipe",
        "bench",
        "--recipes",
        str(sources.parent / "recipes.toml"),
        "--sources",
        str(sources),
        "--out",
        str(out),
        "--workers",
        str(workers),
        *extra,
    ]


def prepare_inputs(shared: Path, work: Path, fraction: float) -> Path:
    """Lay out the shared data as the recipe's sources (the first `fraction` of each file)."""
    from tools.slice_shared_data import reviews_parquet, wiki_slice

    def head(lines: list[str], keep_header: bool = False) -> list[str]:
        body = lines[1:] if keep_header else lines
        cut = body[: max(1, int(len(body) * fraction))]
        return ([lines[0]] if keep_header else []) + cut

    def lines_of(path: Path) -> list[str]:
        return [x for x in path.read_text(encoding="utf-8").split("\n") if x.strip()]

    data = work / f"input-{fraction:g}"
    if (data / "sources.toml").exists():
        return data / "sources.toml"
    for sub in ("nsmc", "kcbert", "kcc", "wiki", "reviews"):
        (data / sub).mkdir(parents=True, exist_ok=True)
    nsmc = lines_of(shared / "nsmc" / "ratings_train.txt")
    (data / "nsmc" / "ratings_train.txt").write_text("\n".join(head(nsmc, True)) + "\n")
    comments = lines_of(shared / "korean_hate_speech/unlabeled/unlabeled_comments_5.txt")
    labeled = [
        r.split("\t")[0] for r in lines_of(shared / "korean_hate_speech/labeled/train.tsv")[1:]
    ]
    with open(shared / "chatbot_data/ChatbotData.csv", encoding="utf-8") as handle:
        chat = [t for row in list(csv.reader(handle))[1:] for t in row[:2]]
    (data / "kcbert" / "comments.txt").write_text("\n".join(head(comments + labeled + chat)) + "\n")
    for name in ("unesco_report", "book_review01"):
        rows = lines_of(shared / f"boddari/boddari_txt_{name}.txt")
        (data / "kcc" / f"KCC_{name}_UTF8.txt").write_text("\n".join(head(rows)) + "\n")
    articles = (
        (shared / "boddari/boddari_txt_wikinews.txt").read_text(encoding="utf-8").count("\n\n")
    )
    wiki_slice(
        shared / "boddari/boddari_txt_wikinews.txt", data / "wiki", max(2, int(articles * fraction))
    )
    reviews_parquet(
        shared / "nsmc_raw_sample",
        data / "reviews" / "part-0.parquet",
        max(1, int(1816 * fraction)),
    )
    table = {name: data / name for name in ("nsmc", "kcbert", "kcc", "wiki", "reviews")}
    table |= {  # the shared data's Modu samples, in their NIKL release folders
        s.name: shared / "modu_schema_fixtures" / s.nikl_release for s in DECLARED if s.nikl_release
    }
    toml = "[sources]\n" + "".join(f'{k} = "{v.resolve()}"\n' for k, v in table.items())
    (data / "sources.toml").write_text(toml)
    (data / "recipes.toml").write_text(
        f"[bench]\nvocab_size = 32000\nsources = {json.dumps(list(SOURCES))}\n"
    )
    return data / "sources.toml"


def run_measured(cmd: list[str]) -> dict:
    """Run a command; wall time, CPU seconds and peak RSS of its whole process tree."""
    start = time.monotonic()
    process = psutil.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = [0]

    def sample() -> None:
        while process.poll() is None:
            try:
                procs = [process, *process.children(recursive=True)]
                peak[0] = max(peak[0], sum(p.memory_info().rss for p in procs if p.is_running()))
            except psutil.Error:
                pass
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = process.communicate()
    sampler.join()
    if process.returncode:
        raise RuntimeError(f"{cmd} failed:\n{stderr[-3000:]}")
    return {"seconds": time.monotonic() - start, "peak_rss_mb": peak[0] / 2**20, "stdout": stdout}


def real_lines(shared: Path) -> list[str]:
    """The non-blank lines of NSMC train's reviews, the unlabelled news comments, ChatbotData's
    questions and answers, and boddari's Wikinews, book reviews and UNESCO reports."""
    lines = []
    with open(shared / "nsmc" / "ratings_train.txt", encoding="utf-8", newline="") as handle:
        lines += [row["document"] for row in csv.DictReader(handle, delimiter="\t", quoting=3)]
    comments = shared / "korean_hate_speech" / "unlabeled" / "unlabeled_comments_5.txt"
    lines += comments.read_text(encoding="utf-8").splitlines()
    with open(shared / "chatbot_data" / "ChatbotData.csv", encoding="utf-8", newline="") as h:
        lines += [text for row in csv.DictReader(h) for text in (row["Q"], row["A"])]
    for name in ("wikinews", "book_review01", "unesco_report"):
        lines += (shared / "boddari" / f"boddari_txt_{name}.txt").read_text("utf-8").splitlines()
    return [line.strip() for line in lines if line and line.strip()]

"""The corpus, vocab and TFRecords stages at the sizes users have: CPU in the driver and in the
workers per GB, wall time, peak memory per process, the 1 -> 2 worker speed-up, and a
projection to clusters of 8, 64 and 512 workers from those measured numbers.

    python -m bench.scale --sizes 0.064 0.256 0.5 --workers 2 1 [--vocab-sample 0.25]
    python -m bench.scale --mix CHECKOUT --workers 2   # bench.corpus_build's real mix,
                                                       # run from CHECKOUT (a git worktree)

Input: generated from the real Korean text in ../shared/data (bench.common.corpus_inputs's
`real_lines`: NSMC reviews, news comments, chatbot dialogues, Wikinews, book reviews). Each
document is one line: two to four runs of 2-8 consecutive words, each run from a random real
line, drawn with a fixed seed, so dedup keeps most of them (how many it drops is reported:
copies and near-copies of the short ones), all in one file of the `kcbert` source as KcBERT's
12 GB comment file is: the build cuts it into line ranges.

Each command runs alone under a sampler (every 0.1 s, psutil) that follows its process
tree: the driver's CPU is the command's own process, the workers' the sum over its
descendants; peak RSS is per process (the largest worker's is reported). Results go to
WORK/scale.json and print as Markdown tables for bench/RESULTS.md.

Projection for N workers and G GB (per stage): the driver's and the workers' CPU-seconds are
fitted as a + b * GB over the sizes measured; time = driver(G) + workers(G) / N. It assumes the workers scale perfectly (they share no state but files), the same
per-core speed as here, storage that keeps up, and ignores start-up and scheduling.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
RECIPES = """[scale]
description = "generated comments (bench/scale.py)"
vocab_size = 32000
sources = ["kcbert"]
"""


def prepare(folder: Path, megabytes: float, shared: Path, seed: int = 0) -> Path:
    """One comment file of about `megabytes` of recombined real lines (reused if there)."""
    from bench.common.corpus_inputs import real_lines

    path = folder / "kcbert" / "comments.txt"
    if path.exists() and path.stat().st_size >= megabytes * 1e6 * 0.99:
        return path
    lines, draw = [line.split() for line in real_lines(shared)], random.Random(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    target, written = int(megabytes * 1e6), 0
    with open(path, "w", encoding="utf-8") as out:
        while written < target:
            block = "".join(_document(lines, draw) + "\n" for _ in range(10_000))
            out.write(block)
            written += len(block.encode("utf-8"))
    return path


def _document(lines: list[list[str]], draw: random.Random) -> str:
    """Two to four runs of 2-8 consecutive words, each from a random real line."""
    runs = []
    for _ in range(draw.randint(2, 4)):
        words = draw.choice(lines)
        start = draw.randrange(max(1, len(words) - 1))
        runs.append(" ".join(words[start : start + draw.randint(2, 8)]))
    return " ".join(runs)


def measured(command: list[str], checkout: Path = ROOT) -> dict:
    """Run a command; its wall time, driver and worker CPU seconds, peak RSS per process."""
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    process = subprocess.Popen(
        command, cwd=checkout, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    root = psutil.Process(process.pid)
    cpu: dict[int, float] = {}
    rss: dict[int, int] = {}
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            try:
                tree = [root, *root.children(recursive=True)]
            except psutil.Error:
                break
            for proc in tree:
                try:
                    times = proc.cpu_times()
                    cpu[proc.pid] = times.user + times.system
                    rss[proc.pid] = max(rss.get(proc.pid, 0), proc.memory_info().rss)
                except psutil.Error:
                    pass
            time.sleep(0.1)

    start = time.monotonic()
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = process.communicate()
    wall = time.monotonic() - start
    done.set()
    sampler.join()
    if process.returncode:
        raise SystemExit(f"{' '.join(command)} failed:\n{stderr[-3000:]}")
    workers = {pid: rss[pid] for pid in rss if pid != process.pid}
    return {
        "wall_s": wall,
        "driver_cpu_s": cpu.get(process.pid, 0.0),
        "worker_cpu_s": sum(v for pid, v in cpu.items() if pid != process.pid),
        "driver_peak_mb": rss.get(process.pid, 0) / 2**20,
        "worker_peak_mb": max(workers.values(), default=0) / 2**20,
        "processes": len(rss),
        "stdout": stdout[-2000:],
    }


def run_size(
    megabytes: float,
    workers: list[int],
    work: Path,
    shared: Path,
    vocab_sample: float | None,
    save: Callable[[dict], None],
    corpus_only: bool = False,
) -> list[dict]:
    folder = work / f"in-{megabytes:g}"
    source = prepare(folder, megabytes, shared)
    input_mb = source.stat().st_size / 1e6
    recipes = work / "recipes.toml"
    recipes.write_text(RECIPES, encoding="utf-8")
    py = sys.executable
    rows = []
    for count in workers:
        out = work / f"out-{megabytes:g}-w{count}"
        vocab_file = work / f"out-{megabytes:g}-w{workers[0]}" / "vocab" / "vocab.txt"
        shutil.rmtree(out / "corpus", ignore_errors=True)  # a finished build would be reused
        corpus = out / "corpus"
        corpus_cmd = [
            py, "-m", "corpus.build", "--recipe", "scale", "--recipes", str(recipes),
            "--source", f"kcbert={source}", "--out", str(corpus), "--workers", str(count),
            "--no-progress", "--overwrite", "--shard-mb", "8",
        ]  # fmt: skip
        vocab_cmd = [
            py, "-m", "vocab.build", "--corpus", str(corpus / "scale"), "--out",
            str(out / "vocab"), "--overwrite",
        ]  # fmt: skip
        records_cmd = [
            py, "-m", "pretrain.tfrecords", "--corpus-dir", str(corpus / "scale"),
            "--vocab-file", str(vocab_file), "--output-dir",
            str(out / "records"), "--max-seq-length", "128", "--num-processes", str(count),
            "--num-out-files", "8", "--overwrite",
        ]  # fmt: skip
        sample_cmd = [*vocab_cmd[:-2], str(out / "vocab-sample"), "--overwrite"]
        for stage, command in (
            ("corpus", corpus_cmd),
            ("vocab", vocab_cmd),
            ("vocab-sample", sample_cmd),
            ("tfrecords", records_cmd),
        ):
            if stage != "corpus" and corpus_only:
                continue
            if stage.startswith("vocab") and count != workers[0]:
                continue  # one process whatever --workers: measured once per size
            if stage == "vocab-sample":
                if not vocab_sample:
                    continue
                text = sum(p.stat().st_size for p in (corpus / "scale" / "text").glob("*.txt"))
                command = [*command, "--sample-bytes", str(int(text * vocab_sample))]
            result = measured(command)
            row = {"stage": stage, "input_mb": input_mb, "workers": count, **result}
            if stage == "corpus":
                manifest = json.loads((corpus / "scale" / "manifest.json").read_text())
                kcbert = manifest["sources"]["kcbert"]
                row["docs_in"], row["docs_out"] = kcbert["docs_in"], kcbert["docs_out"]
                row["drops"] = kcbert["drops"]
                row["tasks"] = manifest["tasks"]
            if stage.startswith("vocab"):
                report = json.loads((out / stage / "report.json").read_text())
                row["unk_rate"] = report["unk_rate"]
                row["tokens_per_sentence"] = report["tokens_per_sentence"]
            rows.append(row)
            save(row)
            print(json.dumps({k: v for k, v in row.items() if k != "stdout"}), flush=True)
    return rows


def mix(checkout: Path, work: Path, shared: Path, workers: int) -> dict:
    """corpus.build of bench.corpus_build's real mix (the whole shared data), run from
    `checkout` (another git worktree, to compare versions)."""
    from bench.common.corpus_inputs import build_command, prepare_inputs

    sources = prepare_inputs(shared, work, 1.0)
    out = work / f"mix-{checkout.name}-w{workers}"
    shutil.rmtree(out, ignore_errors=True)  # a finished build would be reused
    command = build_command(sources, out, workers, "--no-progress", "--overwrite")
    result = measured(command, checkout)
    inputs = [p for p in sources.parent.rglob("*") if p.is_file() and p.name != "sources.toml"]
    result["input_mb"] = sum(p.stat().st_size for p in inputs) / 1e6
    result["driver_share"] = result["driver_cpu_s"] / (
        result["driver_cpu_s"] + result["worker_cpu_s"]
    )
    return result


def _line(x: list[float], y: list[float]) -> tuple[float, float]:
    """Least-squares (intercept, slope) of y over x."""
    import numpy as np

    slope, intercept = np.polyfit(np.array(x), np.array(y), 1)
    return float(intercept), float(slope)


def _hours(driver: tuple[float, float], worker: tuple[float, float], workers: int) -> str:
    seconds = driver[0] + driver[1] * 60 + (worker[0] + worker[1] * 60) / workers
    return f"{seconds / 3600:.1f} h"


def tables(rows: list[dict]) -> str:
    lines = [
        "| stage | input MB | workers | wall s | driver CPU-s/GB | worker CPU-s/GB | "
        "driver peak MB | largest worker peak MB | docs in | near-dup dropped |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        gb = r["input_mb"] / 1000
        lines.append(
            f"| {r['stage']} | {r['input_mb']:.0f} | {r['workers']} | {r['wall_s']:.1f} | "
            f"{r['driver_cpu_s'] / gb:.0f} | {r['worker_cpu_s'] / gb:.0f} | "
            f"{r['driver_peak_mb']:.0f} | {r['worker_peak_mb']:.0f} | "
            + (
                f"{r['docs_in']:,} | {r['drops'].get('near_duplicate', 0) / r['docs_in']:.1%} |"
                if r["stage"] == "corpus"
                else "| |"
            )
        )
    speedups = []
    for r in rows:
        one = [o for o in rows if o["workers"] == 1 and o["stage"] == r["stage"]]
        one = [o for o in one if abs(o["input_mb"] - r["input_mb"]) < 1]
        if r["workers"] == 2 and one:
            speedups.append(
                f"{r['stage']} at {r['input_mb']:.0f} MB: {one[0]['wall_s'] / r['wall_s']:.2f}x"
            )
    if speedups:
        lines += ["", "1 -> 2 workers, wall: " + "; ".join(speedups) + "."]
    lines += [
        "",
        "Projection for 60 GB: CPU-seconds fitted as a + b * GB over the sizes measured (the "
        "most workers each), then driver + workers / N:",
        "",
        "| stage | driver CPU-s = a + b * GB | workers CPU-s = a + b * GB | 8 workers | "
        "64 workers | 512 workers |",
        "|---|---|---|---:|---:|---:|",
    ]
    for stage in ("corpus", "vocab", "vocab-sample", "tfrecords"):
        most = max((r["workers"] for r in rows if r["stage"] == stage), default=0)
        fitted = [r for r in rows if r["stage"] == stage and r["workers"] == most]
        if len({round(r["input_mb"]) for r in fitted}) < 2:
            continue
        gb = [r["input_mb"] / 1000 for r in fitted]
        driver = _line(gb, [r["driver_cpu_s"] for r in fitted])
        worker = _line(gb, [r["worker_cpu_s"] for r in fitted])
        if stage.startswith("vocab"):  # one process: its CPU is all the driver's
            driver = _line(gb, [r["driver_cpu_s"] + r["worker_cpu_s"] for r in fitted])
            worker = (0.0, 0.0)

        cells = [_hours(driver, worker, n) for n in (8, 64, 512)]
        lines.append(
            f"| {stage} | {driver[0]:.1f} + {driver[1]:.1f} GB | {worker[0]:.1f} + "
            f"{worker[1]:.0f} GB | " + " | ".join(cells) + " |"
        )
    vocab = [r for r in rows if r["stage"].startswith("vocab")]
    if vocab:
        lines += ["", "| input MB | vocabulary trained on | held-out UNK rate | tokens/sentence |"]
        lines += ["|---:|---|---:|---:|"]
        for r in vocab:
            trained = "a seeded sample" if r["stage"] == "vocab-sample" else "all of it"
            lines.append(
                f"| {r['input_mb']:.0f} | {trained} | {r['unk_rate']:.2e} | "
                f"{r['tokens_per_sentence']:.2f} |"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=float, nargs="+", default=[0.1, 0.5, 2.0, 5.0],
                        help="input sizes in GB")  # fmt: skip
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument(
        "--vocab-sample",
        type=float,
        metavar="SHARE",
        help="also train the vocabulary on this share of the corpus text (vocab.build "
        "--sample-bytes) and compare the held-out UNK rate with the whole corpus's",
    )
    parser.add_argument("--shared", type=Path, default=SHARED)
    parser.add_argument("--work", type=Path, default=Path("/tmp/kosent-scale"))
    parser.add_argument(
        "--corpus-only", action="store_true", help="the corpus stage only (no vocab, records)"
    )
    parser.add_argument(
        "--mix",
        type=Path,
        metavar="CHECKOUT",
        help="instead: time corpus.build on bench.corpus_build's real mix, run from this "
        "checkout (e.g. a git worktree of an older commit), with the first --workers",
    )
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    if args.mix:
        result = mix(args.mix.resolve(), args.work, args.shared, args.workers[0])
        print(json.dumps({k: v for k, v in result.items() if k != "stdout"}))
        return
    results = args.work / "scale.json"
    rows = json.loads(results.read_text()) if results.exists() else []

    def save(row: dict) -> None:
        """Keep each row as it comes (replacing an earlier run of the same measurement)."""
        nonlocal rows
        same = ("stage", "workers")
        rows = [
            r
            for r in rows
            if not (abs(r["input_mb"] - row["input_mb"]) < 1 and all(r[k] == row[k] for k in same))
        ] + [row]
        results.write_text(json.dumps(rows, indent=1))

    for size in args.sizes:
        run_size(
            size * 1000,
            args.workers,
            args.work,
            args.shared,
            args.vocab_sample,
            save,
            args.corpus_only,
        )
    print(tables(sorted(rows, key=lambda r: (r["input_mb"], r["stage"], r["workers"]))))


def print_tables(results: Path) -> None:
    """The tables of a finished run's scale.json."""
    rows = json.loads(results.read_text())
    print(tables(sorted(rows, key=lambda r: (r["input_mb"], r["stage"], r["workers"]))))


if __name__ == "__main__":
    main()

"""Scaling of the two sharded stages: 1 and 2 workers, local process pool and Ray.

    python -m bench.scaling [--shared ../shared/data] [--fraction 0.1] [--records-corpus DIR]

Corpus build: the shared data laid out as bench.common.corpus_inputs does (the first `--fraction`
of every source), `python -m corpus.build --workers N [--executor ray]`. TFRecords:
`python -m pretrain.tfrecords --num-processes N [--executor ray]` over `--records-corpus`
(default: the 23 MB corpus bench.corpus_build leaves in /tmp/kosent-bench/corpus-b/bench).
Ray runs start a local Ray instance of N CPUs inside the command (no --address), so Ray's own
start-up is inside the wall time; MB/s is input MB over wall time, start-up included.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common.corpus_inputs import build_command, prepare_inputs

ROOT = Path(__file__).resolve().parents[1]


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr[-3000:]}")
    return time.perf_counter() - start


def size_mb(paths: list[Path]) -> float:
    return sum(p.stat().st_size for p in paths) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--fraction", type=float, default=0.1)
    parser.add_argument("--work", type=Path, default=Path("/tmp/kosent-bench"))
    parser.add_argument(
        "--records-corpus", type=Path, default=Path("/tmp/kosent-bench/corpus-b/bench")
    )
    args = parser.parse_args()
    py = sys.executable
    sources = prepare_inputs(args.shared, args.work, args.fraction)
    inputs = [p for p in sources.parent.rglob("*") if p.is_file() and p.name != "sources.toml"]
    corpus_mb = size_mb(inputs)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        built = None
        for executor in ("local", "ray"):
            for workers in (1, 2):
                out = Path(tmp) / f"corpus-{executor}-{workers}"
                command = build_command(
                    sources, out, workers, "--no-progress", "--executor", executor
                )
                seconds = timed(command)
                rows.append(("corpus build", executor, workers, corpus_mb, seconds))
                built = built or out / "bench"
        records_corpus = args.records_corpus if args.records_corpus.exists() else built
        vocab = Path(tmp) / "vocab"
        timed(
            [
                py,
                "-m",
                "vocab.build",
                "--corpus",
                str(records_corpus),
                "--out",
                str(vocab),
                "--vocab-size",
                "32000",
            ]
        )
        records_mb = size_mb(sorted((records_corpus / "text").glob("*.txt")))
        for executor in ("local", "ray"):
            for workers in (1, 2):
                command = [
                    py,
                    "-m",
                    "pretrain.tfrecords",
                    "--corpus-dir",
                    str(records_corpus),
                    "--vocab-file",
                    str(vocab / "vocab.txt"),
                    "--output-dir",
                    str(Path(tmp) / f"rec-{executor}-{workers}"),
                    "--max-seq-length",
                    "128",
                    "--num-processes",
                    str(workers),
                    "--executor",
                    executor,
                ]
                rows.append(("tfrecords", executor, workers, records_mb, timed(command)))
    print("| stage | executor | workers | input MB | wall s | MB/s | vs 1 worker |")
    print("|---|---|---|---|---|---|---|")
    base = {}
    for stage, executor, workers, mb, seconds in rows:
        base.setdefault((stage, executor), seconds)
        print(
            f"| {stage} | {executor} | {workers} | {mb:.1f} | {seconds:.1f} | {mb / seconds:.2f} | {base[(stage, executor)] / seconds:.2f}x |"
        )


if __name__ == "__main__":
    main()

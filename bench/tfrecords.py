"""`python -m pretrain.tfrecords` vs google-research/electra's `build_pretraining_dataset.py`
(the original, run unmodified on TensorFlow 2.21), same corpus, same vocab, in one run.

    python -m bench.tfrecords --vocab-file VOCAB [--corpus-dir DIR] [--electra-src DIR]
        [--repeats 3] [--processes 1,2] [--skip-check]

DIR is a corpus of corpus.build (default: the one bench.corpus_build leaves in
/tmp/kosent-bench/corpus-b/bench); the original reads its text/ folder. Measured (MB of corpus
text per second; best of --repeats on every side):
(a) the original, whole process (`--num-processes N --no-lower-case`), and in-process: its
    `ExampleWriter` built untimed, then every file written through it (its own loop);
(b) ours, whole process (`--num-processes N`), and in-process: a cold chunk cache (the fair
    one: every distinct chunk tokenized once), plus warm, second-half and across-docs figures;
(d) our 1 and 2 worker processes once started: the wall time of all the files, timed after
    every worker has started and loaded its tokenizer.
Check: token ids of every example. The original draws its packing from the global `random`
and shuffles its file list; run with that RNG seeded as our output file j's (`"{seed}/{j}"`,
see pretrain/tfrecords/writer.py) on input file j alone, its examples must equal ours one for
one. Both outputs are read back without TensorFlow (bench.common.records_io).
"""

from __future__ import annotations

import argparse
import importlib.util
import multiprocessing
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from types import SimpleNamespace

os.environ["TOKENIZERS_PARALLELISM"] = "false"
ROOT = Path(__file__).resolve().parents[1]
ELECTRA_SRC = ROOT.parent / "shared" / "reference" / "google-electra"
FEATURES = ("input_ids", "input_mask", "segment_ids")


def timed(command: list[str], cwd: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the process and the processes it waited for)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr[-3000:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return seconds, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def original_command(src: Path, text_dir: Path, vocab: str, out: Path, processes: int) -> list:
    return [sys.executable, str(src / "build_pretraining_dataset.py"), "--corpus-dir",
            str(text_dir), "--vocab-file", vocab, "--output-dir", str(out), "--max-seq-length",
            "128", "--num-processes", str(processes), "--no-lower-case"]  # fmt: skip


def ours_command(corpus_dir: str, vocab: str, out: Path, processes: int) -> list:
    return [sys.executable, "-m", "pretrain.tfrecords", "--corpus-dir", corpus_dir,
            "--vocab-file", vocab, "--output-dir", str(out), "--max-seq-length", "128",
            "--num-processes", str(processes), "--overwrite"]  # fmt: skip


def original_module(src: Path):
    """google-research/electra's builder, loaded from its checkout: a folder of scripts, not a
    package, whose builder imports the `model` and `util` packages beside it by those names.
    They are loaded first, from that folder, under those names; the import path is left alone."""

    def load(name: str, path: Path, package: Path | None = None):
        if name not in sys.modules:
            where = [str(package)] if package else None
            spec = importlib.util.spec_from_file_location(
                name, path, submodule_search_locations=where
            )
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            spec.loader.exec_module(module)
        return sys.modules[name]

    for package in ("model", "util"):
        load(package, src / package / "__init__.py", src / package)
    return load("build_pretraining_dataset", src / "build_pretraining_dataset.py")


def original_in_process(src: Path, files: list[str], vocab: str, out: Path) -> tuple:
    """(MB/s, MB per CPU second) of the original's ExampleWriter over every file (its
    construction untimed)."""
    module = original_module(src)
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    writer = module.ExampleWriter(0, vocab, str(out), 128, 1, True, False)
    start, cpu = time.perf_counter(), time.process_time()
    for path in files:
        writer.write_examples(path)
    writer.finish()
    size = sum(os.path.getsize(f) for f in files) / 1e6
    return size / (time.perf_counter() - start), size / (time.process_time() - cpu)


def ours_in_process(files: list[str], vocab_file: str, out: str) -> dict[str, float]:
    """MB/s of our writer in this process (tokenizer tables loaded untimed): cold (fresh
    chunk cache), warm (the same files again), second half (after the first half filled the
    cache) and across docs (cold, --pack-across-docs)."""
    from pretrain.tfrecords.writer import RecordsJob, load_tokenizer, write_records

    def rate(inputs, across=False):
        job = RecordsJob(0, out, tuple(inputs), vocab_file, 128, 0, False, across)
        start = time.perf_counter()
        write_records(job)
        return sum(os.path.getsize(f) for f in inputs) / 1e6 / (time.perf_counter() - start)

    def fresh():
        load_tokenizer.cache_clear()
        load_tokenizer(vocab_file, False)

    half = len(files) // 2
    fresh()
    cpu = time.process_time()
    rates = {"cold": rate(files)}
    rates["cold per CPU second"] = (
        sum(os.path.getsize(f) for f in files) / 1e6 / (time.process_time() - cpu)
    )
    rates["warm"] = rate(files)
    fresh()
    rate(files[:half])
    rates["second half"] = rate(files[half:])
    fresh()
    rates["across docs"] = rate(files, across=True)
    return rates


def _started(_: int) -> int:
    time.sleep(1.0)  # long enough that every worker takes one
    return os.getpid()


def workers_rate(files: list[str], vocab_file: str, workers: int, out: str) -> float:
    """MB/s of all files through `workers` started processes: wall time from after every worker
    has started (and loaded its tokenizer) to the last file done."""
    from pretrain.tfrecords.writer import RecordsJob, load_tokenizer, write_records

    jobs = [
        RecordsJob(i, f"{out}-{workers}-{i}", (f,), vocab_file, 128, 0, False, False)
        for i, f in enumerate(files)
    ]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, context, load_tokenizer, (vocab_file, False)) as pool:
        pids = set(pool.map(_started, range(workers)))
        assert len(pids) == workers, "a worker did not start"
        start = time.perf_counter()
        list(pool.map(write_records, jobs))
        seconds = time.perf_counter() - start
    return sum(os.path.getsize(f) for f in files) / 1e6 / seconds


def check_token_ids(src: Path, files: list[str], vocab: str, ours_dir: Path, tmp: Path) -> dict:
    """Examples of the original (seeded per file as ours) vs our whole-process output."""
    import random

    from bench.common.records_io import parse_example, read_records, record_files

    module = original_module(src)
    ours_files = record_files(ours_dir)
    if len(ours_files) != len(files):
        raise SystemExit(f"{ours_dir}: {len(ours_files)} files for {len(files)} inputs")
    totals = SimpleNamespace(examples=0, equal=0, ours=0, first=None, tokens=0, tokens_equal=0)
    for j, (path, our_file) in enumerate(zip(files, ours_files, strict=True)):
        out = tmp / f"check-{j}"
        out.mkdir(parents=True)
        random.seed(f"0/{j}")  # ours: random.Random(f"{seed}/{j}"), seed 0
        writer = module.ExampleWriter(0, vocab, str(out), 128, 1, True, False, num_out_files=1)
        writer.write_examples(path)
        writer.finish()
        theirs = [parse_example(r) for f in sorted(out.iterdir()) for r in read_records(f)]
        ours = [parse_example(r) for r in read_records(our_file)]
        totals.ours += len(ours)
        totals.examples += len(theirs)
        for n, (a, b) in enumerate(zip(theirs, ours, strict=False)):
            same = all(a[k] == b[k] for k in FEATURES)
            totals.equal += same
            totals.tokens += len(a["input_ids"])
            totals.tokens_equal += sum(
                x == y for x, y in zip(a["input_ids"], b["input_ids"], strict=True)
            )
            if not same and totals.first is None:
                totals.first = (Path(path).name, n, a["input_ids"][:24], b["input_ids"][:24])
        shutil.rmtree(out)
    return vars(totals)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus-dir", default="/tmp/kosent-bench/corpus-b/bench")
    parser.add_argument("--vocab-file", required=True)
    parser.add_argument("--electra-src", type=Path, default=ELECTRA_SRC)
    parser.add_argument("--repeats", type=int, default=3, help="best of N, every side")
    parser.add_argument("--processes", default="1,2", help="whole-process runs")
    parser.add_argument("--skip-check", action="store_true", help="no token-id comparison")
    args = parser.parse_args()
    if not (args.electra_src / "build_pretraining_dataset.py").exists():
        raise SystemExit(f"error: no build_pretraining_dataset.py in {args.electra_src}")
    text = Path(args.corpus_dir) / "text"
    text = text if text.is_dir() else Path(args.corpus_dir)
    files = sorted(str(p) for p in text.iterdir() if p.is_file() and not p.name.startswith("."))
    size = sum(os.path.getsize(f) for f in files) / 1e6
    rows: list[tuple[str, float, float]] = []  # (variant, ours MB/s, original MB/s)
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        for processes in map(int, args.processes.split(",")):
            theirs, ours = [], []
            for _ in range(args.repeats):  # alternate, so drift hits both sides alike
                command = original_command(
                    args.electra_src, text, args.vocab_file, tmp / "orig", processes
                )
                theirs.append(timed(command, args.electra_src))
                shutil.rmtree(tmp / "ours", ignore_errors=True)  # else a rerun finds it done
                command = ours_command(args.corpus_dir, args.vocab_file, tmp / "ours", processes)
                ours.append(timed(command, ROOT))
            print(f"whole process x{processes}: original {theirs}, ours {ours}", file=sys.stderr)
            rows.append((f"whole process, {processes} process(es), start-up included, wall",
                         size / min(w for w, _ in ours), size / min(w for w, _ in theirs)))  # fmt: skip
            rows.append((f"whole process, {processes} process(es), start-up included, per CPU "
                         "second", size / min(c for _, c in ours), size / min(c for _, c in theirs)))  # fmt: skip
        ours_dir = tmp / "ours-check"
        timed(ours_command(args.corpus_dir, args.vocab_file, ours_dir, 1), ROOT)
        theirs_ip, ours_ip = [], []
        for _ in range(args.repeats):  # alternated
            theirs_ip.append(
                original_in_process(args.electra_src, files, args.vocab_file, tmp / "orig-ip")
            )
            ours_ip.append(ours_in_process(files, args.vocab_file, str(tmp / "ours-ip.tfrecord")))
        best = {k: max(r[k] for r in ours_ip) for k in ours_ip[0]}
        rows.append(("in-process, 1 process, tokenizer loaded untimed (ours: cold cache), wall",
                     best["cold"], max(w for w, _ in theirs_ip)))  # fmt: skip
        rows.append(("in-process, 1 process, tokenizer loaded untimed (ours: cold cache), per "
                     "CPU second", best["cold per CPU second"], max(c for _, c in theirs_ip)))  # fmt: skip
        one = workers_rate(files, args.vocab_file, 1, str(tmp / "w"))
        two = workers_rate(files, args.vocab_file, 2, str(tmp / "w"))
        check = None
        if not args.skip_check:
            check = check_token_ids(args.electra_src, files, args.vocab_file, ours_dir, tmp)
    print(f"""
### pretrain.tfrecords vs the original ({time.strftime("%Y-%m-%d %H:%M")}, {os.cpu_count()} cores, L 128, cased)

Corpus: {size:.1f} MB of text in {len(files)} shards ({args.corpus_dir}); best of {args.repeats}.

| variant | (a) original MB/s | (b) ours MB/s | (b) / (a) |
|---|---:|---:|---:|""")
    for name, ours_rate, their_rate in rows:
        print(f"| {name} | {their_rate:.2f} | {ours_rate:.2f} | {ours_rate / their_rate:.1f}x |")
    print(f"""
Ours in-process, our own figures: warm {best["warm"]:.2f}, second half {best["second half"]:.2f}, across docs {best["across docs"]:.2f} MB/s.
Ours, workers once started (wall time of all files): 1 worker {one:.2f} MB/s, 2 workers {two:.2f} MB/s (scaling {two / one:.2f}x).""")
    if check:
        print(f"""
Token ids vs the original (seeded per file as ours): {check["equal"]:,} of {check["examples"]:,} examples identical
(ours wrote {check["ours"]:,}); input_ids positions equal {check["tokens_equal"]:,} of {check["tokens"]:,}.
First difference: {check["first"]}""")


if __name__ == "__main__":
    main()

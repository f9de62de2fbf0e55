"""Throughput of `python -m pretrain.tfrecords` (MB of corpus text per second per process).

    python bench/tfrecords.py --corpus-dir DIR --vocab-file VOCAB [--reference-mb 3]

DIR is a corpus built by corpus.build (e.g. the one bench/corpus_build.py leaves in
/tmp/kosent-bench/corpus-b/bench). In one run it measures:
(a) a stand-in for the original build_pretraining_dataset.py: the same packing, with BERT's
    pure-Python tokenizer (transformers' BertTokenizerLegacy = FullTokenizer) and
    tf.train.Example protobuf objects, one process, on the first --reference-mb of text;
(b) our writer in one process, in-process (no start-up): cold and warm chunk cache, the
    second half of the corpus after the first, and --pack-across-docs;
(c) the CLI end to end with --num-processes 1 and 2 (wall time, start-up included);
(d) 1 and 2 worker processes once started (start-up left out), cold caches.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ["TOKENIZERS_PARALLELISM"] = "false"
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def reference_rate(files: list[str], vocab_file: str, limit_mb: float, out: str) -> float:
    import tensorflow as tf
    from transformers.models.bert.tokenization_bert_legacy import BertTokenizerLegacy

    from pretrain.packing import ExampleBuilder

    bert = BertTokenizerLegacy(vocab_file, do_lower_case=False)
    vocab = bert.vocab
    builder = ExampleBuilder(128, vocab["[CLS]"], vocab["[SEP]"], random.Random(0))
    done = 0
    start = time.perf_counter()
    with tf.io.TFRecordWriter(out) as writer:

        def write(example):
            if example is None:
                return
            features = {
                name: tf.train.Feature(int64_list=tf.train.Int64List(value=getattr(example, name)))
                for name in ("input_ids", "input_mask", "segment_ids")
            }
            writer.write(
                tf.train.Example(features=tf.train.Features(feature=features)).SerializeToString()
            )

        for path in files:
            with open(path, encoding="utf-8") as handle:
                for line in handle:
                    done += len(line.encode("utf-8"))
                    line = line.strip()
                    if line:
                        write(builder.add_sentence(bert.convert_tokens_to_ids(bert.tokenize(line))))
                    else:
                        write(builder.end_document())
            write(builder.end_document())
            if done >= limit_mb * 1e6:
                break
    return done / 1e6 / (time.perf_counter() - start)


def ours_rates(files: list[str], vocab_file: str, out: str, repeats: int = 3) -> dict[str, float]:
    """MB/s of our writer in this process (no start-up), best of `repeats`:
    cold: a fresh chunk cache, so every distinct chunk is tokenized once (worst case);
    warm: the same files again (every chunk cached);
    second half: the second half of the files after the first half warmed the cache (what
    a larger corpus sees as its cache fills);
    across docs: cold, with --pack-across-docs (few, full examples)."""
    from pretrain.records_writer import RecordsJob, load_tokenizer, write_records

    def job(inputs, across=False):
        return RecordsJob(0, out, tuple(inputs), vocab_file, 128, 0, False, across)

    def rate(inputs, across=False):
        start = time.perf_counter()
        write_records(job(inputs, across))
        return sum(os.path.getsize(f) for f in inputs) / 1e6 / (time.perf_counter() - start)

    half = len(files) // 2
    rates: dict[str, list[float]] = {"cold": [], "warm": [], "second half": [], "across docs": []}
    for _ in range(repeats):
        load_tokenizer.cache_clear()
        load_tokenizer(vocab_file, False)  # vocabulary tables are start-up, not timed
        rates["cold"].append(rate(files))
        rates["warm"].append(rate(files))
        load_tokenizer.cache_clear()
        load_tokenizer(vocab_file, False)
        write_records(job(files[:half]))
        rates["second half"].append(rate(files[half:]))
        load_tokenizer.cache_clear()
        load_tokenizer(vocab_file, False)
        rates["across docs"].append(rate(files, across=True))
    return {name: max(values) for name, values in rates.items()}


def steady_state_rate(files: list[str], vocab_file: str, workers: int, out: str) -> float:
    """MB/s of all workers together once they run: from the first finished file to the last,
    so process start-up (imports, ~3 s per worker) is left out. Every worker is a fresh
    process with a cold chunk cache, one worker included."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from pretrain.records_writer import RecordsJob, load_tokenizer, write_records

    jobs = [
        RecordsJob(i, f"{out}-{workers}-{i}", (f,), vocab_file, 128, 0, False, False)
        for i, f in enumerate(files)
    ]
    marks = []
    with ProcessPoolExecutor(
        workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=load_tokenizer,
        initargs=(vocab_file, False),
    ) as pool:
        for _ in pool.map(write_records, jobs):
            marks.append(time.perf_counter())
    after_first = sum(os.path.getsize(f) for f in files[1:]) / 1e6
    return after_first / (marks[-1] - marks[0])


def cli_seconds(corpus_dir: str, vocab_file: str, processes: int, out: str) -> float:
    start = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pretrain.tfrecords",
            "--corpus-dir",
            corpus_dir,
            "--vocab-file",
            vocab_file,
            "--output-dir",
            out,
            "--num-processes",
            str(processes),
            "--overwrite",
        ],
        check=True,
        cwd=ROOT,
        capture_output=True,
    )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus-dir", default="/tmp/kosent-bench/corpus-b/bench")
    parser.add_argument("--vocab-file", required=True)
    parser.add_argument("--reference-mb", type=float, default=3.0)
    args = parser.parse_args()
    text = Path(args.corpus_dir) / "text"
    files = sorted(str(p) for p in (text if text.is_dir() else Path(args.corpus_dir)).glob("*.txt"))
    size = sum(os.path.getsize(f) for f in files) / 1e6
    with tempfile.TemporaryDirectory() as tmp:
        ref = reference_rate(files, args.vocab_file, args.reference_mb, f"{tmp}/ref.tfrecord")
        ours = ours_rates(files, args.vocab_file, f"{tmp}/ours.tfrecord")
        steady_one = steady_state_rate(files, args.vocab_file, 1, f"{tmp}/steady")
        steady_two = steady_state_rate(files, args.vocab_file, 2, f"{tmp}/steady")
        one = cli_seconds(args.corpus_dir, args.vocab_file, 1, f"{tmp}/cli1")
        two = cli_seconds(args.corpus_dir, args.vocab_file, 2, f"{tmp}/cli2")
    rows = "\n".join(
        f"| (b) ours in-process, {name} | {value:.2f} | {value / ref:.1f}x |"
        for name, value in ours.items()
    )
    print(f"""
### pretrain.tfrecords ({time.strftime("%Y-%m-%d")}, {os.cpu_count()} cores, max_seq_length 128)

Corpus: {size:.1f} MB of text in {len(files)} shards ({args.corpus_dir}).

| variant | MB/s per process | vs (a) |
|---|---:|---:|
| (a) original-style: pure-Python FullTokenizer + tf.train.Example, 1 process | {ref:.2f} | 1.0x |
{rows}
| (c) CLI, --num-processes 1, start-up included: {one:.1f} s | {size / one:.2f} | {size / one / ref:.1f}x |
| (c) CLI, --num-processes 2, start-up included: {two:.1f} s | {size / two / 2:.2f} | scaling {one / two:.2f}x |
| (d) 1 worker once started (first file done -> last), cold cache | {steady_one:.2f} | {steady_one / ref:.1f}x |
| (d) 2 workers once started, both together: {steady_two:.2f} MB/s | {steady_two / 2:.2f} | scaling {steady_two / steady_one:.2f}x |
""")


if __name__ == "__main__":
    main()

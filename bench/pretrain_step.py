"""Pretraining step throughput: `python -m pretrain.train` vs two PyTorch baselines, one run,
paired (per configuration: ours, the fair reference, HF as usually run, in turn).

    python bench/pretrain_step.py --records 8000:64=DIR --records 32000:128=DIR \\
        [--sizes mini,small] [--batch 32] [--window 5] [--windows 3] [--rounds 1]
        [--backends tensorflow] [--threads 2]

Every side is a whole training process on the same records and the same config JSON
(dropout 0.1, generator 1/4 wide, lr 5e-4, warmup 0); the rate is examples over the wall time
of the logged windows after the first (the first holds tracing/warm-up), so start-up, record
loading and checkpoints (one, after the last timed window) are left out on every side:
- ours: `python -m pretrain.train` (KERAS_BACKEND from --backends);
- fair: bench/reference_trainer.py, the same algorithm on Hugging Face's ELECTRA modules with
  generator logits only at the masked positions, as the original ELECTRA;
- HF as usually run: the same trainer with `--generator-logits all` (ElectraForMaskedLM's head
  over every position, [B, L, vocab], as `ElectraForMaskedLM(labels=...)` computes it).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def window_rate(history: list[dict], batch: int) -> float:
    """Examples/s over the windows after the first (total examples / total seconds)."""
    timed = history[1:]
    if not timed:
        raise SystemExit("need at least 2 logged windows")
    examples = seconds = 0.0
    previous = history[0]["step"]
    for entry in timed:
        n = (entry["step"] - previous) * batch
        examples += n
        seconds += n / entry["examples_per_second"]
        previous = entry["step"]
    return examples / seconds


def run(command: list[str], env: dict, history_file: Path, batch: int) -> float:
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr[-3000:]}")
    return window_rate(json.loads(history_file.read_text())["history"], batch)


def measure(size, vocab, length, records, args, tmp: Path) -> dict[str, float]:
    steps = args.window * (args.windows + 1)
    config = {
        "model_size": size,
        "vocab_size": vocab,
        "max_seq_length": length,
        "train_batch_size": args.batch,
        "learning_rate": 5e-4,
        "num_train_steps": steps,
        "num_warmup_steps": 0,
        "dropout": 0.1,
        "generator_hidden_size": 0.25,
        "log_every_steps": args.window,
        "save_checkpoints_steps": steps,
        "shuffle_buffer": 1000,
    }
    config_file = tmp / f"{size}-{vocab}-{length}.json"
    config_file.write_text(json.dumps(config))
    threads = str(args.threads)
    env = {
        **os.environ,
        "OMP_NUM_THREADS": threads,
        "TF_NUM_INTRAOP_THREADS": threads,
        "TF_NUM_INTEROP_THREADS": threads,
        "XLA_FLAGS": f"--xla_cpu_multi_thread_eigen={str(args.threads > 1).lower()}",
    }
    rates: dict[str, list[float]] = {}
    py = sys.executable
    for round_ in range(args.rounds):
        for backend in args.backends.split(","):
            out = tmp / f"ours-{backend}-{size}-{vocab}-{length}-{round_}"
            command = [py, "-m", "pretrain.train", "--config", str(config_file)]
            command += ["--data", records, "--out", str(out)]
            rate = run(
                command, {**env, "KERAS_BACKEND": backend}, out / "train_history.json", args.batch
            )
            rates.setdefault(f"ours ({backend})", []).append(rate)
        for mode, name in (("masked", "fair"), ("all", "hf")):
            out = tmp / f"ref-{mode}-{size}-{vocab}-{length}-{round_}"
            command = [
                py,
                str(ROOT / "bench" / "reference_trainer.py"),
                "--config",
                str(config_file),
                "--data",
                records,
                "--out",
                str(out),
                "--generator-logits",
                mode,
                "--threads",
                str(args.threads),
            ]
            rates.setdefault(name, []).append(run(command, env, out / "history.json", args.batch))
    return {name: max(values) for name, values in rates.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--records",
        action="append",
        required=True,
        help="VOCAB:LENGTH=DIR, records of pretrain.tfrecords (repeatable)",
    )
    parser.add_argument("--sizes", default="mini,small")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--window", type=int, default=5, help="steps per logged window")
    parser.add_argument("--windows", type=int, default=3, help="timed windows (after the first)")
    parser.add_argument("--rounds", type=int, default=1, help="repeat each side; best kept")
    parser.add_argument("--backends", default="tensorflow", help="Keras backends for ours")
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="per process, every side (default 1: on a shared "
        "machine PyTorch's OpenMP threads spin against other jobs)",
    )
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes.split(","):
            for spec in args.records:
                shape, records = spec.split("=", 1)
                vocab, length = map(int, shape.split(":"))
                rates = measure(size, vocab, length, records, args, Path(tmp))
                rows.append((size, vocab, length, rates))
                print(
                    size,
                    vocab,
                    length,
                    {k: round(v, 1) for k, v in rates.items()},
                    file=sys.stderr,
                    flush=True,
                )
    print(
        f"\n### pretrain step ({time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores, "
        f"threads {args.threads}, batch {args.batch}, {args.windows}x{args.window} timed steps)\n"
    )
    ours_names = [n for n in rows[0][3] if n.startswith("ours")]
    header = " | ".join(f"{n} ex/s" for n in ours_names)
    print(
        f"| size | vocab | seq | {header} | fair ex/s | HF ex/s | "
        + " | ".join(f"{n} vs fair | {n} vs HF" for n in ours_names)
        + " |"
    )
    print("|---|---:|---:|" + "---:|" * (3 * len(ours_names) + 2))
    for size, vocab, length, rates in rows:
        cells = " | ".join(f"{rates[n]:.1f}" for n in ours_names)
        ratios = " | ".join(
            f"{rates[n] / rates['fair']:.2f}x | {rates[n] / rates['hf']:.2f}x" for n in ours_names
        )
        print(
            f"| {size} | {vocab} | {length} | {cells} | {rates['fair']:.1f} | "
            f"{rates['hf']:.1f} | {ratios} |"
        )


if __name__ == "__main__":
    main()

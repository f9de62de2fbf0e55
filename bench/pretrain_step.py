"""Pretraining step throughput: `python -m pretrain.train` vs two PyTorch baselines, one run,
paired (per configuration: ours, the fair reference, HF as usually run, in turn).

    python -m bench.pretrain_step --records 8000:64=DIR --records 32000:128=DIR \\
        [--sizes mini,small] [--batch 32] [--window 5] [--windows 3] [--rounds 1]
        [--backends tensorflow] [--threads 2]

Every side is a whole training process on the same records and the same config JSON
(dropout 0.1, generator 1/4 wide, lr 5e-4, warmup 0); the rate is examples over the wall time
of the logged windows after the first (the first holds tracing/warm-up), so start-up, record
loading and checkpoints (one, after the last timed window) are left out on every side. Also
examples per CPU second: each side runs twice (1 window, then 1 + --windows windows) and the
difference of the processes' CPU seconds is divided by the extra steps, which cancels start-up
and holds up on a machine shared with other jobs (wall time there depends on their load):
- ours: `python -m pretrain.train` (KERAS_BACKEND from --backends);
- fair: bench.common.reference_trainer, the same algorithm on Hugging Face's ELECTRA modules with
  generator logits only at the masked positions, as the original ELECTRA;
- HF as usually run: the same trainer with `--generator-logits all` (ElectraForMaskedLM's head
  over every position, [B, L, vocab], as `ElectraForMaskedLM(labels=...)` computes it).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
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


def run(command: list[str], env: dict) -> float:
    """Run to the end; CPU seconds (user + system) of the process and what it waited for."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr[-3000:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def measure(size, vocab, length, records, args, tmp: Path) -> dict[str, tuple[float, float]]:
    """{side: (examples per wall second in the timed windows, examples per CPU second)}.
    CPU: (CPU of a run of 1 + windows windows - CPU of a run of 1 window) / the extra steps,
    so start-up, tracing, record loading and the final checkpoint cancel out."""
    long_steps, short_steps = args.window * (args.windows + 1), args.window
    configs = {}
    for steps in (long_steps, short_steps):
        config = {"model_size": size, "vocab_size": vocab, "max_seq_length": length,
                  "train_batch_size": args.batch, "learning_rate": 5e-4,
                  "num_train_steps": steps, "num_warmup_steps": 0, "dropout": 0.1,
                  "generator_hidden_size": 0.25, "log_every_steps": args.window,
                  "save_checkpoints_steps": steps, "shuffle_buffer": 1000}  # fmt: skip
        configs[steps] = tmp / f"{size}-{vocab}-{length}-{steps}.json"
        configs[steps].write_text(json.dumps(config))
    threads = str(args.threads)
    env = {
        **os.environ,
        "OMP_NUM_THREADS": threads,
        "TF_NUM_INTRAOP_THREADS": threads,
        "TF_NUM_INTEROP_THREADS": threads,
        "XLA_FLAGS": f"--xla_cpu_multi_thread_eigen={str(args.threads > 1).lower()}",
    }
    py, reference = sys.executable, ["-m", "bench.common.reference_trainer"]
    sides = {}
    for backend in args.backends.split(","):
        sides[f"ours ({backend})"] = (
            lambda cfg, out: [py, "-m", "pretrain.train", "--config", str(cfg), "--data",
                              records, "--out", str(out)],
            "train_history.json", {**env, "KERAS_BACKEND": backend})  # fmt: skip
    for mode, name in (("masked", "fair"), ("all", "hf")):
        sides[name] = (
            lambda cfg, out, mode=mode: [py, *reference, "--config", str(cfg), "--data", records,
                                         "--out", str(out), "--generator-logits", mode,
                                         "--threads", threads],
            "history.json", env)  # fmt: skip
    rates: dict[str, list[tuple[float, float]]] = {}
    for round_ in range(args.rounds):
        for name, (command, history_name, side_env) in sides.items():
            out = tmp / f"{name.replace(' ', '')}-{size}-{vocab}-{length}-{round_}"
            cpu_long = run(command(configs[long_steps], out), side_env)
            history = json.loads((out / history_name).read_text())["history"]
            cpu_short = run(command(configs[short_steps], f"{out}-short"), side_env)
            cpu_rate = (long_steps - short_steps) * args.batch / (cpu_long - cpu_short)
            rates.setdefault(name, []).append((window_rate(history, args.batch), cpu_rate))
            print(name, size, vocab, length, rates[name][-1], file=sys.stderr, flush=True)
    return {
        name: tuple(max(v) for v in zip(*values, strict=True)) for name, values in rates.items()
    }


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
                rows.append(
                    (size, vocab, length, measure(size, vocab, length, records, args, Path(tmp)))
                )
    print(f"\n### pretrain step ({time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores, "
          f"threads {args.threads}, batch {args.batch}, {args.windows}x{args.window} timed steps, "
          f"best of {args.rounds})\n")  # fmt: skip
    names = list(rows[0][3])
    ours_names = [n for n in names if n.startswith("ours")]
    for unit, index in (("examples per wall second (timed windows)", 0),
                        ("examples per CPU second (start-up cancelled)", 1)):  # fmt: skip
        print(f"{unit}:\n")
        print("| size | vocab | seq | " + " | ".join(names) + " | "
              + " | ".join(f"{n} vs fair | {n} vs HF" for n in ours_names) + " |")  # fmt: skip
        print("|---|---:|---:|" + "---:|" * (len(names) + 2 * len(ours_names)))
        for size, vocab, length, rates in rows:
            cells = " | ".join(f"{rates[n][index]:.1f}" for n in names)
            ratios = " | ".join(
                f"{rates[n][index] / rates['fair'][index]:.2f}x | "
                f"{rates[n][index] / rates['hf'][index]:.2f}x"
                for n in ours_names
            )
            print(f"| {size} | {vocab} | {length} | {cells} | {ratios} |")
        print()


if __name__ == "__main__":
    main()

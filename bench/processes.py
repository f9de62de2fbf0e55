"""Pretraining on one process vs two processes of one run, per backend: step time, tokens/s,
and the share of a two-process step that is communication.

    python -m bench.processes --records DIR [--backends jax,torch,tensorflow] [--size mini]
        [--batch 32] [--window 10] [--windows 3]

Per backend, three whole `python -m pretrain.train` runs on the same records and config:
- one process with the global batch B and every core (what a user runs today);
- one process pinned to one core (one thread) with batch B/2: what each of two processes
  computes;
- two processes (`--coordinator 127.0.0.1:PORT`), each pinned to a core of its own (one
  thread), global batch B.
Step time is seconds per step over the logged windows after the first (the first holds
compilation and the start of the record reading). The communication share of a two-process
step is 1 - t(B/2, one core) / t(two processes): what the step costs beyond its own half of
the compute (the all-reduces, and waiting for the slower process). On a machine of two cores
both sides share the same cores: read 1 vs 2 processes as overhead, not as speed-up.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.pretrain_step import window_rate
from pretrain.train.join import free_coordinator_port

ROOT = Path(__file__).resolve().parents[1]


def thread_env(backend: str, threads: int) -> dict:
    return {
        **os.environ,
        "KERAS_BACKEND": backend,
        "OMP_NUM_THREADS": str(threads),
        "TF_NUM_INTRAOP_THREADS": str(threads),
        "TF_NUM_INTEROP_THREADS": str(threads),
        "XLA_FLAGS": f"--xla_cpu_multi_thread_eigen={str(threads > 1).lower()}",
    }


def config_file(folder: Path, args, batch: int) -> Path:
    steps = args.window * (args.windows + 1)
    config = {"model_size": args.size, "train_batch_size": batch, "learning_rate": 5e-4,
              "num_train_steps": steps, "num_warmup_steps": 0, "dropout": 0.1,
              "log_every_steps": args.window, "save_checkpoints_steps": steps,
              "input_shards": 2}  # fmt: skip
    path = folder / f"config-{batch}.json"
    path.write_text(json.dumps(config))
    return path


def train(config: Path, records: str, out: Path, env: dict, extra=(), core=None):
    command = [sys.executable, "-m", "pretrain.train", "--config", str(config), "--data",
               records, "--out", str(out), *extra]  # fmt: skip
    if core is not None:
        command = ["taskset", "-c", str(core), *command]
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def step_seconds(processes, out: Path, batch: int) -> float:
    for process in processes:
        _, err = process.communicate()
        if process.returncode:
            raise SystemExit(f"{' '.join(process.args)} failed:\n{err[-3000:]}")
    history = json.loads((out / "train_history.json").read_text())["history"]
    return batch / window_rate(history, batch)


def measure(backend: str, records: str, length: int, args, tmp: Path) -> dict:
    batch, cores = args.batch, os.cpu_count() or 1
    whole, half = config_file(tmp, args, batch), config_file(tmp, args, batch // 2)
    one = step_seconds(
        [train(whole, records, tmp / f"{backend}-1", thread_env(backend, cores))],
        tmp / f"{backend}-1",
        batch,
    )
    share = step_seconds(
        [train(half, records, tmp / f"{backend}-half", thread_env(backend, 1), core=0)],
        tmp / f"{backend}-half",
        batch // 2,
    )
    port = free_coordinator_port()
    two_out = tmp / f"{backend}-2"
    joined = [
        train(whole, records, two_out, thread_env(backend, 1), core=i % cores,
              extra=["--coordinator", f"127.0.0.1:{port}", "--num-processes", "2",
                     "--process-id", str(i)])
        for i in range(2)
    ]  # fmt: skip
    two = step_seconds(joined, two_out, batch)
    return {
        "backend": backend,
        "one_process_step_s": one,
        "two_processes_step_s": two,
        "one_process_tokens_per_s": batch * length / one,
        "two_processes_tokens_per_s": batch * length / two,
        "half_batch_one_core_step_s": share,
        "communication_share": 1 - share / two,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", required=True, help="records of pretrain.tfrecords")
    parser.add_argument("--backends", default="jax,torch,tensorflow")
    parser.add_argument("--size", default="mini", help="model_size")
    parser.add_argument("--batch", type=int, default=32, help="global batch (even)")
    parser.add_argument("--window", type=int, default=10, help="steps per logged window")
    parser.add_argument("--windows", type=int, default=3, help="timed windows (after the first)")
    args = parser.parse_args()
    length = json.loads((Path(args.records) / "manifest.json").read_text())["max_seq_length"]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for backend in args.backends.split(","):
            rows.append(measure(backend, args.records, length, args, Path(tmp)))
            print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    print(f"{args.size}, global batch {args.batch}, {length} tokens per example, "
          f"{os.cpu_count()} cores")  # fmt: skip
    print("| backend | step, 1 process | step, 2 processes | tokens/s 1 -> 2 | communication |")
    print("|---|---|---|---|---|")
    for row in rows:
        print(
            f"| {row['backend']} | {row['one_process_step_s'] * 1000:.0f} ms | "
            f"{row['two_processes_step_s'] * 1000:.0f} ms | "
            f"{row['one_process_tokens_per_s']:,.0f} -> {row['two_processes_tokens_per_s']:,.0f}"
            f" | {row['communication_share']:.0%} |"
        )


if __name__ == "__main__":
    main()

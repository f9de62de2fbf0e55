"""Where our pretraining step spends its time: the TensorFlow step of `pretrain.train`, in
process, with one part at a time switched off.

    python -m experiments.step_profile --records DIR [--size mini] [--steps 24] [--batch 32]
        [--parts full,forward,no-optimizer,no-dropout,no-sampler,no-auc,bf16] [--rounds 2]

Each part is its own process (one thread): the model, optimizer and step are built as
`pretrain.train` builds them, a few batches are read once, and after 3 warm-up steps (the
tracing) --steps steps are timed. Parts:
- `full`: the training step as shipped (dropout 0.1, as bench.pretrain_step);
- `forward`: the objective (both models, masking, sampling, losses) without gradients;
- `no-optimizer`: gradients computed (their global norm is kept), none applied;
- `no-dropout`: dropout 0;
- `no-sampler`: the generator's argmax instead of Gumbel sampling;
- `no-auc`: without the per-step AUC histograms;
- `bf16`: mixed precision (bf16 compute, fp32 weights; `"mixed_precision": true`).
Also the record reader's time per batch. Milliseconds of CPU and wall per step; the parts run in
turn, --rounds times, and each keeps its least CPU (on a shared machine, other jobs only add).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PARTS = ("full", "forward", "no-optimizer", "no-dropout", "no-sampler", "no-auc", "bf16")


def measure(part: str, records: str, size: str, steps: int, batch: int) -> dict:
    """Time one part in this process (call once per process)."""
    import tensorflow as tf
    from keras import ops

    import pretrain.train.objective as objective
    from pretrain.tfrecords.schema import RecordsManifest, record_files
    from pretrain.train import backends, loop
    from pretrain.train.config import config_from_dict
    from pretrain.train.record_reader import RecordReader
    from vocab.schema import read_vocab

    if part == "no-auc":
        objective.auc_histograms = lambda labels, logits, weights: ops.zeros((2, 1))
    if part == "no-sampler":
        objective.gumbel_sample = lambda logits, *_: ops.cast(ops.argmax(logits, -1), "int32")
    manifest = RecordsManifest.read(records)
    config = config_from_dict({
        "model_size": size, "vocab_size": manifest.vocab_size,
        "max_seq_length": manifest.max_seq_length, "train_batch_size": batch,
        "learning_rate": 5e-4, "num_train_steps": 1000, "num_warmup_steps": 0,
        "dropout": 0.0 if part == "no-dropout" else 0.1, "generator_hidden_size": 0.25,
        "mixed_precision": part == "bf16"})  # fmt: skip
    specials, mask_id = loop.special_ids(read_vocab(Path(manifest.vocab_file)))
    backend = backends.load()
    model, optimizer, _ = loop.build(config, backend)
    reader = RecordReader(record_files(records, manifest), config.max_seq_length, batch, 0)
    batches = [reader.next_batch() for _ in range(12)]  # the first opens and shuffles a file
    started = time.process_time()
    for _ in range(40):
        reader.next_batch()
    read_ms = (time.process_time() - started) / 40 * 1e3

    def loss_fn(batch_, step):
        return objective.electra_losses(model, batch_, config, specials, mask_id, step)

    if part == "forward":
        forward = tf.function(loss_fn)

        def step_fn(batch_, step):
            tensors = {name: tf.constant(value) for name, value in batch_.items()}
            return forward(tensors, tf.constant(step, tf.int32))
    else:
        if part == "no-optimizer":
            sink = tf.Variable(0.0)

            def keep_gradients(pairs):  # a side effect, so the gradients are not pruned
                sink.assign_add(tf.linalg.global_norm([grad for grad, _ in pairs]))

            optimizer.apply_gradients = keep_gradients
        step_fn = backend.Trainer(model, optimizer, loss_fn).step
    for i in range(3):
        step_fn(batches[i], i)
    window = None
    wall, cpu = time.perf_counter(), time.process_time()
    for i in range(steps):
        window = backends.sum_metrics(window, step_fn(batches[i % len(batches)], i + 3))
    ops.convert_to_numpy(window["loss"])
    return {
        "part": part,
        "cpu_ms": (time.process_time() - cpu) / steps * 1e3,
        "wall_ms": (time.perf_counter() - wall) / steps * 1e3,
        "read_ms": read_ms,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", required=True, help="pretrain.tfrecords output")
    parser.add_argument("--size", default="mini")
    parser.add_argument("--steps", type=int, default=24)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--parts", default=",".join(PARTS))
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--one", help=argparse.SUPPRESS)  # internal: measure this part here
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one, args.records, args.size, args.steps, args.batch)))
        return
    env = {**os.environ, "KERAS_BACKEND": "tensorflow", "OMP_NUM_THREADS": "1",
           "TF_NUM_INTRAOP_THREADS": "1", "TF_NUM_INTEROP_THREADS": "1"}  # fmt: skip
    parts = args.parts.split(",")
    if unknown := set(parts) - set(PARTS):
        parser.error(f"unknown part(s) {sorted(unknown)}; known: {', '.join(PARTS)}")
    best: dict[str, dict] = {}
    for _ in range(args.rounds):
        for part in parts:
            done = subprocess.run(
                [sys.executable, "-m", "experiments.step_profile", *sys.argv[1:], "--one", part],
                cwd=ROOT, env=env, capture_output=True, text=True, check=False,
            )  # fmt: skip
            if done.returncode != 0:
                raise SystemExit(f"{part} failed:\n{done.stderr[-3000:]}")
            row = json.loads(done.stdout.strip().splitlines()[-1])
            print(f"{part}: {row['cpu_ms']:.0f} CPU ms/step", file=sys.stderr, flush=True)
            if part not in best or row["cpu_ms"] < best[part]["cpu_ms"]:
                best[part] = row
    rows = [best[part] for part in parts]
    full = next((r for r in rows if r["part"] == "full"), None)
    print(f"\n{args.size}, records {args.records}, batch {args.batch}, {args.steps} timed steps, "
          f"1 thread, least CPU of {args.rounds} rounds; record reading "
          f"{rows[0]['read_ms'] * 1e3:.0f} us per batch\n")  # fmt: skip
    print("| part | CPU ms/step | wall ms/step | CPU vs full |")
    print("|---|---:|---:|---:|")
    for row in rows:
        ratio = f"{row['cpu_ms'] / full['cpu_ms']:.2f}" if full else ""
        print(f"| {row['part']} | {row['cpu_ms']:.0f} | {row['wall_ms']:.0f} | {ratio} |")


if __name__ == "__main__":
    main()

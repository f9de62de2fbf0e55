"""The generator's token sampling, alone: the objective's two-level Gumbel-max over counter-hash
noise (`pretrain.train.objective.gumbel_sample`) vs the one-level Gumbel-max it replaced (one
hashed uniform per vocabulary entry), vs an inverse-CDF sampler (one uniform per row; tried
and reverted: faster, but its cumulative sums round differently per backend, and TensorFlow and
JAX disagreed on one of the few hundred samples of the one-step test at vocab 3,000) and vs
PyTorch's own Gumbel-max (`torch.rand`, as bench.common.reference_trainer samples).

    python -m experiments.sampling [--backends tensorflow jax torch] [--batch 32]
        [--predictions 20] [--vocab 8000 32000] [--repeats 5]

Each backend runs in its own process (KERAS_BACKEND is read at import); the sampler is compiled
the way the training step compiles it (tf.function, jax.jit, eager torch) and called on the same
logits [batch, predictions, vocab]; the figure is CPU seconds per call after one warm-up call.
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


def inverse_cdf(logits, temperature: float, seed: int, step):
    """The first token whose cumulative probability passes one hashed uniform per row."""
    from keras import ops

    from pretrain.train.objective import GUMBEL, uniform

    scaled = ops.stop_gradient(ops.cast(logits, "float32")) / temperature
    cumulative = ops.cumsum(ops.exp(scaled - ops.max(scaled, axis=-1, keepdims=True)), axis=-1)
    target = uniform(tuple(logits.shape[:-1]), seed, step, GUMBEL) * cumulative[..., -1]
    below = ops.sum(ops.cast(ops.less(cumulative, ops.expand_dims(target, -1)), "int32"), -1)
    return ops.minimum(below, logits.shape[-1] - 1)


def flat_gumbel(logits, temperature: float, seed: int, step):
    """One-level Gumbel-max: one hashed uniform per vocabulary entry (the objective until
    2026-12-01)."""
    from keras import ops

    from pretrain.train.objective import GUMBEL, gumbel_noise

    scaled = ops.stop_gradient(ops.cast(logits, "float32")) / temperature
    noise = gumbel_noise(tuple(logits.shape), seed, step, GUMBEL)
    return ops.cast(ops.argmax(scaled + noise, axis=-1), "int32")


def torch_gumbel(logits, temperature: float, seed: int, step):
    import torch

    noise = -torch.log(-torch.log(torch.rand_like(logits).clamp_(1e-9, 1.0)))
    return torch.argmax(logits / temperature + noise, dim=-1)


def time_one(backend: str, shape: tuple[int, int, int], repeats: int) -> dict:
    """CPU seconds per call of each sampler on `backend` (run inside a child process)."""
    import numpy as np
    from keras import ops

    from pretrain.train.objective import gumbel_sample

    samplers = {
        "two-level Gumbel over hash noise (ours)": gumbel_sample,
        "one-level Gumbel over hash noise (before)": flat_gumbel,
        "inverse CDF": inverse_cdf,
    }
    if backend == "torch":
        samplers["torch.rand Gumbel (reference)"] = torch_gumbel
    logits = ops.convert_to_tensor(
        np.random.default_rng(0).standard_normal(shape).astype("float32")
    )
    out = {}
    for name, sampler in samplers.items():
        if backend == "tensorflow":
            import tensorflow as tf

            call = tf.function(lambda x, s, f=sampler: f(x, 1.0, 0, s))
        elif backend == "jax":
            import jax

            call = jax.jit(lambda x, s, f=sampler: f(x, 1.0, 0, s))
        else:
            call = lambda x, s, f=sampler: f(x, 1.0, 0, s)  # noqa: E731
        # the step as a tensor, as the training step passes it (a Python int retraces tf.function)
        steps = [ops.convert_to_tensor(step, "int32") for step in range(repeats + 1)]
        ops.convert_to_numpy(call(logits, steps[0]))
        cpu = time.process_time()
        for step in steps[1:]:
            ops.convert_to_numpy(call(logits, step))
        out[name] = (time.process_time() - cpu) / repeats
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", nargs="+", default=["tensorflow", "jax", "torch"])
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--predictions", type=int, default=20, help="masked positions per row")
    parser.add_argument("--vocab", type=int, nargs="+", default=[8000, 32000])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        backend, vocab = args.child.split(":")
        shape = (args.batch, args.predictions, int(vocab))
        print(json.dumps(time_one(backend, shape, args.repeats)))
        return
    print(f"| backend | vocab | sampler | CPU s per call [{args.batch}, {args.predictions}, V] |")
    print("|---|---:|---|---:|")
    for backend in args.backends:
        for vocab in args.vocab:
            done = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "experiments.sampling",
                    "--child",
                    f"{backend}:{vocab}",
                    "--batch",
                    str(args.batch),
                    "--predictions",
                    str(args.predictions),
                    "--repeats",
                    str(args.repeats),
                ],
                cwd=ROOT,
                env={**os.environ, "KERAS_BACKEND": backend},
                capture_output=True,
                text=True,
                check=True,
            )
            for name, seconds in json.loads(done.stdout.strip().splitlines()[-1]).items():
                print(f"| {backend} | {vocab} | {name} | {seconds:.3f} |", flush=True)


if __name__ == "__main__":
    main()

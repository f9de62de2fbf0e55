"""Why our generator learned slower than the PyTorch reference: the two implementation
differences, one at a time.

    python -m experiments.generator_gap --records DIR --out DIR [--seeds 0,1,2] [--steps 300]
        [--variants keras-eps,normal-init,...]

Every run is a whole `python -m pretrain.train` (through this script, which patches one thing
before the trainer starts) or `python -m bench.common.reference_trainer`, on the same records,
config (tiny, 8k vocab, batch 32, lr 1e-3, dropout 0) and seeds. Variants of ours:
- `ours`: as shipped (AdamW with epsilon on the bias-corrected moment, TruncatedNormal init);
- `keras-eps`: Keras's stock AdamW (epsilon on the uncorrected moment), as before the fix;
- `normal-init`: Normal(0.02) everywhere TruncatedNormal(0.02) is used, as Hugging Face;
- `keras-eps+normal-init`: both.
Prints, per variant, the mean over seeds of the generator's MLM loss at each logged window and
the last window's discriminator AUC (against the generator being trained).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

from kosent_common.resume import finished, write_state
from pretrain.tfrecords.schema import RecordsManifest

ROOT = Path(__file__).resolve().parents[1]

VARIANTS = ("ours", "keras-eps", "normal-init", "keras-eps+normal-init")
CONFIG = {"model_size": "tiny", "train_batch_size": 32, "learning_rate": 1e-3,
          "num_warmup_steps": 20, "dropout": 0.0, "generator_hidden_size": 0.25,
          "keep_checkpoint_max": 1}  # fmt: skip


def patch(variant: str) -> None:
    """Apply a variant's change to Keras/pretrain.train in this process."""
    import keras

    if "normal-init" in variant:

        class Normal(keras.initializers.RandomNormal):
            def __init__(self, mean=0.0, stddev=0.05, seed=None):
                super().__init__(mean=mean, stddev=stddev, seed=seed)

        keras.initializers.TruncatedNormal = Normal  # read at call time by keras_hub and us
    if "keras-eps" in variant:
        import pretrain.train.loop

        pretrain.train.loop.AdamW = keras.optimizers.AdamW


def history(folder: Path) -> list[dict]:
    name = "history.json" if (folder / "history.json").exists() else "train_history.json"
    return json.loads((folder / name).read_text())["history"]


def run(variant: str, seed: int, args, out: Path) -> list[dict]:
    folder = out / f"{variant}-seed{seed}"
    state = {"variant": variant, "seed": seed, "steps": args.steps, "records": str(args.records)}
    if not finished(folder / "state.json", "run", state, [folder]):
        config = out / f"config-seed{seed}.json"
        shape = RecordsManifest.read(str(args.records))
        config.write_text(json.dumps({**CONFIG, "seed": seed, "num_train_steps": args.steps,
                                      "vocab_size": shape.vocab_size,
                                      "max_seq_length": shape.max_seq_length,
                                      "log_every_steps": args.log_every,
                                      "save_checkpoints_steps": args.steps}))  # fmt: skip
        env = {**os.environ, "OMP_NUM_THREADS": "1", "TF_NUM_INTRAOP_THREADS": "1",
               "TF_NUM_INTEROP_THREADS": "1"}  # fmt: skip
        common = ["--config", str(config), "--data", str(args.records), "--out", str(folder)]
        if variant == "reference":
            command = [sys.executable, "-m", "bench.common.reference_trainer", *common,
                       "--threads", "1"]  # fmt: skip
        else:
            command = [sys.executable, "-m", "experiments.generator_gap", "--train-as", variant,
                       *common]  # fmt: skip
        with open(out / f"{variant}-seed{seed}.log", "w") as log:
            subprocess.run(command, cwd=ROOT, env=env, stdout=log, stderr=log, check=True)
        write_state(folder / "state.json", {"run": state})
        print(f"{variant} seed {seed} done", file=sys.stderr, flush=True)
    return history(folder)


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--train-as":
        patch(sys.argv[2])
        from pretrain.train.loop import main as train

        sys.exit(train(sys.argv[3:]))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=Path, required=True, help="pretrain.tfrecords output")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--log-every", type=int, default=30)
    parser.add_argument("--variants", default=",".join(VARIANTS))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    seeds = [int(s) for s in args.seeds.split(",")]
    sides = ["reference", *args.variants.split(",")]
    unknown = set(sides) - {"reference", *VARIANTS}
    if unknown:
        parser.error(f"unknown variant(s) {sorted(unknown)}; known: {', '.join(VARIANTS)}")
    results = {side: [run(side, seed, args, args.out) for seed in seeds] for side in sides}
    steps = [entry["step"] for entry in results["reference"][0]]
    print(f"\nmean generator MLM loss over seeds {args.seeds}, at steps {steps}; last window's "
          "disc AUC per seed\n")  # fmt: skip
    print("| side | " + " | ".join(str(s) for s in steps) + " | disc AUC (last) |")
    print("|---|" + "---:|" * (len(steps) + 1))
    for side, runs in results.items():
        loss = np.mean([[entry["mlm_loss"] for entry in h] for h in runs], axis=0)
        auc = " / ".join(f"{h[-1]['disc_auc']:.3f}" for h in runs)
        print(f"| {side} | " + " | ".join(f"{x:.3f}" for x in loss) + f" | {auc} |")


if __name__ == "__main__":
    main()

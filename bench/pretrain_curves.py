"""Learning curves: `python -m pretrain.train` vs the reference trainer
(bench.common.reference_trainer) on the same records, config and steps, a few seeds each; a plot
and a markdown table.

    python -m bench.pretrain_curves --records DIR --config CONFIG.json --out DIR
        [--seeds 0,1] [--eval-every 100] [--threads 1] [--plot-only]

Both sides log window means of the training metrics every --eval-every steps (generator MLM
loss and accuracy, discriminator loss, discriminator AUC on the generator's samples). At the same
steps both are evaluated by one function (bench.common.electra_eval) on the first 512 records with
fixed masks: ours through `python -m pretrain.export` of each checkpoint, the reference in
process. The evaluation adds the discriminator's AUC when the masked positions get uniformly
random tokens. Seed-to-seed spread on each side is the noise to compare the sides against.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TRAIN_KEYS = ("mlm_loss", "mlm_accuracy", "disc_loss", "disc_auc")
EVAL_KEYS = ("mlm_loss", "mlm_accuracy", "disc_loss", "disc_auc_generator", "disc_auc_uniform")
EVAL_DEFAULTS = {"mask_prob": 0.15, "temperature": 1.0, "generator_weight": 1.0,
                 "disc_weight": 50.0}  # pretrain.train's defaults  # fmt: skip


def environment(threads: int) -> dict:
    value = str(threads)
    return {**os.environ, "OMP_NUM_THREADS": value, "TF_NUM_INTRAOP_THREADS": value,
            "TF_NUM_INTEROP_THREADS": value}  # fmt: skip


def check(command: list[str], env: dict) -> None:
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr[-3000:]}")


def evaluate_ours(run: Path, records: str, cfg: dict) -> list[dict]:
    """Export every kept checkpoint of our run to HF folders and evaluate it."""
    from transformers import ElectraForMaskedLM, ElectraForPreTraining

    from bench.common.electra_eval import Evaluator

    latest = json.loads((run / "weights" / "latest.json").read_text())
    vocab = Path(latest["vocab_file"]).read_text(encoding="utf-8").splitlines()
    ids = {t: i for i, t in enumerate(vocab)}
    evaluator = Evaluator(records, [ids["[PAD]"], ids["[CLS]"], ids["[SEP]"]], ids["[MASK]"], cfg)
    results = []
    steps = sorted(int(p.stem.split("-")[1]) for p in (run / "weights").glob("step-*.npz"))
    with tempfile.TemporaryDirectory() as tmp:
        for step in steps:
            one = Path(tmp) / f"step-{step}"
            (one / "weights").mkdir(parents=True)
            (one / "weights" / f"step-{step}.npz").symlink_to(run / "weights" / f"step-{step}.npz")
            meta = {**latest, "step": step, "weights": f"step-{step}.npz"}
            (one / "weights" / "latest.json").write_text(json.dumps(meta))
            check([sys.executable, "-m", "pretrain.export", str(one)], os.environ)
            gen = ElectraForMaskedLM.from_pretrained(one / "hf" / "generator")
            disc = ElectraForPreTraining.from_pretrained(one / "hf" / "discriminator")
            results.append({"step": step, **evaluator(gen, disc)})
            shutil.rmtree(one)
    return results


def run_side(side: str, seed: int, args, base: dict, out: Path) -> dict:
    cfg = {**base, "seed": seed, "log_every_steps": args.eval_every,
           "save_checkpoints_steps": args.eval_every,
           "keep_checkpoint_max": base["num_train_steps"] // args.eval_every + 1}  # fmt: skip
    folder = out / f"{side}-seed{seed}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    config_file = folder / "config.json"
    config_file.write_text(json.dumps(cfg))
    env = environment(args.threads)
    if side == "ours":
        run = folder / "run"
        check([sys.executable, "-m", "pretrain.train", "--config", str(config_file), "--data",
               args.records, "--out", str(run)], env)  # fmt: skip
        history = json.loads((run / "train_history.json").read_text())["history"]
        evals = evaluate_ours(run, args.records, {**EVAL_DEFAULTS, **cfg})
        shutil.rmtree(run / "checkpoints", ignore_errors=True)
    else:
        check([sys.executable, "-m", "bench.common.reference_trainer", "--config",
               str(config_file), "--data", args.records, "--out", str(folder), "--eval-every",
               str(args.eval_every), "--threads", str(args.threads)], env)  # fmt: skip
        history = json.loads((folder / "history.json").read_text())["history"]
        evals = json.loads((folder / "eval.json").read_text())
    result = {"side": side, "seed": seed, "history": history, "eval": evals}
    (folder / "curves.json").write_text(json.dumps(result, indent=1))
    return result


def plot(results: list[dict], path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = [("train", k) for k in TRAIN_KEYS] + [("eval", k) for k in EVAL_KEYS]
    fig, axes = plt.subplots(3, 3, figsize=(14, 11))
    colours = {"ours": "tab:blue", "reference": "tab:orange"}
    for ax, (kind, key) in zip(axes.flat, panels, strict=False):
        for r in results:
            rows = r["history"] if kind == "train" else r["eval"]
            ax.plot([x["step"] for x in rows], [x.get(key) for x in rows],
                    color=colours[r["side"]], alpha=0.8, marker=".",
                    linestyle="-" if r["seed"] == results[0]["seed"] else "--",
                    label=f"{r['side']} seed {r['seed']}")  # fmt: skip
        ax.set_title(f"{kind}: {key}")
        ax.set_xlabel("step")
    axes.flat[0].legend(fontsize=8)
    for ax in list(axes.flat)[len(panels) :]:
        ax.axis("off")
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=90)


def table(results: list[dict]) -> str:
    lines = ["| side | seed | step | train mlm loss | train mlm acc | train disc loss | train disc "
             "AUC | eval mlm acc | eval disc loss | eval AUC vs gen | eval AUC vs uniform |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]  # fmt: skip
    for r in results:
        h, e = r["history"][-1], r["eval"][-1]
        lines.append(
            f"| {r['side']} | {r['seed']} | {h['step']} | {h['mlm_loss']:.3f} | "
            f"{h['mlm_accuracy']:.3f} | {h['disc_loss']:.4f} | {h['disc_auc']:.3f} | "
            f"{e['mlm_accuracy']:.3f} | {e['disc_loss']:.4f} | {e['disc_auc_generator']:.3f} | "
            f"{e['disc_auc_uniform']:.3f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", required=True, help="records of pretrain.tfrecords")
    parser.add_argument("--config", type=Path, required=True, help="pretrain.train config JSON")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seeds", default="0,1")
    parser.add_argument("--sides", default="ours,reference")
    parser.add_argument("--eval-every", type=int, default=100)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--plot-only", action="store_true", help="redraw from OUT/*/curves.json")
    args = parser.parse_args()
    base = json.loads(args.config.read_text())
    if base["num_train_steps"] % args.eval_every:
        raise SystemExit("error: num_train_steps must be a multiple of --eval-every")
    args.out.mkdir(parents=True, exist_ok=True)
    results = []
    for seed in map(int, args.seeds.split(",")):
        for side in args.sides.split(","):
            saved = args.out / f"{side}-seed{seed}" / "curves.json"
            if args.plot_only:
                if saved.exists():
                    results.append(json.loads(saved.read_text()))
                continue
            results.append(run_side(side, seed, args, base, args.out))
            print(f"done {side} seed {seed}", file=sys.stderr, flush=True)
    title = (f"{base['model_size']}, vocab {base['vocab_size']}, seq {base['max_seq_length']}, "
             f"batch {base['train_batch_size']}, lr {base['learning_rate']}, "
             f"{base['num_train_steps']} steps ({args.records.rstrip('/').rsplit('/', 1)[-1]})")  # fmt: skip
    plot(results, args.out / "curves.png", title)
    print(f"\n### curves: {title}\n\nPlot: {args.out / 'curves.png'}\n\n{table(results)}")


if __name__ == "__main__":
    main()

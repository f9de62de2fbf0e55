"""When does the discriminator learn? `python -m pretrain.train` on the same records under
variants of one config (generator width, learning rate, mask rate, ...), and the step (and token
count) at which its logged disc AUC against the generator first passes each threshold.

    python -m experiments.disc_learning --records DIR --out DIR [--steps 800] [--base JSON]
        [--variant NAME:key=value,key=value ...] [--thresholds 0.6 0.75]

Each variant is a real training run with warmup (10%) and linear decay to 0 at --steps, so a
variant's figures are for that budget. A finished variant (its train_history.json has the last
step) is read, not rerun; the report is `OUT/disc_learning.md` (and .json), one row per variant:
the first and last logged disc AUC and generator MLM accuracy, the best AUC, and the first step
(tokens) at which the AUC reached each threshold, or "-" when it did not within the budget. The
AUC is the training log's (16,384 logit bins over each logging window's tokens).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

BASE = {
    "model_size": "mini",
    "train_batch_size": 128,
    "learning_rate": 1e-4,
    "dropout": 0.0,
    "generator_hidden_size": 0.25,
    "keep_checkpoint_max": 1,
}
DEFAULT_VARIANTS = [
    "lr-1e-4:",
    "lr-3e-4:learning_rate=0.0003",
    "lr-1e-3:learning_rate=0.001",
    "gen-1/8:generator_hidden_size=0.125",
    "gen-1/2:generator_hidden_size=0.5",
    "mask-0.25:mask_prob=0.25",
]


def parse_variant(text: str) -> tuple[str, dict]:
    """`name:key=value,key=value` (values as JSON, else strings)."""
    name, _, settings = text.partition(":")
    if not name:
        raise SystemExit(f"error: variant {text!r} has no name (NAME:key=value,...)")
    overrides: dict = {}
    for item in filter(None, settings.split(",")):
        key, sep, value = item.partition("=")
        if not sep:
            raise SystemExit(f"error: variant {text!r}: {item!r} is not key=value")
        try:
            overrides[key] = json.loads(value)
        except json.JSONDecodeError:
            overrides[key] = value
    return name, overrides


def variant_paths(name: str, out: Path) -> tuple[Path, Path, Path]:
    """(run folder, config file, log file) of a variant; a name may hold "/" and "." (gen-1/8,
    mask-0.25), which `Path.with_suffix` would cut ("mask-0.json" for every mask rate)."""
    stem = name.replace("/", "_")
    return out / stem, out / f"{stem}.json", out / f"{stem}.log"


def run_variant(name: str, config: dict, records: Path, out: Path) -> Path:
    """Train one variant (unless finished); its history file."""
    folder, config_file, log_file = variant_paths(name, out)
    history = folder / "train_history.json"
    if history.exists():
        rows = json.loads(history.read_text())["history"]
        if rows and rows[-1]["step"] >= config["num_train_steps"]:
            return history
    folder.mkdir(parents=True, exist_ok=True)
    config_file.write_text(json.dumps(config, indent=2))
    started = time.perf_counter()
    print(f"=== {name}: {json.dumps(config)}", flush=True)
    command = [sys.executable, "-m", "pretrain.train", "--config", str(config_file)]
    command += ["--data", str(records), "--out", str(folder)]
    with log_file.open("w") as log:
        done = subprocess.run(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    if done.returncode != 0:
        raise SystemExit(f"error: variant {name} failed; see {log_file}")
    print(f"    {time.perf_counter() - started:.0f} s", flush=True)
    return history


def summarise(history: list[dict], tokens_per_step: int, thresholds: list[float]) -> dict:
    """First/last/best logged pretext figures and the first step past each AUC threshold."""
    first, last = history[0], history[-1]
    row = {
        "steps": last["step"],
        "tokens": last["step"] * tokens_per_step,
        "auc_first": first["disc_auc"],
        "auc_last": last["disc_auc"],
        "auc_best": max(r["disc_auc"] for r in history),
        "mlm_accuracy_first": first["mlm_accuracy"],
        "mlm_accuracy_last": last["mlm_accuracy"],
        "disc_loss_last": last["disc_loss"],
        "first_step_past": {},
    }
    for threshold in thresholds:
        hit = next((r["step"] for r in history if r["disc_auc"] >= threshold), None)
        row["first_step_past"][str(threshold)] = hit
    return row


def table(rows: dict[str, dict], thresholds: list[float], tokens_per_step: int) -> str:
    head = "| variant | steps (tokens) | disc AUC first → last (best) | MLM acc first → last |"
    head += "".join(f" AUC ≥ {t}: step (tokens) |" for t in thresholds)
    lines = [head, "|---" * (4 + len(thresholds)) + "|"]
    for name, r in rows.items():
        cells = [
            name,
            f"{r['steps']} ({r['tokens'] / 1e6:.1f}M)",
            f"{r['auc_first']:.3f} → {r['auc_last']:.3f} ({r['auc_best']:.3f})",
            f"{r['mlm_accuracy_first']:.3f} → {r['mlm_accuracy_last']:.3f}",
        ]
        for t in thresholds:
            step = r["first_step_past"][str(t)]
            cells.append("-" if step is None else f"{step} ({step * tokens_per_step / 1e6:.1f}M)")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def plot(histories: dict[str, list[dict]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (auc, acc) = plt.subplots(1, 2, figsize=(11, 4))
    for name, history in histories.items():
        steps = [r["step"] for r in history]
        auc.plot(steps, [r["disc_auc"] for r in history], label=name)
        acc.plot(steps, [r["mlm_accuracy"] for r in history], label=name)
    auc.set(xlabel="step", ylabel="disc AUC vs generator (train window)")
    acc.set(xlabel="step", ylabel="generator MLM accuracy")
    auc.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=Path, required=True, help="pretrain.tfrecords output")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--steps", type=int, default=800)
    parser.add_argument("--base", type=Path, help="JSON config the variants start from")
    parser.add_argument("--variant", action="append", help="NAME:key=value,... (repeatable)")
    parser.add_argument("--thresholds", type=float, nargs="+", default=[0.6, 0.75])
    args = parser.parse_args()
    base = json.loads(args.base.read_text()) if args.base else dict(BASE)
    base.update(
        num_train_steps=args.steps,
        num_warmup_steps=max(1, args.steps // 10),
        save_checkpoints_steps=args.steps,
        log_every_steps=max(1, args.steps // 20),
    )
    from pretrain.tfrecords.schema import RecordsManifest

    length = RecordsManifest.read(str(args.records)).max_seq_length
    tokens_per_step = base["train_batch_size"] * length
    args.out.mkdir(parents=True, exist_ok=True)
    rows: dict[str, dict] = {}
    histories: dict[str, list[dict]] = {}
    for text in args.variant or DEFAULT_VARIANTS:
        name, overrides = parse_variant(text)
        history_file = run_variant(name, {**base, **overrides}, args.records, args.out)
        histories[name] = json.loads(history_file.read_text())["history"]
        rows[name] = {
            "overrides": overrides,
            **summarise(histories[name], tokens_per_step, args.thresholds),
        }
        markdown = table(rows, args.thresholds, tokens_per_step)
        (args.out / "disc_learning.md").write_text(markdown)
        (args.out / "disc_learning.json").write_text(json.dumps(rows, indent=2))
        print(markdown, flush=True)
    plot(histories, args.out / "disc_learning.png")


if __name__ == "__main__":
    main()

"""results.json, the accuracy-curve PNG and the sweep table."""

from __future__ import annotations

import json
import platform
from importlib.metadata import version
from pathlib import Path

from kosent_common.atomic import atomic_path, write_bytes_atomic, write_json_atomic


def versions() -> dict:
    names = ("torch", "transformers", "tokenizers", "scikit-learn", "numpy")
    return {"python": platform.python_version(), **{n: version(n) for n in names}}


def write_results(out_dir: Path, results: dict) -> None:
    write_json_atomic(Path(out_dir) / "results.json", results)


def plot_curves(path: Path, runs: dict[str, list[dict]], title: str) -> None:
    """Dev (solid) and test (dashed) accuracy at every evaluation point of each run."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    for name, history in runs.items():
        steps = [p["step"] for p in history]
        line = ax.plot(steps, [p["dev_accuracy"] for p in history], label=f"{name} dev")[0]
        ax.plot(
            steps,
            [p["test_accuracy"] for p in history],
            linestyle="--",
            color=line.get_color(),
            label=f"{name} test",
        )
    ax.set_xlabel("training step")
    ax.set_ylabel("accuracy")
    ax.set_title(title)
    ax.legend(fontsize=7)
    fig.tight_layout()
    with atomic_path(Path(path)) as tmp:
        fig.savefig(tmp, format="png", dpi=100)
    plt.close(fig)


def sweep_table(rows: list[dict]) -> str:
    lines = [
        "| learning rate | batch | dev acc (selected) | test acc at dev choice | best-on-test* |",
        "|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['learning_rate']:g} | {r['train_batch_size']} | {r['dev_accuracy']:.4f} "
            f"| {r['test_accuracy']:.4f} | {r['best_on_test_accuracy']:.4f} |"
        )
    lines.append("")
    lines.append(
        "*best-on-test picks the checkpoint on the test set, as the published NSMC "
        "numbers do; it is optimistic and shown only for comparison."
    )
    return "\n".join(lines) + "\n"


def write_sweep(out_dir: Path, rows: list[dict]) -> None:
    write_json_atomic(Path(out_dir) / "sweep.json", rows)
    write_bytes_atomic(Path(out_dir) / "sweep.md", sweep_table(rows).encode("utf-8"))


def read_results(path: Path) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))

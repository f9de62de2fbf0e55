"""The summary table (inputs, outputs, time and key figures per stage) and REPORT.md."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from kosent_common.atomic import write_bytes_atomic


@dataclass
class StageResult:
    name: str
    seconds: float = 0.0
    inputs: str = ""
    outputs: str = ""
    figures: dict[str, object] = field(default_factory=dict)
    skipped: str | None = None  # why it did not run (up to date), or None when it ran


def summary_table(stages: list[StageResult], total: float) -> str:
    lines = ["| stage | time s | inputs | outputs | key figures |", "|---|---|---|---|---|"]
    for s in stages:
        figures = ", ".join(f"{k}: {v}" for k, v in s.figures.items())
        time = "reused" if s.skipped else f"{s.seconds:.1f}"
        lines.append(f"| {s.name} | {time} | {s.inputs} | {s.outputs} | {figures} |")
    lines.append(f"| **total** | {total:.1f} | | | |")
    return "\n".join(lines)


def write_report(out: Path, table: str, title: str, notes: list[str] = ()) -> Path:
    """OUT/REPORT.md: the table, then every plot under OUT, then `notes`."""
    plots = sorted(p.relative_to(out) for p in out.rglob("*.png"))
    text = [f"# {title}", "", table, "", "## Plots", ""]
    text += [f"![{p}]({p})" for p in plots]
    text += ["", *notes] if notes else []
    path = out / "REPORT.md"
    write_bytes_atomic(path, ("\n".join(text) + "\n").encode("utf-8"))
    return path

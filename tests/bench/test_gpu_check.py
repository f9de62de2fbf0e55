"""bench.gpu_check sets each backend of ours against the reference trainer's step time."""

import json
import subprocess
import sys

import pytest

from bench import gpu_check
from bench.gpu_check import ROOT


def row(backend: str, step_ms: float, size: str = "small") -> dict:
    return {"backend": backend, "size": size, "step_ms": step_ms}


def test_speed_ratios_are_reference_step_time_over_ours():
    rows = [row("jax", 50.0), row("torch", 200.0), row(gpu_check.REFERENCE, 100.0)]
    assert gpu_check.speed_ratios(rows) == [
        {"size": "small", "backend": "jax", "vs_reference": 2.0},
        {"size": "small", "backend": "torch", "vs_reference": 0.5},
    ]


def test_no_ratio_without_a_reference_run():
    assert gpu_check.speed_ratios([row("jax", 50.0)]) == []


@pytest.mark.slow
def test_the_multi_gpu_mode_runs_on_a_cpu(tmp_path):
    """--processes 2 with --shrink: the path a machine with several GPUs takes, on this CPU."""
    command = [sys.executable, "-m", "bench.gpu_check", "--shrink", "--processes", "2",
               "--backends", "jax", "--steps", "10", "--warmup-steps", "10",
               "--work", str(tmp_path), "--wheels", str(tmp_path / "none")]  # fmt: skip
    subprocess.run(command, check=True, cwd=ROOT, capture_output=True, timeout=900)
    rows = json.loads((tmp_path / "gpu_check.json").read_text())
    joined = [row for row in rows if row.get("processes") == 2]
    assert [row["size"] for row in joined] == ["tiny", "mini"]
    assert all(row["scaling_efficiency"] > 0 and row["tokens_per_s"] > 0 for row in joined)

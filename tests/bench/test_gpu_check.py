"""bench.gpu_check sets each backend of ours against the reference trainer's step time."""

from bench import gpu_check


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

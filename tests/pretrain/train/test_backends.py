"""The same pretraining on TensorFlow, JAX and PyTorch: one step from the same weights and
batch gives the same loss and weights; 50 steps learn on each; a run stopped and resumed ends
bit-identical to the uninterrupted one; each backend's run exports to transformers."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.pretrain.test_export import assert_export_matches
from tests.pretrain.train.test_loop import ROOT, records, tiny_config  # noqa: F401

BACKENDS = ("tensorflow", "jax", "torch")


def run(args: list[str], backend: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "KERAS_BACKEND": backend, "OMP_NUM_THREADS": "2"}
    result = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def test_one_step_is_the_same_on_every_backend(records, vocab_dir, tmp_path):  # noqa: F811
    config = tiny_config(tmp_path / "c.json", dropout=0.0, num_warmup_steps=0)
    init = tmp_path / "init.npz"
    outputs = {}
    for backend in BACKENDS:  # tensorflow first: it writes the initial weights
        out = tmp_path / f"{backend}.npz"
        script = str(ROOT / "tests" / "pretrain" / "train" / "backend_step.py")
        run(
            [sys.executable, script, backend, str(config), str(records), str(init), str(out)],
            backend,
        )
        with np.load(out) as archive:
            outputs[backend] = {k: archive[k] for k in archive.files}
    with np.load(init) as archive:
        before = {k: archive[k] for k in archive.files}
    reference = outputs["tensorflow"]
    assert reference["metric/loss"] > 1.0 and reference["replicas"] == 1
    moved = [k for k in before if not np.array_equal(before[k], reference[k])]
    assert len(moved) > 20  # the step changed the weights
    for backend in ("jax", "torch"):
        for name, value in reference.items():
            np.testing.assert_allclose(
                outputs[backend][name], value, rtol=0, atol=1e-4, err_msg=f"{backend} {name}"
            )


def history(run_dir: Path) -> list[dict]:
    return json.loads((run_dir / "train_history.json").read_text())["history"]


def checkpoint_arrays(run_dir: Path) -> dict:
    name = json.loads((run_dir / "checkpoints" / "latest.json").read_text())["checkpoint"]
    with np.load(run_dir / "checkpoints" / f"{name}.npz") as archive:
        arrays = {k: archive[k] for k in archive.files}
    meta = json.loads((run_dir / "checkpoints" / f"{name}.json").read_text())
    return arrays | {"_step": meta["step"], "_reader": meta["reader"]}


def train_command(config: Path, data: str) -> list[str]:
    return [sys.executable, "-m", "pretrain.train", "--config", str(config), "--data", data]


_WHOLE_RUNS: dict[str, tuple[Path, Path]] = {}


@pytest.fixture
def whole_run(records, vocab_dir, tmp_path_factory):  # noqa: F811
    """(config, run folder) of an uninterrupted 50-step run on a backend, made once each."""

    def make(backend: str) -> tuple[Path, Path]:
        if backend not in _WHOLE_RUNS:
            folder = tmp_path_factory.mktemp(f"whole-{backend}")
            config = tiny_config(folder / "c.json", num_train_steps=50, save_checkpoints_steps=25)
            run(
                [*train_command(config, str(records)), "--out", str(folder / "run")],
                backend,
            )
            _WHOLE_RUNS[backend] = config, folder / "run"
        return _WHOLE_RUNS[backend]

    return make


@pytest.mark.parametrize("backend", BACKENDS)
def test_fifty_steps_learn_and_export(backend, whole_run, vocab_dir):
    config, whole = whole_run(backend)
    vocab_size = len((vocab_dir / "vocab.txt").read_text(encoding="utf-8").splitlines())
    steps = history(whole)
    first, last = steps[0], steps[-1]
    assert last["mlm_loss"] < min(first["mlm_loss"] - 0.2, np.log(vocab_size) - 0.3)
    assert last["disc_auc"] > 0.6  # the discriminator tells replaced tokens apart
    assert last["loss"] < first["loss"] - 5
    assert_export_matches(whole)  # transformers loads it, with the same logits


@pytest.mark.parametrize(
    "backend",
    [
        "jax",
        pytest.param("tensorflow", marks=pytest.mark.slow),
        pytest.param("torch", marks=pytest.mark.slow),
    ],
)
def test_a_resumed_run_ends_bit_identical(backend, whole_run, records, tmp_path):  # noqa: F811
    """The uninterrupted run's folder cut back to its step-25 checkpoint (as a run killed
    after it would have left it), rerun: it must end exactly where the whole run ended."""
    config, whole = whole_run(backend)
    split = tmp_path / "split"
    shutil.copytree(whole, split)
    for name in ("ckpt-50.npz", "ckpt-50.json"):
        (split / "checkpoints" / name).unlink()
    (split / "checkpoints" / "latest.json").write_text('{"step": 25, "checkpoint": "ckpt-25"}')
    command = train_command(config, f"{records}/*")  # the original's pattern form
    resumed = run([*command, "--out", str(split)], backend)
    assert "at step 25" in resumed.stdout
    a, b = checkpoint_arrays(whole), checkpoint_arrays(split)
    assert a["_step"] == b["_step"] == 50 and a["_reader"] == b["_reader"]
    assert a.keys() == b.keys()
    different = [k for k in a if not k.startswith("_") and not np.array_equal(a[k], b[k])]
    assert different == []  # exactly equal: model, optimizer state, dropout seeds
    speed = {"examples_per_second": history(split)[-1]["examples_per_second"]}
    assert history(split)[-1] == history(whole)[-1] | speed


@pytest.mark.slow
def test_bf16_losses_track_fp32(whole_run, records, tmp_path):  # noqa: F811
    """mixed_precision (bf16 compute, fp32 weights) on CPU, JAX: every logged window's loss
    within 3% of the fp32 run's, MLM loss within 0.1 nats."""
    config, whole = whole_run("jax")
    raw = json.loads(config.read_text()) | {"mixed_precision": True}
    bf16_config = tmp_path / "bf16.json"
    bf16_config.write_text(json.dumps(raw))
    run([*train_command(bf16_config, str(records)), "--out", str(tmp_path / "bf16")], "jax")
    for ours, reference in zip(history(tmp_path / "bf16"), history(whole), strict=True):
        assert ours["loss"] == pytest.approx(reference["loss"], rel=0.03)
        assert ours["mlm_loss"] == pytest.approx(reference["mlm_loss"], abs=0.1)


@pytest.mark.slow
def test_jax_data_parallel_step_equals_one_device(records, vocab_dir, tmp_path):  # noqa: F811
    """keras.distribution.DataParallel over 2 (forced host) devices: the same step as on one."""
    config = tiny_config(tmp_path / "c.json", dropout=0.0, num_warmup_steps=0)
    init, script = (
        tmp_path / "init.npz",
        str(ROOT / "tests" / "pretrain" / "train" / "backend_step.py"),
    )
    outputs = []
    for devices in (1, 2):
        out = tmp_path / f"{devices}.npz"
        os.environ["XLA_FLAGS"] = f"--xla_force_host_platform_device_count={devices}"
        try:
            run(
                [sys.executable, script, "jax", str(config), str(records), str(init), str(out)],
                "jax",
            )
        finally:
            del os.environ["XLA_FLAGS"]
        with np.load(out) as archive:
            outputs.append({k: archive[k] for k in archive.files})
    assert outputs[0].pop("replicas") == 1 and outputs[1].pop("replicas") == 2
    for name, value in outputs[0].items():
        np.testing.assert_allclose(outputs[1][name], value, rtol=0, atol=1e-5, err_msg=name)

"""One run on several processes, on this machine's CPU with each engine's own collectives
(JAX: jax.distributed over gloo; PyTorch: a gloo process group; TensorFlow:
MultiWorkerMirroredStrategy over TF_CONFIG): the weights equal one process's, only process 0
writes, a lost process stops the others, and a rerun resumes to the uninterrupted result."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from pretrain.train.join import free_coordinator_port
from pretrain.train.loop import main
from tests.pretrain.train.test_loop import (  # noqa: F401
    ROOT,
    final_weights,
    records,
    tiny_config,
    train_command,
)

STEPS = 20


def equality_config(tmp_path: Path, **overrides) -> Path:
    """Dropout 0: torch and TensorFlow draw dropout masks per process."""
    settings = {
        "num_train_steps": STEPS,
        "save_checkpoints_steps": 10,
        "log_every_steps": 10,
        "dropout": 0.0,
        "input_shards": 2,
    }
    return tiny_config(tmp_path / "tiny.json", **{**settings, **overrides})


def backend_env(backend: str) -> dict:
    return {**os.environ, "KERAS_BACKEND": backend, "PYTHONUNBUFFERED": "1"}


def start_processes(config, records, out, backend, count=2, extra=()):  # noqa: F811
    port = free_coordinator_port()
    return [
        subprocess.Popen(
            [
                *train_command(config, records, out),
                "--coordinator",
                f"127.0.0.1:{port}",
                "--num-processes",
                str(count),
                "--process-id",
                str(i),
                "--join-timeout",
                "120",
                *extra,
            ],
            cwd=ROOT,
            env=backend_env(backend),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(count)
    ]


def finish(processes, timeout=600) -> list[tuple[int, str, str]]:
    results = []
    for process in processes:
        out, err = process.communicate(timeout=timeout)
        results.append((process.returncode, out, err))
    return results


def one_process(config, records, out, backend):  # noqa: F811
    subprocess.run(
        train_command(config, records, out),
        check=True,
        cwd=ROOT,
        env=backend_env(backend),
        capture_output=True,
    )
    return final_weights(out)


def max_difference(a: dict, b: dict) -> float:
    assert a["_step"] == b["_step"] == STEPS
    return max(float(np.max(np.abs(a[k] - b[k]))) for k in a if k != "_step")


def check_two_equal_one(backend, records, tmp_path):  # noqa: F811
    config = equality_config(tmp_path)
    alone = subprocess.Popen(  # beside the two: start-up and compilation overlap
        train_command(config, records, tmp_path / "one"), cwd=ROOT, env=backend_env(backend),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    results = finish([*start_processes(config, records, tmp_path / "two", backend), alone])
    for code, _, err in results:
        assert code == 0, err[-3000:]
    single = final_weights(tmp_path / "one")
    assert "[process 1 of 2] joined 2 processes" in results[1][1]
    assert "[process 1 of 2] done at step 20" in results[1][1]
    assert "step 20/20" in results[0][1] and "step 20/20" not in results[1][1]  # one logger
    two = final_weights(tmp_path / "two")
    assert max_difference(single, two) <= 1e-4
    meta = json.loads((tmp_path / "two" / "checkpoints" / "ckpt-20.json").read_text())
    assert meta["reader"]["shards"] == 2 and len(meta["reader"]["positions"]) == 2
    lines = (tmp_path / "two" / "logs" / "metrics.jsonl").read_text().splitlines()
    history = [json.loads(line) for line in lines]
    assert [h["step"] for h in history] == [10, 20]  # written once, by process 0


def test_two_jax_processes_train_as_one(records, tmp_path):  # noqa: F811
    check_two_equal_one("jax", records, tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["torch", "tensorflow"])
def test_two_processes_train_as_one(backend, records, tmp_path):  # noqa: F811
    check_two_equal_one(backend, records, tmp_path)


@pytest.mark.slow
def test_a_lost_process_stops_the_other_and_a_rerun_resumes(records, tmp_path):  # noqa: F811
    config = equality_config(tmp_path, num_train_steps=200)
    whole = one_process(config, records, tmp_path / "whole", "jax")
    out = tmp_path / "killed"
    processes = start_processes(config, records, out, "jax")
    deadline = time.monotonic() + 300
    while not (out / "weights" / "step-10.npz").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    os.kill(processes[1].pid, signal.SIGKILL)
    killed_at = time.monotonic()
    code, _, err = finish(processes[:1], timeout=60)[0]
    assert time.monotonic() - killed_at < 30
    processes[1].wait()
    assert code == 3
    assert "process 1 of 2 stopped or lost its connection" in err
    assert "Rerun every process" in err
    done = json.loads((out / "checkpoints" / "latest.json").read_text())["step"]
    assert 10 <= done < 200, "the kill came too late"
    results = finish(start_processes(config, records, out, "jax"))
    assert [code for code, _, _ in results] == [0, 0], results[0][2][-2000:]
    assert f"resumed from {out}/checkpoints/ckpt-{done}" in results[0][1]
    resumed = final_weights(out)
    assert resumed["_step"] == whole["_step"] == 200
    assert max(float(np.max(np.abs(resumed[k] - whole[k]))) for k in whole) <= 1e-4


def test_an_unreachable_coordinator_is_one_error_within_the_join_timeout(
    records,  # noqa: F811
    tmp_path,
    capsys,
):
    config = equality_config(tmp_path)
    argv = ["--config", str(config), "--data", str(records), "--out", str(tmp_path / "run")]
    started = time.monotonic()
    joined = ["--coordinator", f"127.0.0.1:{free_coordinator_port()}", "--num-processes", "2"]
    assert main([*argv, *joined, "--process-id", "1", "--join-timeout", "2"]) == 2
    assert time.monotonic() - started < 30
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and err.startswith("error: ")
    assert "could not reach the coordinator 127.0.0.1:" in err and "within 2 s" in err
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--coordinator", "127.0.0.1:9", "--num-processes", "2", "--process-id", "2"],
         "process id 2 is out of range for 2 processes"),
        (["--coordinator", "nohost", "--num-processes", "2", "--process-id", "1"],
         "is not HOST:PORT"),
        (["--num-processes", "2"], "go together"),
    ],
)  # fmt: skip
def test_a_bad_process_id_or_address_is_one_error(records, tmp_path, capsys, flags, message):  # noqa: F811
    config = equality_config(tmp_path)
    argv = ["--config", str(config), "--data", str(records), "--out", str(tmp_path / "run")]
    assert main([*argv, *flags]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and err.startswith("error: ") and message in err, err


def finish_equal_to_one(processes, config, records, tmp_path, backend):  # noqa: F811
    results = finish(processes)
    for code, _, err in results:
        assert code == 0, err[-3000:]
    single = one_process(config, records, tmp_path / "one", backend)
    assert max_difference(single, final_weights(tmp_path / "two")) <= 1e-4
    return results


@pytest.mark.slow
def test_torchrun_launches_a_run(records, tmp_path):  # noqa: F811
    config = equality_config(tmp_path)
    command = [
        sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", "2",
        "--master-addr", "127.0.0.1", "--master-port", str(free_coordinator_port()),
        "-m", *train_command(config, records, tmp_path / "two")[2:],
    ]  # fmt: skip
    process = subprocess.Popen(
        command, cwd=ROOT, env=backend_env("torch"), stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    out = finish_equal_to_one([process], config, records, tmp_path, "torch")[0][1]
    assert "[process 1 of 2] done at step 20" in out


@pytest.mark.slow
def test_tf_config_launches_a_run(records, tmp_path):  # noqa: F811
    config = equality_config(tmp_path)
    workers = [f"127.0.0.1:{free_coordinator_port()}" for _ in range(2)]
    processes = []
    for index in range(2):
        tf_config = {"cluster": {"worker": workers}, "task": {"type": "worker", "index": index}}
        env = {**backend_env("tensorflow"), "TF_CONFIG": json.dumps(tf_config)}
        processes.append(
            subprocess.Popen(
                train_command(config, records, tmp_path / "two"),
                cwd=ROOT,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )  # fmt: skip
        )
    finish_equal_to_one(processes, config, records, tmp_path, "tensorflow")


def test_restart_without_the_join_channel_is_refused(records, tmp_path, capsys, monkeypatch):  # noqa: F811
    import keras

    workers = ["127.0.0.1:1", "127.0.0.1:2"]
    tf_config = {"cluster": {"worker": workers}, "task": {"type": "worker", "index": 1}}
    monkeypatch.setenv("TF_CONFIG", json.dumps(tf_config))
    assert keras.backend.backend() == "tensorflow"  # the test process's backend
    config = equality_config(tmp_path)
    argv = ["--config", str(config), "--data", str(records), "--out", str(tmp_path / "run")]
    assert main([*argv, "--restart"]) == 2
    err = capsys.readouterr().err
    assert (
        err.startswith("error: [process 1 of 2] --restart with TF_CONFIG")
        and len(err.splitlines()) == 1
    )

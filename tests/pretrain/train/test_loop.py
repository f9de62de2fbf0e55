"""Pretraining end to end on records built from the fixtures: resume after kill -9 (slow),
bad input, learning (slow). Every backend's learning, exact resume and export:
test_backends.py."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from pretrain.tfrecords.cli import main as write_records

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def records(corpus_dir, vocab_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("records64")
    assert (
        write_records(
            [
                "--corpus-dir",
                str(corpus_dir),
                "--vocab-file",
                str(vocab_dir / "vocab.txt"),
                "--output-dir",
                str(out),
                "--max-seq-length",
                "64",
                "--pack-across-docs",
            ]
        )
        == 0
    )
    return out


def tiny_config(path: Path, **overrides) -> Path:
    """A tiny model's config; vocab_size and max_seq_length come from the records."""
    config = {
        "model_size": "tiny",
        "learning_rate": 2e-3,
        "train_batch_size": 16,
        "num_warmup_steps": 10,
        "save_checkpoints_steps": 10,
        "num_train_steps": 60,
        "log_every_steps": 10,
        **overrides,
    }
    path.write_text(json.dumps(config))
    return path


def train_command(config: Path, records: Path, out: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "pretrain.train",
        "--config",
        str(config),
        "--data",
        str(records),
        "--out",
        str(out),
    ]


def final_weights(run: Path) -> dict:
    meta = json.loads((run / "weights" / "latest.json").read_text())
    with np.load(run / "weights" / meta["weights"]) as archive:
        return {k: archive[k] for k in archive.files} | {"_step": meta["step"]}


@pytest.mark.slow
def test_resume_after_kill_continues_at_the_same_step_and_data(records, vocab_dir, tmp_path):
    config = tiny_config(tmp_path / "tiny.json", num_train_steps=200, save_checkpoints_steps=20)
    whole = tmp_path / "whole"
    subprocess.run(train_command(config, records, whole), check=True, cwd=ROOT, capture_output=True)

    killed = tmp_path / "killed"
    process = subprocess.Popen(
        train_command(config, records, killed),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 180
    while not (killed / "weights" / "step-20.npz").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    steps_done = final_weights(killed)["_step"]
    assert 20 <= steps_done < 200, "kill came too late"
    resumed = subprocess.run(
        train_command(config, records, killed), check=True, cwd=ROOT, capture_output=True, text=True
    )
    assert f"at step {steps_done}" in resumed.stdout
    a, b = final_weights(whole), final_weights(killed)
    assert a["_step"] == b["_step"] == 200
    assert [name for name in a if not np.array_equal(a[name], b[name])] == []  # bit-identical


def test_corrupt_records_are_a_clear_error(records, vocab_dir, tmp_path, capsys):
    import shutil

    from pretrain.train.loop import main

    broken = tmp_path / "records"
    shutil.copytree(records, broken)
    first = sorted(broken.glob("pretrain_data.tfrecord-*"))[0]
    first.write_bytes(first.read_bytes()[:5000])  # truncated mid-record
    config = tiny_config(tmp_path / "tiny.json")
    assert (
        main(["--config", str(config), "--data", str(broken), "--out", str(tmp_path / "run")]) == 2
    )
    assert "unreadable records" in capsys.readouterr().err


def test_config_that_is_not_an_object_is_a_clear_error(records, tmp_path, capsys):
    from pretrain.train.loop import main

    config = tmp_path / "list.json"
    config.write_text("[1, 2]")
    assert main(["--config", str(config), "--data", str(records), "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert (
        err.startswith("error: ") and "must be a JSON object" in err and len(err.splitlines()) == 1
    )


def test_records_with_no_examples_are_a_clear_error(vocab_dir, tmp_path, capsys):
    from pretrain.train.loop import main

    empty = tmp_path / "empty-corpus"
    (empty / "text").mkdir(parents=True)
    (empty / "text" / "shard-00000.txt").write_text("\n\n\n")  # blank lines only
    out = tmp_path / "records"
    args = ["--corpus-dir", str(empty), "--vocab-file", str(vocab_dir / "vocab.txt")]
    write_records([*args, "--output-dir", str(out), "--max-seq-length", "64"])
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["examples"] == 0
    capsys.readouterr()  # pretrain.tfrecords' own output
    config = tiny_config(tmp_path / "tiny.json")
    assert main(["--config", str(config), "--data", str(out), "--out", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err
    assert "hold 0 examples" in err and len(err.splitlines()) == 1


def test_do_lower_case_must_match_the_records(records, vocab_dir, tmp_path, capsys):
    from pretrain.train.loop import main

    config = tiny_config(tmp_path / "tiny.json", do_lower_case=True)
    assert main(["--config", str(config), "--data", str(records), "--out", str(tmp_path)]) == 2
    assert 'set "do_lower_case": false' in capsys.readouterr().err


@pytest.mark.parametrize(("key", "stated"), [("vocab_size", 8000), ("max_seq_length", 128)])
def test_a_config_that_disagrees_with_the_records_fails_with_both_values(
    records, tmp_path, capsys, key, stated
):
    from pretrain.train.loop import main

    recorded = json.loads((records / "manifest.json").read_text())[key]
    assert recorded != stated
    config = tiny_config(tmp_path / "tiny.json", **{key: stated})
    assert main(["--config", str(config), "--data", str(records), "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and len(err.splitlines()) == 1
    assert f"{key} is {stated} in the config but {recorded} in the records" in err


def test_a_vocab_other_than_the_records_is_an_error(records, vocab_dir, tmp_path, capsys):
    from pretrain.train.loop import main

    tokens = (vocab_dir / "vocab.txt").read_text(encoding="utf-8").splitlines()
    other = tmp_path / "vocab.txt"  # as many tokens, one of them another
    other.write_text("\n".join([*tokens[:-1], "다른토큰"]) + "\n", encoding="utf-8")
    config = tiny_config(tmp_path / "tiny.json")
    argv = ["--config", str(config), "--data", str(records), "--out", str(tmp_path / "run")]
    assert main([*argv, "--vocab-file", str(other)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and len(err.splitlines()) == 1
    assert f"{other} (sha256 " in err and "is not the vocab the records were built with" in err
    assert not (tmp_path / "run").exists()


def test_retired_and_unused_keys_are_warned_about(vocab_dir, tmp_path):
    from pretrain.train import backends
    from pretrain.train.config import load_config
    from pretrain.train.loop import check_tpu_cores

    lines = []
    path = tiny_config(tmp_path / "old.json", shuffle_buffer=1000, num_tpu_cores=8)
    config = load_config(path, warn=lines.append)
    check_tpu_cores(config, backends.load(), lines.append)
    assert "shuffle_buffer is no longer used" in lines[0]
    assert "num_tpu_cores is used only with use_tpu" in lines[1]


@pytest.mark.slow
def test_a_few_hundred_steps_learn(records, vocab_dir, tmp_path):
    vocab_size = len((vocab_dir / "vocab.txt").read_text(encoding="utf-8").splitlines())
    config = tiny_config(
        tmp_path / "tiny.json",
        num_train_steps=600,
        save_checkpoints_steps=600,
        log_every_steps=100,
    )
    run = tmp_path / "run"
    subprocess.run(train_command(config, records, run), check=True, cwd=ROOT, capture_output=True)
    history = json.loads((run / "train_history.json").read_text())["history"]
    last = history[-1]
    assert last["mlm_loss"] < np.log(vocab_size) - 0.75  # well below a uniform generator
    assert last["mlm_accuracy"] > 0.03 > 50 / vocab_size  # chance is 1 / vocab_size
    assert last["disc_auc"] > 0.52
    # Against a generator that has not learned (uniform replacements) the discriminator's
    # signal is easy; it must learn it quickly.
    config = tiny_config(
        tmp_path / "uniform.json",
        num_train_steps=300,
        save_checkpoints_steps=300,
        log_every_steps=100,
        generator_weight=0.0,
    )
    run = tmp_path / "uniform"
    subprocess.run(train_command(config, records, run), check=True, cwd=ROOT, capture_output=True)
    history = json.loads((run / "train_history.json").read_text())["history"]
    assert history[-1]["disc_auc"] > 0.75

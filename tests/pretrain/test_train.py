"""Pretraining end to end on records built from the fixtures: resume after kill -9, export
parity with transformers, learning (slow)."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from pretrain.tfrecords import main as write_records

ROOT = Path(__file__).resolve().parents[2]


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


def tiny_config(path: Path, vocab_dir: Path, **overrides) -> Path:
    vocab_size = len((vocab_dir / "vocab.txt").read_text(encoding="utf-8").splitlines())
    config = {
        "model_size": "tiny",
        "vocab_size": vocab_size,
        "max_seq_length": 64,
        "learning_rate": 2e-3,
        "train_batch_size": 16,
        "num_warmup_steps": 10,
        "save_checkpoints_steps": 10,
        "num_train_steps": 60,
        "log_every_steps": 10,
        "shuffle_buffer": 200,
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


def test_resume_after_kill_continues_at_the_same_step_and_data(records, vocab_dir, tmp_path):
    config = tiny_config(
        tmp_path / "tiny.json", vocab_dir, num_train_steps=200, save_checkpoints_steps=20
    )
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
    for name in a:
        if name != "_step":
            np.testing.assert_allclose(a[name], b[name], atol=1e-5, err_msg=name)


def test_export_matches_the_keras_model(records, vocab_dir, tmp_path):
    import torch
    from transformers import (
        ElectraForMaskedLM,
        ElectraForPreTraining,
        ElectraModel,
        ElectraTokenizer,
    )

    from pretrain.config import load_config
    from pretrain.export import main as export
    from pretrain.model import ElectraPretrainer

    config_path = tiny_config(tmp_path / "tiny.json", vocab_dir, num_train_steps=10)
    run = tmp_path / "run"
    subprocess.run(
        train_command(config_path, records, run), check=True, cwd=ROOT, capture_output=True
    )
    assert export([str(run)]) == 0

    model = ElectraPretrainer(load_config(config_path))
    model.build_all()
    weights = final_weights(run)
    for variable in model.weights:
        variable.assign(weights[variable.path.removeprefix(f"{model.name}/")])
    rng = np.random.default_rng(0)
    ids = rng.integers(5, model.config_.vocab_size, size=(3, 24)).astype(np.int32)
    segments = np.zeros_like(ids)
    segments[:, 14:] = 1
    mask = np.ones_like(ids)
    mask[1, 15:] = 0
    ours_disc = model.discriminator_logits(ids, segments, mask).numpy()
    positions = np.tile(np.arange(24, dtype=np.int32), (3, 1))
    ours_gen = model.generator_logits(ids, segments, mask, positions).numpy()

    def tensor(array):
        return torch.tensor(array, dtype=torch.long)

    inputs = {
        "input_ids": tensor(ids),
        "token_type_ids": tensor(segments),
        "attention_mask": tensor(mask),
    }
    disc = ElectraForPreTraining.from_pretrained(str(run / "hf" / "discriminator")).eval()
    gen = ElectraForMaskedLM.from_pretrained(str(run / "hf" / "generator")).eval()
    with torch.no_grad():
        hf_disc = disc(**inputs).logits.numpy()
        hf_gen = gen(**inputs).logits.numpy()
    valid = mask.astype(bool)
    np.testing.assert_allclose(ours_disc[valid], hf_disc[valid], atol=1e-4)
    np.testing.assert_allclose(ours_gen[valid], hf_gen[valid], atol=1e-4)
    assert ElectraModel.from_pretrained(str(run / "hf" / "discriminator")) is not None
    tokenizer = ElectraTokenizer.from_pretrained(str(run / "hf" / "discriminator"))
    assert tokenizer.unk_token not in tokenizer.tokenize("정말 재밌어요")


def test_corrupt_records_are_a_clear_error(records, vocab_dir, tmp_path, capsys):
    import shutil

    from pretrain.train import main

    broken = tmp_path / "records"
    shutil.copytree(records, broken)
    first = sorted(broken.glob("pretrain_data.tfrecord-*"))[0]
    first.write_bytes(first.read_bytes()[:5000])  # truncated mid-record
    config = tiny_config(tmp_path / "tiny.json", vocab_dir, shuffle_buffer=100_000)
    assert (
        main(["--config", str(config), "--data", str(broken), "--out", str(tmp_path / "run")]) == 2
    )
    assert "unreadable records" in capsys.readouterr().err


@pytest.mark.slow
def test_a_few_hundred_steps_learn(records, vocab_dir, tmp_path):
    vocab_size = len((vocab_dir / "vocab.txt").read_text(encoding="utf-8").splitlines())
    config = tiny_config(
        tmp_path / "tiny.json",
        vocab_dir,
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
        vocab_dir,
        num_train_steps=300,
        save_checkpoints_steps=300,
        log_every_steps=100,
        generator_weight=0.0,
    )
    run = tmp_path / "uniform"
    subprocess.run(train_command(config, records, run), check=True, cwd=ROOT, capture_output=True)
    history = json.loads((run / "train_history.json").read_text())["history"]
    assert history[-1]["disc_auc"] > 0.75

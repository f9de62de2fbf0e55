"""A run resumes only on what it was trained on: records of another vocabulary or a config
that changes the model are one `error:` line naming the difference; `--restart` moves the
run aside (never deletes it); more steps extend a run; a finished run says so; a TPU config
on a machine without one is one line, not a traceback."""

import json
import shutil

import pytest

from pretrain.tfrecords.cli import main as write_records
from pretrain.train.loop import main as train
from tests.pretrain.train.test_loop import records, tiny_config  # noqa: F401


def run_args(config, data, out) -> list[str]:
    return ["--config", str(config), "--data", str(data), "--out", str(out)]


def last_step(run) -> int:
    return json.loads((run / "checkpoints" / "latest.json").read_text())["step"]


def one_error_line(capsys) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.startswith("error: ")]
    assert len(lines) == 1, err
    return lines[0]


@pytest.fixture
def short_run(records, tmp_path, capsys):  # noqa: F811
    """A run of 10 steps on a copy of the records; its config."""
    data = tmp_path / "records"
    shutil.copytree(records, data)
    config = tiny_config(tmp_path / "tiny.json", num_train_steps=10)
    assert train(run_args(config, data, tmp_path / "run")) == 0
    capsys.readouterr()
    return data, tmp_path / "run", config


def test_records_rebuilt_with_another_vocab_are_refused(
    short_run, corpus_dir, vocab_dir, tmp_path, capsys
):
    data, run, _ = short_run
    tokens = (vocab_dir / "vocab.txt").read_text(encoding="utf-8").splitlines()
    other = tmp_path / "other-vocab.txt"  # the same tokens, two of them swapped: other ids
    other.write_text("\n".join([*tokens[:-2], tokens[-1], tokens[-2]]) + "\n", encoding="utf-8")
    rebuild = ["--corpus-dir", str(corpus_dir), "--vocab-file", str(other)]
    rebuild += ["--output-dir", str(data), "--max-seq-length", "64", "--pack-across-docs"]
    assert write_records([*rebuild, "--overwrite"]) == 0
    capsys.readouterr()

    longer = tiny_config(tmp_path / "longer.json", num_train_steps=20)
    assert train(run_args(longer, data, run)) == 2
    error = one_error_line(capsys)
    assert f"{run} holds a run trained to step 10 on other inputs (vocab sha256 " in error
    assert "in the run, " in error and "in the records" in error and "--restart" in error
    assert last_step(run) == 10

    assert train([*run_args(longer, data, run), "--restart"]) == 0
    said = capsys.readouterr().out
    assert f"moved the earlier run aside to {run}.prev-1" in said
    assert last_step(run.with_name("run.prev-1")) == 10  # kept, not deleted
    assert last_step(run) == 20
    assert "resumed from" not in said  # a new run from step 0


def test_more_steps_extend_a_run_a_finished_one_says_so_and_a_model_change_is_refused(
    short_run, tmp_path, capsys
):
    data, run, _ = short_run
    longer = tiny_config(tmp_path / "longer.json", num_train_steps=20, log_every_steps=5)
    assert train(run_args(longer, data, run)) == 0
    said = capsys.readouterr().out
    assert f"resumed from {run}/checkpoints/ckpt-10 at step 10" in said
    assert "trained 10 steps (to step 20)" in said
    assert last_step(run) == 20

    history = (run / "train_history.json").read_bytes()
    assert train(run_args(longer, data, run)) == 0  # nothing left to train
    said = capsys.readouterr().out
    assert f"pretrain: already complete (reused): {run} is at step 20 of 20" in said
    assert "raise num_train_steps to train on, or --restart to start over" in said
    assert " in 0s" not in said
    assert (run / "train_history.json").read_bytes() == history

    other = tiny_config(tmp_path / "other.json", num_train_steps=30, learning_rate=1e-3)
    assert train(run_args(other, data, run)) == 2
    error = one_error_line(capsys)
    assert "(learning_rate 0.002 in the run, 0.001 now)" in error
    bigger = tiny_config(tmp_path / "bigger.json", num_train_steps=30, model_size="mini")
    assert train(run_args(bigger, data, run)) == 2
    assert '(model_size "tiny" in the run, "mini" now)' in one_error_line(capsys)
    assert last_step(run) == 20


def test_a_tpu_config_on_a_machine_without_one_is_one_error_line(records, tmp_path, capsys):  # noqa: F811
    assert train(run_args("base", records, tmp_path / "run")) == 2
    error = one_error_line(capsys)
    assert "use_tpu is true but TPU 'your-tpu' cannot be reached" in error
    assert '"use_tpu": false (the tiny-cpu preset' in error

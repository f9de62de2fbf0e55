"""`python -m kosent` end to end on the test fixtures (corpus -> vocab -> tfrecords): a later
`--until` runs only the new stages, a failed stage is redone, a rerun skips what is complete,
touching or editing an input redoes the corpus stage and what its output changes; bad input
is one `error:` line."""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kosent.__main__ import main
from tests.crawler.conftest import REPO

FIXTURES = REPO / "tests" / "fixtures"
RECIPES = """\
[tiny]
vocab_size = 1000
sources = ["kcbert", "nsmc", "reviews"]
"""


class Pipeline:
    """A copy of three fixture sources, their sources.toml and recipe, and an OUT folder."""

    def __init__(self, root: Path, out: Path):
        self.root, self.out = root, out

    @classmethod
    def on_fixtures(cls, root: Path) -> "Pipeline":
        for source in ("kcbert", "nsmc", "reviews"):
            shutil.copytree(FIXTURES / source, root / "data" / source)
        (root / "sources.toml").write_text(
            "[sources]\n" + "".join(f'{s} = "data/{s}"\n' for s in ("kcbert", "nsmc", "reviews"))
        )
        (root / "recipes.toml").write_text(RECIPES)
        return cls(root, root / "out")

    def run(self, *extra: str, env: dict | None = None) -> subprocess.CompletedProcess:
        command = [sys.executable, "-m", "kosent", "--recipe", "tiny"]
        command += ["--recipes", str(self.root / "recipes.toml")]
        command += ["--sources", str(self.root / "sources.toml"), "--out", str(self.out)]
        command += ["--limit-alphabet", "500", "--workers", "1", *extra]
        return subprocess.run(
            command, cwd=REPO, capture_output=True, text=True, timeout=600, env=env
        )

    def state(self) -> dict:
        return json.loads((self.out / "pipeline.json").read_text())


def stages_seen(done: subprocess.CompletedProcess) -> dict[str, str]:
    """stage -> `runs (why)` or `already complete (reused...)`, as the command announced each."""
    found = re.findall(r"^=== (\w+): ((?:runs|already complete) \(.*\))$", done.stdout, re.M)
    return dict(found)


def ok(done: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory):
    """Corpus alone, then vocab with a size its alphabet exceeds (fails), then up to tfrecords."""
    p = Pipeline.on_fixtures(tmp_path_factory.mktemp("kosent"))
    p.first = ok(p.run("--until", "corpus"))
    p.vocab_missing_after_first = not (p.out / "vocab").exists()
    p.failed = p.run("--until", "vocab", "--vocab-size", "6")
    p.state_after_failure = p.state()
    p.second = ok(p.run("--until", "tfrecords"))
    return p


def test_a_later_until_runs_only_the_new_stages_and_redoes_a_failed_one(pipeline):
    assert stages_seen(pipeline.first) == {"corpus": "runs (no earlier run recorded)"}
    assert pipeline.vocab_missing_after_first
    assert pipeline.failed.returncode == 2
    assert "kosent stopped: stage 'vocab' failed (exit 2)" in pipeline.failed.stderr
    assert "its error is above: fix that, then rerun" in pipeline.failed.stderr
    assert pipeline.state_after_failure["stages"]["vocab"]["state"] == "running"
    seen = stages_seen(pipeline.second)
    assert seen["corpus"].startswith("already complete (reused")
    assert seen["vocab"] == "runs (its last run did not finish)"
    assert seen["tfrecords"] == "runs (no earlier run recorded)"
    states = {name: s["state"] for name, s in pipeline.state()["stages"].items()}
    assert states == {"corpus": "done", "vocab": "done", "tfrecords": "done"}
    records = json.loads((pipeline.out / "tfrecords/L128/manifest.json").read_text())
    assert records["examples"] > 0
    table = pipeline.second.stdout
    assert "| corpus | reused |" in table and "| tfrecords |" in table and "| **total** |" in table
    assert (pipeline.out / "REPORT.md").read_text().count("| vocab |") == 1


def test_a_rerun_skips_every_complete_stage_and_rewrites_nothing(pipeline):
    outputs = sorted(p for p in pipeline.out.rglob("*") if p.is_file() and p.name != "REPORT.md")
    before = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in outputs}
    done = ok(pipeline.run("--until", "tfrecords"))
    assert set(stages_seen(done)) == {"corpus", "vocab", "tfrecords"}
    assert all(how.startswith("already complete (reused") for how in stages_seen(done).values())
    assert "reused (complete, inputs unchanged): corpus, vocab, tfrecords" in done.stdout
    after = sorted(p for p in pipeline.out.rglob("*") if p.is_file() and p.name != "REPORT.md")
    assert after == outputs
    assert {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in after} == before


def test_touching_an_input_redoes_the_corpus_stage(pipeline):
    """Same bytes in: the corpus is rebuilt to the same manifest, so vocab and records stay."""
    source = pipeline.root / "data" / "kcbert" / "comments.txt"
    manifest = pipeline.out / "corpus" / "tiny" / "manifest.json"
    old = manifest.read_bytes()
    os.utime(source, ns=(source.stat().st_atime_ns, source.stat().st_mtime_ns + 10**9))
    seen = stages_seen(ok(pipeline.run("--until", "tfrecords")))
    assert seen["corpus"] == f"runs (input {source} changed)"
    assert manifest.read_bytes() == old
    assert seen["vocab"].startswith("already complete (reused") and seen["tfrecords"].startswith(
        "already complete (reused"
    )


def test_editing_an_input_redoes_everything_after_it(pipeline):
    source = pipeline.root / "data" / "kcbert" / "comments.txt"
    docs = json.loads((pipeline.out / "corpus/tiny/manifest.json").read_text())["totals"]["docs"]
    with open(source, "a", encoding="utf-8") as handle:
        handle.write("새로 들어온 댓글입니다. 010-1234-5678로 연락하면 답이 옵니다\n")
    seen = stages_seen(ok(pipeline.run("--until", "tfrecords")))
    assert seen["corpus"].startswith("runs (input") and "comments.txt changed" in seen["corpus"]
    assert seen["vocab"] == "runs (corpus/tiny/manifest.json changed)"
    assert seen["tfrecords"].startswith("runs (corpus/tiny/manifest.json changed")
    manifest = json.loads((pipeline.out / "corpus/tiny/manifest.json").read_text())
    assert manifest["totals"]["docs"] == docs + 1
    text = "".join(p.read_text() for p in (pipeline.out / "corpus/tiny/text").glob("*.txt"))
    assert "새로 들어온 댓글입니다." in text and "010-1234-5678" not in text


def test_help_names_the_stages_and_the_options(capsys):
    with pytest.raises(SystemExit) as exit:
        main(["--help"])
    assert exit.value.code == 0
    shown = capsys.readouterr().out
    for word in (
        "--until",
        "--sources",
        "--config",
        "--nsmc-dir",
        "pipeline.json",
        "already complete",
        "--restart",
    ):
        assert word in shown


def test_workers_and_executor_do_not_redo_a_stage(pipeline):
    """They change how fast, not what: a rerun on Ray with more workers skips every stage."""
    done = ok(pipeline.run("--until", "tfrecords", "--workers", "2", "--executor", "ray"))
    assert "reused (complete, inputs unchanged): corpus, vocab, tfrecords" in done.stdout


def step_of(run: Path) -> int:
    return json.loads((run / "checkpoints" / "latest.json").read_text())["step"]


def tiny(path: Path, **values) -> Path:
    config = {"model_size": "tiny", "train_batch_size": 16, "learning_rate": 2e-3}
    steps = {"num_train_steps": 8, "num_warmup_steps": 2, "save_checkpoints_steps": 4}
    path.write_text(json.dumps({**config, **steps, **values}))
    return path


def test_a_trained_run_survives_every_rerun_that_would_discard_it(pipeline, tmp_path):
    """Reruns that would discard the run stop (before anything is rebuilt) unless --restart,
    which moves it aside. (More steps resume it: the slow test below.)"""
    p = pipeline
    run = p.out / "run"
    config = tiny(tmp_path / "tiny.json")
    ok(p.run("--until", "pretrain", "--config", str(config)))
    assert step_of(run) == 8
    written = (p.out / "pretrain.json").read_bytes()

    # The same command without --config: the default preset is another model. Stop first.
    again = p.run("--until", "pretrain")
    assert again.returncode == 2 and "Traceback" not in again.stderr
    assert "=== " not in again.stdout and (p.out / "pretrain.json").read_bytes() == written
    assert "note: no --config: pretraining uses the tiny-cpu preset" in again.stderr
    error = again.stderr.strip().splitlines()[-1]
    assert error.startswith("error: stage pretrain would discard run/ (a run trained to step 8)")
    assert "learning_rate 0.002 in the run, 0.001 now" in error
    assert "rerun with --restart to move it aside (run.prev-1)" in error
    assert step_of(run) == 8 and (run / "weights" / "step-8.npz").is_file()

    # A source changes: corpus, vocab and records would change under the run. Stop first.
    source = p.root / "data" / "kcbert" / "comments.txt"
    original, stamp = source.read_bytes(), source.stat()
    manifest = (p.out / "corpus" / "tiny" / "manifest.json").read_bytes()
    with open(source, "a", encoding="utf-8") as handle:
        handle.write("하나 더 들어온 댓글입니다ㅋㅋ 이것도 학습에 넣어 주세요\n")
    changed = p.run("--until", "pretrain", "--config", str(config))
    assert changed.returncode == 2 and "=== corpus: runs" not in changed.stdout
    error = changed.stderr.strip().splitlines()[-1]
    assert "stage pretrain would discard run/ (a run trained to step 8): corpus is rebuilt" in error
    assert f"input {source} changed), and the records change" in error
    assert (p.out / "corpus" / "tiny" / "manifest.json").read_bytes() == manifest
    # The same bytes back, a new mtime (a touch): the corpus is rebuilt, comes out the same,
    # and the run is left alone.
    source.write_bytes(original)
    assert source.stat().st_mtime_ns != stamp.st_mtime_ns
    touched = ok(p.run("--until", "pretrain", "--config", str(config)))
    seen = stages_seen(touched)
    assert seen["corpus"].startswith("runs (input") and seen["tfrecords"].startswith("already")
    assert seen["pretrain"].startswith("already complete (reused") and step_of(run) == 8

    # --restart with another model: the run is moved aside, never deleted, and trained anew.
    other = tiny(tmp_path / "other.json", learning_rate=1e-3, num_train_steps=4)
    restarted = ok(p.run("--until", "pretrain", "--config", str(other), "--restart"))
    assert "--restart: moved run aside to run.prev-1" in restarted.stdout
    assert step_of(p.out / "run.prev-1") == 8 and step_of(run) == 4
    assert "resumed from" not in restarted.stdout


@pytest.mark.slow
def test_on_ray_the_graph_writes_the_same_corpus_and_records(pipeline, tmp_path):
    """`--executor ray` reaches corpus.build and pretrain.tfrecords (a local Ray each): the
    corpus shards and, from the same vocab.txt, the records equal the local pool's, byte for
    byte."""
    vocab = tmp_path / "vocab.txt"
    shutil.copy(pipeline.out / "vocab" / "vocab.txt", vocab)
    on_ray = Pipeline(pipeline.root, tmp_path / "out")
    env = {**os.environ, "RAY_AUTH_MODE": "disabled"}  # as tests/kosent_common/test_ray_executor
    ray = ["--until", "tfrecords", "--executor", "ray", "--external-vocab", str(vocab)]
    done = ok(on_ray.run(*ray, env=env))
    assert "--executor ray" in done.stdout
    for part, pattern in (
        ("corpus/tiny/text", "shard-*"),
        ("corpus/tiny/parquet", "shard-*"),
        ("tfrecords/L128", "pretrain_data.tfrecord*"),
    ):
        local, remote = pipeline.out / part, on_ray.out / part
        files = sorted(p.name for p in local.glob(pattern))
        assert files and files == sorted(p.name for p in remote.glob(pattern))
        for name in files:
            assert (local / name).read_bytes() == (remote / name).read_bytes(), f"{part}/{name}"


@pytest.mark.slow
def test_every_stage_to_nsmc_and_more_steps_resume_pretraining(pipeline):
    """The whole graph from the CLI with your own pretraining config and NSMC folder (the
    earlier run moved aside with --restart); raising num_train_steps resumes pretraining, then
    redoes export and nsmc, and keeps the data stages."""
    config = pipeline.root / "pretrain.json"
    steps = {"num_train_steps": 8, "num_warmup_steps": 2, "save_checkpoints_steps": 8}
    config.write_text(json.dumps({"model_size": "tiny", "train_batch_size": 16, **steps}))
    nsmc = ["--nsmc-dir", str(FIXTURES / "nsmc"), "--nsmc-max-train-examples", "100"]
    first = stages_seen(ok(pipeline.run("--config", str(config), *nsmc, "--restart")))
    assert all(
        first[name].startswith("already complete (reused")
        for name in ("corpus", "vocab", "tfrecords")
    )
    assert all(first[name].startswith("runs") for name in ("pretrain", "export", "nsmc"))
    history = json.loads((pipeline.out / "run" / "train_history.json").read_text())
    assert history["steps"] == 8
    results = json.loads((pipeline.out / "nsmc" / "results.json").read_text())
    assert results["test"]["accuracy"] > 0

    config.write_text(
        json.dumps({"model_size": "tiny", "train_batch_size": 16, **steps, "num_train_steps": 10})
    )
    done = ok(pipeline.run("--config", str(config), *nsmc))
    again = stages_seen(done)
    assert all(
        again[name].startswith("already complete (reused")
        for name in ("corpus", "vocab", "tfrecords")
    )
    assert again["pretrain"] == "runs (its config changed)"
    assert "at step 8" in done.stdout  # resumed, not started over
    assert again["export"] == "runs (run/train_history.json changed)"
    assert again["nsmc"].startswith("runs (run/hf/")
    history = json.loads((pipeline.out / "run" / "train_history.json").read_text())
    assert history["steps"] == 10

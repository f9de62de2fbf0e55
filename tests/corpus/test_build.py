"""The CLI as a user runs it, in real subprocesses (resume after kill -9 included)."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


def run_build(*args, check=True):
    return subprocess.run(
        [sys.executable, "-m", "corpus.build", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=check,
    )


def sources_toml(tmp_path: Path, fixtures: Path) -> Path:
    path = tmp_path / "sources.toml"
    modu = fixtures / "modu"
    path.write_text(
        "[sources]\n"
        f'nsmc = "{fixtures / "nsmc"}"\nkcbert = "{fixtures / "kcbert"}"\n'
        f'wiki = "{fixtures / "wiki"}"\nkcc = "{fixtures / "kcc"}"\n'
        f'reviews = "{fixtures / "reviews"}"\n'
        + "".join(
            f'{s} = "{modu / d}"\n'
            for s, d in [
                ("modu_spoken", "NIKL_SPOKEN"),
                ("modu_written", "NIKL_WRITTEN"),
                ("modu_newspaper", "NIKL_NEWSPAPER"),
                ("modu_messenger", "NIKL_MESSENGER"),
                ("modu_web", "NIKL_WEB"),
            ]
        )
    )
    return path


def test_help_documents_every_option():
    out = run_build("--recipe", "model3", "--help").stdout
    for option in (
        "--recipe",
        "--recipes",
        "--sources",
        "--source",
        "--out",
        "--workers",
        "--seed",
        "--splitter",
        "--shard-mb",
        "--min-chars",
        "--emoji",
        "--hanja",
        "--include-nsmc-test",
        "--decontaminate",
        "--decontaminate-ngram",
        "--no-decontaminate",
        "--no-quality",
        "--no-near-dup",
        "--near-dup-shingle",
        "--near-dup-threshold",
        "--overwrite",
        "--no-progress",
        "--list-recipes",
    ):
        assert option in out


def test_missing_source_fails_at_once_naming_it(tmp_path):
    toml = tmp_path / "sources.toml"
    toml.write_text('[sources]\nnsmc = "/nowhere/nsmc"\n')
    result = run_build(
        "--recipe", "model1", "--sources", str(toml), "--out", str(tmp_path), check=False
    )
    assert result.returncode == 2
    assert "needs source 'kcbert', which has no location" in result.stderr
    result = run_build(
        "--recipe",
        "model2",
        "--sources",
        str(toml),
        "--out",
        str(tmp_path),
        "--source",
        f"kcbert={tmp_path}",
        "--source",
        f"reviews={tmp_path}",
        check=False,
    )
    assert "matches no file" in result.stderr and result.returncode == 2


def test_bad_benchmark_is_a_one_line_error(tmp_path, fixtures):
    toml = sources_toml(tmp_path, fixtures)
    common = ["--recipe", "model2", "--sources", str(toml), "--out", str(tmp_path), "--no-progress"]
    for extra, message in (
        (["--decontaminate", str(tmp_path / "missing.tsv")], "does not exist"),
        (
            ["--decontaminate", f"{fixtures / 'nsmc' / 'ratings_test.txt'}:nope"],
            "no column 'nope'",
        ),
        (["--near-dup-threshold", "1.5"], "--near-dup-threshold"),
    ):
        result = run_build(*common, *extra, check=False)
        assert result.returncode == 2, result.stderr
        assert result.stderr.startswith("error: ") and message in result.stderr
        assert "Traceback" not in result.stderr


def outputs(out_dir: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(out_dir)): p.read_bytes()
        for p in sorted(out_dir.rglob("*"))
        if p.is_file() and p.name != "build.json"
    }


@pytest.mark.parametrize(
    "stage_marker",
    [pytest.param("work/docs/task-*.json", marks=pytest.mark.slow), "state/task-*.json"],
)
def test_resume_after_kill_is_byte_identical(tmp_path, fixtures, stage_marker):
    """Killed in the documents stage or in the shards stage, the rerun ends byte-identical
    and does not redo finished tasks."""
    toml = sources_toml(tmp_path, fixtures)
    common = [
        "--recipe",
        "model3",
        "--sources",
        str(toml),
        "--shard-mb",
        "0.03",
        "--task-mb",
        "0.005",
        "--workers",
        "1",
        "--no-progress",
    ]
    run_build(*common, "--out", str(tmp_path / "whole"))
    expected = outputs(tmp_path / "whole" / "model3")
    tasks = sum(k.startswith("state/task-") for k in expected)
    assert tasks >= 10 and sum(k.startswith("text/") for k in expected) >= 10

    out = tmp_path / "killed"
    process = subprocess.Popen(
        [sys.executable, "-m", "corpus.build", *common, "--out", str(out)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    folder = out / "model3"
    deadline = time.monotonic() + 120
    while len(list(folder.glob(stage_marker))) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    done = sorted(folder.glob(stage_marker))
    assert 2 <= len(done) < tasks, "kill came too late"
    assert not (folder / "manifest.json").exists()
    mtimes = {p: p.stat().st_mtime_ns for p in done}

    run_build(*common, "--out", str(out))
    assert outputs(folder) == expected
    for path, mtime in mtimes.items():
        if path.exists():  # the work folder is removed at the end
            assert path.stat().st_mtime_ns == mtime, f"{path.name} was redone"
    assert not [p for p in folder.rglob("*") if ".tmp-" in p.name]
    assert not (folder / "work").exists()


def test_manifest_and_report(tmp_path, fixtures):
    toml = sources_toml(tmp_path, fixtures)
    toml.write_text(toml.read_text() + '[licenses]\nkcbert = "CC-BY-SA-4.0"\n')
    result = run_build(
        "--recipe", "model2", "--sources", str(toml), "--out", str(tmp_path), "--no-progress"
    )
    assert "corpus model2:" in result.stdout
    out_dir = tmp_path / "model2"
    manifest = json.loads((out_dir / "manifest.json").read_text())
    assert manifest["recipe"] == "model2" and manifest["seed"] == 0
    assert set(manifest["sources"]) == {"kcbert", "reviews", "nsmc"}
    assert manifest["sources"]["reviews"]["drops"]["not_sampled"] > 0  # model2 samples reviews
    import hashlib

    for shard in manifest["shards"]:
        text = (out_dir / "text" / f"{shard['name']}.txt").read_bytes()
        assert hashlib.sha256(text).hexdigest() == shard["sha256_text"]
    assert manifest["decontamination"]["benchmarks"] == [
        f"{fixtures / 'nsmc' / 'ratings_test.txt'}:document"
    ]
    assert manifest["near_duplicates"]["bands"] * manifest["near_duplicates"]["rows"] <= 128
    assert manifest["quality"]["kcbert"]["min_hangul_share"] == 0.2
    assert manifest["options"]["near_dup"]["threshold"] == 0.5
    summary = (out_dir / "report" / "summary.md").read_text()
    assert "| nsmc |" in summary
    assert "## Benchmark decontamination" in summary and "## Near-duplicates" in summary
    assert "## Dropped, step by step" in summary and "| near_dedup |" in summary
    for png in ("sentence_lengths.png", "source_mix.png"):
        assert (out_dir / "report" / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    card = (out_dir / "README.md").read_text()  # tests/corpus/test_dataset_card.py
    header = yaml.safe_load(card.split("\n---\n", 1)[0].removeprefix("---\n"))
    licences = header["license_details"]
    assert {s: licences[s] for s in ("kcbert", "reviews", "nsmc")} == {
        "kcbert": "CC-BY-SA-4.0",
        "reviews": "unknown",
        "nsmc": "CC0-1.0",
    }
    not_sampled = manifest["sources"]["reviews"]["drops"]["not_sampled"]
    assert f"| {not_sampled:,} | not_sampled {not_sampled:,} |" in card
    shutil.rmtree(out_dir)

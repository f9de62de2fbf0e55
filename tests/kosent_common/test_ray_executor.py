"""Corpus build and TFRecords on a real local Ray cluster: the same bytes as the local pool."""

from __future__ import annotations

import filecmp
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# Ray 2.60 turns token authentication on when ~/.ray/auth_token exists (a local ray.init()
# writes one), and then a client that does not load it cannot connect to `ray start --head`.
# Head and clients here agree explicitly, whatever the home folder holds.
ENV = {**os.environ, "RAY_AUTH_MODE": "disabled"}
CORPUS_ARGS = [
    "--recipe",
    "demo",
    "--recipes",
    str(REPO / "demo" / "recipes.toml"),
    "--sources",
    str(REPO / "demo" / "sources-smallest.toml"),
    "--source",
    f"reviews={REPO / 'tests' / 'fixtures' / 'reviews'}",
    "--workers",
    "2",
    "--shard-mb",
    "0.05",
    "--no-progress",
]


@pytest.fixture(scope="module")
def ray_address(tmp_path_factory):
    """`ray start --head` in its own process group, stopped by killing that group."""
    ray = Path(sys.executable).with_name("ray")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    temp = tmp_path_factory.mktemp("ray")
    head = subprocess.Popen(
        [
            str(ray),
            "start",
            "--head",
            "--block",
            f"--port={port}",
            "--num-cpus=2",
            "--include-dashboard=false",
            "--disable-usage-stats",
            f"--temp-dir={temp}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        env=ENV,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            assert head.poll() is None, "ray start --head exited"
            assert time.monotonic() < deadline, "the Ray head did not come up in 60 s"
            time.sleep(0.5)
    yield f"127.0.0.1:{port}"
    os.killpg(head.pid, signal.SIGTERM)
    try:
        head.wait(30)
    except subprocess.TimeoutExpired:
        os.killpg(head.pid, signal.SIGKILL)


def run(module: str, *args: str) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
        env=ENV,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def same_tree(a: Path, b: Path) -> None:
    names = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    assert names == sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    assert names
    for name in names:
        assert filecmp.cmp(a / name, b / name, shallow=False), name


def test_corpus_and_tfrecords_on_ray_match_the_local_pool(tmp_path, ray_address, vocab_dir):
    run("corpus.build", *CORPUS_ARGS, "--out", str(tmp_path / "local"))
    run(
        "corpus.build",
        *CORPUS_ARGS,
        "--out",
        str(tmp_path / "ray"),
        "--executor",
        "ray",
        "--address",
        ray_address,
    )
    for part in ("text", "parquet"):
        same_tree(tmp_path / "local" / "demo" / part, tmp_path / "ray" / "demo" / part)

    corpus = tmp_path / "local" / "demo"
    common = [
        "--corpus-dir",
        str(corpus),
        "--vocab-file",
        str(vocab_dir / "vocab.txt"),
        "--max-seq-length",
        "128",
        "--num-out-files",
        "4",
    ]
    run(
        "pretrain.tfrecords",
        *common,
        "--output-dir",
        str(tmp_path / "rec-local"),
        "--num-processes",
        "2",
    )
    ray_out = tmp_path / "rec-ray"

    def records_on_ray() -> None:
        run(
            "pretrain.tfrecords",
            *common,
            "--output-dir",
            str(ray_out),
            "--num-processes",
            "2",
            "--executor",
            "ray",
            "--address",
            ray_address,
        )

    records_on_ray()
    records = sorted(p.name for p in ray_out.glob("pretrain_data.tfrecord-*"))
    assert len(records) == 4
    for name in records:
        assert filecmp.cmp(tmp_path / "rec-local" / name, ray_out / name, shallow=False), name

    # Resumable: lose one shard (as a kill would), rerun on Ray, only that shard is redone.
    lost = ray_out / records[1]
    lost.unlink()
    kept = {name: (ray_out / name).stat().st_mtime_ns for name in records if name != lost.name}
    records_on_ray()
    assert filecmp.cmp(tmp_path / "rec-local" / lost.name, lost, shallow=False)
    assert {name: (ray_out / name).stat().st_mtime_ns for name in kept} == kept


def test_address_without_ray_is_an_error(tmp_path):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "corpus.build",
            *CORPUS_ARGS,
            "--out",
            str(tmp_path),
            "--address",
            "auto",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert done.returncode != 0 and "--address needs --executor ray" in done.stderr
    assert not (tmp_path / "demo").exists()

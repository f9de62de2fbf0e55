"""Corpus build and TFRecords on a real local Ray cluster: the same bytes as the local pool."""

from __future__ import annotations

import filecmp
import json
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


RAY = Path(sys.executable).with_name("ray")


def ray_process(*args: str) -> subprocess.Popen:
    """`ray start ... --block` in its own process group (stopped by `stop`)."""
    return subprocess.Popen(
        [str(RAY), "start", "--block", "--disable-usage-stats", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        env=ENV,
    )


def stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


def start_head(temp: Path, cpus: int) -> tuple[subprocess.Popen, str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    head = ray_process(
        "--head",
        f"--port={port}",
        f"--num-cpus={cpus}",
        "--include-dashboard=false",
        f"--temp-dir={temp}",
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
    return head, f"127.0.0.1:{port}"


@pytest.fixture(scope="module")
def ray_address(tmp_path_factory):
    """A one-node Ray cluster (`ray start --head`)."""
    head, address = start_head(tmp_path_factory.mktemp("ray"), cpus=2)
    yield address
    stop(head)


def alive_nodes(address: str) -> list[dict]:
    code = (
        f"import json, ray; ray.init(address={address!r}, log_to_driver=False); "
        "print(json.dumps([n['Resources'] for n in ray.nodes() if n['Alive']]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=ENV, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def two_node_address(tmp_path_factory):
    """A two-node Ray cluster on this machine: a head and a second raylet joined to it with
    `ray start --address`, one CPU each, as a multi-node cluster is started."""
    head, address = start_head(tmp_path_factory.mktemp("ray2"), cpus=1)
    worker = ray_process(f"--address={address}", "--num-cpus=1")
    try:
        deadline = time.monotonic() + 90
        while len(nodes := alive_nodes(address)) < 2:
            assert worker.poll() is None, "ray start --address exited"
            assert time.monotonic() < deadline, f"the second node did not join: {nodes}"
            time.sleep(1)
        yield address
    finally:
        stop(worker)
        stop(head)


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


def build_locally_and_on_ray(tmp_path: Path, args: list[str], address: str) -> None:
    """corpus.build into tmp_path/local on the process pool and into tmp_path/ray on Ray."""
    run("corpus.build", *args, "--out", str(tmp_path / "local"))
    run(
        "corpus.build",
        *args,
        "--out",
        str(tmp_path / "ray"),
        "--executor",
        "ray",
        "--address",
        address,
    )


def test_corpus_and_tfrecords_on_ray_match_the_local_pool(tmp_path, ray_address, vocab_dir):
    build_locally_and_on_ray(tmp_path, CORPUS_ARGS, ray_address)
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


@pytest.mark.slow
def test_corpus_on_a_two_node_ray_cluster_equals_the_local_build(tmp_path, two_node_address):
    """Every stage's tasks on two Ray nodes (many small tasks, so both take some): the whole
    output folder equals the local build's, byte for byte."""
    nodes = alive_nodes(two_node_address)
    assert len(nodes) == 2 and all(n.get("CPU") == 1 for n in nodes)
    build_locally_and_on_ray(tmp_path, [*CORPUS_ARGS, "--task-mb", "0.01"], two_node_address)
    local, ray = tmp_path / "local" / "demo", tmp_path / "ray" / "demo"
    for part in ("text", "parquet", "excluded", "state", "rejects"):
        same_tree(local / part, ray / part)
    manifest = json.loads((local / "manifest.json").read_text())
    assert manifest["tasks"]["documents"] >= 4
    assert json.loads((ray / "manifest.json").read_text()) == manifest


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

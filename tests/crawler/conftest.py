"""Real crawls: `scrapy crawl reviews` in a subprocess against demo.local_site."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from demo.local_site import GENERIC_SITES_TOML, texts_from_parquet

REPO = Path(__file__).resolve().parents[2]
FAST = {"DOWNLOAD_DELAY": "0.01", "AUTOTHROTTLE_ENABLED": "0", "LOG_LEVEL": "INFO"}


@pytest.fixture(scope="session")
def review_texts(fixtures_root) -> list[str]:
    return texts_from_parquet(fixtures_root / "reviews", 400)


def crawl_command(out: Path, base: str, args: list[str], settings: dict[str, str]) -> list[str]:
    merged = {
        "REVIEWS_OUTPUT_DIR": str(out),
        "KAKAO_BASE_URL": base,
        "DININGCODE_BASE_URL": base,
        "DININGCODE_API_URL": base,
        "GENERIC_BASE_URLS": json.dumps({"localsite": base, "localprivate": base}),
        **FAST,
        **settings,
    }
    command = [sys.executable, "-m", "scrapy", "crawl", "reviews"]
    for key, value in merged.items():
        command += ["-s", f"{key}={value}"]
    for arg in args:
        command += ["-a", arg]
    return command


def run_crawl(
    out: Path, base: str, *args: str, timeout: float = 180, **settings: str
) -> subprocess.CompletedProcess:
    return subprocess.run(
        crawl_command(out, base, list(args), settings),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def read_rows(source_dir: Path) -> pa.Table:
    files = sorted(source_dir.glob("part-*.parquet"))
    assert files, f"no part files in {source_dir}"
    return pa.concat_tables(pq.read_table(f) for f in files)


def summaries(source_dir: Path) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted((source_dir / "crawls").glob("*.json"))]


@pytest.fixture
def sites_file(tmp_path) -> Path:
    path = tmp_path / "sites.toml"
    path.write_text(GENERIC_SITES_TOML, encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    """A real redis-server on 127.0.0.1 for the shared-frontier tests (never mocked)."""
    import shutil
    import socket
    import time

    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail(
            "redis-server is not installed: the shared-frontier tests need it "
            "(Debian/Ubuntu: apt-get install redis-server; `make test` tries that itself)"
        )
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    workdir = tmp_path_factory.mktemp("redis")
    server = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(workdir),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    import redis

    client = redis.Redis(port=port)
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    else:
        server.kill()
        pytest.fail(f"redis-server did not answer on port {port}")
    yield f"redis://127.0.0.1:{port}/0"
    server.terminate()
    server.wait(10)

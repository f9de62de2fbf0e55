"""Installed as a package, outside the repository: every CLI starts, presets load by name, and
the crawler runs from any folder.

The fast test builds the package's files as a wheel would hold them (setuptools build_py:
Python files and package data, no compiled extension) and runs them with cwd in a temporary
folder; the slow one builds the real wheel, installs it with `pip install --no-deps --target`
and runs the same checks plus the console script and a corpus build. Both use this venv's
dependencies (PYTHONPATH), so nothing is downloaded.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from demo.local_site import LocalReviewSite, build_places, texts_from_parquet

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ["kosent_common", "kosent", "crawler", "corpus", "vocab", "pretrain", "finetune"]
TEST_ONLY = "local_site"  # demo/local_site.py: the demo's and the tests' review site
CLIS = [
    "corpus.build",
    "vocab.build",
    "pretrain.tfrecords",
    "pretrain.train",  # --help answers before Keras is imported
    "pretrain.export",
    "finetune.nsmc",
    "crawler",
    "kosent",
]
CRAWL_SETTINGS = {"DOWNLOAD_DELAY": "0.01", "AUTOTHROTTLE_ENABLED": "0"}


def copy_source(dest: Path) -> Path:
    """What a wheel is built from: the build files and the packages (no caches, no builds)."""
    dest.mkdir()
    for name in ("pyproject.toml", "setup.py", "README.md"):
        if (REPO / name).exists():
            shutil.copy2(REPO / name, dest / name)
    for package in PACKAGES:
        shutil.copytree(
            REPO / package, dest / package, ignore=shutil.ignore_patterns("__pycache__", "*.so")
        )
    return dest


def run(command: list[str], cwd: Path, site_dir: Path, timeout: float = 300, **env: str):
    """`command` with the installed files first on the path, in a folder outside the repo."""
    environment = {k: v for k, v in os.environ.items() if k != "SCRAPY_SETTINGS_MODULE"}
    environment.update(PYTHONPATH=str(site_dir), PYTHONUNBUFFERED="1", **env)
    return subprocess.run(
        command, cwd=cwd, env=environment, capture_output=True, text=True, timeout=timeout
    )


def check_installed(site_dir: Path, elsewhere: Path, clis: list[str]) -> None:
    """Modules come from `site_dir`; every CLI's --help works; presets load by name."""
    probe = run(
        [
            sys.executable,
            "-c",
            "import crawler, kosent.stages as k, pretrain.train.config as p, finetune.config as f; "
            "print(crawler.__file__); print(k.__file__); "
            "print(k.BY_NAME['corpus'].commands.__module__); "
            "print(p.load_config('base').model_size, p.load_config('tiny-cpu').model_size); "
            "print(f.load_config('default').max_seq_length)",
        ],
        elsewhere,
        site_dir,
    )
    assert probe.returncode == 0, probe.stderr[-3000:]
    *files, described, sizes, seq = probe.stdout.split("\n")[:5]
    assert all(Path(file).is_relative_to(site_dir) for file in files), files
    assert described == "corpus.stage"  # the stage descriptions are packaged
    assert sizes == "base tiny" and int(seq) > 0
    for cli in clis:
        done = run([sys.executable, "-m", cli, "--help"], elsewhere, site_dir)
        assert done.returncode == 0, f"{cli} --help: {done.stderr[-3000:]}"
        assert "usage" in done.stdout.lower(), cli


def crawl_from(
    command: list[str], site_dir: Path, elsewhere: Path, base: str, **env: str
) -> pq.ParquetDataset:
    args = ["-a", "source=kakao", "-a", "places=k1", "-s", f"KAKAO_BASE_URL={base}"]
    args += ["-s", "REVIEWS_OUTPUT_DIR=reviews"]  # relative: lands in the cwd
    for key, value in CRAWL_SETTINGS.items():
        args += ["-s", f"{key}={value}"]
    done = run(command + args, elsewhere, site_dir, **env)
    assert done.returncode == 0, done.stderr[-3000:]
    files = sorted((elsewhere / "reviews" / "kakao").glob("part-*.parquet"))
    assert files, done.stderr[-3000:]
    return files


@pytest.fixture
def local_site():
    texts = texts_from_parquet(REPO / "tests" / "fixtures" / "reviews", 50)
    site = LocalReviewSite(kakao=build_places(texts, "k", 1, 7))
    yield site, site.start()
    site.stop()


def test_package_files_work_outside_the_repository(tmp_path, local_site):
    src = copy_source(tmp_path / "src")
    site_dir = tmp_path / "site-packages"
    built = subprocess.run(
        [sys.executable, "-c", "from setuptools import setup; setup()", "-q", "build_py"]
        + ["--build-lib", str(site_dir)],
        cwd=src,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert built.returncode == 0, built.stderr[-3000:]
    assert not list(site_dir.rglob(f"*{TEST_ONLY}*")), "the test site is not packaged"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    check_installed(site_dir, elsewhere, CLIS)

    site, base = local_site
    files = crawl_from([sys.executable, "-m", "crawler"], site_dir, elsewhere, base)
    assert sum(pq.read_metadata(f).num_rows for f in files) == 7 == len(site.served["kakao"])


@pytest.mark.slow
def test_the_wheel_installs_and_runs_outside_the_repository(tmp_path, local_site):
    src = copy_source(tmp_path / "src")
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    wheels = tmp_path / "wheels"
    built = subprocess.run(
        pip + ["wheel", "--no-deps", "--no-build-isolation", "-w", str(wheels), str(src)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert built.returncode == 0, built.stderr[-3000:]
    [wheel] = wheels.glob("kosent-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for data in (
        "pretrain/train/configs/base.json",
        "pretrain/train/configs/tiny-cpu.json",
        "finetune/config.json",
        "corpus/recipes.toml",
    ):
        assert data in names, data
    assert not [name for name in names if TEST_ONLY in name], "the test site is not packaged"

    site_dir = tmp_path / "site-packages"
    installed = subprocess.run(
        pip + ["install", "--no-deps", "--target", str(site_dir), str(wheel)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert installed.returncode == 0, installed.stderr[-3000:]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    check_installed(site_dir, elsewhere, CLIS)

    graph = run([str(site_dir / "bin" / "kosent"), "--help"], elsewhere, site_dir)
    assert graph.returncode == 0 and "--until" in graph.stdout, graph.stderr[-3000:]

    site, base = local_site
    script = site_dir / "bin" / "kosent-crawl"
    files = crawl_from([str(script)], site_dir, elsewhere, base)
    assert sum(pq.read_metadata(f).num_rows for f in files) == 7
    # Scrapy's own command, told where the settings are by the documented variable.
    shutil.rmtree(elsewhere / "reviews")
    scrapy = [sys.executable, "-m", "scrapy", "crawl", "reviews"]
    files = crawl_from(scrapy, site_dir, elsewhere, base, SCRAPY_SETTINGS_MODULE="crawler.settings")
    assert sum(pq.read_metadata(f).num_rows for f in files) == 7

    # The crawl goes on into a corpus, with a recipe file of the user's.
    (elsewhere / "recipes.toml").write_text(
        '[tiny]\ndescription = "reviews only"\nvocab_size = 1000\nsources = ["reviews"]\n',
        encoding="utf-8",
    )
    corpus = run(
        [sys.executable, "-m", "corpus.build", "--recipe", "tiny", "--recipes", "recipes.toml"]
        + ["--source", "reviews=reviews/kakao", "--out", "corpus", "--workers", "1"]
        + ["--no-progress"],
        elsewhere,
        site_dir,
    )
    assert corpus.returncode == 0, corpus.stderr[-3000:]
    shards = list((elsewhere / "corpus" / "tiny" / "text").glob("shard-*.txt"))
    assert shards and any(shard.read_text(encoding="utf-8").strip() for shard in shards)

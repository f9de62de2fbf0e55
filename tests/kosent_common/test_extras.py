"""The extras: each command whose extra is not installed says which `pip install 'kosent[...]'`
to run, in one line, with exit status 2; the core (corpus, vocab, TFRecords) runs with every
extra missing; the module table agrees with pyproject.toml.

A missing extra is simulated by tests/without_extras/sitecustomize.py, which makes the named
modules unimportable in the command and in every process it starts."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

from kosent_common.extras import EXTRA_MODULES, MissingExtra, require
from tests.kosent.test_main import Pipeline, ok

REPO = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
EVERY_EXTRA_MODULE = sorted({m for modules in EXTRA_MODULES.values() for m in modules})


def without(hidden: list[str], args: list[str], cwd: Path, **env: str | None):
    """`python *args` in `cwd` where the modules `hidden` cannot be imported (env: None unsets)."""
    environment = {**os.environ, "SCRAPY_SETTINGS_MODULE": "crawler.settings", **env}
    environment["KOSENT_HIDE_MODULES"] = ",".join(hidden)
    environment["PYTHONPATH"] = os.pathsep.join([str(REPO / "tests" / "without_extras"), str(REPO)])
    environment = {k: v for k, v in environment.items() if v is not None}
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, env=environment, capture_output=True, text=True,
        timeout=300,
    )  # fmt: skip


def one_error_line(done: subprocess.CompletedProcess, extra: str) -> str:
    """The command exited 2 and its last stderr line names `pip install 'kosent[extra]'`."""
    assert done.returncode == 2, done.stdout[-2000:] + done.stderr[-2000:]
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("error: ") and f"pip install 'kosent[{extra}]'" in last, last
    assert "Traceback" not in done.stderr, done.stderr[-2000:]
    return last


def _requirement_names(extra: str) -> set[str]:
    """Distribution names an extra installs, following `kosent[other]` references."""
    names = set()
    for requirement in PYPROJECT["optional-dependencies"][extra]:
        name = re.match(r"[A-Za-z0-9_.-]+", requirement).group(0).lower()
        if name == "kosent":
            for other in re.search(r"\[(.*)\]", requirement).group(1).split(","):
                names |= _requirement_names(other.strip())
        else:
            names.add(name.replace("_", "-"))
    return names


@pytest.mark.parametrize("extra", sorted(EXTRA_MODULES))
def test_each_extras_modules_come_from_that_extra_in_pyproject(extra):
    installs = _requirement_names(extra)
    providers = packages_distributions()
    for module in EXTRA_MODULES[extra]:
        names = {d.lower().replace("_", "-") for d in providers[module]}
        assert names & installs, f"{module} ({names}) is not installed by kosent[{extra}]"


def test_the_core_requires_no_engine_crawler_or_cluster():
    core = {re.match(r"[A-Za-z0-9_.-]+", r).group(0).lower() for r in PYPROJECT["dependencies"]}
    heavy = {"tensorflow", "torch", "jax", "jaxlib", "keras", "keras-hub", "ray", "scrapy"}
    assert not core & heavy, core & heavy
    assert "<" not in PYPROJECT["requires-python"]
    assert not [r for r in PYPROJECT["dependencies"] if "==" in r]


def test_all_holds_every_extra_and_require_names_it():
    every = set(EXTRA_MODULES)
    assert every <= set(PYPROJECT["optional-dependencies"])
    all_names = _requirement_names("all")
    assert all(_requirement_names(extra) <= all_names for extra in every)
    with pytest.raises(MissingExtra, match=r"pip install 'kosent\[ray\]'"):
        require("ray", "a test", ("kosent_no_such_module",))


PRETRAIN = ["-m", "pretrain.train", "--config", "tiny-cpu", "--data", "d", "--out", "o"]
FRONTIER = ["-s", "REVIEWS_FRONTIER=redis://127.0.0.1:1/0", "-s", "REVIEWS_FRONTIER_JOB=j"]
CRAWL = ["-m", "crawler", "-a", "source=kakao", "-a", "places=1"]
CORPUS = ["-m", "corpus.build", "--recipe", "model3"]
# (extra, what the user ran): modules hidden, command, environment
CASES = {
    ("crawl", "kosent-crawl"): (["scrapy"], CRAWL, {}),
    ("redis", "a shared frontier"): (["scrapy_redis"], CRAWL + FRONTIER, {}),
    ("ray", "corpus.build --executor ray"): (["ray"], CORPUS + ["--executor", "ray"], {}),
    ("ray", "pretrain.tfrecords --executor ray"): (
        ["ray"],
        ["-m", "pretrain.tfrecords", "--corpus-dir", "c", "--vocab-file", "v", "--output-dir", "o"]
        + ["--executor", "ray"],
        {},
    ),
    ("kiwi", "--splitter kiwi"): (["kiwipiepy"], CORPUS + ["--splitter", "kiwi"], {}),
    ("tensorflow", "no backend at all"): (
        ["tensorflow", "jax", "torch"], PRETRAIN, {"KERAS_BACKEND": None}
    ),
    ("tensorflow", "a gs:// path"): (
        ["tensorflow"], ["-m", "pretrain.export", "gs://bucket/run"], {}
    ),
    ("jax", "KERAS_BACKEND=jax"): (["jax"], PRETRAIN, {"KERAS_BACKEND": "jax"}),
    ("torch", "KERAS_BACKEND=torch"): (["torch"], PRETRAIN, {"KERAS_BACKEND": "torch"}),
    ("pretrain", "no keras-hub"): (["keras_hub"], PRETRAIN, {"KERAS_BACKEND": "torch"}),
    ("pretrain", "pretrain.export"): (["safetensors"], ["-m", "pretrain.export", "run"], {}),
    ("finetune", "fine-tuning"): (["transformers"], ["-m", "finetune.nsmc", "--model", "m"], {}),
    ("finetune", "the TF-IDF baseline"): (
        ["sklearn"], ["-m", "finetune.nsmc", "--baseline", "tfidf"], {}
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(CASES), ids=lambda case: f"{case[0]}: {case[1]}")
def test_a_command_whose_extra_is_missing_says_what_to_install(case, tmp_path):
    hidden, args, env = CASES[case]
    one_error_line(without(hidden, args, tmp_path, **env), case[0])


def test_the_pipeline_stops_before_its_first_stage_when_an_extra_is_missing(tmp_path):
    p = Pipeline.on_fixtures(tmp_path)
    command = ["-m", "kosent", "--recipe", "tiny", "--recipes", str(p.root / "recipes.toml")]
    command += ["--sources", str(p.root / "sources.toml"), "--out", str(p.out)]
    done = without(["tensorflow", "jax", "torch"], [*command, "--until", "export"], REPO)
    one_error_line(done, "tensorflow")
    assert not (p.out / "corpus").exists()


def test_the_demo_says_what_to_install_before_it_touches_its_output(tmp_path):
    out = tmp_path / "demo"
    out.mkdir()
    (out / "kept.txt").write_text("an earlier demo")
    done = without(["scrapy"], ["-m", "demo.run", "--size", "smallest", "--out", str(out)], REPO)
    one_error_line(done, "crawl")
    assert (out / "kept.txt").is_file()


def test_the_core_stages_run_with_every_extra_missing(tmp_path):
    """corpus -> vocab -> TFRecords, with 2 workers, where no extra can be imported."""
    p = Pipeline.on_fixtures(tmp_path)
    command = ["-m", "kosent", "--recipe", "tiny", "--recipes", str(p.root / "recipes.toml")]
    command += ["--sources", str(p.root / "sources.toml"), "--out", str(p.out)]
    command += ["--limit-alphabet", "500", "--workers", "2", "--until", "tfrecords"]
    done = ok(without(EVERY_EXTRA_MODULE, command, REPO))
    assert "=== tfrecords: runs" in done.stdout
    assert list((p.out / "tfrecords").glob("*/*.tfrecord*")), done.stdout[-2000:]


def test_constraints_lowest_holds_each_core_lower_bound():
    """`make test-lowest` tests the core at the lower bounds pyproject.toml states."""
    lowest = {}
    for line in (REPO / "constraints-lowest.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, version = line.partition("==")
            lowest[name.strip().lower()] = version.strip()
    bounds = {}
    for requirement in PYPROJECT["dependencies"]:
        name = re.match(r"[A-Za-z0-9_.-]+", requirement).group(0).lower()
        bounds[name] = re.search(r">=\s*([0-9][0-9a-z.]*)", requirement).group(1)
    assert set(lowest) == set(bounds)
    for name, bound in bounds.items():
        assert _release(lowest[name]) == _release(bound), (name, lowest[name], bound)


def _release(version: str) -> tuple[int, int, int]:
    """1.3 -> (1, 3, 0)."""
    parts = [int(part) for part in version.split(".")][:3]
    return tuple(parts + [0] * (3 - len(parts)))

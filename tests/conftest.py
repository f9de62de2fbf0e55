from pathlib import Path

import pytest

from corpus.schema import Reject

FIXTURES = Path(__file__).parent / "fixtures"


class RejectLog(list):
    """Collects what a reader rejects (a real sink, as the build uses)."""

    def __call__(self, item: Reject) -> None:
        self.append(item)

    def reasons(self) -> list[str]:
        return [r.reason for r in self]


@pytest.fixture
def rejects() -> RejectLog:
    return RejectLog()


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES


@pytest.fixture(scope="session")
def fixtures_root() -> Path:
    return FIXTURES


@pytest.fixture(scope="session")
def corpus_dir(tmp_path_factory, fixtures_root):
    """A real corpus built by corpus.build from the bundled fixtures (input of later stages)."""
    from corpus.pipeline import BuildOptions, build_corpus
    from corpus.recipes import Recipe
    from corpus.sources import load_locations, resolve_files

    sources = ("kcbert", "nsmc", "wiki", "kcc", "reviews")
    files = resolve_files(
        "t", sources, load_locations(None, [f"{s}={fixtures_root / s}" for s in sources])
    )
    out = tmp_path_factory.mktemp("corpus")
    build_corpus(
        Recipe("fixture", sources, 2000),
        files,
        out,
        BuildOptions(workers=1, progress=False, shard_mb=0.05),
    )
    return out / "fixture"


@pytest.fixture(scope="session")
def vocab_dir(corpus_dir, tmp_path_factory):
    """A vocabulary trained by vocab.build on `corpus_dir` (input of the TFRecord stage)."""
    from vocab.build import main

    out = tmp_path_factory.mktemp("vocab")
    args = [
        "--corpus",
        str(corpus_dir),
        "--out",
        str(out),
        "--vocab-size",
        "3000",
        "--limit-alphabet",
        "1500",
        "--unused",
        "3",
    ]
    assert main(args) == 0
    return out

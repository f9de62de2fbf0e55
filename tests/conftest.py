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

import re

import pytest


@pytest.fixture(scope="session")
def vocab_file(vocab_dir):
    return vocab_dir / "vocab.txt"


@pytest.fixture(scope="session")
def corpus_lines(corpus_dir) -> list[str]:
    """Every line of the real fixture corpus built by corpus.build."""
    return [
        line
        for path in sorted((corpus_dir / "text").glob("*.txt"))
        for line in path.read_text(encoding="utf-8").split("\n")
    ]


@pytest.fixture(scope="session")
def corpus_words(corpus_lines) -> list[str]:
    """Every distinct run of Hangul, jamo, Latin letters and digits in the corpus."""
    return sorted({w for line in corpus_lines for w in re.findall(r"[가-힣ㄱ-ㅣA-Za-z0-9]+", line)})

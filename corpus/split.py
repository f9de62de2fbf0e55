"""Sentence splitting: kss's mecab path (compiled core by default), reference kss, or kiwi.

- "kss-fast" (default): corpus/_kss_core.pyx, kss 6.0.6's mecab path ported to Cython; same
  sentences as a fresh kss process (bench/splitter.py --identity), ~12x the KB per CPU-second.
  A line the core cannot handle goes to reference kss and is counted (`fallbacks`). Without
  the built extension it warns once and runs reference kss (its `name` then says "kss").
- "kss": kss.split_sentences(line, backend="mecab") itself, for comparison.
- "kiwi": kiwipiepy (optional extra).

A document is split line by line: a newline is a hard boundary (paragraph, utterance),
and kss is 3-4x slower per byte on long lines. Identical lines are split once per worker
(LRU cache), which is exactly kss's answer for them.

kss facts this module guards against (tests in tests/corpus/test_split.py):
- backend "mecab" via python-mecab-ko; "pecab" (the default without mecab) is 22x slower and
  silently changes splits under NumPy 2; "fast" depends on what the process split before.
- `num_workers` other than 1 makes kss build a process pool per call: we pass 1.
- `ignores=` leaks into later calls: never used here.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Protocol

from kosent_common.extras import require

SPLITTERS = ("kss-fast", "kss", "kiwi")
DEFAULT_SPLITTER = "kss-fast"
LINE_CACHE_SIZE = 10_000


class SentenceSplitter(Protocol):
    name: str

    def split_line(self, line: str) -> list[str]: ...


class KssSplitter:
    """kss.split_sentences(line, backend="mecab", num_workers=1)."""

    name = "kss"

    def __init__(self) -> None:
        import kss
        from kss._utils.sanity_checks import _check_analyzer_backend

        analyzer = _check_analyzer_backend("mecab")
        if analyzer._backend != "mecab":
            raise RuntimeError(
                "kss could not load its mecab backend (python-mecab-ko); install the pinned "
                "requirements (`make setup`) — the pecab fallback is 22x slower and inexact"
            )
        self.backend = analyzer._backend
        self.version = kss.__version__ if hasattr(kss, "__version__") else _version("kss")
        self._split = kss.split_sentences
        self.split_line = lru_cache(maxsize=LINE_CACHE_SIZE)(self._split_uncached)

    def _split_uncached(self, line: str) -> list[str]:
        return self._split(line, backend="mecab", num_workers=1)


class KssFastSplitter:
    """The compiled core of kss's mecab path (corpus._kss_core), reference kss as fallback."""

    name = "kss-fast"
    backend = "mecab"

    def __init__(self) -> None:
        from corpus.kss_core import load_core

        self._reference = KssSplitter()
        self.version = self._reference.version
        self.fallbacks = 0  # lines the core raised on, answered by reference kss
        core = load_core()
        if core is None:  # extension not built: load_core warned once
            self.name = self._reference.name
            self.split_line = self._reference.split_line
            return
        self._core_split = core.split
        self.split_line = lru_cache(maxsize=LINE_CACHE_SIZE)(self._split_uncached)

    def _split_uncached(self, line: str) -> list[str]:
        if not line:
            return self._reference.split_line(line)
        try:
            return self._core_split(line)
        except Exception:  # kss itself fails on a few inputs; it then answers (or raises)
            self.fallbacks += 1
            return self._reference.split_line(line)


class KiwiSplitter:
    """kiwipiepy's `split_into_sents` (optional extra `kosent[kiwi]`): ~2.6x faster than kss."""

    name = "kiwi"
    backend = "kiwi"

    def __init__(self) -> None:
        require("kiwi", "--splitter kiwi")
        from kiwipiepy import Kiwi

        self.version = _version("kiwipiepy")
        self._kiwi = Kiwi(num_workers=-1)  # -1: this thread only (0 means all cores since 0.21)
        self.split_line = lru_cache(maxsize=LINE_CACHE_SIZE)(self._split_uncached)

    def _split_uncached(self, line: str) -> list[str]:
        return [s.text for s in self._kiwi.split_into_sents(line)]


def make_splitter(name: str) -> SentenceSplitter:
    if name == "kss-fast":
        return KssFastSplitter()
    if name == "kss":
        return KssSplitter()
    if name == "kiwi":
        return KiwiSplitter()
    raise ValueError(f"unknown splitter {name!r} (choose from {', '.join(SPLITTERS)})")


def split_document(splitter: SentenceSplitter, text: str) -> list[str]:
    """Sentences of a document, newline-separated lines split independently, never empty."""
    sentences: list[str] = []
    for line in text.split("\n"):
        if line.strip():
            sentences.extend(s.strip() for s in splitter.split_line(line) if s.strip())
    return sentences


def _version(package: str) -> str:
    from importlib.metadata import version

    return version(package)

"""One reader per source format; each yields Documents and reports Rejects. Which source
uses which reader is declared in the registry (corpus.sources.SOURCES)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from corpus.schema import Document, Reject
from corpus.sources import SOURCES

Reader = Callable[[Path, str, Callable[[Reject], None]], Iterator[Document]]

READERS: dict[str, Reader] = {source.name: source.read for source in SOURCES}

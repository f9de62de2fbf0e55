"""KCC (Korean Corpus from Kookmin University): one sentence per line.

UTF-8 files may start with a BOM; files whose name contains `EUCKR` are cp949.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from corpus.readers.lines import iter_lines
from corpus.schema import Document, Reject


def kcc_encoding(path: Path) -> str:
    return "cp949" if "EUCKR" in path.name.upper() else "utf-8"


def read_kcc(path: Path, source: str, reject: Callable[[Reject], None]) -> Iterator[Document]:
    """Each non-blank line is one document (DESIGN.md: one KCC line)."""
    for line_no, text in iter_lines(path, source, reject, encoding=kcc_encoding(path)):
        if text.strip():
            yield Document(source, f"{path.name}:{line_no}", text)

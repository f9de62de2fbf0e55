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


def read_kcc(
    path: Path, source: str, reject: Callable[[Reject], None], **line_range
) -> Iterator[Document]:
    """Each non-blank line is one document. `line_range`: iter_lines's start, end and
    first_line (a task's part of the file)."""
    encoding = kcc_encoding(path)
    for line_no, text in iter_lines(path, source, reject, encoding=encoding, **line_range):
        if text.strip():
            yield Document(source, f"{path.name}:{line_no}", text)

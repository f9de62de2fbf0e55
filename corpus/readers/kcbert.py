"""KcBERT comment corpus: one news comment per line, UTF-8 (12.5 GB: streamed)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from corpus.readers.lines import iter_lines
from corpus.schema import Document, Reject


def read_kcbert(
    path: Path, source: str, reject: Callable[[Reject], None], **line_range
) -> Iterator[Document]:
    """Each non-blank line is one document; doc_id is `<file name>:<line number>`.
    `line_range`: iter_lines's start, end and first_line (a task's part of the file)."""
    for line_no, text in iter_lines(path, source, reject, **line_range):
        if text.strip():
            yield Document(source, f"{path.name}:{line_no}", text)

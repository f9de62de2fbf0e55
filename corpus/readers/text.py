"""Your own plain-text corpus: UTF-8 (a BOM is dropped), one document per line (`text`) or
documents separated by blank lines, a document's lines kept together (`text_blocks`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from corpus.readers.lines import iter_lines
from corpus.schema import Document, Reject


def read_lines(
    path: Path, source: str, reject: Callable[[Reject], None], **line_range
) -> Iterator[Document]:
    """Each non-blank line is one document; doc_id is `<file name>:<line number>`.
    `line_range`: iter_lines's start, end and first_line (a task's part of the file)."""
    for line_no, text in iter_lines(path, source, reject, **line_range):
        if text.strip():
            yield Document(source, f"{path.name}:{line_no}", text)


def read_blocks(path: Path, source: str, reject: Callable[[Reject], None]) -> Iterator[Document]:
    """Runs of non-blank lines are documents (lines joined by a newline); doc_id is
    `<file name>:<first line number>`."""
    first, lines = 0, []
    for line_no, text in iter_lines(path, source, reject):
        if text.strip():
            first = first or line_no
            lines.append(text)
        elif lines:
            yield Document(source, f"{path.name}:{first}", "\n".join(lines))
            first, lines = 0, []
    if lines:
        yield Document(source, f"{path.name}:{first}", "\n".join(lines))

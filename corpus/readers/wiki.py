"""Korean Wikipedia as wikiextractor writes it.

Two layouts, detected per file: `<doc id=".." url=".." title="..">` ... `</doc>` blocks (the
first text line repeats the title and is dropped), or `--json` lines
`{id, revid, url, title, text}`. A document's paragraphs are joined by newlines.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path

from corpus.readers.lines import iter_lines
from corpus.schema import Document, Reject

_DOC_OPEN = re.compile(r"^<doc\s+(?P<attrs>[^>]*)>\s*$")
_ATTR = re.compile(r'(\w+)="([^"]*)"')


def read_wiki(path: Path, source: str, reject: Callable[[Reject], None]) -> Iterator[Document]:
    lines = iter_lines(path, source, reject)
    for line_no, line in lines:
        if not line.strip():
            continue
        if line.lstrip().startswith("{"):
            yield from _json_docs([(line_no, line)], lines, path, source, reject)
        else:
            yield from _doc_blocks([(line_no, line)], lines, path, source, reject)
        return


def _json_docs(first, rest, path, source, reject) -> Iterator[Document]:
    for line_no, line in _chain(first, rest):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            doc_id, title, text = str(record["id"]), record.get("title", ""), record["text"]
        except (json.JSONDecodeError, KeyError, TypeError) as err:
            reject(
                Reject(
                    source,
                    str(path),
                    f"line {line_no}",
                    "malformed_json",
                    f"{type(err).__name__}: {err}",
                    line[:200],
                )
            )
            continue
        paragraphs = [p for p in text.split("\n") if p.strip()]
        yield _document(source, doc_id, title, paragraphs)


def _doc_blocks(first, rest, path, source, reject) -> Iterator[Document]:
    def problem(line_no: int, reason: str, detail: str, sample: str = "") -> None:
        reject(Reject(source, str(path), f"line {line_no}", reason, detail, sample))

    attrs: dict[str, str] | None = None
    start_line = 0
    paragraphs: list[str] = []
    for line_no, line in _chain(first, rest):
        opening = _DOC_OPEN.match(line)
        if opening:
            if attrs is not None:
                problem(start_line, "unclosed_doc", f"<doc> at line {start_line} has no </doc>")
            attrs, start_line, paragraphs = dict(_ATTR.findall(opening["attrs"])), line_no, []
        elif line.strip() == "</doc>":
            if attrs is None:
                problem(line_no, "stray_close", "</doc> without <doc>")
                continue
            title = html.unescape(attrs.get("title", ""))
            doc_id = attrs.get("id") or f"{path.name}:{start_line}"
            yield _document(source, doc_id, title, paragraphs)
            attrs = None
        elif attrs is not None:
            if line.strip():
                paragraphs.append(line)
        elif line.strip():
            problem(line_no, "text_outside_doc", "text outside a <doc> block", line[:200])
    if attrs is not None:
        problem(
            start_line,
            "unclosed_doc",
            f"<doc> at line {start_line} has no </doc> (truncated file?)",
        )


def _document(source: str, doc_id: str, title: str, paragraphs: list[str]) -> Document:
    """wikiextractor repeats the title as the first line: drop it."""
    if paragraphs and paragraphs[0].strip() == title.strip():
        paragraphs = paragraphs[1:]
    return Document(source, doc_id, "\n".join(paragraphs), {"title": title})


def _chain(first, rest):
    yield from first
    yield from rest

"""NSMC: TSV with header `id\\tdocument\\tlabel`, read with quoting off.

Empty documents are counted (reject reason `empty_document`), not kept. Quotes are data:
856 documents contain `"` that CSV quoting would swallow.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from corpus.readers.lines import iter_lines
from corpus.schema import Document, Reject

NSMC_HEADER = ("id", "document", "label")


def read_nsmc(path: Path, source: str, reject: Callable[[Reject], None]) -> Iterator[Document]:
    lines = iter_lines(path, source, reject)
    for line_no, line in lines:
        fields = line.split("\t")
        if line_no == 1 and tuple(fields) == NSMC_HEADER:
            continue
        if len(fields) != 3:
            reject(
                Reject(
                    source,
                    str(path),
                    f"line {line_no}",
                    "malformed_row",
                    f"expected 3 tab-separated fields, got {len(fields)}",
                    line[:200],
                )
            )
            continue
        doc_id, text, label = fields
        if not text.strip():
            reject(
                Reject(
                    source,
                    str(path),
                    f"line {line_no}",
                    "empty_document",
                    f"id {doc_id} has no text",
                )
            )
            continue
        yield Document(source, doc_id, text, {"label": label, "split": path.stem})

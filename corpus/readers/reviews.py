"""Crawled restaurant reviews: Parquet files in the Reviews contract (crawler/schema.py).

Read one row group at a time; a truncated or corrupt file, or one missing the contract's
columns, becomes a reject entry and the build goes on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from corpus.schema import Document, Reject

COLUMNS = ["source", "place_id", "review_id", "text", "rating"]


def read_reviews(
    path: Path,
    source: str,
    reject: Callable[[Reject], None],
    row_groups: tuple[int, int] | None = None,
) -> Iterator[Document]:
    """Reviews of the file, or of its row groups [first, last) (a task's part of it)."""
    try:
        parquet = pq.ParquetFile(path)
        missing = [c for c in COLUMNS if c not in parquet.schema_arrow.names]
        if missing:
            raise ValueError(f"missing Reviews columns {missing}")
    except (pa.ArrowException, OSError, ValueError) as err:
        reject(
            Reject(source, str(path), "file", "unreadable_parquet", f"{type(err).__name__}: {err}")
        )
        return
    first, last = row_groups or (0, parquet.num_row_groups)
    for group in range(first, last):
        try:
            rows = parquet.read_row_group(group, columns=COLUMNS).to_pylist()
        except (pa.ArrowException, OSError) as err:
            reject(
                Reject(
                    source,
                    str(path),
                    f"row group {group}",
                    "unreadable_parquet",
                    f"{type(err).__name__}: {err}",
                )
            )
            continue
        for row in rows:
            if not row["text"] or not row["review_id"]:
                reject(
                    Reject(
                        source,
                        str(path),
                        f"row group {group}",
                        "empty_document",
                        f"review {row['review_id']!r} has no text or id",
                    )
                )
                continue
            doc_id = f"{row['source']}/{row['review_id']}"
            meta = {"place_id": row["place_id"], "rating": row["rating"]}
            yield Document(source, doc_id, row["text"], meta)

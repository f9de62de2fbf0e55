"""Reviews Parquet parts: row groups flushed every N rows, a part renamed into place when done.

`data/raw/reviews/<source>/part-<utc-stamp>-<seq>.parquet`; a part is written under a hidden
temporary name and renamed when it reaches `part_rows` rows or the crawl closes, so readers and
later crawls only ever see whole files. Places finished inside a part are recorded in its
key-value metadata (store.PLACES_DONE_KEY).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from crawler.items import ReviewItem
from crawler.schema import REVIEWS_SCHEMA
from crawler.store import PLACES_DONE_KEY
from kosent_common.atomic import discard, publish, temp_path

_ITEM_FIELDS = [name for name in REVIEWS_SCHEMA.names if name != "crawled_at"]


class ReviewsPartWriter:
    def __init__(
        self, source_dir: Path, row_group_rows: int = 10_000, part_rows: int = 100_000
    ) -> None:
        if row_group_rows < 1 or part_rows < row_group_rows:
            raise ValueError("need 1 <= row_group_rows <= part_rows")
        self.source_dir = Path(source_dir)
        self.row_group_rows = row_group_rows
        self.part_rows = part_rows
        # The pid keeps parts of workers started in the same microsecond apart.
        self.stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ") + f"-{os.getpid()}"
        self.sequence = 0
        self.parts_written: list[Path] = []
        self.rows_written = 0
        self._columns: dict[str, list[Any]] = {name: [] for name in REVIEWS_SCHEMA.names}
        self._buffered = 0
        self._places_done: list[str] = []
        self._writer: pq.ParquetWriter | None = None
        self._tmp: Path | None = None
        self._part_rows = 0

    def add(self, row: dict[str, Any]) -> None:
        """One row as a dict of the contract's columns."""
        for name, values in self._columns.items():
            values.append(row[name])
        self._added(1)

    def add_reviews(self, reviews: list[ReviewItem], crawled_at: dt.datetime) -> None:
        """Rows straight from review items (no per-row dict: this is the crawl's hot path)."""
        columns = self._columns
        for name in _ITEM_FIELDS:
            columns[name].extend([getattr(review, name) for review in reviews])
        columns["crawled_at"].extend([crawled_at] * len(reviews))
        self._added(len(reviews))

    def _added(self, rows: int) -> None:
        self._buffered += rows
        if self._buffered >= self.row_group_rows:
            self._flush_row_group()
            if self._part_rows >= self.part_rows:
                self._finish_part()

    def place_done(self, place_id: str) -> None:
        self._places_done.append(place_id)

    def close(self) -> None:
        """Write what is buffered and rename the current part (nothing to write: no file)."""
        self._flush_row_group()
        if self._writer is None and self._places_done:
            self._open_part()  # places finished with no new reviews are still recorded
        self._finish_part()

    def abort(self) -> None:
        if self._writer is not None:
            self._writer.close()
        if self._tmp is not None:
            discard(self._tmp)

    def _final_path(self) -> Path:
        return self.source_dir / f"part-{self.stamp}-{self.sequence:05d}.parquet"

    def _open_part(self) -> None:
        self.source_dir.mkdir(parents=True, exist_ok=True)
        self._tmp = temp_path(self._final_path())
        self._writer = pq.ParquetWriter(self._tmp, REVIEWS_SCHEMA, compression="zstd")
        self._part_rows = 0

    def _flush_row_group(self) -> None:
        if not self._buffered:
            return
        if self._writer is None:
            self._open_part()
        table = pa.Table.from_pydict(self._columns, schema=REVIEWS_SCHEMA)
        self._writer.write_table(table, row_group_size=self._buffered)
        self._part_rows += self._buffered
        self.rows_written += self._buffered
        self._columns = {name: [] for name in REVIEWS_SCHEMA.names}
        self._buffered = 0

    def _finish_part(self) -> None:
        if self._writer is None:
            return
        self._writer.add_key_value_metadata({PLACES_DONE_KEY: json.dumps(self._places_done)})
        self._writer.close()
        final = self._final_path()
        publish(self._tmp, final)
        self.parts_written.append(final)
        self.sequence += 1
        self._writer = None
        self._tmp = None
        self._places_done = []

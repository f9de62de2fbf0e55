"""What each step dropped, written where a user can look: `OUT/RECIPE/excluded/STEP/
task-NNNNN.parquet`, one file per step and task, rows (`source`, `doc_id`, `reason`, `text`)
in input order.

`--exclusions all` (default) writes every dropped document; `sample:N` the first N per step
and task; `none` nothing (the manifest still counts every drop).
"""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from kosent_common.atomic import atomic_path

EXCLUDED_SCHEMA = pa.schema(
    [
        pa.field("source", pa.string(), nullable=False),
        pa.field("doc_id", pa.string(), nullable=False),
        pa.field("reason", pa.string(), nullable=False),
        pa.field("text", pa.string(), nullable=False),
    ]
)


@dataclass(frozen=True)
class ExclusionPolicy:
    keep: str = "all"  # all | sample | none
    sample: int = 0

    @classmethod
    def parse(cls, text: str) -> ExclusionPolicy:
        if text in ("all", "none"):
            return cls(text)
        kind, _, count = text.partition(":")
        if kind == "sample" and count.isdigit() and int(count) > 0:
            return cls("sample", int(count))
        raise ValueError(f"--exclusions {text!r}: expected all, none or sample:N (N > 0)")

    def describe(self) -> str:
        return f"sample:{self.sample}" if self.keep == "sample" else self.keep


def excluded_path(out_dir: Path, step: str, task_name: str) -> Path:
    return out_dir / "excluded" / step / f"{task_name}.parquet"


class ExclusionWriter:
    """One task's exclusion files, opened on a step's first drop, published on close (a task
    that fails leaves none: its temporary files are removed)."""

    def __init__(self, out_dir: Path, task_name: str, policy: ExclusionPolicy) -> None:
        self.out_dir, self.task_name, self.policy = out_dir, task_name, policy
        self._stack = ExitStack()
        self._writers: dict[str, pq.ParquetWriter] = {}
        self._written: dict[str, int] = {}

    def __enter__(self) -> ExclusionWriter:
        self._stack.__enter__()
        return self

    def __exit__(self, *exc) -> bool | None:
        for writer in self._writers.values():
            writer.close()
        return self._stack.__exit__(*exc)

    def add(self, step: str, dropped: pl.DataFrame) -> None:
        if self.policy.keep == "none" or not dropped.height:
            return
        written = self._written.get(step, 0)
        if self.policy.keep == "sample":
            dropped = dropped.head(max(self.policy.sample - written, 0))
            if not dropped.height:
                return
        if step not in self._writers:
            temp = self._stack.enter_context(
                atomic_path(excluded_path(self.out_dir, step, self.task_name))
            )
            self._writers[step] = pq.ParquetWriter(temp, EXCLUDED_SCHEMA, compression="zstd")
        table = dropped.select("source", "doc_id", "reason", "text").to_arrow()
        self._writers[step].write_table(table.cast(EXCLUDED_SCHEMA))
        self._written[step] = written + dropped.height

"""Cut a recipe's input into document tasks: each task is a slice of one source's input that a
worker reads and processes alone.

A slice is a whole file, a byte range of a large line-per-document file (cut at line starts,
so KcBERT's one 12 GB file becomes ~800 tasks), or a run of row groups of a large Parquet
file. Small files of one source are grouped until a task holds about `task_bytes`. The plan
depends on the files and `task_bytes` only, never on the number of workers or the executor,
so the output does not either. Tasks are numbered in recipe order (source, file, position):
that order decides which copy of a duplicate survives.

A range's first line number (documents are named `FILE:LINE`) needs the newlines before it:
`count_newlines` counts one range, in a worker, and `number_lines` adds them up.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import pyarrow.parquet as pq

from corpus.sources import get_source

DEFAULT_TASK_MB = 16.0
_READ_CHUNK = 16 << 20


@dataclass(frozen=True)
class InputSlice:
    """Part of one input file: bytes [start, end) of a line file (end None: to the end),
    starting at line `first_line`, or row groups [first, last) of a Parquet file."""

    path: str
    start: int = 0
    end: int | None = None
    first_line: int = 1
    row_groups: tuple[int, int] | None = None

    def reader_options(self) -> dict:
        if self.row_groups is not None:
            return {"row_groups": self.row_groups}
        if self.start or self.end is not None:
            return {"start": self.start, "end": self.end, "first_line": self.first_line}
        return {}


@dataclass(frozen=True)
class DocumentTask:
    index: int
    source: str
    slices: tuple[InputSlice, ...]

    @property
    def name(self) -> str:
        return f"task-{self.index:05d}"


@dataclass(frozen=True)
class Plan:
    tasks: tuple[DocumentTask, ...]
    files_read: dict[str, list[str]]
    files_skipped: dict[str, dict[str, str]]  # source -> {path: why}


def plan_tasks(
    sources: tuple[str, ...],
    files: dict[str, list[Path]],
    task_bytes: int,
    include_test_splits: bool = False,
) -> Plan:
    """Tasks for every source's files, in recipe order; line ranges still count from 1
    (see `number_lines`)."""
    slices_by_source: list[tuple[str, list[list[InputSlice]]]] = []
    files_read: dict[str, list[str]] = {}
    files_skipped: dict[str, dict[str, str]] = {}
    for source in sources:
        declared = get_source(source)
        groups: list[list[InputSlice]] = []
        pending: list[InputSlice] = []
        pending_bytes = 0
        files_read[source], files_skipped[source] = [], {}
        for path in files.get(source, []):
            if declared.is_test_split(path) and not include_test_splits:
                files_skipped[source][str(path)] = declared.test_split_note
                continue
            files_read[source].append(str(path))
            size = _size(path)
            parts = _split_file(path, size, declared.splits, task_bytes)
            if len(parts) > 1:
                groups += [[part] for part in parts]
                continue
            pending.append(parts[0])
            pending_bytes += size
            if pending_bytes >= task_bytes:
                groups.append(pending)
                pending, pending_bytes = [], 0
        if pending:
            groups.append(pending)
        slices_by_source.append((source, groups))
    tasks = []
    for source, groups in slices_by_source:
        for group in groups:
            tasks.append(DocumentTask(len(tasks), source, tuple(group)))
    return Plan(tuple(tasks), files_read, files_skipped)


def line_ranges(tasks: tuple[DocumentTask, ...]) -> list[InputSlice]:
    """The byte ranges whose newlines must be counted to number their files' lines."""
    return [s for task in tasks for s in task.slices if s.end is not None or s.start]


def count_newlines(part: InputSlice) -> int:
    """Newlines in bytes [start, end) of the file (run in a worker: it reads the range)."""
    count = 0
    with open(part.path, "rb") as handle:
        handle.seek(part.start)
        left = None if part.end is None else part.end - part.start
        while left is None or left > 0:
            chunk = handle.read(_READ_CHUNK if left is None else min(_READ_CHUNK, left))
            if not chunk:
                break
            count += chunk.count(b"\n")
            if left is not None:
                left -= len(chunk)
    return count


def number_lines(
    tasks: tuple[DocumentTask, ...], counts: dict[InputSlice, int]
) -> tuple[DocumentTask, ...]:
    """Tasks whose ranges start at the right line number, from each range's newline count."""
    next_line: dict[str, int] = {}
    numbered = []
    for task in tasks:
        slices = []
        for part in task.slices:
            if part in counts:
                first = next_line.get(part.path, 1)
                next_line[part.path] = first + counts[part]
                part = replace(part, first_line=first)
            slices.append(part)
        numbered.append(replace(task, slices=tuple(slices)))
    return tuple(numbered)


def _split_file(path: Path, size: int, splits: str, task_bytes: int) -> list[InputSlice]:
    if size <= task_bytes or not splits:
        return [InputSlice(str(path))]
    cutter: Callable[[Path, int], list[InputSlice]] = {
        "lines": _line_cuts,
        "row_groups": _row_group_cuts,
    }[splits]
    return cutter(path, task_bytes)


def _line_cuts(path: Path, task_bytes: int) -> list[InputSlice]:
    """Ranges of about task_bytes, each starting at a line start."""
    cuts = [0]
    with open(path, "rb") as handle:
        size = handle.seek(0, 2)
        target = task_bytes
        while target < size:
            handle.seek(target - 1)  # a line starts at `target` when the byte before is \n
            handle.readline()
            cut = handle.tell()
            if cut >= size:
                break
            if cut > cuts[-1]:
                cuts.append(cut)
            target = max(cut, target) + task_bytes
    ends: list[int | None] = [*cuts[1:], None]
    return [InputSlice(str(path), start, end) for start, end in zip(cuts, ends, strict=True)]


def _row_group_cuts(path: Path, task_bytes: int) -> list[InputSlice]:
    """Runs of row groups of about task_bytes (compressed); an unreadable file stays whole
    (its reader reports it)."""
    try:
        metadata = pq.ParquetFile(path).metadata
    except Exception:  # noqa: BLE001  (any Arrow error: the reader rejects the file)
        return [InputSlice(str(path))]
    groups = metadata.num_row_groups
    parts, first, size = [], 0, 0
    for group in range(groups):
        size += metadata.row_group(group).total_byte_size
        if size >= task_bytes or group == groups - 1:
            parts.append(InputSlice(str(path), row_groups=(first, group + 1)))
            first, size = group + 1, 0
    return parts or [InputSlice(str(path))]


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0  # vanished: its reader reports it

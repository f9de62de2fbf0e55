"""Atomic file output, on a local disk or behind a URL (gs://): write under a hidden temporary
name beside the target, then rename; a failed write removes its temporary file, and a killed
one leaves it for `remove_temps` to clear when the next run starts.

The temporary name of `dir/NAME` is `dir/.NAME.tmp-PID`: hidden from readers that skip dot
files, and apart from another process writing the same target. Local files are fsynced
before the rename, so a crash never leaves a target that names half-written bytes.
"""

from __future__ import annotations

import fnmatch
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TypeVar

from kosent_common import storage

PathLike = TypeVar("PathLike", str, Path)

TEMP_MARK = ".tmp-"


def temp_path(target: PathLike) -> PathLike:
    """The hidden temporary name this process writes `target` under (same type as given)."""
    text, hidden = str(target), f"{TEMP_MARK}{os.getpid()}"
    if storage.is_url(text):
        folder, _, name = text.rpartition("/")
        return type(target)(f"{folder}/.{name}{hidden}")
    path = Path(text)
    return type(target)(path.with_name(f".{path.name}{hidden}"))


def is_temp(name: str) -> bool:
    """Whether a file name is one `temp_path` gives."""
    return name.startswith(".") and TEMP_MARK in name


def _parent(path: str) -> str:
    return path.rpartition("/")[0] if storage.is_url(path) else str(Path(path).parent)


def publish(temp: str | Path, target: str | Path) -> None:
    """Put a complete temporary file in place of `target` (for writers that stay open over
    many calls; a `with` block uses `atomic_path`)."""
    temp, target = str(temp), str(target)
    if not storage.is_url(temp):
        with open(temp, "rb+") as handle:
            os.fsync(handle.fileno())
    storage.rename(temp, target)


def discard(temp: str | Path) -> None:
    """Remove a temporary file whose write failed (nothing when it was never created)."""
    if storage.exists(str(temp)):
        storage.remove(str(temp))


@contextmanager
def atomic_path(target: PathLike) -> Iterator[PathLike]:
    """Yield a temporary path for a writer that opens files itself (Parquet, TFRecord); on
    success it replaces `target`, on error it is removed. The target's folder is created."""
    temp = temp_path(target)
    storage.makedirs(_parent(str(target)))
    try:
        yield temp
        publish(temp, target)
    except BaseException:
        discard(temp)
        raise


@contextmanager
def atomic_write(target: str | Path, mode: str = "wb") -> Iterator[IO]:
    """`with atomic_write(path, "w") as out: out.write(...)`: an open temporary file that
    replaces `target` when the block ends without an error."""
    with atomic_path(str(target)) as temp, storage.open_file(temp, mode) as handle:
        yield handle


def write_bytes_atomic(target: str | Path, data: bytes) -> None:
    with atomic_write(target, "wb") as handle:
        handle.write(data)


def json_bytes(value: object, ensure_ascii: bool = False) -> bytes:
    """The JSON files kosent writes: indented by 2, one newline at the end, UTF-8."""
    return (json.dumps(value, ensure_ascii=ensure_ascii, indent=2) + "\n").encode("utf-8")


def write_json_atomic(target: str | Path, value: object, ensure_ascii: bool = False) -> None:
    write_bytes_atomic(target, json_bytes(value, ensure_ascii))


def remove_temps(folder: str | Path, pattern: str = "*", recursive: bool = False) -> list[str]:
    """Delete the temporary files killed writers left in `folder` (only those whose target
    name matches `pattern`; below it too when `recursive`) and return their paths. Only for
    a run that owns the folder: another process may be writing its own right now."""
    folder = str(folder).rstrip("/") or "/"
    if not storage.isdir(folder):
        return []
    removed = []
    for name in sorted(storage.listdir(folder)):
        name = name.rstrip("/")  # gfile lists sub-folders of a URL with a trailing slash
        path = f"{folder}/{name}"
        if is_temp(name) and fnmatch.fnmatchcase(name[1:].rpartition(TEMP_MARK)[0], pattern):
            storage.remove(path)
            removed.append(path)
        elif recursive and storage.isdir(path):
            removed += remove_temps(path, pattern, recursive)
    return removed

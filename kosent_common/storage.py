"""Files on local disk or behind a URL (gs://, s3://, hdfs://, ...): local paths use the
standard library, URLs go through `tf.io.gfile`. Importing TensorFlow takes seconds, and a
worker that reads and writes local files never needs it."""

from __future__ import annotations

import hashlib
import os
from typing import IO

from kosent_common.extras import require


def is_url(path: str) -> bool:
    return "://" in path


def _gfile():
    require("tensorflow", "a gs:// (or other URL) path", ("tensorflow",))
    import tensorflow as tf

    return tf.io.gfile


def open_file(path: str, mode: str = "r") -> IO:
    if is_url(path):
        return _gfile().GFile(path, mode)
    return open(path, mode, encoding=None if "b" in mode else "utf-8")


def exists(path: str) -> bool:
    return _gfile().exists(path) if is_url(path) else os.path.exists(path)


def isdir(path: str) -> bool:
    return _gfile().isdir(path) if is_url(path) else os.path.isdir(path)


def listdir(path: str) -> list[str]:
    return _gfile().listdir(path) if is_url(path) else os.listdir(path)


def makedirs(path: str) -> None:
    if is_url(path):
        _gfile().makedirs(path)
    else:
        os.makedirs(path, exist_ok=True)


def rename(source: str, target: str) -> None:
    """Replace target by source (atomic on a local disk)."""
    if is_url(source):
        _gfile().rename(source, target, overwrite=True)
    else:
        os.replace(source, target)


def remove(path: str) -> None:
    if is_url(path):
        _gfile().remove(path)
    else:
        os.remove(path)


def size_and_mtime(path: str) -> tuple[int, int]:
    """Bytes and modification time (ns) of a file."""
    if is_url(path):
        stat = _gfile().stat(path)
        return stat.length, stat.mtime_nsec
    stat = os.stat(path)
    return stat.st_size, stat.st_mtime_ns


def sha256(path: str) -> str:
    """Hex sha256 of a file's bytes, read a megabyte at a time."""
    digest = hashlib.sha256()
    with open_file(str(path), "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()

"""The TFRecords contract: google-research/electra's pretraining examples, plus our manifest.

Each record is a `tf.train.Example` with `input_ids`, `input_mask`, `segment_ids`, each an
`int64_list` of exactly `max_seq_length` values, layout `[CLS] A [SEP] (B [SEP])`, zero padded.
"""

from __future__ import annotations

import fnmatch
import json
from pathlib import Path

FEATURE_NAMES = ("input_ids", "input_mask", "segment_ids")
MANIFEST = "manifest.json"
DEFAULT_PREFIX = "pretrain_data.tfrecord"


class RecordsError(ValueError):
    """Records that cannot be used as asked; the message says what to do."""


def feature_spec(max_seq_length: int) -> dict:
    import tensorflow as tf

    return {name: tf.io.FixedLenFeature([max_seq_length], tf.int64) for name in FEATURE_NAMES}


def split_data_arg(data: str) -> tuple[str, str | None]:
    """`--data` is a folder or a file pattern in it (`dir/*`, `dir/pretrain_data.tfrecord-*`,
    as the original's `pretrain_tfrecords`): (folder, pattern or None)."""
    data = str(data).rstrip("/")
    if any(char in data for char in "*?["):
        folder, _, pattern = data.rpartition("/")
        if any(char in folder for char in "*?["):
            raise RecordsError(f"--data {data}: only the file name may hold a pattern")
        return folder or ".", pattern
    return data, None


def read_manifest(records_dir: str | Path) -> dict:
    from kosent_common import storage

    path = f"{split_data_arg(str(records_dir))[0]}/{MANIFEST}"
    if not storage.exists(path):
        raise RecordsError(
            f"{records_dir} has no {MANIFEST}: write it with python -m pretrain.tfrecords"
        )
    with storage.open_file(path) as handle:
        return json.load(handle)


def check_max_seq_length(records_dir: str | Path, expected: int) -> dict:
    """Fail clearly when records were written for another sequence length or hold nothing."""
    manifest = read_manifest(records_dir)
    if manifest["max_seq_length"] != expected:
        raise RecordsError(
            f"records in {records_dir} have max_seq_length {manifest['max_seq_length']}, but "
            f"{expected} was asked: rebuild them with --max-seq-length {expected} or set "
            f"max_seq_length to {manifest['max_seq_length']}"
        )
    if not manifest.get("examples"):
        raise RecordsError(
            f"records in {records_dir} hold 0 examples: build them from a corpus with text "
            "(python -m pretrain.tfrecords)"
        )
    return manifest


def record_files(records_dir: str | Path, manifest: dict) -> list[str]:
    """The record files the manifest lists (a glob would also pick up strays, such as the
    unfinished file of a killed run), those matching the pattern when `records_dir` is one;
    a missing one is a clear error."""
    from kosent_common import storage

    folder, pattern = split_data_arg(str(records_dir))
    names = [entry["file"] for entry in manifest["files"] if entry.get("examples", 1)]
    if pattern:
        names = [name for name in names if fnmatch.fnmatchcase(name, pattern)]
    files = [f"{folder}/{name}" for name in names]
    missing = [path for path in files if not storage.exists(path)]
    if missing or not files:
        raise RecordsError(
            f"{records_dir}: {len(missing) or 'no'} record files of {MANIFEST} missing "
            f"({', '.join(missing[:3])}): rerun python -m pretrain.tfrecords"
        )
    return files

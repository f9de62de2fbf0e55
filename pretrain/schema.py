"""The TFRecords contract: google-research/electra's pretraining examples, plus our manifest.

Each record is a `tf.train.Example` with `input_ids`, `input_mask`, `segment_ids`, each an
`int64_list` of exactly `max_seq_length` values, layout `[CLS] A [SEP] (B [SEP])`, zero padded.
"""

from __future__ import annotations

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


def read_manifest(records_dir: str | Path) -> dict:
    import tensorflow as tf

    path = f"{str(records_dir).rstrip('/')}/{MANIFEST}"
    if not tf.io.gfile.exists(path):
        raise RecordsError(
            f"{records_dir} has no {MANIFEST}: write it with python -m pretrain.tfrecords"
        )
    with tf.io.gfile.GFile(path) as handle:
        return json.load(handle)


def check_max_seq_length(records_dir: str | Path, expected: int) -> dict:
    """Fail clearly when records were written for another sequence length."""
    manifest = read_manifest(records_dir)
    if manifest["max_seq_length"] != expected:
        raise RecordsError(
            f"records in {records_dir} have max_seq_length {manifest['max_seq_length']}, but "
            f"{expected} was asked: rebuild them with --max-seq-length {expected} or set "
            f"max_seq_length to {manifest['max_seq_length']}"
        )
    return manifest


def record_files(records_dir: str | Path, manifest: dict) -> list[str]:
    """The record files the manifest lists (a glob would also pick up strays, such as the
    unfinished file of a killed run); a missing one is a clear error."""
    import tensorflow as tf

    folder = str(records_dir).rstrip("/")
    files = [f"{folder}/{entry['file']}" for entry in manifest["files"]]
    missing = [path for path in files if not tf.io.gfile.exists(path)]
    if missing or not files:
        raise RecordsError(
            f"{records_dir}: {len(missing) or 'no'} record files of {MANIFEST} missing "
            f"({', '.join(missing[:3])}): rerun python -m pretrain.tfrecords"
        )
    return files

"""The TFRecords contract: google-research/electra's pretraining examples, plus our manifest.

Each record is a `tf.train.Example` with `input_ids`, `input_mask`, `segment_ids`, each an
`int64_list` of exactly `max_seq_length` values, layout `[CLS] A [SEP] (B [SEP])`, zero padded.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from kosent_common import storage
from kosent_common.manifest import Manifest, ManifestError

FEATURE_NAMES = ("input_ids", "input_mask", "segment_ids")
MANIFEST = "manifest.json"  # RecordsManifest.FILE
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


@dataclass(kw_only=True)
class RecordsManifest(Manifest):
    """manifest.json of a records folder: how the records were built (the vocab's sha256 and
    size, case, sequence length) and what they hold (examples per file)."""

    WRITTEN_BY: ClassVar[str] = "python -m pretrain.tfrecords"

    format: str = "google-research/electra build_pretraining_dataset"
    max_seq_length: int
    examples: int
    tokens: int = 0
    padding_share: float = 0.0
    two_segment_share: float = 0.0
    input_files: int = 0
    input_bytes: int = 0
    vocab_file: str = ""
    vocab_sha256: str
    vocab_size: int
    lower_case: bool = False
    pack_across_docs: bool = False
    seed: int = 0
    file_prefix: str = DEFAULT_PREFIX
    num_out_files: int = 0
    files: list[dict[str, Any]]

    @property
    def do_lower_case(self) -> bool:
        return self.lower_case

    @classmethod
    def read(cls, folder: str | Path) -> RecordsManifest:
        """Also takes `--data`'s file pattern form (DIR/pattern): the manifest is in DIR."""
        folder = split_data_arg(str(folder))[0]
        try:
            return super().read(folder)
        except ManifestError as err:
            raise RecordsError(str(err)) from err

    def check_usable(self, records_dir: str | Path) -> None:
        """Records that hold nothing are an error that says how to get some."""
        if not self.examples:
            raise RecordsError(
                f"records in {records_dir} hold 0 examples: build them from a corpus with text "
                "(python -m pretrain.tfrecords)"
            )

    def check_vocab(self, vocab_file: str) -> None:
        """The vocab a consumer uses must be the one the records were tokenized with."""
        sha256 = storage.sha256(vocab_file)
        if sha256 != self.vocab_sha256:
            raise RecordsError(
                f"{vocab_file} (sha256 {sha256[:12]}...) is not the vocab the records were "
                f"built with ({self.vocab_file or 'unnamed'}, sha256 {self.vocab_sha256[:12]}...): "
                "pass that vocab, or rebuild the records with this one"
            )


def record_files(records_dir: str | Path, manifest: RecordsManifest) -> list[str]:
    """The record files the manifest lists (a glob would also pick up strays, such as the
    unfinished file of a killed run), those matching the pattern when `records_dir` is one;
    a missing one is a clear error."""
    folder, pattern = split_data_arg(str(records_dir))
    names = [entry["file"] for entry in manifest.files if entry.get("examples", 1)]
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

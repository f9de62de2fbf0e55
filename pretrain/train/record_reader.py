"""Read our TFRecords with numpy, without TensorFlow: batches for every Keras backend.

A file is a sequence of frames (length uint64 LE, masked CRC-32C of the length, the record,
masked CRC-32C of the record; `pretrain.tfrecords.tfrecord_file` writes them, and splits them
back with the checksums checked); each record is a `tf.train.Example` whose features
`input_ids`, `input_mask`, `segment_ids` are int64 lists of exactly max_seq_length values
(packed, as TensorFlow writes them, or unpacked).

Order: every epoch shuffles the order of the files, and the records inside each file, with a
generator seeded by (seed, epoch[, file]); batches run across file boundaries. The position
(epoch, file, record) is three integers, saved in checkpoints: a resumed run reads the same
batches as an uninterrupted one. Local or URL paths (URLs through `kosent_common.storage`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass

import numpy as np

from pretrain.tfrecords.schema import FEATURE_NAMES, RecordsError
from pretrain.tfrecords.tfrecord_file import CorruptRecordsError, read_records


def _varint(buf: memoryview, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result, pos
        shift += 7


def _fields(buf: memoryview) -> Iterator[tuple[int, int, object]]:
    """(field number, wire type, value) of one protobuf message; length-delimited values are
    memoryviews, varints ints."""
    pos = 0
    while pos < len(buf):
        key, pos = _varint(buf, pos)
        field, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(buf, pos)
        elif wire == 2:
            size, pos = _varint(buf, pos)
            value, pos = buf[pos : pos + size], pos + size
        elif wire == 1:
            value, pos = buf[pos : pos + 8], pos + 8
        elif wire == 5:
            value, pos = buf[pos : pos + 4], pos + 4
        else:
            raise ValueError(f"wire type {wire}")
        yield field, wire, value


def decode_varints(payload: memoryview) -> np.ndarray:
    """A packed run of non-negative varints, decoded with numpy."""
    raw = np.frombuffer(payload, np.uint8).astype(np.int64)
    ends = raw < 0x80
    group_start = np.concatenate([[0], np.flatnonzero(ends)[:-1] + 1])
    position = np.arange(len(raw)) - np.repeat(
        group_start, np.diff(np.append(group_start, len(raw)))
    )
    values = (raw & 0x7F) << (7 * position)
    return np.add.reduceat(values, group_start) if len(raw) else values


def parse_example(record: bytes) -> dict[str, np.ndarray]:
    """The int64 features of one serialised `tf.train.Example`."""
    features: dict[str, np.ndarray] = {}
    for field, _, message in _fields(memoryview(record)):
        if field != 1:  # Example.features
            continue
        for entry_field, _, entry in _fields(message):  # Features.feature (map entries)
            if entry_field != 1:
                continue
            name, feature = "", None
            for key_field, _, value in _fields(entry):
                if key_field == 1:
                    name = bytes(value).decode()
                elif key_field == 2:
                    feature = value
            for kind, _, value_list in _fields(feature or memoryview(b"")):
                if kind != 3:  # Feature.int64_list
                    continue
                parts = []
                for _, wire, value in _fields(value_list):
                    parts.append(decode_varints(value) if wire == 2 else np.array([value]))
                features[name] = np.concatenate(parts) if parts else np.zeros(0, np.int64)
    return features


def decode_records(records: list[bytes], max_seq_length: int, where: str) -> np.ndarray:
    """[records, 3, max_seq_length] int32 in FEATURE_NAMES order."""
    out = np.zeros((len(records), len(FEATURE_NAMES), max_seq_length), np.int32)
    for i, record in enumerate(records):
        try:
            features = parse_example(record)
            for j, name in enumerate(FEATURE_NAMES):
                out[i, j] = features[name]  # a missing or wrong-sized feature raises
        except (KeyError, ValueError, IndexError, TypeError) as err:
            raise CorruptRecordsError(
                f"{where}: record {i} is not an example of {max_seq_length} tokens ({err})"
            ) from err
    return out


def read_file(path: str, max_seq_length: int) -> np.ndarray:
    return decode_records(read_records(path), max_seq_length, path)


@dataclass
class ReaderPosition:
    epoch: int = 0
    file: int = 0  # index into this epoch's file order
    record: int = 0  # index into that file's shuffled records


class RecordReader:
    """Endless seeded batches {name: int32 [batch, max_seq_length]}; `position` is the place
    of the next unread example."""

    def __init__(
        self,
        files: list[str],
        max_seq_length: int,
        batch_size: int,
        seed: int,
        position: ReaderPosition | None = None,
    ) -> None:
        if not files:
            raise RecordsError("no record files to read")
        self.files, self.max_seq_length = list(files), max_seq_length
        self.batch_size, self.seed = batch_size, seed
        self.position = position or ReaderPosition()
        self._loaded: tuple[tuple[int, int], np.ndarray] | None = None

    def _file_order(self, epoch: int) -> list[int]:
        return np.random.default_rng([self.seed, epoch]).permutation(len(self.files)).tolist()

    def _examples(self, epoch: int, file: int) -> np.ndarray:
        """The shuffled examples of the epoch's file-th file."""
        if self._loaded and self._loaded[0] == (epoch, file):
            return self._loaded[1]
        index = self._file_order(epoch)[file]
        examples = read_file(self.files[index], self.max_seq_length)
        order = np.random.default_rng([self.seed, epoch, index]).permutation(len(examples))
        self._loaded = ((epoch, file), examples[order])
        return self._loaded[1]

    def next_batch(self) -> dict[str, np.ndarray]:
        parts, needed, empty_files = [], self.batch_size, 0
        while needed:
            pos = self.position
            examples = self._examples(pos.epoch, pos.file)
            take = examples[pos.record : pos.record + needed]
            parts.append(take)
            needed -= len(take)
            pos.record += len(take)
            if pos.record >= len(examples):
                empty_files = empty_files + 1 if not len(examples) else 0
                if empty_files > len(self.files):
                    raise RecordsError(f"no examples in {len(self.files)} record files")
                pos.record, pos.file = 0, pos.file + 1
                if pos.file == len(self.files):
                    pos.file, pos.epoch = 0, pos.epoch + 1
        batch = np.concatenate(parts)
        return {name: batch[:, j] for j, name in enumerate(FEATURE_NAMES)}

    def state(self) -> dict:
        return asdict(self.position)

    def __iter__(self) -> Iterator[dict[str, np.ndarray]]:
        while True:
            yield self.next_batch()

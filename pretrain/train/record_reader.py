"""Read our TFRecords with numpy, without TensorFlow: batches for every Keras backend.

A file is a sequence of frames (length uint64 LE, masked CRC-32C of the length, the record,
masked CRC-32C of the record; `pretrain.tfrecords.tfrecord_file` writes them, and splits them
back with the checksums checked); each record is a `tf.train.Example` whose features
`input_ids`, `input_mask`, `segment_ids` are int64 lists of exactly max_seq_length values
(packed, as TensorFlow writes them, or unpacked).

Order: the files are read as `shards` streams (the trainer's input_shards; several so that
the processes of one run each read their own: `RecordReader`); every epoch shuffles the order
of a stream's files, and the records inside each file, with generators seeded by (seed,
epoch[, shard]) and (seed, epoch, file); batches run across file boundaries. A stream's
position (epoch, file, record) is three integers, saved in checkpoints: a resumed run reads
the same batches as an uninterrupted one. A stream holds its current file's records encoded
and decodes the rows it takes. Local or URL paths (URLs through `kosent_common.storage`).
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


def decode_records(
    records: list[bytes], max_seq_length: int, where: str, numbers=None
) -> np.ndarray:
    """[records, 3, max_seq_length] int32 in FEATURE_NAMES order; `numbers`: each record's
    place in its file, for the error (default: its place in `records`)."""
    out = np.zeros((len(records), len(FEATURE_NAMES), max_seq_length), np.int32)
    for i, record in enumerate(records):
        try:
            features = parse_example(record)
            for j, name in enumerate(FEATURE_NAMES):
                out[i, j] = features[name]  # a missing or wrong-sized feature raises
        except (KeyError, ValueError, IndexError, TypeError) as err:
            number = i if numbers is None else int(numbers[i])
            raise CorruptRecordsError(
                f"{where}: record {number} is not an example of {max_seq_length} tokens ({err})"
            ) from err
    return out


def read_file(path: str, max_seq_length: int) -> np.ndarray:
    return decode_records(read_records(path), max_seq_length, path)


@dataclass
class ReaderPosition:
    epoch: int = 0
    file: int = 0  # index into this epoch's file order (of the shard's files)
    record: int = 0  # index into that file's shuffled records


MAX_AUTO_SHARDS = 16  # a shard holds one file in memory: a default that any host can afford


def auto_shards(batch_size: int, files: int, processes: int = 1) -> int:
    """input_shards 0 ("auto"): the most shards, up to MAX_AUTO_SHARDS and the number of
    files, that divide the batch, preferring a count the processes divide too."""
    fits = [d for d in range(1, min(files, MAX_AUTO_SHARDS) + 1) if batch_size % d == 0]
    return max((d for d in fits if d % processes == 0), default=max(fits))


def check_shards(shards: int, batch_size: int, files: int, processes: int) -> None:
    """RecordsError unless `shards` splits the batch, the files and the processes evenly."""
    if batch_size % shards:
        problem = f"does not divide train_batch_size {batch_size}"
    elif shards > files:
        problem = f"is more than the {files} record files (each shard reads files of its own)"
    elif shards % processes:
        problem = f"cannot be split evenly over {processes} processes"
    else:
        return
    raise RecordsError(
        f"input_shards {shards} {problem}: set input_shards in the config to a number that "
        f"divides the batch, is at most the number of files and is a multiple of the process "
        "count (it fixes which examples make each global batch, so keep it for the whole run)"
    )


def positions_from_state(state: dict | None, shards: int) -> list[ReaderPosition]:
    """The shards' positions a checkpoint holds (one position, for the checkpoints of one
    stream before shards existed)."""
    if not state:
        return [ReaderPosition() for _ in range(shards)]
    if "positions" not in state:
        return [ReaderPosition(**state)]
    return [ReaderPosition(**p) for p in state["positions"]]


class RecordReader:
    """Endless seeded batches {name: int32 [rows, max_seq_length]}.

    The records are read as `shards` streams: shard s holds the files whose index (in the
    manifest's order) is s modulo `shards`, shuffles them per epoch, and gives batch_size /
    shards rows to every global batch; a global batch is the shards' rows in shard order.
    A process reads only the shards in `owned` (its rows, contiguous: process I of N owns
    shards I*shards/N ... (I+1)*shards/N - 1) and counts its way past the others with the
    files' example counts (`counts`, the manifest's), so every process knows every shard's
    position, and the global batches do not depend on how many processes read them.
    `positions[s]` is the place of shard s's next unread example."""

    def __init__(
        self,
        files: list[str],
        max_seq_length: int,
        batch_size: int,
        seed: int,
        positions: list[ReaderPosition] | None = None,
        *,
        shards: int = 1,
        owned: range | None = None,
        counts: list[int] | None = None,
    ) -> None:
        if not files:
            raise RecordsError("no record files to read")
        check_shards(shards, batch_size, len(files), 1)
        self.files, self.max_seq_length = list(files), max_seq_length
        self.batch_size, self.seed, self.shards = batch_size, seed, shards
        self.owned = range(shards) if owned is None else owned
        if counts is None and len(self.owned) < shards:
            raise ValueError("reading only some shards needs the files' example counts")
        self.counts = counts
        self.positions = positions or [ReaderPosition() for _ in range(shards)]
        if len(self.positions) != shards:
            raise RecordsError(
                f"the reader's saved position has {len(self.positions)} shard(s), "
                f"the run reads {shards}"
            )
        self._loaded: dict[int, tuple[tuple[int, int], tuple]] = {}

    @property
    def position(self) -> ReaderPosition:
        """The position of a one-shard reader."""
        return self.positions[0]

    def _shard_files(self, shard: int) -> list[int]:
        return list(range(shard, len(self.files), self.shards))

    def _file_index(self, shard: int, epoch: int, file: int) -> int:
        """The global index of the shard's file-th file in its order for `epoch`."""
        mine = self._shard_files(shard)
        seed = [self.seed, epoch] if self.shards == 1 else [self.seed, epoch, shard, self.shards]
        return mine[int(np.random.default_rng(seed).permutation(len(mine))[file])]

    def _records(self, shard: int, epoch: int, file: int) -> tuple[list[bytes], np.ndarray, str]:
        """The shard's epoch's file-th file: its records (checked frames, still encoded: a
        shard holds one file, and encoded it is ~3x smaller than decoded), their shuffled
        order, its path."""
        loaded = self._loaded.get(shard)
        if loaded and loaded[0] == (epoch, file):
            return loaded[1]
        index = self._file_index(shard, epoch, file)
        records = read_records(self.files[index])
        if self.counts is not None and len(records) != self.counts[index]:
            raise CorruptRecordsError(
                f"{self.files[index]} holds {len(records)} examples, its manifest says "
                f"{self.counts[index]}"
            )
        order = np.random.default_rng([self.seed, epoch, index]).permutation(len(records))
        self._loaded[shard] = ((epoch, file), (records, order, self.files[index]))
        return self._loaded[shard][1]

    def _count(self, shard: int, epoch: int, file: int) -> int:
        if self.counts is None:
            return len(self._records(shard, epoch, file)[0])
        return self.counts[self._file_index(shard, epoch, file)]

    def _advance(self, shard: int, rows: int) -> np.ndarray | None:
        """Move shard past `rows` examples; their examples when the shard is read here."""
        reading = shard in self.owned
        pos, parts, needed, empty_files = self.positions[shard], [], rows, 0
        files = len(self._shard_files(shard))
        while needed:
            size = self._count(shard, pos.epoch, pos.file)
            take = min(needed, size - pos.record)
            if reading and take > 0:
                records, order, path = self._records(shard, pos.epoch, pos.file)
                numbers = order[pos.record : pos.record + take]
                taken = [records[n] for n in numbers]
                parts.append(decode_records(taken, self.max_seq_length, path, numbers))
            needed -= max(take, 0)
            pos.record += max(take, 0)
            if pos.record >= size:
                empty_files = empty_files + 1 if not size else 0
                if empty_files > files:
                    raise RecordsError(f"no examples in {files} record files")
                pos.record, pos.file = 0, pos.file + 1
                if pos.file == files:
                    pos.file, pos.epoch = 0, pos.epoch + 1
        return np.concatenate(parts) if reading else None

    def next_batch(self) -> dict[str, np.ndarray]:
        """This process's rows of the next global batch (all of them when it owns every
        shard)."""
        rows = self.batch_size // self.shards
        parts = [self._advance(shard, rows) for shard in range(self.shards)]
        batch = np.concatenate([part for part in parts if part is not None])
        return {name: batch[:, j] for j, name in enumerate(FEATURE_NAMES)}

    def state(self) -> dict:
        return {"shards": self.shards, "positions": [asdict(p) for p in self.positions]}

    def __iter__(self) -> Iterator[dict[str, np.ndarray]]:
        while True:
            yield self.next_batch()

"""TFRecord framing without TensorFlow, the one place it is written: each record framed as
TensorFlow frames it (length as uint64 LE, masked CRC-32C of the length, the bytes, masked
CRC-32C of the bytes). `TFRecordFile` writes a file; `split_frames` (bytes in memory) and
`read_records` (a path) read one back with both checksums of every record checked, and raise
`CorruptRecordsError` naming the file and the byte. `pretrain.train.record_reader` and the
benchmarks' `bench/common/records_io.py` read through this module. A test checks the bytes
against `tf.io.TFRecordWriter`."""

from __future__ import annotations

import struct
from collections.abc import Iterable
from types import TracebackType

import google_crc32c

from kosent_common.storage import open_file
from pretrain.tfrecords.schema import RecordsError

_MASK_DELTA = 0xA282EAD8
_HEADER = 12  # the length (8 bytes) and its masked CRC (4)
_FOOTER = 4  # the record's masked CRC


class CorruptRecordsError(RecordsError):
    """A record file that is truncated, fails its checksum or is not our Example layout."""


def masked_crc32c(data: bytes) -> bytes:
    """The 4 bytes TensorFlow stores after a length or a record: its CRC-32C, rotated and
    offset (TensorFlow's mask), little-endian."""
    crc = google_crc32c.value(data)
    return struct.pack("<I", (((crc >> 15) | (crc << 17)) + _MASK_DELTA) & 0xFFFFFFFF)


class TFRecordFile:
    """`with TFRecordFile(path) as out: out.write_all(records)`; local or URL paths."""

    def __init__(self, path: str) -> None:
        self._handle = open_file(path, "wb")
        self._headers: dict[int, bytes] = {}  # record length -> its 12 header bytes

    def _header(self, length: int) -> bytes:
        length_bytes = struct.pack("<Q", length)
        self._headers[length] = header = length_bytes + masked_crc32c(length_bytes)
        return header

    def write_all(self, records: Iterable[bytes]) -> None:
        headers, header, crc = self._headers, self._header, masked_crc32c
        frames = []
        for record in records:
            frames += (headers.get(len(record)) or header(len(record)), record, crc(record))
        self._handle.write(b"".join(frames))

    def __enter__(self) -> TFRecordFile:
        return self

    def __exit__(
        self, kind: type | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._handle.close()


def split_frames(data: bytes, where: str) -> list[bytes]:
    """The records of one TFRecord file's bytes, each checked against its two CRCs; `where`
    (the file's path) starts every error message."""
    records, offset, size = [], 0, len(data)
    while offset < size:
        if offset + _HEADER > size:
            raise CorruptRecordsError(f"{where}: truncated record header at byte {offset}")
        length_bytes = data[offset : offset + 8]
        if masked_crc32c(length_bytes) != data[offset + 8 : offset + _HEADER]:
            raise CorruptRecordsError(f"{where}: corrupted record length at byte {offset}")
        (length,) = struct.unpack("<Q", length_bytes)
        start, end = offset + _HEADER, offset + _HEADER + length
        if end + _FOOTER > size:
            raise CorruptRecordsError(f"{where}: truncated record at byte {offset}")
        record = data[start:end]
        if masked_crc32c(record) != data[end : end + _FOOTER]:
            raise CorruptRecordsError(f"{where}: corrupted record at byte {offset}")
        records.append(record)
        offset = end + _FOOTER
    return records


def read_records(path: str) -> list[bytes]:
    """The records of the TFRecord file at `path` (local or URL), checksums checked."""
    with open_file(path, "rb") as handle:
        return split_frames(handle.read(), path)

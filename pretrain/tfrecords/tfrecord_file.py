"""Write a TFRecord file without TensorFlow: each record framed as TensorFlow frames it
(length as uint64 LE, masked CRC-32C of the length, the bytes, masked CRC-32C of the bytes).
A test checks the bytes against `tf.io.TFRecordWriter`."""

from __future__ import annotations

import struct
from collections.abc import Iterable
from types import TracebackType

import google_crc32c

from kosent_common.storage import open_file

_MASK_DELTA = 0xA282EAD8


def masked_crc32c(data: bytes) -> bytes:
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

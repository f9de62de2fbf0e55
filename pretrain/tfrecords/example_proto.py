"""Serialise packed examples as `tf.train.Example` bytes without building protobuf objects.

The bytes equal `tf.train.Example(...).SerializeToString(deterministic=True)` (features in
key order input_ids, input_mask, segment_ids; packed int64 varints): a test checks it. Only
the `input_ids` payload depends on the token ids; it is encoded for a whole block at once
with numpy. Everything else depends on the payload size or on (used, len(A)) and is cached.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from pretrain.tfrecords.packing import PackedExamples


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        bits = value & 0x7F
        value >>= 7
        if value:
            out.append(bits | 0x80)
        else:
            out.append(bits)
            return bytes(out)


def _length_delimited(field: int, payload: bytes) -> bytes:
    return _varint((field << 3) | 2) + _varint(len(payload)) + payload


def _int64_feature(key: bytes, packed_values: bytes) -> bytes:
    int64_list = _length_delimited(1, packed_values)  # Int64List.value, packed
    feature = _length_delimited(3, int64_list)  # Feature.int64_list
    entry = _length_delimited(1, key) + _length_delimited(2, feature)
    return _length_delimited(1, entry)  # Features.feature map entry


class RecordEncoder:
    def __init__(self, vocab_size: int, max_length: int) -> None:
        self.max_length = max_length
        width = len(_varint(vocab_size - 1))
        ids = np.arange(vocab_size, dtype=np.int64)
        self._sizes = np.ones(vocab_size, np.int64) + sum(
            (ids >= 1 << (7 * k)).astype(np.int64) for k in range(1, width)
        )
        self._bytes = np.stack(
            [
                ((ids >> (7 * k)) & 0x7F) | np.where(self._sizes > k + 1, 0x80, 0)
                for k in range(width)
            ],
            axis=1,
        ).astype(np.uint8)
        self._in_varint = np.arange(width)[None, :] < self._sizes[:, None]
        tail_size = len(_int64_feature(b"input_mask", b"\0" * max_length)) + len(
            _int64_feature(b"segment_ids", b"\0" * max_length)
        )
        self._heads = [self._head(size, tail_size) for size in range(width * max_length + 1)]
        self._tails: dict[int, bytes] = {}

    def _head(self, payload_size: int, tail_size: int) -> bytes:
        """Example bytes before the `input_ids` values, for a payload of this many bytes."""
        marker = b"\xff" * payload_size
        ids_feature = _int64_feature(b"input_ids", marker)
        start = ids_feature.index(marker) if payload_size else len(ids_feature)
        features_size = len(ids_feature) + tail_size
        return _varint((1 << 3) | 2) + _varint(features_size) + ids_feature[:start]

    def _tail(self, key: int) -> bytes:
        """The zero padding of `input_ids`, then the `input_mask` and `segment_ids` features,
        for key = used * (max_length + 1) + len([CLS] A [SEP])."""
        used, first = divmod(key, self.max_length + 1)
        pad = b"\0" * (self.max_length - used)
        mask = _int64_feature(b"input_mask", b"\1" * used + pad)
        segments = _int64_feature(b"segment_ids", b"\0" * first + b"\1" * (used - first) + pad)
        self._tails[key] = pad + mask + segments
        return self._tails[key]

    def records(self, examples: PackedExamples) -> Iterator[bytes]:
        """One serialised tf.train.Example per packed example, in order."""
        tokens, used = examples.tokens, examples.used
        payload = self._bytes[tokens][self._in_varint[tokens]].tobytes()
        token_bytes = (
            np.add.reduceat(self._sizes[tokens], np.cumsum(used) - used) if len(used) else used
        )
        ends = np.cumsum(token_bytes)
        heads, tails = self._heads, self._tails
        for size, start, end, key in zip(
            (token_bytes + self.max_length - used).tolist(),
            (ends - token_bytes).tolist(),
            ends.tolist(),
            (used * (self.max_length + 1) + examples.first).tolist(),
            strict=True,
        ):
            yield heads[size] + payload[start:end] + (tails.get(key) or self._tail(key))

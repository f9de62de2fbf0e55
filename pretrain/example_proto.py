"""Serialise an Example as `tf.train.Example` bytes without building protobuf objects.

The bytes equal `tf.train.Example(...).SerializeToString(deterministic=True)` (features in
key order input_ids, input_mask, segment_ids; packed int64 varints): a test checks it.
"""

from __future__ import annotations

from pretrain.packing import Example


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


_SMALL_VARINTS = [_varint(i) for i in range(1 << 14)]  # every length a record can have here


def _length_delimited(field: int, payload: bytes) -> bytes:
    size = len(payload)
    prefix = _SMALL_VARINTS[size] if size < 1 << 14 else _varint(size)
    return _SMALL_VARINTS[(field << 3) | 2] + prefix + payload


def _int64_feature(key: bytes, packed_values: bytes) -> bytes:
    int64_list = _length_delimited(1, packed_values)  # Int64List.value, packed
    feature = _length_delimited(3, int64_list)  # Feature.int64_list
    entry = _length_delimited(1, key) + _length_delimited(2, feature)
    return _length_delimited(1, entry)  # Features.feature map entry


class ExampleEncoder:
    """Precomputes the varint of every token id (ids are < vocab size) and, per number of
    used positions, the whole `input_mask` feature."""

    def __init__(self, vocab_size: int, max_length: int) -> None:
        self._ids = [_varint(i) for i in range(vocab_size)]
        self._masks = [
            _int64_feature(b"input_mask", b"\x01" * used + b"\x00" * (max_length - used))
            for used in range(max_length + 1)
        ]
        self.max_length = max_length

    def encode(self, example: Example) -> bytes:
        used = example.tokens
        ids = b"".join(map(self._ids.__getitem__, example.input_ids[:used]))
        features = (
            _int64_feature(b"input_ids", ids + b"\x00" * (self.max_length - used))
            + self._masks[used]
            + _int64_feature(b"segment_ids", bytes(example.segment_ids))
        )
        return _length_delimited(1, features)  # Example.features

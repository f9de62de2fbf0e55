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
    """Caches everything that does not depend on the token ids: the varint of every id, the
    whole `input_mask` feature per number of used positions, the `segment_ids` feature per
    (used, length of segment A), and the `input_ids` framing per payload size."""

    def __init__(self, vocab_size: int, max_length: int) -> None:
        self._ids = [_varint(i) for i in range(vocab_size)]
        self._masks = [
            _int64_feature(b"input_mask", b"\x01" * used + b"\x00" * (max_length - used))
            for used in range(max_length + 1)
        ]
        self._segments: dict[tuple[int, int], bytes] = {}
        self._ids_framing: dict[int, tuple[bytes, bytes]] = {}
        self.max_length = max_length

    def _segment_feature(self, used: int, first_length: int) -> bytes:
        key = (used, first_length)
        if key not in self._segments:
            values = b"\x00" * first_length + b"\x01" * (used - first_length)
            self._segments[key] = _int64_feature(
                b"segment_ids", values + b"\x00" * (self.max_length - used)
            )
        return self._segments[key]

    def _framing(self, payload_size: int) -> tuple[bytes, bytes]:
        """Bytes before and after the packed ids of the `input_ids` feature of this size."""
        if payload_size not in self._ids_framing:
            marker = b"\xff" * payload_size  # stands for the payload while framing it
            whole = _int64_feature(b"input_ids", marker)
            start = whole.index(marker)
            self._ids_framing[payload_size] = (whole[:start], whole[start + payload_size :])
        return self._ids_framing[payload_size]

    def encode(self, example: Example) -> bytes:
        used = len(example.ids)
        payload = b"".join(map(self._ids.__getitem__, example.ids)) + b"\x00" * (
            self.max_length - used
        )
        before, after = self._framing(len(payload))
        features = (
            before
            + payload
            + after
            + self._masks[used]
            + self._segment_feature(used, example.first_length)
        )
        return _length_delimited(1, features)  # Example.features

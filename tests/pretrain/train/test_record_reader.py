"""The numpy TFRecord reader against TensorFlow's own parser, on records built from the
fixtures; seeded order, resumable position; corrupt files are clear errors."""

import numpy as np
import pytest

from pretrain.tfrecords.schema import FEATURE_NAMES, RecordsError, RecordsManifest, record_files
from pretrain.train.record_reader import (
    CorruptRecordsError,
    ReaderPosition,
    RecordReader,
    parse_example,
    read_file,
)
from tests.pretrain.train.test_loop import records  # noqa: F401


def test_reader_equals_tf_data(records):  # noqa: F811
    import tensorflow as tf

    from pretrain.tfrecords.schema import feature_spec

    files = record_files(records, RecordsManifest.read(records))
    for path in files:
        ours = read_file(path, 64)
        theirs = [
            tf.io.parse_single_example(r, feature_spec(64)) for r in tf.data.TFRecordDataset(path)
        ]
        assert len(ours) == len(theirs) > 0
        for j, name in enumerate(FEATURE_NAMES):
            assert np.array_equal(ours[:, j], np.stack([t[name].numpy() for t in theirs]))


def test_unpacked_int64_lists_are_read_too():
    import tensorflow as tf

    from pretrain.tfrecords.example_proto import _length_delimited, _varint

    values = [2, 300, 70000]
    unpacked = b"".join(b"\x08" + _varint(v) for v in values)  # Int64List.value, one by one
    entry = _length_delimited(1, b"input_ids") + _length_delimited(
        2, _length_delimited(3, unpacked)
    )
    example = _length_delimited(1, _length_delimited(1, entry))
    spec = {"input_ids": tf.io.FixedLenFeature([3], tf.int64)}
    assert tf.io.parse_single_example(example, spec)["input_ids"].numpy().tolist() == values
    assert parse_example(example)["input_ids"].tolist() == values


def test_order_is_seeded_and_a_position_resumes_it(records):  # noqa: F811
    files = record_files(records, RecordsManifest.read(records))
    total = RecordsManifest.read(records).examples
    reader = RecordReader(files, 64, 32, seed=5)
    batches = [reader.next_batch()["input_ids"] for _ in range(40)]  # > 3 epochs
    again = RecordReader(files, 64, 32, seed=5)
    assert all(np.array_equal(a, again.next_batch()["input_ids"]) for a in batches)
    other = RecordReader(files, 64, 32, seed=6).next_batch()["input_ids"]
    assert not np.array_equal(other, batches[0])
    first_epoch = np.concatenate(batches)[:total]
    assert len({row.tobytes() for row in first_epoch}) == total  # each example once per epoch
    resumed = RecordReader(files, 64, 32, seed=5)
    for _ in range(17):
        resumed.next_batch()
    state = resumed.state()
    fresh = RecordReader(files, 64, 32, seed=5, position=ReaderPosition(**state))
    for expected in batches[17:]:
        assert np.array_equal(fresh.next_batch()["input_ids"], expected)


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda data: data[:5000], "truncated record"),
        (lambda data: data[:100] + bytes([data[100] ^ 1]) + data[101:], "corrupted record"),
        (lambda data: data[:3] + b"\x7f" + data[4:], "corrupted record length"),
    ],
)
def test_corrupt_files_are_errors(records, tmp_path, damage, message):  # noqa: F811
    path = record_files(records, RecordsManifest.read(records))[0]
    broken = tmp_path / "broken.tfrecord"
    with open(path, "rb") as handle:
        broken.write_bytes(damage(handle.read()))
    with pytest.raises(CorruptRecordsError, match=message):
        read_file(str(broken), 64)


def test_wrong_length_is_an_error(records):  # noqa: F811
    path = record_files(records, RecordsManifest.read(records))[0]
    with pytest.raises(CorruptRecordsError, match="not an example of 128 tokens"):
        read_file(path, 128)


def test_files_with_no_examples_are_an_error(tmp_path):
    empty = tmp_path / "empty.tfrecord"
    empty.write_bytes(b"")
    with pytest.raises(RecordsError, match="no examples"):
        RecordReader([str(empty)], 64, 8, 0).next_batch()

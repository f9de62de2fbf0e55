"""The numpy TFRecord reader against TensorFlow's own parser, on records built from the
fixtures; seeded order, resumable position; corrupt files are clear errors."""

from pathlib import Path

import numpy as np
import pytest

from pretrain.tfrecords.schema import FEATURE_NAMES, RecordsError, RecordsManifest, record_files
from pretrain.train.record_reader import (
    CorruptRecordsError,
    RecordReader,
    auto_shards,
    parse_example,
    positions_from_state,
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
    fresh = RecordReader(files, 64, 32, seed=5, positions=positions_from_state(state, 1))
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


def test_shards_make_the_same_global_batches_however_many_processes_read_them(
    records,  # noqa: F811
    tmp_path,
):
    manifest = RecordsManifest.read(records)
    files = record_files(records, manifest)
    counts = [entry["examples"] for entry in manifest.files if entry["examples"]]
    assert len(files) >= 2
    whole = RecordReader(files, 64, 16, seed=3, shards=2)
    batches = [whole.next_batch()["input_ids"] for _ in range(30)]  # past an epoch
    assert len({row.tobytes() for row in np.concatenate(batches)}) > manifest.examples * 0.9
    # process 1 of 2 sees only its own shard's files: the others are not even on its disk
    for process in range(2):
        mine = tmp_path / f"process{process}"
        mine.mkdir()
        own = [mine / Path(f).name for f in files]
        for index, path in enumerate(files):
            if index % 2 == process:
                own[index].write_bytes(Path(path).read_bytes())
        part = RecordReader(
            [str(p) for p in own],
            64,
            16,
            seed=3,
            shards=2,
            owned=range(process, process + 1),
            counts=counts,
        )
        for step, expected in enumerate(batches):
            rows = part.next_batch()["input_ids"]
            assert np.array_equal(rows, expected[process * 8 : (process + 1) * 8]), step
        assert part.state() == whole.state()  # it knows the other shard's position too


def test_a_saved_position_of_every_shard_resumes_the_batches(records):  # noqa: F811
    files = record_files(records, RecordsManifest.read(records))
    reader = RecordReader(files, 64, 16, seed=3, shards=2)
    for _ in range(11):
        reader.next_batch()
    state = reader.state()
    expected = [reader.next_batch()["input_ids"] for _ in range(8)]
    resumed = RecordReader(
        files, 64, 16, seed=3, positions=positions_from_state(state, 2), shards=2
    )
    assert all(np.array_equal(resumed.next_batch()["input_ids"], e) for e in expected)


def test_auto_shards_divide_the_batch_files_and_processes():
    assert auto_shards(128, 1000) == 16
    assert auto_shards(16, 3) == 2
    assert auto_shards(16, 3, processes=2) == 2
    assert auto_shards(24, 1000, processes=3) == 12
    assert auto_shards(7, 1) == 1


@pytest.mark.parametrize(
    ("shards", "message"),
    [(3, "does not divide train_batch_size"), (32, "more than the")],
)
def test_shards_that_do_not_fit_are_errors(records, shards, message):  # noqa: F811
    files = record_files(records, RecordsManifest.read(records))
    with pytest.raises(RecordsError, match=message):
        RecordReader(files, 64, 32, seed=0, shards=shards)


def test_a_bad_example_in_a_sound_frame_names_its_file_and_record(records, tmp_path):  # noqa: F811
    from pretrain.tfrecords.tfrecord_file import TFRecordFile, read_records

    path = record_files(records, RecordsManifest.read(records))[0]
    good = read_records(path)
    broken = tmp_path / "broken.tfrecord"
    with TFRecordFile(str(broken)) as out:  # frames and checksums right, record 3 not an example
        out.write_all([*good[:3], "리뷰 3개로 끝".encode(), *good[4:]])
    reader = RecordReader([str(broken)], 64, len(good), seed=0)
    with pytest.raises(CorruptRecordsError, match=rf"{broken}: record 3 is not an example"):
        reader.next_batch()

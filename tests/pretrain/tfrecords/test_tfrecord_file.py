import random

import tensorflow as tf

from pretrain.tfrecords.tfrecord_file import TFRecordFile


def test_bytes_equal_tensorflow_writer_and_read_back(tmp_path):
    rng = random.Random(0)
    records = [rng.randbytes(rng.choice([0, 1, 127, 128, 500, 70_000])) for _ in range(300)]
    ours, theirs = tmp_path / "ours.tfrecord", tmp_path / "theirs.tfrecord"
    with TFRecordFile(str(ours)) as out:
        out.write_all(records[:100])
        out.write_all(iter(records[100:]))
    with tf.io.TFRecordWriter(str(theirs)) as writer:
        for record in records:
            writer.write(record)
    assert ours.read_bytes() == theirs.read_bytes()
    assert [r.numpy() for r in tf.data.TFRecordDataset(str(ours))] == records

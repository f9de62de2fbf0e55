import random

import numpy as np
import pytest
import tensorflow as tf

from pretrain.tfrecords.example_proto import RecordEncoder
from pretrain.tfrecords.packing import PackedExamples
from tests.pretrain.tfrecords.reference_builder import ExampleBuilder


@pytest.mark.parametrize("vocab_size,max_length", [(130_000, 32), (32_000, 128), (100, 8)])
def test_record_bytes_equal_tensorflow_serialisation(vocab_size, max_length):
    rng = random.Random(vocab_size)
    builder = ExampleBuilder(max_length, 2, 3, rng)
    examples = []
    while len(examples) < 300:
        length = rng.randrange(1, 2 * max_length)
        example = builder.add_sentence([rng.randrange(5, vocab_size) for _ in range(length)])
        if example:
            examples.append(example)
    packed = PackedExamples(
        np.array([t for e in examples for t in e.ids], np.int32),
        np.array([e.tokens for e in examples]),
        np.array([e.first_length for e in examples]),
    )
    records = list(RecordEncoder(vocab_size, max_length).records(packed))
    assert len(records) == len(examples)
    for record, example in zip(records, examples, strict=True):
        features = {
            name: tf.train.Feature(int64_list=tf.train.Int64List(value=getattr(example, name)))
            for name in ("input_ids", "input_mask", "segment_ids")
        }
        proto = tf.train.Example(features=tf.train.Features(feature=features))
        assert record == proto.SerializeToString(deterministic=True)

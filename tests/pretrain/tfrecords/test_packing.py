import random

import numpy as np
import pytest

from pretrain.tfrecords.packing import ExamplePlanner, assemble
from tests.pretrain.tfrecords.reference_builder import ExampleBuilder


def test_packing_rules_statistics():
    rng = random.Random(42)
    builder = ExampleBuilder(128, 2, 3, rng)
    examples = []
    while len(examples) < 20_000:  # one long document of 10-token sentences
        example = builder.add_sentence([7] * 10)
        if example:
            examples.append(example)
    two = sum(e.two_segments for e in examples) / len(examples)
    assert 0.88 < two < 0.92  # 10% single-segment examples
    short = sum(e.tokens < 118 for e in examples) / len(examples)
    assert 0.03 < short < 0.06  # 5% of targets drawn from randint(5, 128)
    full = [e for e in examples if e.two_segments and e.tokens >= 128]
    a_lengths = [e.segment_ids.index(1) - 2 for e in full]  # tokens of A
    assert min(a_lengths) >= 60 - 10 and max(a_lengths) <= 62 + 10  # A targets (128 - 3) // 2


def random_document_stream(seed, vocab_size=30_000):
    """Sentences of varied lengths (some empty, some longer than an example), None = blank."""
    rng = random.Random(seed)
    stream = []
    for _ in range(4000):
        draw = rng.random()
        if draw < 0.2:
            stream.append(None)
        elif draw < 0.25:
            stream.append([])
        else:
            length = rng.choice([1, 2, 5, 30, 200]) if draw < 0.4 else rng.randrange(1, 40)
            stream.append([rng.randrange(5, vocab_size) for _ in range(length)])
    return stream


def builder_examples(stream, max_length, seed, pack_across_docs):
    builder = ExampleBuilder(max_length, 2, 3, random.Random(seed))
    out = []
    for sentence in stream:
        if sentence is not None:
            out.append(builder.add_sentence(sentence))
        elif not pack_across_docs:
            out.append(builder.end_document())
    out.append(builder.end_document())
    return [(e.ids, e.first_length) for e in out if e is not None]


def planner_examples(stream, max_length, seed, pack_across_docs, block_seed):
    """The same stream through ExamplePlanner + assemble, cut into random blocks."""
    planner = ExamplePlanner(max_length, random.Random(seed), pack_across_docs)
    blocks = random.Random(block_seed)
    out, carried, start = [], [], 0

    def build(plan, sentences):
        lengths = np.array([len(s) for s in sentences], np.int64)
        ids = np.array([t for s in sentences for t in s], np.int32)
        packed = assemble(plan, ids, np.cumsum(lengths) - lengths, lengths, 2, 3)
        rows = np.split(packed.tokens, np.cumsum(packed.used)[:-1]) if plan.examples else []
        out.extend(
            (row.tolist(), int(first)) for row, first in zip(rows, packed.first, strict=True)
        )

    while start < len(stream):
        block = stream[start : start + blocks.randrange(1, 300)]
        start += len(block)
        sentences = carried + [s or [] for s in block]
        blank = [False] * len(carried) + [s is None for s in block]
        build(planner.plan([len(s) for s in sentences], blank), sentences)
        carried = [sentences[i] for i in planner.carry_over()]
    build(planner.end_document(), carried)
    return out


@pytest.mark.parametrize(
    "max_length,pack_across_docs", [(128, False), (32, False), (16, True), (5, False)]
)
def test_planner_and_assemble_give_the_builder_examples(max_length, pack_across_docs):
    stream = random_document_stream(max_length)
    expected = builder_examples(stream, max_length, 7, pack_across_docs)
    assert len(expected) > 300
    for block_seed in (1, 2):
        got = planner_examples(stream, max_length, 7, pack_across_docs, block_seed)
        assert got == expected

import random

import tensorflow as tf

import pretrain.tfrecords.text_blocks
from pretrain.tfrecords.writer import RecordsJob, load_tokenizer, write_records
from tests.pretrain.tfrecords.reference_builder import ExampleBuilder


def reference_records(job):
    """The writer's output built the slow way: line by line with ExampleBuilder, each
    example serialised by TensorFlow."""
    tokenizer = load_tokenizer(job.vocab_file, job.lower_case)
    builder = ExampleBuilder(
        job.max_seq_length,
        tokenizer.token_to_id("[CLS]"),
        tokenizer.token_to_id("[SEP]"),
        random.Random(f"{job.seed}/{job.index}"),
    )
    examples = []
    for path in job.inputs:
        with open(path, encoding="utf-8") as handle:
            lines = [line.strip() for line in handle.read().split("\n")]
        if lines[-1] == "":
            lines.pop()  # the file's last line end
        for line, ids in zip(lines, tokenizer.encode_lines(lines), strict=True):
            if line:
                examples.append(builder.add_sentence(ids))
            elif not job.pack_across_docs:
                examples.append(builder.end_document())
        examples.append(builder.end_document())
    records = []
    for example in filter(None, examples):
        features = {
            name: tf.train.Feature(int64_list=tf.train.Int64List(value=getattr(example, name)))
            for name in ("input_ids", "input_mask", "segment_ids")
        }
        proto = tf.train.Example(features=tf.train.Features(feature=features))
        records.append(proto.SerializeToString(deterministic=True))
    return records


def test_records_equal_the_sentence_by_sentence_reference(
    corpus_dir, vocab_file, tmp_path, monkeypatch
):
    inputs = tuple(str(p) for p in sorted((corpus_dir / "text").glob("*.txt")))
    monkeypatch.setattr(pretrain.tfrecords.text_blocks, "BLOCK_BYTES", 4096)  # many blocks per file
    for index, (length, across) in enumerate([(64, False), (128, True), (24, False)]):
        job = RecordsJob(
            index, str(tmp_path / f"out-{index}"), inputs, str(vocab_file), length, 5, False, across
        )
        stats = write_records(job)
        written = [r.numpy() for r in tf.data.TFRecordDataset(job.output_path)]
        expected = reference_records(job)
        assert len(expected) > 100 and stats["examples"] == len(expected)
        assert written == expected

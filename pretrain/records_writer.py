"""One output TFRecord file: tokenize its input shards, pack examples, write atomically.

Output file j of N takes the input text shards i with i % N == j, in order, with its own
RNG seeded by (seed, j): the bytes do not depend on how many processes run the jobs.
"""

from __future__ import annotations

import os
import random
from collections.abc import Iterator
from dataclasses import dataclass

from pretrain.example_proto import ExampleEncoder
from pretrain.packing import Example, ExampleBuilder
from pretrain.wordpiece import ChunkCachedWordPiece

LINES_PER_BATCH = 4096

_tokenizers: dict[tuple[str, bool], ChunkCachedWordPiece] = {}


@dataclass(frozen=True)
class RecordsJob:
    index: int
    output_path: str
    inputs: tuple[str, ...]
    vocab_file: str
    max_seq_length: int
    seed: int
    lower_case: bool
    pack_across_docs: bool


def load_tokenizer(vocab_file: str, lower_case: bool) -> ChunkCachedWordPiece:
    """BERT FullTokenizer ids (tokenizers + a chunk cache), loaded once per process."""
    key = (vocab_file, lower_case)
    if key not in _tokenizers:
        _tokenizers[key] = ChunkCachedWordPiece(vocab_file, lower_case)
    return _tokenizers[key]


def _line_batches(path: str, chunk_bytes: int = 8 << 20) -> Iterator[list[str]]:
    """Stripped lines of a local or gs:// file, read in large chunks (GFile's readline is slow)."""
    import tensorflow as tf

    rest = b""
    with tf.io.gfile.GFile(path, "rb") as handle:  # bytes: a chunk may end inside a character
        while True:
            chunk = handle.read(chunk_bytes)
            if not chunk:
                break
            lines = (rest + chunk).split(b"\n")
            rest = lines.pop()
            for start in range(0, len(lines), LINES_PER_BATCH):
                yield [
                    line.decode("utf-8").strip() for line in lines[start : start + LINES_PER_BATCH]
                ]
    if rest:
        yield [rest.decode("utf-8").strip()]


def iter_examples(job: RecordsJob) -> Iterator[Example]:
    tokenizer = load_tokenizer(job.vocab_file, job.lower_case)
    builder = ExampleBuilder(
        job.max_seq_length,
        tokenizer.token_to_id("[CLS]"),
        tokenizer.token_to_id("[SEP]"),
        random.Random(f"{job.seed}/{job.index}"),
    )
    for path in job.inputs:
        for lines in _line_batches(path):
            encoded = iter(tokenizer.encode_lines([line for line in lines if line]))
            for line in lines:
                if line:
                    example = builder.add_sentence(next(encoded))
                elif not job.pack_across_docs:
                    example = builder.end_document()
                else:
                    continue
                if example is not None:
                    yield example
        example = builder.end_document()  # a file end always closes the pending example
        if example is not None:
            yield example


def write_records(job: RecordsJob) -> dict:
    import tensorflow as tf

    tokenizer = load_tokenizer(job.vocab_file, job.lower_case)
    encoder = ExampleEncoder(tokenizer.get_vocab_size(), job.max_seq_length)
    stats = {
        "file": job.output_path.rsplit("/", 1)[-1],
        "inputs": len(job.inputs),
        "examples": 0,
        "tokens": 0,
        "two_segment": 0,
        "input_bytes": 0,
    }
    tmp = f"{job.output_path}.tmp-{os.getpid()}"
    with tf.io.TFRecordWriter(tmp) as writer:
        for example in iter_examples(job):
            writer.write(encoder.encode(example))
            stats["examples"] += 1
            stats["tokens"] += example.tokens
            stats["two_segment"] += example.two_segments
    tf.io.gfile.rename(tmp, job.output_path, overwrite=True)
    stats["input_bytes"] = sum(tf.io.gfile.stat(p).length for p in job.inputs)
    return stats

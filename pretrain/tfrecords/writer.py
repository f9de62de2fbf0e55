"""One output TFRecord file: tokenize its input shards, pack examples, write atomically
(kosent_common.atomic: a hidden temporary name, renamed when complete).

Output file j of N takes the input text shards i with i % N == j, in order, with its own
RNG seeded by (seed, j): the bytes do not depend on how many processes run the jobs. Text is
handled a block of lines at a time, with numpy: chunk ids from the cached tokenizer, packing
decisions from sentence lengths, examples assembled and serialised as arrays.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from kosent_common import storage
from kosent_common.atomic import atomic_path
from pretrain.tfrecords.example_proto import RecordEncoder
from pretrain.tfrecords.packing import ExamplePlanner, PackedExamples, PackingPlan, assemble
from pretrain.tfrecords.ragged import ragged_gather
from pretrain.tfrecords.text_blocks import read_blocks, split_block
from pretrain.tfrecords.tfrecord_file import TFRecordFile
from pretrain.tfrecords.wordpiece import ChunkCachedWordPiece


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
    """BERT FullTokenizer ids (vectorised WordPiece + a chunk cache), loaded once per process
    and vocab content (a vocab.txt replaced in place is loaded again, in a worker that
    outlives one run too)."""
    return _tokenizer(vocab_file, lower_case, storage.sha256(vocab_file))


@functools.cache
def _tokenizer(vocab_file: str, lower_case: bool, vocab_sha256: str) -> ChunkCachedWordPiece:
    return ChunkCachedWordPiece(vocab_file, lower_case)


class _Sentences:
    """Token ids of a block's lines (sentences), after those carried over from the last."""

    def __init__(self) -> None:
        self.ids = np.zeros(0, np.int32)
        self.lengths = np.zeros(0, np.int64)

    @property
    def starts(self) -> np.ndarray:
        return np.cumsum(self.lengths) - self.lengths

    def extend(self, ids: np.ndarray, lengths: np.ndarray) -> None:
        self.ids = np.concatenate([self.ids, ids])
        self.lengths = np.concatenate([self.lengths, lengths])

    def keep(self, sentences: list[int]) -> None:
        """Only these sentences stay (they move to the front of the next block)."""
        index = np.asarray(sentences, np.int64)
        lengths = self.lengths[index]
        self.ids = ragged_gather(self.ids, self.starts[index], lengths)
        self.lengths = lengths


def iter_packed(job: RecordsJob) -> Iterator[PackedExamples]:
    """The job's examples, a block at a time."""
    tokenizer = load_tokenizer(job.vocab_file, job.lower_case)
    cls_id, sep_id = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    planner = ExamplePlanner(
        job.max_seq_length, random.Random(f"{job.seed}/{job.index}"), job.pack_across_docs
    )
    sentences = _Sentences()

    def build(plan: PackingPlan) -> PackedExamples:
        return assemble(plan, sentences.ids, sentences.starts, sentences.lengths, cls_id, sep_id)

    for path in job.inputs:
        for data, lines_before in read_blocks(path):
            block = split_block(data, path, lines_before)
            ids, chunk_lengths = tokenizer.encode_chunks(block.chunks)
            line_starts = np.concatenate([[0], block.line_ends[:-1]])
            sentences.extend(ids, np.add.reduceat(chunk_lengths, line_starts))
            carried = len(planner.pending)
            plan = planner.plan(
                sentences.lengths.tolist(), [False] * carried + block.blank.tolist()
            )
            yield build(plan)
            sentences.keep(planner.carry_over())
        yield build(planner.end_document())  # a file end always closes the pending example
        sentences.keep([])


def write_records(job: RecordsJob) -> dict:
    tokenizer = load_tokenizer(job.vocab_file, job.lower_case)
    encoder = RecordEncoder(tokenizer.get_vocab_size(), job.max_seq_length)
    stats = {
        "file": job.output_path.rsplit("/", 1)[-1],
        "inputs": len(job.inputs),
        "examples": 0,
        "tokens": 0,
        "two_segment": 0,
        "input_bytes": 0,
    }
    with atomic_path(job.output_path) as tmp, TFRecordFile(tmp) as out:
        for packed in iter_packed(job):
            out.write_all(encoder.records(packed))
            stats["examples"] += len(packed.used)
            stats["tokens"] += int(packed.used.sum())
            stats["two_segment"] += int((packed.used > packed.first).sum())
    stats["input_bytes"] = sum(storage.size_and_mtime(p)[0] for p in job.inputs)
    return stats

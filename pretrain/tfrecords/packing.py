"""ELECTRA's example packing (google-research/electra `build_pretraining_dataset.py`), seeded.

Sentences (token id lists) accumulate until they reach a target length; the example then
splits them into segments A and B. The rules and the order of random draws are the
original's, so with the same draws the examples are the same:
- 10% of examples are single-segment (A target 100000), else A targets (L - 3) // 2;
- a sentence joins A while A is empty or stays under target, or by a coin flip (50%) when B
  is still empty and A is under target; otherwise it goes to B;
- A is cut to L - 2, B to L - 3 - len(A);
- after each example, 5% of the time the next target is randint(5, L), else L.

`ExamplePlanner` makes the decisions from sentence lengths only and `assemble` builds the
examples with numpy, which is what the TFRecord writer uses. The readable reference, which
applies the rules sentence by sentence, is the test oracle `ExampleBuilder` in
tests/pretrain/tfrecords/reference_builder.py (the tests check that both give the same).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np

from pretrain.tfrecords.ragged import ragged_gather


@dataclass
class PackingPlan:
    """Which sentences make each example: `sentences[i]` goes to segment `segments[i]` (2 *
    example, + 1 for B), in order; A keeps `first_lengths` tokens, B `second_lengths`."""

    sentences: list[int]
    segments: list[int]
    first_lengths: list[int]
    second_lengths: list[int]

    @property
    def examples(self) -> int:
        return len(self.first_lengths)


class ExamplePlanner:
    """The reference ExampleBuilder's decisions from sentence lengths alone: the same rules
    and the same random draws in the same order, so the same examples, without touching token ids.

    Sentences are numbered within a block; sentences still pending at the end of a block
    carry over (`carry_over`) and are numbered 0.. in the next one."""

    def __init__(self, max_length: int, rng: random.Random, pack_across_docs: bool) -> None:
        if max_length < 5:
            raise ValueError("max_seq_length must be at least 5")
        self.max_length = max_length
        self.rng = rng
        self.pack_across_docs = pack_across_docs
        self.pending: list[int] = []
        self._length = 0
        self._target = max_length
        self._lengths: list[int] = []

    def plan(self, lengths: list[int], blank: list[bool]) -> PackingPlan:
        """Examples completed by these sentences (`blank`: a document boundary); the lengths
        of carried-over sentences come first."""
        plan = PackingPlan([], [], [], [])
        self._lengths = lengths
        pending, pack_across_docs = self.pending, self.pack_across_docs
        length, target = self._length, self._target  # locals: this loop runs per line
        for index in range(len(self.pending), len(lengths)):
            if blank[index]:
                if pack_across_docs:
                    continue
                if not length:
                    pending.clear()  # only empty sentences were pending: nothing to emit
                    continue
            else:
                pending.append(index)
                length += lengths[index]
                if length < target:
                    continue
            self._length = length
            self._create(plan)
            length, target = 0, self._target
        self._length = length
        return plan

    def end_document(self) -> PackingPlan:
        """A file end closes the pending example."""
        plan = PackingPlan([], [], [], [])
        if self._length:
            self._create(plan)
        self.pending.clear()
        return plan

    def carry_over(self) -> list[int]:
        """The pending sentences (to move to the front of the next block), renumbered."""
        carried = list(self.pending)
        self.pending[:] = range(len(carried))
        self._lengths = [self._lengths[i] for i in carried]
        return carried

    def _create(self, plan: PackingPlan) -> None:
        random_, pending, max_length = self.rng.random, self.pending, self.max_length
        first_target = 100_000 if random_() < 0.1 else (self._target - 3) // 2
        example = 2 * len(plan.first_lengths)
        if len(pending) == 1:  # most examples of short documents: no coin flips
            first, second = self._lengths[pending[0]], 0
            plan.segments.append(example)
        else:
            first, second = self._split(plan, example, first_target)
        plan.sentences += pending
        first = first if first < max_length - 2 else max_length - 2
        plan.first_lengths.append(first)
        plan.second_lengths.append(min(second, max(0, max_length - first - 3)))
        pending.clear()
        self._length = 0
        self._target = self.rng.randint(5, max_length) if random_() < 0.05 else max_length

    def _split(self, plan: PackingPlan, example: int, first_target: int) -> tuple[int, int]:
        """Sentences to A or B, in order; the token counts of A and B."""
        random_, lengths, segments = self.rng.random, self._lengths, plan.segments
        first = second = 0
        for sentence in self.pending:
            length = lengths[sentence]
            if (
                not first
                or first + length < first_target
                or (not second and first < first_target and random_() < 0.5)
            ):
                first += length
                segments.append(example)
            else:
                second += length
                segments.append(example + 1)
        return first, second


@dataclass(frozen=True)
class PackedExamples:
    """Examples as arrays: `tokens` holds every example's `[CLS] A [SEP] (B [SEP])` without
    padding, back to back; `used[i]` is example i's length, `first[i]` len([CLS] A [SEP])."""

    tokens: np.ndarray
    used: np.ndarray
    first: np.ndarray


def assemble(
    plan: PackingPlan,
    token_ids: np.ndarray,
    sentence_starts: np.ndarray,
    sentence_lengths: np.ndarray,
    cls_id: int,
    sep_id: int,
) -> PackedExamples:
    """The token ids of planned examples, with numpy (sentence i's ids are
    token_ids[sentence_starts[i] : + sentence_lengths[i]])."""
    segments = np.asarray(plan.segments, np.int64)
    order = np.argsort(segments, kind="stable")  # A's sentences, then B's, per example
    sentences, segments = np.asarray(plan.sentences, np.int64)[order], segments[order]
    lengths = sentence_lengths[sentences]
    tokens = ragged_gather(token_ids, sentence_starts[sentences], lengths)
    token_segment = np.repeat(segments, lengths)
    segment_tokens = np.bincount(segments, lengths, 2 * plan.examples).astype(np.int64)
    segment_starts = np.cumsum(segment_tokens) - segment_tokens
    position = np.arange(len(tokens)) - segment_starts[token_segment]
    example, in_second = token_segment >> 1, (token_segment & 1).astype(bool)
    first = np.asarray(plan.first_lengths, np.int64)
    second = np.asarray(plan.second_lengths, np.int64)
    kept = position < np.where(in_second, second[example], first[example])
    two = second > 0
    used = first + 2 + np.where(two, second + 1, 0)
    starts = np.cumsum(used) - used
    column = np.where(in_second, first[example] + 2 + position, 1 + position)
    out = np.empty(int(used.sum()), np.int32)
    out[(starts[example] + column)[kept]] = tokens[kept]
    out[starts] = cls_id
    out[starts + first + 1] = sep_id
    out[(starts + first + second + 2)[two]] = sep_id
    return PackedExamples(out, used, first + 2)

"""The readable reference of ELECTRA's example packing, and the test oracle of
`pretrain.tfrecords.packing`: `ExampleBuilder` applies the rules sentence by sentence, as
google-research/electra's `build_pretraining_dataset.py` does; the engine's `ExamplePlanner`
and `assemble` must give the same examples (tests in this folder check it)."""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Example:
    """`[CLS] A [SEP] (B [SEP])` without padding; the padded features are properties."""

    ids: list[int]
    first_length: int  # len([CLS] A [SEP]): positions with segment id 0
    max_length: int

    @property
    def tokens(self) -> int:
        """Non-padding positions."""
        return len(self.ids)

    @property
    def two_segments(self) -> bool:
        return len(self.ids) > self.first_length

    @property
    def input_ids(self) -> list[int]:
        return self.ids + [0] * (self.max_length - len(self.ids))

    @property
    def input_mask(self) -> list[int]:
        return [1] * len(self.ids) + [0] * (self.max_length - len(self.ids))

    @property
    def segment_ids(self) -> list[int]:
        second = len(self.ids) - self.first_length
        return [0] * self.first_length + [1] * second + [0] * (self.max_length - len(self.ids))


class ExampleBuilder:
    """Feeds on sentences and document ends; returns an Example when one is complete."""

    def __init__(self, max_length: int, cls_id: int, sep_id: int, rng: random.Random) -> None:
        if max_length < 5:
            raise ValueError("max_seq_length must be at least 5")
        self.max_length = max_length
        self.cls_id, self.sep_id = cls_id, sep_id
        self.rng = rng
        self._sentences: list[list[int]] = []
        self._length = 0
        self._target = max_length

    def add_sentence(self, ids: list[int]) -> Example | None:
        self._sentences.append(ids)
        self._length += len(ids)
        if self._length >= self._target:
            return self._create_example()
        return None

    def end_document(self) -> Example | None:
        """A blank line: the pending sentences become an example (documents never span)."""
        if self._length:
            return self._create_example()
        self._sentences = []  # only empty sentences were pending: nothing to emit
        return None

    def _create_example(self) -> Example:
        rng, target = self.rng, self._target
        first_target = 100_000 if rng.random() < 0.1 else (target - 3) // 2
        first: list[int] = []
        second: list[int] = []
        for sentence in self._sentences:
            if (
                not first
                or len(first) + len(sentence) < first_target
                or (not second and len(first) < first_target and rng.random() < 0.5)
            ):
                first += sentence
            else:
                second += sentence
        first = first[: self.max_length - 2]
        second = second[: max(0, self.max_length - len(first) - 3)]
        self._sentences, self._length = [], 0
        if rng.random() < 0.05:
            self._target = rng.randint(5, self.max_length)
        else:
            self._target = self.max_length
        return self._layout(first, second)

    def _layout(self, first: list[int], second: list[int]) -> Example:
        ids = [self.cls_id, *first, self.sep_id]
        first_length = len(ids)
        if second:
            ids += [*second, self.sep_id]
        return Example(ids, first_length, self.max_length)

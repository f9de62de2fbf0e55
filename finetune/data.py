"""NSMC data: TSV read with quoting off, empty documents handled explicitly, seeded dev split."""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path


class DataError(ValueError):
    """An NSMC file that cannot be used; the message says where and why."""


@dataclass(frozen=True)
class Split:
    ids: list[str]
    texts: list[str]
    labels: list[int]

    def __len__(self) -> int:
        return len(self.labels)

    def subset(self, indices: list[int]) -> Split:
        return Split(
            [self.ids[i] for i in indices],
            [self.texts[i] for i in indices],
            [self.labels[i] for i in indices],
        )


def read_nsmc(path: Path) -> tuple[Split, int]:
    """All rows of an NSMC file and how many have an empty document.

    Empty documents are kept as empty strings (the seed's pandas turned them into "nan");
    callers decide: training drops them, the test split keeps all 50,000 rows comparable.
    """
    ids, texts, labels = [], [], []
    empty = 0
    with open(path, encoding="utf-8", newline="") as handle:
        first = handle.readline()
        if not first:
            raise DataError(f"{path} is empty: expected the NSMC header id<TAB>document<TAB>label")
        header = first.rstrip("\r\n").split("\t")
        if header != ["id", "document", "label"]:
            raise DataError(f"{path}: expected the NSMC header id<TAB>document<TAB>label")
        for line_no, line in enumerate(handle, start=2):
            fields = line.rstrip("\r\n").split("\t")
            if len(fields) != 3 or fields[2] not in ("0", "1"):
                raise DataError(
                    f"{path}:{line_no}: expected id, document, label 0/1: {line[:80]!r}"
                )
            ids.append(fields[0])
            texts.append(fields[1])
            labels.append(int(fields[2]))
            empty += not fields[1].strip()
    return Split(ids, texts, labels), empty


def without_empty(split: Split) -> Split:
    return split.subset([i for i, text in enumerate(split.texts) if text.strip()])


def train_dev_split(split: Split, dev_fraction: float, seed: int) -> tuple[Split, Split]:
    """Seeded: the same file, fraction and seed give the same dev set."""
    order = list(range(len(split)))
    random.Random(seed).shuffle(order)
    n_dev = round(len(order) * dev_fraction)
    return split.subset(sorted(order[n_dev:])), split.subset(sorted(order[:n_dev]))

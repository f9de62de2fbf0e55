"""Sentences of a corpus stage output, streamed, with a deterministic held-out slice."""

from __future__ import annotations

import random
import zlib
from collections.abc import Iterator
from pathlib import Path


def text_shards(corpus: Path) -> list[Path]:
    """`corpus` is a recipe's corpus folder (with text/) or a folder of .txt shards."""
    corpus = Path(corpus)
    folder = corpus / "text" if (corpus / "text").is_dir() else corpus
    shards = sorted(folder.glob("*.txt"))
    if not shards:
        raise FileNotFoundError(
            f"no text shards in {folder}: pass the corpus stage's output folder "
            f"(e.g. data/corpus/model3) or a folder of .txt files"
        )
    return shards


def is_heldout(sentence: str, per_mille: int) -> bool:
    return zlib.crc32(sentence.encode("utf-8")) % 1000 < per_mille


def iter_sentences(shards: list[Path], heldout_per_mille: int, heldout: bool) -> Iterator[str]:
    """Non-blank lines of the shards: the training part, or the held-out part."""
    for shard in shards:
        with open(shard, encoding="utf-8") as handle:
            for line in handle:
                line = line.rstrip("\n")
                if line and is_heldout(line, heldout_per_mille) == heldout:
                    yield line


def sample_fraction(sample_bytes: int | None, shards: list[Path]) -> float:
    """The share of sentences that makes about `sample_bytes` of the shards (1: all)."""
    total = sum(path.stat().st_size for path in shards)
    if not sample_bytes or total <= sample_bytes:
        return 1.0
    return sample_bytes / total


def sample_sentences(sentences: Iterator[str], fraction: float, seed: int) -> Iterator[str]:
    """Each sentence with probability `fraction`, drawn from a generator seeded with `seed`
    (the same corpus and seed give the same sample; repeated sentences keep their share)."""
    if fraction >= 1:
        yield from sentences
        return
    draw = random.Random(seed).random
    for sentence in sentences:
        if draw() < fraction:
            yield sentence

"""Sentences of a corpus stage output, streamed, with a deterministic held-out slice."""

from __future__ import annotations

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

"""What earlier crawls of a source already wrote: review ids and places crawled to the end.

The truth is the renamed part files themselves (a part and its metadata appear together, or
not at all), so there is no separate state file to drift from the data after a kill.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from kosent_common.atomic import remove_temps

PLACES_DONE_KEY = b"kosent.places_done"
logger = logging.getLogger(__name__)


def id_hash(review_id: str) -> int:
    return int.from_bytes(hashlib.blake2b(review_id.encode(), digest_size=8).digest(), "little")


class StoreError(RuntimeError):
    """An earlier part file cannot be read; the message says what to do."""


def part_files(source_dir: Path) -> list[Path]:
    return sorted(Path(source_dir).glob("part-*.parquet"))


def remove_unfinished_parts(source_dir: Path) -> list[Path]:
    """Delete the hidden temporary parts a killed crawl left behind (their reviews were never
    counted as written, so the next crawl fetches them again). Only for a crawl that owns the
    folder: workers of a shared frontier may be writing theirs right now."""
    leftovers = [Path(p) for p in remove_temps(source_dir, "part-*.parquet")]
    if leftovers:
        logger.info("%s: removed %d unfinished parts of a killed crawl", source_dir, len(leftovers))
    return leftovers


@dataclass
class KnownReviews:
    """Review ids (8-byte hashes, sorted) and finished places from earlier runs of one source."""

    ids: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.uint64))
    places_done: set[str] = field(default_factory=set)
    files: int = 0

    def __contains__(self, review_id: str) -> bool:
        key = np.uint64(id_hash(review_id))
        at = int(np.searchsorted(self.ids, key))
        return at < len(self.ids) and self.ids[at] == key

    def contains_hashes(self, keys: list[int]) -> list[bool]:
        """Membership of many id hashes at once (vectorised; all False when nothing is known)."""
        if not len(self.ids) or not keys:
            return [False] * len(keys)
        wanted = np.fromiter(keys, dtype=np.uint64, count=len(keys))
        at = np.minimum(np.searchsorted(self.ids, wanted), len(self.ids) - 1)
        return (self.ids[at] == wanted).tolist()

    @classmethod
    def load(cls, source_dir: Path) -> KnownReviews:
        hashes: list[np.ndarray] = []
        places: set[str] = set()
        files = part_files(source_dir)
        for path in files:
            try:
                parquet = pq.ParquetFile(path)
                metadata = parquet.metadata.metadata or {}
                places.update(json.loads(metadata.get(PLACES_DONE_KEY, b"[]")))
                for group in range(parquet.num_row_groups):
                    column = parquet.read_row_group(group, columns=["review_id"]).column(0)
                    hashes.append(
                        np.fromiter((id_hash(v) for v in column.to_pylist()), dtype=np.uint64)
                    )
            except (pa.ArrowException, OSError, ValueError, KeyError) as err:
                raise StoreError(
                    f"earlier part file {path} cannot be read ({type(err).__name__}: {err}); "
                    "the crawl would not know which reviews it holds. Move it out of the folder "
                    "(its reviews are then crawled again) or restore it, and rerun"
                ) from err
        ids = np.unique(np.concatenate(hashes)) if hashes else np.empty(0, dtype=np.uint64)
        if files:
            logger.info(
                "%s: %d reviews and %d finished places from %d earlier part files",
                source_dir,
                len(ids),
                len(places),
                len(files),
            )
        return cls(ids=ids, places_done=places, files=len(files))

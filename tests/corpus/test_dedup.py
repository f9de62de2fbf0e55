import random

import numpy as np
import polars as pl

from corpus.dedup import SeenHashes, drop_duplicates


def test_seen_hashes_matches_a_python_set():
    rng = random.Random(7)
    seen, reference = SeenHashes(), set()
    for _ in range(300):
        batch = np.array(
            [rng.randrange(4000) for _ in range(rng.randrange(1, 80))], dtype=np.uint64
        )
        expected = []
        for value in batch.tolist():
            expected.append(value not in reference)
            reference.add(value)
        assert seen.add_new(batch).tolist() == expected
    assert len(seen) == len(reference)
    assert len(seen._runs) <= 2 * np.log2(len(reference)) + 1


def test_duplicates_across_frames_and_sources_keep_the_first():
    seen = SeenHashes()
    first = pl.DataFrame(
        {
            "source": ["nsmc", "nsmc", "nsmc"],
            "doc_id": ["1", "2", "3"],
            "text": ["정말 재밌어요", "정말  재밌어요", "별로"],
        }
    )
    second = pl.DataFrame(
        {"source": ["kcbert", "kcbert"], "doc_id": ["a", "b"], "text": ["별로", "새 댓글"]}
    )
    kept1, drops1 = drop_duplicates(first, seen)
    kept2, drops2 = drop_duplicates(second, seen)
    assert kept1["doc_id"].to_list() == ["1", "3"]  # whitespace does not make a new text
    assert kept2["doc_id"].to_list() == ["b"]
    assert drops1 == {("nsmc", "duplicate"): 1} and drops2 == {("kcbert", "duplicate"): 1}

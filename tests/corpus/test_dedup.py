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


def test_matching_keys_ignore_spacing_punctuation_case_and_long_runs():
    from corpus.dedup import codepoints, whole_text_hashes

    texts = [
        "정말 재밌어요ㅋㅋㅋㅋ!!",
        "정말재밌어요 ㅋㅋ",
        "HELLO 1000원",
        "hello 1000 원",
        "1000원",
    ]
    cps, offsets = codepoints(pl.Series(texts))
    keys = ["".join(map(chr, cps[a:b])) for a, b in zip(offsets[:-1], offsets[1:], strict=True)]
    assert keys == ["정말재밌어요ㅋㅋ", "정말재밌어요ㅋㅋ", "hello1000원", "hello1000원", "1000원"]
    hashes = whole_text_hashes(cps, offsets)
    assert hashes[0] == hashes[1] and hashes[2] == hashes[3] and len(set(hashes.tolist())) == 3


def test_ngram_hashes_agree_with_the_substrings():
    from corpus.dedup import codepoints, ngram_hashes

    texts = ["가나다라마바", "다라마바사아", "가나", ""]
    cps, offsets = codepoints(pl.Series(texts))
    hashes, docs = ngram_hashes(cps, offsets, 3)
    grams = [t[i : i + 3] for t in texts[:2] for i in range(len(t) - 2)] + ["가나"]
    assert docs.tolist() == [0] * 4 + [1] * 4 + [2]
    by_gram = dict(zip(grams, hashes.tolist(), strict=True))
    assert len(set(by_gram.values())) == len(by_gram)  # distinct n-grams, distinct hashes
    assert hashes[2] == hashes[4] and hashes[3] == hashes[5]  # 다라마, 라마바 in both texts
    none, _ = ngram_hashes(cps, offsets, 3, short="none")
    assert len(none) == 8

import json
import random

import polars as pl
import pytest

from corpus.decontaminate import (
    BenchmarkError,
    BenchmarkIndex,
    BenchmarkSpec,
    Decontaminator,
    read_benchmark,
)
from corpus.neardup import NearDupConfig
from corpus.pipeline import BuildOptions, benchmark_specs, build_corpus
from corpus.recipes import Recipe

HANGUL = [chr(c) for c in range(0xAC00, 0xD7A4)]


def nsmc_test(fixtures) -> list[str]:
    return read_benchmark(BenchmarkSpec(fixtures / "nsmc" / "ratings_test.txt"))


def comments(fixtures) -> list[str]:
    return [t for t in (fixtures / "kcbert" / "comments.txt").read_text().splitlines() if t]


def change(text: str, k: int, rng: random.Random) -> str:
    chars = list(text)
    for i in rng.sample([i for i, c in enumerate(chars) if c.strip()], k):
        chars[i] = rng.choice(HANGUL)
    return "".join(chars)


def test_planted_benchmark_items_are_found(fixtures):
    items = nsmc_test(fixtures)
    index = BenchmarkIndex(items)
    rng = random.Random(7)
    chosen = [i for i in range(len(items)) if index.key_lengths[i] >= 30]
    assert len(chosen) >= 20
    other = comments(fixtures)
    planted = []
    for i in chosen:
        text = items[i]
        planted += [
            text,  # whole, as a document
            change(text, 2, rng),  # a few characters changed
            f'{rng.choice(other)} "{text}" {rng.choice(other)}',  # quoted in a comment
            f"{rng.choice(other)} {change(text, 1, rng)} ㅋㅋㅋ",  # both
        ]
    exact, ngram, _ = index.match(pl.Series(planted))
    found = ((exact >= 0) | (ngram >= 0)).mean()
    # measured on 2,000 NSMC test items of 30+ characters: 100% whole or quoted, 97.8% with
    # two characters changed (bench/RESULTS.md)
    assert found >= 0.95, found


def test_ordinary_text_is_not_flagged(fixtures):
    index = BenchmarkIndex(nsmc_test(fixtures))
    ordinary = comments(fixtures)
    ordinary += (fixtures / "kcc" / "KCC_sample_UTF8.txt").read_text("utf-8-sig").splitlines()
    ordinary += [
        "정말 재미있게 봤습니다",
        "최고의 영화",
        "재미없어요",
        "배우들 연기가 좋았어요",
    ]
    exact, ngram, _ = index.match(pl.Series([t for t in ordinary if t.strip()]))
    assert not ((exact >= 0) | (ngram >= 0)).any()


def test_short_items_match_only_whole_documents_of_ten_characters_or_more():
    index = BenchmarkIndex(["최고", "이 영화 정말 최고였어요"], ngram=13)
    exact, ngram, _ = index.match(
        pl.Series(["최고", "이 영화 정말 최고였어요!!", "이영화정말최고였어요 ㅋㅋ"])
    )
    assert exact.tolist() == [-1, 1, -1] and ngram.tolist() == [-1, -1, -1]


def test_benchmark_formats(tmp_path):
    tsv = tmp_path / "b.tsv"
    tsv.write_text('id\ttext\tlabel\n1\t"따옴표" 그대로\t0\n2\t\t1\n3\t두 번째 리뷰\t1\n')
    assert read_benchmark(BenchmarkSpec.parse(str(tsv))) == ['"따옴표" 그대로', "두 번째 리뷰"]
    assert read_benchmark(BenchmarkSpec.parse(f"{tsv}:id")) == ["1", "2", "3"]
    jsonl = tmp_path / "b.jsonl"
    jsonl.write_text("\n".join(json.dumps({"q": q, "a": "x"}) for q in ["하나", "둘"]) + "\n")
    assert read_benchmark(BenchmarkSpec.parse(f"{jsonl}:q")) == ["하나", "둘"]
    array = tmp_path / "b.json"
    array.write_text(json.dumps([{"sentence": "문장 하나"}], ensure_ascii=False))
    assert read_benchmark(BenchmarkSpec.parse(str(array))) == ["문장 하나"]
    lines = tmp_path / "b.txt"
    lines.write_text("한 줄에 하나\n\n또 하나\n")
    assert read_benchmark(BenchmarkSpec.parse(str(lines))) == ["한 줄에 하나", "또 하나"]
    for spec, message in (
        (str(tmp_path / "missing.tsv"), "does not exist"),
        (f"{tsv}:nope", "no column 'nope'"),
        (f"{jsonl}", "no field"),
        (f"{jsonl}:nope", "no field 'nope'"),
    ):
        with pytest.raises(BenchmarkError, match=message):
            read_benchmark(BenchmarkSpec.parse(spec))


def test_the_build_drops_nsmc_test_reviews_found_in_other_sources(tmp_path, fixtures):
    items = nsmc_test(fixtures)
    long_items = [t for t in items if len(t) >= 40][:5]
    recipe = Recipe(name="t", sources=("kcbert", "nsmc"), vocab_size=8000)
    lines = comments(fixtures)[:50] + [f"이 리뷰 봐라 ㅋㅋ{t}공감" for t in long_items]
    (tmp_path / "comments.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    files = {
        "kcbert": [tmp_path / "comments.txt"],
        "nsmc": [fixtures / "nsmc" / "ratings_test.txt", fixtures / "nsmc" / "ratings_train.txt"],
    }
    options = BuildOptions(progress=False, workers=1, near_dup=NearDupConfig(enabled=False))
    manifest = build_corpus(recipe, files, tmp_path / "out", options)
    summary = manifest["decontamination"]
    assert summary["benchmarks"] == [f"{fixtures / 'nsmc' / 'ratings_test.txt'}:document"]
    assert manifest["sources"]["kcbert"]["drops"]["benchmark_ngram"] == len(long_items)
    assert summary["items_found"] == len(long_items)
    excluded = pl.read_parquet(tmp_path / "out" / "t" / "excluded" / "decontaminate")
    expected = [f"comments.txt:{51 + i}" for i in range(len(long_items))]
    assert sorted(excluded["doc_id"].to_list()) == expected
    assert benchmark_specs(recipe, files, BuildOptions(decontaminate_nsmc_test=False)) == []
    assert benchmark_specs(recipe, files, BuildOptions(include_nsmc_test=True)) == []


def test_decontaminator_counts_per_source_and_reason():
    index = BenchmarkIndex(["이 영화는 정말 인생 영화라고 말할 수 있겠네요"])
    data = pl.DataFrame(
        {
            "source": ["kcbert", "reviews", "reviews"],
            "doc_id": ["a", "b", "c"],
            "text": [
                "댓글: 이 영화는 정말 인생 영화라고 말할 수 있겠네요 ㅋㅋ",
                "이 영화는 정말 인생 영화라고 말할 수 있겠네요",
                "전혀 다른 리뷰입니다",
            ],
        }
    )
    kept, counts = Decontaminator(index).drop(data)
    assert kept["doc_id"].to_list() == ["c"]
    assert counts == {("kcbert", "benchmark_ngram"): 1, ("reviews", "benchmark_exact"): 1}

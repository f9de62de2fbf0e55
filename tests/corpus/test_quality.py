import polars as pl
import pytest

from corpus.cleaning import CleaningConfig, clean_frame
from corpus.quality import REASONS, QualityConfig, quality_filter, quality_reasons
from corpus.recipes import RecipeError, load_recipes


def frame(texts, source="kcbert"):
    return pl.DataFrame(
        {
            "source": [source] * len(texts),
            "doc_id": [str(i) for i in range(len(texts))],
            "text": texts,
        }
    )


def fixture_texts(fixtures):
    nsmc = [
        line.split("\t")[1]
        for line in (fixtures / "nsmc" / "ratings_train.txt").read_text().splitlines()[1:]
        if line.count("\t") == 2
    ]
    kcbert = (fixtures / "kcbert" / "comments.txt").read_text().splitlines()
    return nsmc, kcbert


def test_colloquial_reviews_and_comments_are_kept(fixtures):
    colloquial = [
        "ㅋㅋㅋㅋ 개웃김",
        "ㅠㅠ 너무 슬퍼요ㅠㅠ",
        "굿굿^^",
        "ㅡㅡ;; 뭐냐 이거",
        "10점 만점에 10점!!",
        "OST 최고 ㅎㅎ",
        "ㅋㅋ 진짜 ㅋㅋ 웃기다 ㅋㅋ",
        "대박ㅋㅋ👍👍",
    ]
    cleaned, _ = clean_frame(frame(colloquial), CleaningConfig())
    kept, drops = quality_filter(cleaned, {"kcbert": QualityConfig()})
    assert kept.height == cleaned.height, drops

    nsmc, kcbert = fixture_texts(fixtures)
    for source, texts in (("nsmc", nsmc), ("kcbert", kcbert)):
        cleaned, _ = clean_frame(frame(texts, source), CleaningConfig())
        kept, drops = quality_filter(cleaned, {source: QualityConfig()})
        # measured on these slices: nsmc 0 of 291; kcbert 2 of 298 ("현빈 ~♡♡~~♡♡~", and a
        # comment quoting the New York Times in English)
        assert cleaned.height - kept.height <= 0.02 * cleaned.height, drops


def test_planted_junk_is_dropped_with_its_reason():
    junk = {
        "low_hangul": "this review is written in english only, sorry about that",
        "symbol_ratio": "★★★★★☆☆☆☆☆ ♥♥♥♥♥ ◆◆◆◆ 굿",
        "digit_ratio": "010 1234 5678 9012 3456 7890 1234 5678 문의",
        "repeated_lines": "\n".join(
            ["오늘의 특가 상품 안내 드립니다 지금 바로 확인하세요"] * 6
            + ["문의는 댓글로 남겨 주세요 감사합니다 좋은 하루 되세요"]
        ),
        "repeated_ngrams": " ".join(["지금 클릭 하면 무료 쿠폰"] * 12),  # 60 words
        "quality_too_long": "가" * 60,
    }
    configs = {"kcbert": QualityConfig(), "wiki": QualityConfig(max_chars=50)}
    texts = list(junk.values())
    sources = ["kcbert"] * (len(texts) - 1) + ["wiki"]
    data = pl.DataFrame(
        {"source": sources, "doc_id": [str(i) for i in range(len(texts))], "text": texts}
    )
    assert quality_reasons(data, configs).to_list() == list(junk)
    kept, drops = quality_filter(data, configs)
    assert kept.height == 0
    assert set(reason for _, reason in drops) <= set(REASONS)
    assert drops[("wiki", "quality_too_long")] == 1 and drops[("kcbert", "low_hangul")] == 1


def test_repetition_rules_skip_short_documents():
    spam = " ".join(["지금 클릭 하면 무료 쿠폰"] * 9)  # 45 words: under the 50-word floor
    assert quality_reasons(frame([spam]), {"kcbert": QualityConfig()}).to_list() == [None]
    strict = {"kcbert": QualityConfig(repetition_min_words=20)}
    assert quality_reasons(frame([spam]), strict).to_list() == ["repeated_ngrams"]


def test_a_disabled_source_keeps_everything():
    data = frame(["english only text, nothing in hangul here"])
    assert quality_filter(data, {"kcbert": QualityConfig(enabled=False)})[0].height == 1


def test_recipe_quality_tables(tmp_path):
    path = tmp_path / "recipes.toml"
    path.write_text(
        '[r]\nvocab_size = 8000\nsources = ["kcbert", "wiki"]\n'
        "[r.quality]\nmin_hangul_share = 0.3\n"
        "[r.quality.wiki]\nmax_chars = 1000\nrepetition_min_words = 80\n"
    )
    recipe = load_recipes(path)["r"]
    assert recipe.quality_for("kcbert") == QualityConfig(min_hangul_share=0.3)
    assert recipe.quality_for("wiki") == QualityConfig(
        min_hangul_share=0.3, max_chars=1000, repetition_min_words=80
    )
    for bad, message in (
        ("[r.quality]\nmin_hangul = 0.3\n", "unknown quality keys"),
        ('[r.quality]\nmax_chars = "big"\n', "must be int"),
        ("[r.quality.kcc]\nmax_chars = 10\n", "not in its sources"),
    ):
        path.write_text('[r]\nvocab_size = 8000\nsources = ["kcbert", "wiki"]\n' + bad)
        with pytest.raises(RecipeError, match=message):
            load_recipes(path)


def test_long_documents_are_analysed_in_chunks_with_the_same_answer(fixtures, monkeypatch):
    import corpus.quality as quality

    wiki = (fixtures / "wiki" / "wiki_00").read_text(encoding="utf-8")
    texts = [wiki, " ".join(["지금 클릭 하면 무료 쿠폰"] * 12), "짧은 댓글 ㅋㅋ", wiki[:2000]]
    data = frame(texts, "wiki")
    whole = quality._repetition(data, 1)
    monkeypatch.setattr(quality, "CHUNK_WORDS", 30)
    assert quality._repetition(data, 1).equals(whole)

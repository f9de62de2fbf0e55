import polars as pl
import pytest

from corpus.cleaning import CleaningConfig, clean_frame, collapse_repeats_in_text

LENIENT = CleaningConfig(min_chars=1)


def clean(texts, config=LENIENT):
    frame = pl.DataFrame(
        {"source": ["s"] * len(texts), "doc_id": [str(i) for i in range(len(texts))], "text": texts}
    )
    out, drops = clean_frame(frame, config)
    return out["text"].to_list(), drops


def test_repeats_collapse_without_corrupting_numbers_or_syllables():
    # soynlp's repeat_normalize (KcBERT's clean()) gives 100원 and 대ㅋㅋ for these.
    assert collapse_repeats_in_text("10000원") == "10000원"
    assert collapse_repeats_in_text("대박ㅋㅋㅋㅋ") == "대박ㅋㅋ"
    assert collapse_repeats_in_text("ㅋㅋㅋㅋㅋㅋ 좋아!!!!!") == "ㅋㅋ 좋아!!"
    assert collapse_repeats_in_text("ㅠㅠㅠㅠ 하하하하") == "ㅠㅠ 하하"
    assert collapse_repeats_in_text("그래서.......") == "그래서..."
    assert collapse_repeats_in_text("음.. 글쎄") == "음.. 글쎄"


def test_kss_and_soynlp_corrupt_what_we_keep():
    """The reason for our own rule: the libraries' repeat reduction corrupts these texts."""
    from kss import Kss

    assert Kss("reduce_char_repeats")("10000원") == "100원"
    assert Kss("reduce_emoticon_repeats")("대박ㅋㅋㅋㅋ") == "대ㅋㅋ"
    assert clean(["10000원 대박ㅋㅋㅋㅋ"])[0] == ["10000원 대박ㅋㅋ"]


def test_nfc_and_fullwidth_but_compatibility_jamo_kept():
    decomposed = "\u1112\u1161\u11ab\u1100\u1173\u11af"  # 한글 as conjoining jamo (NFD)
    texts, _ = clean([decomposed + " ｆｕｌｌ　ｗｉｄｔｈ ㅋㅋ ㅠㅠ"])
    assert texts == ["한글 full width ㅋㅋ ㅠㅠ"]


def test_pii_and_news_boilerplate_removed():
    texts, _ = clean(
        [
            "(서울=연합뉴스) 홍길동 기자 = 정부가 발표했다. 문의 abc@yna.co.kr 무단전재 및 재배포 금지",
            "예약은 010-1234-5678 로 하세요 http://place.example.com/1",
        ]
    )
    assert texts == ["정부가 발표했다. 문의", "예약은 로 하세요"]


@pytest.mark.parametrize(
    ("emoji", "hanja", "expected"),
    [
        (True, True, "漢字 좋아요😀👍🏻"),
        (False, True, "漢字 좋아요"),
        (True, False, "좋아요😀👍🏻"),
        (False, False, "좋아요"),
    ],
)
def test_emoji_and_hanja_policies(emoji, hanja, expected):
    config = CleaningConfig(keep_emoji=emoji, keep_hanja=hanja, min_chars=1)
    assert clean(["漢字 좋아요😀👍🏻 ✓½"], config)[0] == [expected]


def test_kcbert_character_filter_keeps_korean_ascii_and_punctuation():
    texts, _ = clean(["「좋다」 … 'OK' ~ 100% ♥ ж ½ ¤ ㆍ 끝"])
    assert texts == ["「좋다」 … 'OK' ~ 100% ♥ ㆍ 끝"]  # ♥ is an emoji (kept by default)


def test_whitespace_and_lines():
    texts, _ = clean(["  첫 줄\t\t있음  \r\n\n\n  둘째   줄 \n"])
    assert texts == ["첫 줄 있음\n둘째 줄"]


def test_short_documents_are_dropped_and_counted():
    frame = pl.DataFrame(
        {
            "source": ["a", "a", "b"],
            "doc_id": ["1", "2", "3"],
            "text": ["굿", "ㅋㅋㅋㅋㅋ", "재밌게 봤어요"],
        }
    )
    out, drops = clean_frame(frame, CleaningConfig(min_chars=4))
    assert out["doc_id"].to_list() == ["3"]
    assert drops == {("a", "too_short"): 2}

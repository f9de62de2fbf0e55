import polars as pl
import pytest

from kosent_common.pii import PII_PATTERN, PII_REPLACEMENT, PII_REPLACEMENT_POLARS, scrub_pii

CASES = [
    ("연락 010-1234-5678 주세요", "연락 주세요"),
    ("연락 01012345678 주세요", "연락 주세요"),
    ("대표 02-123-4567 로", "대표 로"),
    ("+82 10 1234 5678 으로", "으로"),
    ("메일 abc.d+x@naver.com 로", "메일 로"),
    ("http://blog.naver.com/x?a=1에서 봤음", "에서 봤음"),
    ("WWW.naver.com 가보셈", "가보셈"),
    ("주민번호 900101-1234567 유출", "주민번호 유출"),
    ("계좌 110-234-567890 입금", "계좌 입금"),
    ("카드 1234-5678-9012-3456 결제", "카드 결제"),
]
KEPT = ["2008-11-04 개봉", "10000원 짜리", "1588-1234 (대표번호)", "3박4일 여행", "제44대 대통령"]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_personal_data_is_removed(text, expected):
    assert scrub_pii(text) == expected


@pytest.mark.parametrize("text", KEPT)
def test_ordinary_numbers_are_kept(text):
    assert scrub_pii(text) == text


def test_polars_and_python_engines_agree():
    texts = [t for t, _ in CASES] + KEPT
    by_polars = pl.Series(texts).str.replace_all(PII_PATTERN, PII_REPLACEMENT_POLARS).to_list()
    assert [" ".join(t.split()) for t in by_polars] == [scrub_pii(t) for t in texts]


def test_the_fast_path_gives_the_full_scan_answer(fixtures_root):
    import re

    from kosent_common import pii

    texts = (fixtures_root / "kcbert" / "comments.txt").read_text(encoding="utf-8").splitlines()
    texts += (
        [t for t, _ in CASES] + KEPT + ["wWw.x.kr 가", "a@b.co", "ftp://x", "  공백  많은\t글  "]
    )

    def full_scan(text: str) -> str:
        return re.sub(r"[ \t]{2,}", " ", pii._PII.sub(PII_REPLACEMENT, text)).strip()

    assert [scrub_pii(t) for t in texts] == [full_scan(t) for t in texts]

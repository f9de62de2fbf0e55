"""Planted personal data in the forms Korean reviews use (numbers glued to particles, +82, area
codes in parentheses, no separators), through both paths that remove it: `scrub_pii` (the
crawler, per review) and polars (`clean_frame`, the corpus stage). A second set of ordinary
numbers must come through unchanged.
"""

import polars as pl
import pytest

from corpus.cleaning import CleaningConfig, clean_frame
from kosent_common.pii import scrub_pii

# (text before, personal data, text after): the expected output is before + after.
PLANTED = [
    # mobile
    ("예약은 ", "010-2345-6789", "로 하세요"),
    ("전화", "01034567890", "으로 주세요"),
    ("번호는", "010.2345.6789", "입니다"),
    ("연락처 ", "010 2345 6789", "로 문자 주세요"),
    ("사장님 번호가", "010-9876-5432", "이던데"),
    ("해외에선 ", "+82 10-2345-6789", "로 거세요"),
    ("국제전화는", "+82-10-2345-6789", "에게"),
    ("문자는", "+821023456789", "로 보내요"),
    ("국번 바뀌어서 ", "+82 (0)10 2345 6789", "로"),
    ("옛날 폰", "011-234-5678", "이 아직 돼요"),
    ("폰번호는 ", "016 234 5678", "이래요"),
    ("문자", "010 - 2345 - 6789", "주세요"),
    ("사장님께", "(010)2345-6789", "로 연락"),
    # landline
    ("매장 ", "02-345-6789", "로 예약"),
    ("본점은", "02-3456-7890", "입니다"),
    ("예약전화", "(02)345-6789", "로 하래요"),
    ("가게 번호 ", "(02) 345-6789", "번으로"),
    ("분당점", "031-234-5678", "에서 안내"),
    ("수원점 ", "031)234-5678", "로 문의"),
    ("대표전화", "031.234.5678", "번"),
    ("부산점 ", "051 234 5678", "로 문의"),
    ("어제", "0312345678", "로 전화했더니"),
    ("인터넷전화", "070-1234-5678", "은 잘 안 받아요"),
    ("서울은 ", "+82 2-345-6789", "로"),
    ("경기점", "+82-31-234-5678", "번"),
    # resident registration numbers
    ("주민번호", "900101-1234567", " 유출"),
    ("주민등록번호는 ", "900101-2345678", "입니다"),
    ("주민번호", "9001012345678", "을 적으래요"),
    ("생년월일 포함 ", "851231 - 1234567", "이라니"),
    ("외국인등록번호", "000229-5123456", "로 가입"),
    # bank accounts
    ("계좌", "110-234-567890", "입금"),
    ("국민 ", "123456-01-234567", "로 보내주세요"),
    ("우리은행", "1002-345-678901", "로 입금하래요"),
    ("농협 ", "302-1234-5678-91", "에 입금"),
    ("카카오뱅크", "3333-01-2345678", "으로 보내요"),
    ("계좌번호", "110234567890", "입니다"),
    ("기업은행 ", "01012345678901", "로 환불"),
    # cards
    ("카드", "1234-5678-9012-3456", "로 결제"),
    ("카드번호 ", "1234 5678 9012 3456", "을 물어봄"),
    ("결제카드는", "1234567890123456", "이고"),
    ("아멕스", "3782-822463-10005", "로 냈어요"),
    # e-mails
    ("", "abc@naver.com", "로 보내주세요"),
    ("메일은", "abc.def@gmail.com", "입니다"),
    ("문의:", "help_desk+kr@company.co.kr", "에게"),
    ("이메일 ", "user123@daum.net", "으로 주세요"),
    ("영수증은", "shop-2024@hanmail.net", "에서 왔어요"),
    # links
    ("", "www.example.com", "에서 예약"),
    ("자세한건", "https://blog.naver.com/abc/123456", "에서 보세요"),
    ("링크", "http://m.place.example.co.kr/p?id=42", "로 들어가"),
    ("사이트", "WWW.Example.COM", "을 참고"),
    ("주소가", "https://store.example.kr/item/42", "인데"),
]

UNCHANGED = [
    "10,000원이에요",
    "15000원짜리 세트",
    "가격은1,250,000원입니다",
    "2024-01-02에 방문",
    "2024.01.02부터 영업",
    "2024년1월2일 재방문",
    "24.01.02에 갔어요",
    "2024/01/02 예약",
    "오전10:30부터 오후9:00까지",
    "영업시간 11:00~21:30",
    "2019년에 개업한 집",
    "1999년생 사장님",
    "평점5/5",
    "별점4.5점 드려요",
    "10점 만점에 9점",
    "모델명 SM-G991N 샀어요",
    "RTX3080으로 바꿨어요",
    "i7-12700K에 램 32GB",
    "아이폰15프로 케이스",
    "DDR5-5600램 추가",
    "65UQ9300 티비 설치",
    "3박4일 여행",
    "2인분에 15,000원",
    "1+1행사 중",
    "30%할인 받음",
    "3~4명이 가기 좋아요",
    "10-20분 기다림",
    "1588-1234로 문의",
    "제44대 대통령",
    "2.5L 생수 500ml",
    "버전 1.2.3 업데이트",
    "우편번호 06236 근처",
    "학번 20231234 동기",
    "1004호 객실",
    "12-3으로 이겼다",
    "1000-2000원대 가성비",
    "0.5초 만에 매진",
    "24시간 영업 2호점",
]


def _expected(before: str, after: str) -> str:
    return " ".join((before + after).split())


def _clean(texts: list[str]) -> list[str]:
    frame = pl.DataFrame(
        {"source": ["s"] * len(texts), "doc_id": [str(i) for i in range(len(texts))], "text": texts}
    )
    out, drops = clean_frame(frame, CleaningConfig(min_chars=1))
    assert not drops
    return out["text"].to_list()


PATHS = {
    "scrub_pii": lambda texts: [scrub_pii(t) for t in texts],
    "polars_clean_frame": _clean,
}


def test_the_sets_are_large_enough():
    assert len(PLANTED) >= 40 and len(UNCHANGED) >= 30
    assert len({p for _, p, _ in PLANTED}) == len(PLANTED)


@pytest.mark.parametrize("path", PATHS)
def test_planted_personal_data_leaves_no_residue(path):
    got = PATHS[path]([b + p + a for b, p, a in PLANTED])
    wrong = [
        (b + p + a, out)
        for (b, p, a), out in zip(PLANTED, got, strict=True)
        if out != _expected(b, a)
    ]
    assert not wrong, (
        f"{path}: {len(wrong)} of {len(PLANTED)} planted variants not removed: {wrong}"
    )


@pytest.mark.parametrize("path", PATHS)
def test_ordinary_numbers_come_through_unchanged(path):
    got = PATHS[path](UNCHANGED)
    changed = [(t, out) for t, out in zip(UNCHANGED, got, strict=True) if out != t]
    assert not changed, (
        f"{path}: {len(changed)} of {len(UNCHANGED)} ordinary texts changed: {changed}"
    )


@pytest.mark.parametrize("path", PATHS)
def test_several_in_one_text_with_one_character_between(path):
    text = "연락 010-2345-6789,02-345-6789/abc@naver.com 또는 1234-5678-9012-3456/9001011234567끝"
    assert PATHS[path]([text]) == ["연락 ,/ 또는 /끝"]

"""The compiled kss core (corpus/_kss_core.pyx) gives kss 6.0.6's own answers.

The oracle is kss itself (`corpus.kss_core.reference_split`: kss.split_sentences(line,
backend="mecab") with its cross-call state reset), run on the fly on the same lines.
"""

from __future__ import annotations

import itertools
import warnings
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corpus import kss_core
from corpus.kss_core import load_core, reference_split
from corpus.readers import READERS
from corpus.sources import SOURCES
from corpus.split import KssFastSplitter, make_splitter, split_document

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def core():
    core = load_core()
    assert core is not None, "corpus._kss_core is not built: pip install -e ."
    return core


def _lines_of(reader, path: Path, source: str):
    for doc in reader(path, source, lambda _reject: None):
        for line in doc.text.split("\n"):
            if line.strip():
                yield line


def fixture_lines() -> list[str]:
    """Every line of tests/fixtures' corpus slices, then demo/data's NSMC and comments: ~3.2k."""
    lines: list[str] = []
    base = ROOT / "tests/fixtures"
    for name in ("reviews", "kcbert", "wiki", "kcc", "nsmc"):
        for path in sorted((base / name).glob("*")):
            lines.extend(_lines_of(READERS[name], path, name))
    for source in (s for s in SOURCES if s.nikl_release):  # the Modu corpora
        for path in sorted((base / source.data_folder).glob("*.json")):
            lines.extend(_lines_of(READERS[source.name], path, source.name))
    demo = ROOT / "demo/data"
    lines.extend(
        itertools.islice(_lines_of(READERS["nsmc"], demo / "nsmc/ratings_train.txt", "nsmc"), 1200)
    )
    lines.extend(
        itertools.islice(_lines_of(READERS["kcbert"], demo / "kcbert/comments.txt", "kcbert"), 800)
    )
    return lines


def test_fixture_lines_identical_to_kss(core):
    lines = fixture_lines()
    assert len(lines) > 3000
    differ = [(line, reference_split(line), core.split(line)) for line in lines]
    differ = [d for d in differ if d[1] != d[2]]
    assert differ == []


ADVERSARIAL = [
    # stray and nested quotes, brackets
    "그가 \"정말 '좋다'고 했다. 그리고 떠났다. 나는 '몰랐다",
    "「그는 『왔다』고 말했다. 정말이다.」 그렇다. “좋아요. ‘진짜’요.” 그래서 갔다.",
    "(괄호 안이다. 정말이다.) 그 다음이다. [참고] 이건 각주다. {중괄호다. 끝이다.}",
    "'''''\"\"\"''' 따옴표만 잔뜩이다. 정말이다'",
    "아니거든 !!! (강한부정) 너가 먼저 말했잖아!",
    '그는 말했다."가자." 그리고 "안 돼." 라고 했다.',
    "`백틱이다. 닫지 않았다. ″이것도 따옴표다. 정말이다″ 끝.",
    # emoji, emoticons, jamo
    "너무 좋아요😀😀 다음에 또 올게요👍 ㅋㅋㅋ 진짜 최고 ㅠㅠ",
    "재밌다 :) 근데 슬펐다 :( 그래도 봤다 ^^ 좋았어 ㅎㅎ",
    "듯 ㅋㅋ 했던 듯ㅋㅋ 그랬던 듯… 갔다",
    "ㅋㅋㅋㅋ ㅠㅠㅠㅠ ㅎㅎ ㄱㄱ ㅇㅇ. ㄴㄴ. 끝",
    # URLs, e-mails, apostrophes
    "자세한 건 www.x.com에서 봐라. 문의는 a.b@example.com으로 해라. https://ko.wikipedia.org/wiki/서울 참고.",
    "I'm fine. You're welcome. It`s ok. Don’t go. 그는 'N' 버튼을 눌렀다.",
    "maılto밥이다 좋아. httpſ밥 먹었다. MAILTO밥 줘. ftp:x 그렇다",  # kss's (?i) URL pattern
    "a'b'c'd'e 좋다. It's a'b'c 'N' n' 그래. don't'n'it's 갔다. X’Y‘Z`w 끝. aa'bb'cc'dd 했다.",
    "http://a.kr/b?c=1&d=2 링크다. 또 http://a.kr/b?c=1&d=2 이다. mailto:x@y.com 끝.",
    # \f, zero-width and odd spaces
    "첫 문장이다.\f둘째 문장이다.\v셋째다.\r넷째다.",
    "영폭\u200b공백이다. 그리고\u200c또\u2060있다.\ufeff끝이다. 전각\u3000공백이다. 줄\xa0바꿈없음.",
    "\t탭으로 시작한다.   여러 칸 띄었다.    끝.   ",
    # footnotes, daggers, ellipses, Hanja, numbers with dots
    "그것은 사실이였다.[13] 하지만 그에 따라 바뀌었다.[편집] 다음이다.[더 보기] 마침 좋았다.",
    "GPT3는 인공지능 모델이다.† 그러나 이 모델은 크다.‡ 끝이다.* 별표다.",
    "음... 글쎄요…… 모르겠네요.... 그런가?! 정말?? 아니!!",
    "大韓民國은 民主共和國이다. 國民은 主權을 가진다. 그렇다.",
    "버전 3.14.15를 썼다. 1.5배 빨랐다. 2024.01.02에 나왔다. no. 5와 p. 3을 봐라. 제3조. 항이다.",
    "¶단락이다. ※참고하라. ① 첫째다. ② 둘째다. → 화살표다.",
    "- 첫 항목이다 - 둘째 항목이다 – 셋째 항목이다. 끝",
    "했음. 좋았음 그래서 갔음, 그리고 먹었음. 맛있었다능 ㅋㅋ 다음에 또 가야지...",
    "",
    " ",
    ".",
    '"',
    "ㅋ",
]


@pytest.mark.parametrize("text", ADVERSARIAL)
def test_adversarial_identical_to_kss(core, text):
    if not text:
        assert make_splitter("kss-fast").split_line(text) == reference_split(text)
    else:
        assert core.split(text) == reference_split(text)


def test_long_line_identical_to_kss(core):
    text = " ".join(ADVERSARIAL[:12]) * 40  # ~10k+ characters on one line
    assert len(text) > 10_000
    assert core.split(text) == reference_split(text)


PIECES = [
    '"',
    "'",
    "「",
    "」",
    "『",
    "』",
    "“",
    "”",
    "‘",
    "’",
    "`",
    "(",
    ")",
    "[",
    "]",
    "[13]",
    "†",
    "😀",
    "👨\u200d👩\u200d👧",
    "❤️",
    "♡",
    "👍",
    ":)",
    "^^",
    "ㅋㅋ",
    "ㅠㅠ",
    "ㅎ",
    "www.x.com에서",
    "a@b.com",
    "I'm",
    "don’t",
    "\f",
    "\u200b",
    "\u3000",
    "\xa0",
    "\t",
    "...",
    "…",
    "?!",
    "!",
    "?",
    ".",
    ",",
    "~",
    "大韓",
    "3.14",
    "1.",
    "no.",
    "p.",
    "¶",
    "-",
    "※",
    "했다",
    "했다.",
    "좋아요",
    "그래서",
    "갔음",
    "먹었음",
    "입니다",
    "이다",
    "듯",
    "라고",
    "그는",
    "영화",
    "정말",
    "재밌다",
    "다능",
    "했는데",
    "요",
    "  ",
    " ",
    " ",
    " ",
]


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(PIECES), min_size=1, max_size=40))
def test_property_identical_to_kss(core, pieces):
    text = "".join(pieces)
    if text:
        assert core.split(text) == reference_split(text)


def test_core_keeps_no_state_between_lines(core):
    """kss's class-level URL table grows with every URL it sees; the core keeps nothing."""
    from kss._modules.sentences.sentence_processor import SentenceProcessor

    before = dict(SentenceProcessor._normal_backup)
    probe = "좋았다. 문의는 www.shop-7.com에서 했다."
    first = core.split(probe)
    for i in range(300):
        core.split(f"링크 www.site{i}.com에서 봤다. 좋았다.")
    assert SentenceProcessor._normal_backup == before
    assert core.split(probe) == first == reference_split(probe)


def test_splitter_uses_core_and_counts_no_fallbacks():
    splitter = make_splitter("kss-fast")
    assert isinstance(splitter, KssFastSplitter) and splitter.name == "kss-fast"
    text = "\n".join(ADVERSARIAL[:10])
    assert split_document(splitter, text) == split_document(make_splitter("kss"), text)
    assert splitter.fallbacks == 0


def test_missing_extension_warns_once_and_runs_kss(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "corpus._kss_core", None)  # import now fails
    kss_core.load_core.cache_clear()
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            first, second = make_splitter("kss-fast"), make_splitter("kss-fast")
        assert [str(w.message) for w in caught] == [kss_core.EXTENSION_MISSING]
        assert first.name == second.name == "kss"
        assert first.split_line(ADVERSARIAL[0]) == reference_split(ADVERSARIAL[0])
    finally:
        kss_core.load_core.cache_clear()


@pytest.mark.parametrize("text", ADVERSARIAL[11:15])
def test_backup_is_kss_backup(text):
    """Placeholders for URLs, e-mails and letter-apostrophe-letter: kss's own, in kss's order."""
    from corpus._kss_core import backed_up
    from kss._modules.sentences.split_sentences import preprocessors

    kss_core._reset_kss_state()
    assert backed_up(text) == preprocessors[()].backup(text)
    assert backed_up(text) != text  # the cases do contain something kss backs up

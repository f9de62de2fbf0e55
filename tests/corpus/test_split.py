"""Guards for the kss facts the corpus stage is built on (see corpus/split.py)."""

import json
import multiprocessing
import subprocess
import sys
from importlib.metadata import version

import numpy as np
import pytest

from corpus.split import DEFAULT_SPLITTER, KssSplitter, make_splitter, split_document

TEXTS = [
    "회사 동료 분들과 다녀왔는데 분위기도 좋고 음식도 맛있었어요 다만, 강남 토끼정이 강남 쉑쉑버거 "
    "골목길로 쭉 올라가야 하는데 다들 쉑쉑버거의 유혹에 넘어갈 뻔 했답니다 강남역 맛집 토끼정의 외부 모습.",
    "그렇게 하겠다며 떠났다고 했다 그런데 다시 왔다",
    "아 더빙.. 진짜 짜증나네요 목소리",
    "너무 재밌었다며 친구가 추천했음 나는 별로였다",
    "흠...포스터보고 초딩영화줄....오버연기조차 가볍지 않구나",
]


@pytest.fixture(scope="module")
def splitter() -> KssSplitter:
    return make_splitter("kss")


def test_backend_is_mecab_with_the_kss_the_fast_core_reproduces(splitter):
    # pecab (the fallback) is 22x slower and its int16 costs overflow under NumPy 2.
    assert splitter.backend == "mecab"
    assert version("kss").startswith("6.0.")  # corpus/_kss_core follows kss 6.0's rules
    assert version("emoji") == "1.2.0"  # kss pins it; emoji 2.x breaks kss
    assert np.__version__.startswith("2.")


def test_splits_like_kss_documentation(splitter):
    assert split_document(splitter, TEXTS[0]) == [
        "회사 동료 분들과 다녀왔는데 분위기도 좋고 음식도 맛있었어요",
        "다만, 강남 토끼정이 강남 쉑쉑버거 골목길로 쭉 올라가야 하는데 다들 쉑쉑버거의 유혹에 넘어갈 뻔 했답니다",
        "강남역 맛집 토끼정의 외부 모습.",
    ]


def test_newline_is_a_hard_boundary(splitter):
    import kss

    text = "버락 오바마 미국 대통령 공식 취임\n버락 오바마 미국 제44대 대통령이 공식 취임하였다."
    assert len(kss.split_sentences(text, backend="mecab")) == 1  # kss alone joins them
    assert split_document(splitter, text) == text.split("\n")


def test_no_pool_per_call(splitter):
    split_document(splitter, "\n".join(TEXTS))
    assert multiprocessing.active_children() == []


def test_same_answer_in_a_fresh_and_a_warmed_process(splitter):
    """The 'fast' backend's output depends on what the process split before; ours must not."""
    warmed = [split_document(splitter, t) for t in reversed(TEXTS * 3)][::-1][: len(TEXTS)]
    code = (
        "import json, sys; from corpus.split import make_splitter, split_document; "
        "s = make_splitter('kss'); texts = json.load(sys.stdin); "
        "print(json.dumps([split_document(s, t) for t in texts]))"
    )
    fresh = subprocess.run(
        [sys.executable, "-c", code],
        input=json.dumps(TEXTS),
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(fresh.stdout) == warmed


def test_line_cache_returns_kss_answer(splitter):
    first = split_document(splitter, TEXTS[1])
    again = split_document(splitter, TEXTS[1])
    assert first == again == splitter._split_uncached(TEXTS[1])
    assert splitter.split_line.cache_info().hits >= 1


def test_unknown_splitter():
    with pytest.raises(ValueError, match="unknown splitter"):
        make_splitter("punct")


def test_kiwi_splitter_splits_korean_sentences():
    kiwi = make_splitter("kiwi")
    sentences = split_document(kiwi, "정말 맛있었어요. 다음에 또 올게요!\n제목줄")
    assert sentences == ["정말 맛있었어요.", "다음에 또 올게요!", "제목줄"]


def test_corpus_build_defaults_to_the_compiled_kss_core():
    from corpus.build import parse_args

    assert DEFAULT_SPLITTER == "kss-fast"
    assert parse_args(["--recipe", "model1", "--out", "x"]).splitter == "kss-fast"
    assert parse_args(["--recipe", "model1", "--out", "x", "--splitter", "kss"]).splitter == "kss"


def test_kss_fast_gives_the_reference_answers(splitter):
    fast = make_splitter("kss-fast")
    assert fast.name == "kss-fast" and fast.backend == "mecab"
    for text in TEXTS:
        assert split_document(fast, text) == split_document(splitter, text)
    assert fast.fallbacks == 0


def test_manifest_records_the_splitter_that_ran(tmp_path, fixtures):
    from tests.corpus.test_build import run_build, sources_toml

    toml = sources_toml(tmp_path, fixtures)
    run_build(
        *("--recipe", "model3", "--sources", str(toml), "--out", str(tmp_path)),
        *("--workers", "1", "--no-progress"),
    )
    manifest = json.loads((tmp_path / "model3" / "manifest.json").read_text())
    assert manifest["options"]["splitter"] == "kss-fast"
    assert manifest["splitter"] == {"ran": ["kss-fast"], "fallback_lines": 0}

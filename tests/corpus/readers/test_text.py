"""Your own plain text as a source: one document per line, or blank-line separated; a file
that looks like a table is warned about before the build reads it."""

import pytest

from corpus.build import main as build
from corpus.readers.text import read_blocks, read_lines
from corpus.sniff import tab_columns, table_warning
from corpus.sources import get_source

REVIEWS = "국물이 진하고 면이 쫄깃해요ㅋㅋ\n\n사장님이 친절하심. 재방문 의사 100%입니다\n"
BLOCKS = (
    "\ufeff첫 문서의 첫 줄.\n둘째 줄은 010-1234-5678로 연락\n\n\n둘째 문서 www.x.com에서 봤어요\n"
)


def documents(read, tmp_path, text: str, rejects) -> list[tuple[str, str]]:
    path = tmp_path / "mine.txt"
    path.write_text(text, encoding="utf-8")
    return [(d.doc_id, d.text) for d in read(path, "text", rejects)]


def test_one_document_per_line(tmp_path, rejects):
    assert documents(read_lines, tmp_path, REVIEWS, rejects) == [
        ("mine.txt:1", "국물이 진하고 면이 쫄깃해요ㅋㅋ"),
        ("mine.txt:3", "사장님이 친절하심. 재방문 의사 100%입니다"),
    ]
    assert not rejects


def test_blank_lines_separate_documents(tmp_path, rejects):
    assert documents(read_blocks, tmp_path, BLOCKS, rejects) == [
        ("mine.txt:1", "첫 문서의 첫 줄.\n둘째 줄은 010-1234-5678로 연락"),
        ("mine.txt:5", "둘째 문서 www.x.com에서 봤어요"),
    ]
    assert get_source("text_blocks").read == read_blocks
    assert get_source("text").plain_text and get_source("kcbert").plain_text
    assert not get_source("nsmc").plain_text


@pytest.mark.parametrize(
    ("read", "kept"), [(read_lines, ["좋아요", "별로예요"]), (read_blocks, ["좋아요\n별로예요"])]
)
def test_empty_blank_and_broken_files(tmp_path, rejects, read, kept):
    assert documents(read, tmp_path, "", rejects) == []
    assert documents(read, tmp_path, " \n\u3000\n\n", rejects) == []
    path = tmp_path / "broken.txt"  # a line that is not UTF-8 is rejected, the rest kept
    path.write_bytes("좋아요\n".encode() + b"\xff\xfe\n" + "별로예요\n".encode())
    assert [d.text for d in read(path, "text", rejects)] == kept
    assert rejects.reasons() == ["invalid_encoding"]


def test_a_table_given_as_text_is_recognised(fixtures, tmp_path):
    nsmc = fixtures / "nsmc" / "ratings_train.txt"
    assert tab_columns(nsmc) == 3
    assert tab_columns(fixtures / "kcbert" / "comments.txt") == 0
    mixed = tmp_path / "mixed.txt"  # one comment with a tab in it is no table
    mixed.write_text("탭이\t들어간 댓글\n보통 댓글\n", encoding="utf-8")
    assert tab_columns(mixed) == 0
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    assert tab_columns(empty) == 0
    header = tmp_path / "header.tsv"  # a header-only table is a table too
    header.write_text("id\tdocument\tlabel\n", encoding="utf-8")
    assert tab_columns(header) == 3
    warning = table_warning("kcbert", nsmc)
    assert warning.startswith(f"warning: {nsmc} (source kcbert) looks tab-separated (3 columns")
    assert "the nsmc source" in warning


def test_the_build_warns_before_it_reads(fixtures, tmp_path, capsys):
    (tmp_path / "recipes.toml").write_text('[mine]\nvocab_size = 500\nsources = ["text"]\n')
    table = tmp_path / "table.txt"
    table.write_text((fixtures / "nsmc" / "ratings_train.txt").read_text(encoding="utf-8"))
    argv = ["--recipe", "mine", "--recipes", str(tmp_path / "recipes.toml")]
    argv += ["--source", f"text={table}", "--out", str(tmp_path / "out"), "--workers", "1"]
    assert build([*argv, "--no-progress"]) == 0
    err = capsys.readouterr().err
    assert f"warning: {table} (source text) looks tab-separated" in err

import json

from corpus.readers.wiki import read_wiki


def test_doc_blocks_drop_the_repeated_title(fixtures, rejects):
    docs = list(read_wiki(fixtures / "wiki" / "wiki_00", "wiki", rejects))
    assert len(docs) == 3 and not rejects
    first = docs[0]
    assert first.doc_id == "1000"
    assert first.meta == {"title": "버락 오바마 미국 대통령 공식 취임"}
    assert first.text.split("\n")[0].startswith("버락 오바마 미국 제44대 대통령이 공식 취임하였다.")
    assert "" not in first.text.split("\n")  # paragraphs joined by single newlines


def test_json_lines(fixtures, rejects):
    docs = list(read_wiki(fixtures / "wiki" / "wiki_01.json", "wiki", rejects))
    assert [d.doc_id for d in docs] == ["1003", "1004", "1005"] and not rejects
    record = json.loads((fixtures / "wiki" / "wiki_01.json").read_text().splitlines()[0])
    assert not docs[0].text.startswith(record["title"])


def test_truncated_and_malformed_input(tmp_path, rejects):
    blocks = tmp_path / "wiki_02"
    blocks.write_text(
        '<doc id="1" url="u" title="가">\n가\n본문입니다.\n</doc>\n'
        '<doc id="2" url="u" title="나">\n나\n잘린 문서',
        encoding="utf-8",
    )
    docs = list(read_wiki(blocks, "wiki", rejects))
    assert [(d.doc_id, d.text) for d in docs] == [("1", "본문입니다.")]
    assert rejects.reasons() == ["unclosed_doc"]

    lines = tmp_path / "wiki_03.json"
    lines.write_text(
        '{"id": "7", "title": "t", "text": "t\\n\\n내용"}\n{"id": "8", "tit\n', encoding="utf-8"
    )
    docs = list(read_wiki(lines, "wiki", rejects))
    assert [(d.doc_id, d.text) for d in docs] == [("7", "내용")]
    assert rejects.reasons()[-1] == "malformed_json"

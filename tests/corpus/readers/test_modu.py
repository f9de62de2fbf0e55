import json

import pytest

from corpus.readers import READERS
from corpus.readers.modu import read_modu, strip_modu_markup


@pytest.mark.parametrize(
    ("source", "folder", "body"),
    [
        ("modu_spoken", "NIKL_SPOKEN", "utterance"),
        ("modu_messenger", "NIKL_MESSENGER", "utterance"),
        ("modu_written", "NIKL_WRITTEN", "paragraph"),
        ("modu_newspaper", "NIKL_NEWSPAPER", "paragraph"),
        ("modu_web", "NIKL_WEB", "paragraph"),
    ],
)
def test_each_kind_joins_its_body_by_newlines(fixtures, rejects, source, folder, body):
    path = next((fixtures / "modu" / folder).glob("*.json"))
    corpus = json.loads(path.read_text(encoding="utf-8"))
    docs = list(READERS[source](path, source, rejects))  # the registry's body key
    assert not rejects
    assert [d.doc_id for d in docs] == [d["id"] for d in corpus["document"]]
    expected = "\n".join(item["form"].strip() for item in corpus["document"][0][body])
    assert docs[0].text == expected


def test_inline_markup_is_removed():
    assert strip_modu_markup("아 {laughing} 그래서 &name&이가 ((xx)) 왔어") == "아 그래서 이가 왔어"
    assert strip_modu_markup("{cough}") == ""
    assert strip_modu_markup("1,000원 (약) 정도") == "1,000원 (약) 정도"


def test_markup_in_a_conversation(tmp_path, rejects):
    path = tmp_path / "SDRW0000000001.json"
    path.write_text(
        json.dumps(
            {
                "id": "SDRW0000000001",
                "metadata": {},
                "document": [
                    {
                        "id": "SDRW0000000001.1",
                        "utterance": [
                            {"form": "{laughing} 진짜?"},
                            {"form": "((xx))"},
                            {"form": "&name& 씨가 그랬어"},
                        ],
                    }
                ],
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    docs = list(read_modu(path, "modu_spoken", rejects, "utterance"))
    assert docs[0].text == "진짜?\n씨가 그랬어"


def test_malformed_files_are_rejected(tmp_path, rejects):
    broken = tmp_path / "broken.json"
    broken.write_text('{"id": "x", "document": [', encoding="utf-8")
    wrong_body = tmp_path / "wrong.json"
    wrong_body.write_text(json.dumps({"id": "y", "document": [{"id": "y.1", "paragraph": []}]}))
    assert list(read_modu(broken, "modu_spoken", rejects, "utterance")) == []
    assert list(read_modu(wrong_body, "modu_spoken", rejects, "utterance")) == []
    assert rejects.reasons() == ["malformed_json", "malformed_document"]

from corpus.readers.kcbert import read_kcbert


def test_one_document_per_non_blank_line(fixtures, rejects):
    path = fixtures / "kcbert" / "comments.txt"
    lines = path.read_text(encoding="utf-8").split("\n")
    docs = list(read_kcbert(path, "kcbert", rejects))
    assert [d.text for d in docs] == [line for line in lines if line.strip()]
    assert docs[0].doc_id == "comments.txt:1"
    assert not rejects


def test_streams_without_reading_the_whole_file(tmp_path, rejects):
    path = tmp_path / "big.txt"
    path.write_text("첫 댓글\n" * 1000, encoding="utf-8")
    docs = read_kcbert(path, "kcbert", rejects)
    assert next(docs).text == "첫 댓글"  # a generator: nothing read past what was asked

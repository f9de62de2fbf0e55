from corpus.readers.kcc import kcc_encoding, read_kcc


def test_utf8_file_with_bom(fixtures, rejects):
    path = fixtures / "kcc" / "KCC_sample_UTF8.txt"
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    docs = list(read_kcc(path, "kcc", rejects))
    assert docs[0].text == "세계시민교육: 학습 주제 및 학습 목표"  # no BOM left
    assert len(docs) == 60 and not rejects


def test_euckr_file_is_read_as_cp949(fixtures, rejects):
    path = fixtures / "kcc" / "KCC_sample_EUCKR.txt"
    assert kcc_encoding(path) == "cp949"
    docs = list(read_kcc(path, "kcc", rejects))
    assert len(docs) == 20 and not rejects
    assert all("\ufffd" not in d.text for d in docs)
    assert any("책" in d.text for d in docs)


def test_invalid_bytes_in_a_cp949_file_are_rejected(tmp_path, rejects):
    path = tmp_path / "KCC_x_EUCKR.txt"
    path.write_bytes("한국어 문장입니다.\n".encode("cp949") + b"\xff\xff\n")
    docs = list(read_kcc(path, "kcc", rejects))
    assert [d.text for d in docs] == ["한국어 문장입니다."]
    assert rejects.reasons() == ["invalid_encoding"]

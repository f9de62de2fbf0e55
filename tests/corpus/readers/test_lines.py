from corpus.readers.lines import iter_lines


def test_bad_lines_are_rejected_and_reading_goes_on(tmp_path, rejects):
    path = tmp_path / "mixed.txt"
    huge = "가" * 400_000  # 1.2 MB in UTF-8, over the 1 MiB line limit
    path.write_bytes(
        "좋은 줄\n".encode()
        + b"\xff\xfe broken utf-8\n"
        + "널\x00바이트\n".encode()
        + huge.encode()
        + b"\n"
        + "마지막 줄\n".encode()
    )
    lines = list(iter_lines(path, "kcbert", rejects))
    assert lines == [(1, "좋은 줄"), (5, "마지막 줄")]
    assert rejects.reasons() == ["invalid_encoding", "nul_byte", "line_too_long"]
    assert [r.location for r in rejects] == ["line 2", "line 3", "line 4"]
    assert "1200001 bytes" in rejects[2].detail


def test_bom_is_removed_and_crlf_stripped(tmp_path, rejects):
    path = tmp_path / "bom.txt"
    path.write_bytes(b"\xef\xbb\xbf" + "첫째\r\n둘째".encode())
    assert list(iter_lines(path, "kcc", rejects)) == [(1, "첫째"), (2, "둘째")]

import pytest

from pretrain.tfrecords.text_blocks import TextError, read_blocks, split_block

LINES = [
    "첫 문장입니다",
    "",
    "  두 칸  띄움 ",
    "\u3000",  # ideographic space only: blank, as for str.strip()
    "\x1c\x1f",  # separators Python counts as whitespace
    "\u200b",  # zero-width space is not whitespace: a line
    "탭\t안\r",
    "\u2028",
    "끝",
]


def test_chunks_and_blank_lines_match_python():
    block = split_block(("\n".join(LINES) + "\n").encode())
    chunks = block.chunks.to_pylist()
    starts = [0, *block.line_ends[:-1].tolist()]
    assert block.lines == len(LINES)
    for line, start, end, blank in zip(LINES, starts, block.line_ends, block.blank, strict=True):
        assert chunks[start:end] == [f"{c} " for c in line.split(" ")]
        assert blank == (line.strip() == "")


def test_blocks_hold_whole_lines(tmp_path):
    path = tmp_path / "shard.txt"
    lines = [f"{i}번째 문장입니다 가나다" for i in range(3000)] + ["", "끝"]
    path.write_text("\n".join(lines), encoding="utf-8")  # no line end after the last line
    blocks = list(read_blocks(str(path), block_bytes=1001))
    assert len(blocks) > 50
    assert all(data.endswith(b"\n") for data, _ in blocks)
    read = [line for data, _ in blocks for line in data.decode().split("\n")[:-1]]
    assert read == lines
    assert [before for _, before in blocks] == [
        sum(data.count(b"\n") for data, _ in blocks[:i]) for i in range(len(blocks))
    ]


def test_bytes_that_are_not_utf8_name_file_and_line():
    with pytest.raises(TextError, match=r"shard-3.txt, line 12: not UTF-8 text .* byte 3 of"):
        split_block("가\n나\n".encode() + b"ab \xe0\x80 c\n", "shard-3.txt", lines_before=9)

"""Bounded, streaming line reading shared by the line-based readers.

Never holds more than `max_line_bytes` of one line in memory: a 50 MB line is skipped
in chunks and reported, not loaded. Undecodable lines and lines with NUL bytes are rejected.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from corpus.schema import Reject

DEFAULT_MAX_LINE_BYTES = 1 << 20  # 1 MiB: no comment, sentence or paragraph is longer
_SKIP_CHUNK = 1 << 20
_BOMS = {"utf-8": b"\xef\xbb\xbf"}


def iter_lines(
    path: Path,
    source: str,
    reject: Callable[[Reject], None],
    encoding: str = "utf-8",
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
    start: int = 0,
    end: int | None = None,
    first_line: int = 1,
) -> Iterator[tuple[int, str]]:
    """Yield (1-based line number, text without the newline) for every readable line; of the
    lines starting in bytes [start, end) when given (`start` is a line start numbered
    `first_line`)."""
    with open(path, "rb") as handle:
        handle.seek(start)
        line_no = first_line - 1

        def rejected(reason: str, detail: str, sample: str) -> None:
            reject(Reject(source, str(path), f"line {line_no}", reason, detail, sample[:200]))

        while end is None or handle.tell() < end:
            raw = handle.readline(max_line_bytes + 1)
            if not raw:
                return
            line_no += 1
            if len(raw) > max_line_bytes and not raw.endswith(b"\n"):
                skipped = len(raw) + _skip_rest_of_line(handle)
                rejected(
                    "line_too_long",
                    f"{skipped} bytes > --max-line-bytes {max_line_bytes}",
                    raw[:200].decode(encoding, "replace"),
                )
                continue
            at_file_start = line_no == 1 and start == 0
            if at_file_start and encoding in _BOMS and raw.startswith(_BOMS[encoding]):
                raw = raw[len(_BOMS[encoding]) :]
            raw = raw.rstrip(b"\r\n")
            try:
                text = raw.decode(encoding)
            except UnicodeDecodeError as err:
                rejected(
                    "invalid_encoding",
                    f"not {encoding}: {err.reason} at byte {err.start}",
                    raw[:200].decode(encoding, "replace"),
                )
                continue
            if "\x00" in text:
                rejected(
                    "nul_byte",
                    "line contains NUL bytes (binary data?)",
                    text.replace("\x00", "\\0"),
                )
                continue
            yield line_no, text


def _skip_rest_of_line(handle) -> int:
    skipped = 0
    while True:
        chunk = handle.readline(_SKIP_CHUNK)
        skipped += len(chunk)
        if not chunk or chunk.endswith(b"\n"):
            return skipped

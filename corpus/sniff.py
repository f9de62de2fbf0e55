"""A look at the first lines of a plain-text source file: a table given as text (NSMC's
`id<TAB>document<TAB>label`, an export with ids) would put its ids and labels into the
corpus, so it gets a warning before the build reads it."""

from __future__ import annotations

from pathlib import Path

SAMPLE_BYTES = 1 << 16
SAMPLE_LINES = 50


def tab_columns(path: Path) -> int:
    """The number of tab-separated columns every sampled non-blank line has (0 when the
    lines do not all have the same number of tabs, or have none)."""
    with open(path, "rb") as handle:
        head = handle.read(SAMPLE_BYTES)
    lines = head.decode("utf-8", "replace").splitlines()
    if len(head) == SAMPLE_BYTES:
        lines = lines[:-1]  # cut off mid-line
    tabs = {line.count("\t") for line in lines[:SAMPLE_LINES] if line.strip()}
    return tabs.pop() + 1 if len(tabs) == 1 and 0 not in tabs else 0


def table_warning(source: str, path: Path) -> str | None:
    """The warning for a plain-text source file that looks like a table, or None."""
    columns = tab_columns(path)
    if not columns:
        return None
    return (
        f"warning: {path} (source {source}) looks tab-separated ({columns} columns on every "
        "line): every column, ids and labels too, would become corpus text. NSMC's files "
        "(id, document, label) belong to the nsmc source; for another table, keep only its "
        "text column (e.g. cut -f2) and give that file"
    )

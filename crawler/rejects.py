"""Rejected pages and records of a crawl: one JSON line each, with the reason."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TextIO


class RejectsLog:
    """Appends to `<source_dir>/rejects/rejects-<stamp>.jsonl`, created on the first reject."""

    def __init__(self, source_dir: Path, stamp: str) -> None:
        self.path = Path(source_dir) / "rejects" / f"rejects-{stamp}.jsonl"
        self.count = 0
        self._handle: TextIO | None = None

    def add(self, url: str, reason: str, detail: str, place_id: str | None = None) -> None:
        if self._handle is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._handle = open(self.path, "a", encoding="utf-8")  # noqa: SIM115 (kept open)
        record = {
            "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "url": url,
            "place_id": place_id,
            "reason": reason,
            "detail": detail[:1000],
        }
        self._handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        self._handle.flush()
        self.count += 1

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None

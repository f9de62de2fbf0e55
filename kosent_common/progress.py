"""Progress output: a tqdm bar on a terminal; elsewhere (a log file, CI, `make demo | tee`) one
plain line every few seconds instead of a carriage-return update per step, and nothing for work
that ends within those seconds (its result line follows anyway)."""

from __future__ import annotations

import sys
import time

from tqdm import tqdm

LOG_INTERVAL_S = 5.0


class ProgressLines(tqdm):
    """tqdm that writes its status as a new line: at most one every `line_interval` seconds
    (set_postfix and refresh included), the first once that much time has passed, and the last
    at close if an earlier one was written."""

    line_interval = LOG_INTERVAL_S

    def display(self, msg: str | None = None, pos: int | None = None, force: bool = False) -> bool:
        now = time.monotonic()
        last = getattr(self, "_last_line_at", None)
        if last is None:  # nothing written yet: wait one interval from the start
            self._last_line_at = last = getattr(self, "_started_at", now)
            self._started_at = last
        if force or now - last >= self.line_interval:
            line = self.__str__() if msg is None else msg
            if line and line != getattr(self, "_last_line", None):
                self.fp.write(line + "\n")
                self.fp.flush()
                self._last_line, self._last_line_at = line, now
        return True

    def close(self) -> None:
        if self.disable:
            return
        if getattr(self, "_last_line", None) is not None:
            self.display(force=True)
        # What tqdm's close does, without its carriage-return clearing of the line.
        self.disable = True
        self._decr_instances(self)


def _is_terminal(stream) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def progress_bar(interval: float = LOG_INTERVAL_S, **kwargs) -> tqdm:
    """`tqdm(**kwargs)` on a terminal, `ProgressLines` (a line per `interval` s) elsewhere."""
    kwargs.setdefault("file", sys.stderr)
    if kwargs.get("disable") or _is_terminal(kwargs["file"]):
        return tqdm(**kwargs)
    kwargs.setdefault("mininterval", interval)
    kwargs.setdefault("ascii", True)
    bar = ProgressLines(**kwargs)
    bar.line_interval = interval
    return bar

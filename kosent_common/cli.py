"""Command-line parsing shared by the stages' CLIs: a usage error is one line
(`error: ...`, exit 2) instead of argparse's usage block, and numeric flags say their range."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable


class ArgumentParser(argparse.ArgumentParser):
    """argparse, but a bad command line prints one `error: ...` line and exits 2."""

    def error(self, message: str):  # type: ignore[override]
        self.exit(2, f"error: {message} (see {self.prog} --help)\n")


def at_least(minimum: float, kind: type = int) -> Callable[[str], float]:
    """An argparse `type`: a number of `kind` that is `minimum` or more."""

    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a {_NAMES[kind]}") from None
        if not value >= minimum:
            raise argparse.ArgumentTypeError(f"must be {minimum} or more, not {text}")
        return value

    parse.__name__ = _NAMES[kind]
    return parse


def above(minimum: float) -> Callable[[str], float]:
    """An argparse `type`: a number greater than `minimum`."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not value > minimum:
            raise argparse.ArgumentTypeError(f"must be more than {minimum}, not {text}")
        return value

    parse.__name__ = "number"
    return parse


def fail(message: str) -> int:
    """Print `error: message` on stderr; the exit status for bad input (2)."""
    print(f"error: {message}", file=sys.stderr)
    return 2


_NAMES = {int: "whole number", float: "number"}

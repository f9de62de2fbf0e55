"""The user's files a stage reads (fingerprinted by size and mtime: `Stage.user_inputs`, each
stage's own), and the error bad input raises, with the message."""

from __future__ import annotations

from pathlib import Path

from kosent.stages import BY_NAME
from kosent_common.graph import InputError, Plan

__all__ = ["InputError", "user_inputs"]


def user_inputs(stage: str, plan: Plan, out: Path) -> list[Path]:
    """The user's files the stage named `stage` reads."""
    return BY_NAME[stage].user_inputs(plan, out)

"""Moving finished work aside instead of deleting it: `run/` becomes `run.prev-1/` (then
`run.prev-2/`, ...), so a restart never destroys what took days to make."""

from __future__ import annotations

import re
from pathlib import Path

from kosent_common import storage


class AsideError(ValueError):
    """A folder that cannot be moved aside here; the message says what to do."""


def aside_name(folder: Path) -> Path:
    """`FOLDER.prev-N`, N one more than the highest that exists."""
    pattern = re.compile(rf"^{re.escape(folder.name)}\.prev-(\d+)$")
    taken = [
        int(match.group(1))
        for sibling in (folder.parent.iterdir() if folder.parent.is_dir() else ())
        if (match := pattern.match(sibling.name))
    ]
    return folder.with_name(f"{folder.name}.prev-{max(taken, default=0) + 1}")


def move_aside(folder: str | Path) -> Path | None:
    """Rename `folder` to its next free `.prev-N` name and return that; None when there is
    nothing to move. Only on local disk: a bucket has no rename of folders."""
    if storage.is_url(str(folder)):
        raise AsideError(
            f"{folder} is not on local disk: move it aside yourself (gcloud storage mv "
            f"{folder} {str(folder).rstrip('/')}.prev-1), or use another output folder"
        )
    folder = Path(folder)
    if not folder.exists():
        return None
    target = aside_name(folder)
    folder.rename(target)
    return target

"""Resume by fingerprint: a unit of work (a shard, a records file, a whole build) that
finished writes a state file last, holding what it was made from; a rerun skips the unit when
the state file is there, says the same inputs and options, and its outputs exist.

Input files are fingerprinted by path, size and modification time (not their bytes: reading
gigabytes to decide to skip them would cost what it saves), on local disk or behind a URL.

The one skip-and-resume mechanism of the project: corpus tasks, key ranges and the whole build
(whose manifest is its state file), vocab.build, pretrain.tfrecords' files and the experiments'
runs use these functions; `kosent.fingerprint` keeps each stage's record in OUT/pipeline.json
from the same stamps, adding why a stage is stale (the training loop's own checkpoints are the
resume of a run).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path

from kosent_common import storage
from kosent_common.atomic import write_json_atomic


def file_stamp(path: str | Path) -> tuple[int | None, int | None]:
    """(bytes, mtime in ns) of a file; (None, None) for one that vanished (the reader that
    opens it next reports it)."""
    try:
        return storage.size_and_mtime(str(path))
    except OSError:
        return None, None


def fingerprint(options: dict, files: Iterable[str | Path]) -> str:
    """sha256 of the options (as sorted JSON) and of every input file's path and stamp."""
    parts = [json.dumps(options, sort_keys=True)]
    for path in files:
        size, mtime = file_stamp(path)
        parts.append(f"{path}:{size}:{mtime}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def read_state(path: str | Path) -> dict | None:
    """A state file's content; None when it is missing or unreadable (the unit is redone)."""
    path = str(path)
    if storage.is_url(path) and not storage.exists(path):  # gfile raises its own NotFound
        return None
    try:
        with storage.open_file(path) as handle:
            state = json.load(handle)
    except (FileNotFoundError, json.JSONDecodeError, UnicodeDecodeError):
        return None
    return state if isinstance(state, dict) else None


def finished(
    state_path: str | Path, key: str | None, expected: object, outputs: Iterable
) -> dict | None:
    """The state of a unit done from the same input (`state[key] == expected`, or the whole
    state with key None) whose `outputs` all exist, else None."""
    state = read_state(state_path)
    if state is None or (state if key is None else state.get(key)) != expected:
        return None
    if not all(storage.exists(str(path)) for path in outputs):
        return None
    return state


def write_state(path: str | Path, state: dict) -> None:
    """Write a unit's state file atomically; call it after the unit's outputs are in place."""
    write_json_atomic(path, state)

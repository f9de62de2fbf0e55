"""Is a finished stage still what its inputs would give? A stage's snapshot is its command
lines (OUT written as `$OUT`, so the folder may move), the sha256 of the manifests it reads, and
the size and mtime of the user's files it reads; OUT/pipeline.json keeps the snapshot of each
stage's last run. Pure but for reading files."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

from kosent_common import storage
from kosent_common.atomic import write_json_atomic
from kosent_common.resume import file_stamp

STATE_FILE = "pipeline.json"
VERSION = 1


def snapshot(
    commands: list[list[str]],
    reads: dict[str, Path],
    inputs: list[Path],
    out: Path,
    config: dict | None = None,
) -> dict:
    """`reads`: manifest (relative to OUT) -> path, hashed; `inputs`: user files, by size+mtime;
    `config`: settings the graph writes for the stage itself (the pretraining config)."""
    here = str(out)
    snap = {
        "commands": [[arg.replace(here, "$OUT") for arg in command] for command in commands],
        "reads": {name: storage.sha256(str(path)) for name, path in sorted(reads.items())},
        "inputs": {str(p).replace(here, "$OUT"): _stamp(p) for p in sorted(set(inputs))},
    }
    return snap if config is None else {**snap, "config": config}


def fingerprint(snap: dict) -> str:
    return hashlib.sha256(json.dumps(snap, sort_keys=True).encode()).hexdigest()


def why_stale(record: dict | None, snap: dict, missing: list[str]) -> str | None:
    """None when the stage is complete and its recorded run had these inputs; else why not."""
    if record is None:
        return "no earlier run recorded" if missing else "output of an unrecorded run"
    if record.get("state") != "done":
        return "its last run did not finish"
    if missing:
        return f"{missing[0]} is missing"
    old = record.get("snapshot", {})
    if record.get("fingerprint") == fingerprint(snap) and old == snap:
        return None
    if old.get("commands") != snap["commands"]:
        return "its command line changed"
    if old.get("config") != snap.get("config"):
        return "its config changed"
    changed = _changed(old.get("reads", {}), snap["reads"])
    if changed:
        return f"{changed[0]} changed"
    changed = _changed(old.get("inputs", {}), snap["inputs"])
    if changed:
        more = f" (and {len(changed) - 1} more)" if len(changed) > 1 else ""
        return f"input {changed[0]} changed{more}"
    return "its inputs changed"


def resumable(record: dict | None, snap: dict) -> bool:
    """An unfinished run with the same inputs: the stage resumes it (its outputs are kept)."""
    return (
        record is not None
        and record.get("state") == "running"
        and record.get("fingerprint") == fingerprint(snap)
    )


class StateError(ValueError):
    """OUT/pipeline.json cannot be read; the message says what to do."""


def load_state(out: Path) -> dict:
    path = Path(out) / STATE_FILE
    if not path.is_file():
        return {"version": VERSION, "stages": {}}
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise StateError(
            f"{path} is not the JSON kosent writes ({err}): remove it, and every stage under "
            f"{out} is rebuilt"
        ) from None
    if not isinstance(state, dict) or state.get("version") != VERSION:
        return {"version": VERSION, "stages": {}}
    return state


def save_state(out: Path, state: dict) -> None:
    write_json_atomic(Path(out) / STATE_FILE, state)


def record(
    state: dict, name: str, snap: dict, status: str, seconds: float = 0.0, started=None
) -> None:
    """`started` (epoch seconds; default now) tells how much work a run that was stopped had
    done; a resumed run keeps the start of the run it resumes."""
    state["stages"][name] = {
        "state": status,
        "fingerprint": fingerprint(snap),
        "seconds": round(seconds, 1),
        "started": round(time.time() if started is None else started, 3),
        "snapshot": snap,
    }


def inputs_changed(record: dict | None, snap: dict) -> bool:
    """Whether the stage's last run (finished or not) had other inputs than `snap`."""
    return record is not None and record.get("fingerprint") != fingerprint(snap)


def only_touched(record: dict | None, snap: dict) -> bool:
    """Whether the only change since the stage's last run is the mtime of files whose size
    is the same (a touch, a copy): the stage reruns, and may well give the same output."""
    old = (record or {}).get("snapshot", {})
    if any(old.get(part) != snap.get(part) for part in ("commands", "reads", "config")):
        return False
    before, now = old.get("inputs", {}), snap["inputs"]
    if before.keys() != now.keys():
        return False
    return all(
        before[k] is not None and now[k] is not None and before[k][0] == now[k][0]
        for k in now
        if before[k] != now[k]
    )


def _changed(old: dict, new: dict) -> list[str]:
    return sorted(k for k in old.keys() | new.keys() if old.get(k) != new.get(k))


def _stamp(path: Path) -> list[int] | None:
    """Size and mtime; None for a file that is gone (the stage itself then says so)."""
    size, mtime = file_stamp(path)
    return None if size is None else [size, mtime]

"""Build a configuration dataclass from JSON-like data, strictly: an unknown or misspelt key
is an error that names the closest known key (the seed's config silently ignored
`"learning-rate"`), and values must have the field's type. Reading a config file (JSON or
TOML) turns a missing or malformed file into the caller's one-line error."""

from __future__ import annotations

import dataclasses
import difflib
import json
import tomllib
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


class ConfigError(ValueError):
    """A configuration that cannot be used; the message says what to change."""


def dataclass_from_dict(cls: type[T], raw: dict, where: str, error: type[Exception]) -> T:
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = [key for key in raw if key not in fields]
    if unknown:
        hints = []
        for key in unknown:
            close = difflib.get_close_matches(key.replace("-", "_"), fields, n=1)
            hints.append(f"{key!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
        raise error(f"{where}: unknown keys {', '.join(hints)}")
    values = {}
    for key, value in raw.items():
        kind = str(fields[key].type)
        if kind == "bool" and not isinstance(value, bool):
            raise error(f"{where}: {key} must be true or false, not {value!r}")
        if kind in ("int", "float"):
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise error(f"{where}: {key} must be a number, not {value!r}")
            if kind == "int" and value != int(value):
                raise error(f"{where}: {key} must be a whole number, not {value!r}")
            value = int(value) if kind == "int" else value
        values[key] = value
    return cls(**values)


def check_ranges(config: object, checks: dict[str, bool], error: type[Exception]) -> None:
    """Raise `error` naming every field whose check is False."""
    bad = [name for name, ok in checks.items() if not ok]
    if bad:
        raise error(f"out of range: {', '.join(f'{b}={getattr(config, b)!r}' for b in bad)}")


def read_config_file(
    path: str | Path, error: type[Exception], what: str = "config file", fmt: str = "json"
) -> Any:
    """Parse a JSON or TOML (`fmt`) file; a missing or malformed one raises `error` with one
    line that names `what` and the path."""
    try:
        text = Path(path).read_text(encoding="utf-8")
        return tomllib.loads(text) if fmt == "toml" else json.loads(text)
    except FileNotFoundError as err:
        raise error(f"{what} {path} does not exist") from err
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as err:
        raise error(f"{what} {path} is not valid {fmt.upper()}: {err}") from err


def load_json_dataclass(cls: type[T], path, error: type[Exception], **overrides) -> T:
    """Read a JSON config file into `cls` strictly; overrides that are not None win."""
    raw = read_config_file(path, error)
    raw.update({k: v for k, v in overrides.items() if v is not None})
    return dataclass_from_dict(cls, raw, str(path), error)

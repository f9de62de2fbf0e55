"""Build a configuration dataclass from JSON-like data, strictly: an unknown or misspelt key
is an error that names the closest known key (the seed's config silently ignored
`"learning-rate"`), and values must have the field's type."""

from __future__ import annotations

import dataclasses
import difflib
from typing import TypeVar

T = TypeVar("T")


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

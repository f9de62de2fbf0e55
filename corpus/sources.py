"""Where each source lives on the user's disk: `sources.toml` plus `--source NAME=PATH`.

```toml
[sources]
nsmc = "~/data/nsmc"                      # a folder: every file in it
kcbert = "/big/kcbert/*.txt"              # a glob
modu_spoken = ["/nikl/NIKL_SPOKEN*/**/*.json", "/nikl/extra/S*.json"]
```
Relative paths are relative to the TOML file.
"""

from __future__ import annotations

import glob
import tomllib
from pathlib import Path

from corpus.schema import SOURCE_NAMES

# File patterns used when a source location is a folder.
FOLDER_PATTERNS = {
    "reviews": "**/*.parquet",
    "kcbert": "**/*.txt",
    "kcc": "**/*.txt",
    "nsmc": "*.txt",
    "wiki": "**/*",
    "modu_spoken": "**/*.json",
    "modu_written": "**/*.json",
    "modu_newspaper": "**/*.json",
    "modu_messenger": "**/*.json",
    "modu_web": "**/*.json",
}


class SourceError(ValueError):
    """A source without a location, or whose location matches no file."""


def load_locations(path: Path | None, overrides: list[str] = ()) -> dict[str, list[str]]:
    """Read `[sources]` from a TOML file (paths made absolute) and apply NAME=PATH overrides."""
    locations: dict[str, list[str]] = {}
    if path is not None:
        path = Path(path)
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as err:
            raise SourceError(f"sources file {path} does not exist") from err
        except tomllib.TOMLDecodeError as err:
            raise SourceError(f"sources file {path} is not valid TOML: {err}") from err
        table = raw.get("sources")
        if not isinstance(table, dict):
            raise SourceError(f"{path} needs a [sources] table: name = path, glob, or list")
        for name, value in table.items():
            values = value if isinstance(value, list) else [value]
            if not all(isinstance(v, str) for v in values):
                raise SourceError(f"{path}: sources.{name} must be a path, glob, or list of them")
            locations[name] = [_absolute(v, path.parent) for v in values]
    for item in overrides:
        name, sep, value = item.partition("=")
        if not sep or not value:
            raise SourceError(f"--source {item!r}: expected NAME=PATH")
        locations[name] = [_absolute(value, Path.cwd())]
    unknown = set(locations) - set(SOURCE_NAMES)
    if unknown:
        raise SourceError(f"unknown sources {sorted(unknown)} (known: {', '.join(SOURCE_NAMES)})")
    return locations


def resolve_files(
    recipe_name: str, sources: tuple[str, ...], locations: dict[str, list[str]]
) -> dict[str, list[Path]]:
    """Files of every source the recipe needs, sorted; fail at once naming what is missing."""
    files: dict[str, list[Path]] = {}
    for source in sources:
        if source not in locations:
            raise SourceError(
                f"recipe {recipe_name!r} needs source {source!r}, which has no location: "
                f"add it to sources.toml or pass --source {source}=PATH"
            )
        found = sorted({f for pattern in locations[source] for f in _expand(source, pattern)})
        if not found:
            raise SourceError(
                f"source {source!r}: {', '.join(locations[source])} matches no file "
                f"(check the path in sources.toml or --source {source}=PATH)"
            )
        files[source] = found
    return files


def _expand(source: str, pattern: str) -> list[Path]:
    path = Path(pattern)
    if path.is_dir():
        pattern = str(path / FOLDER_PATTERNS.get(source, "*"))
    return [Path(p) for p in glob.glob(pattern, recursive=True) if Path(p).is_file()]


def _absolute(value: str, base: Path) -> str:
    path = Path(value).expanduser()
    return str(path if path.is_absolute() else (base / path))

"""The corpus sources: what each is (the registry below) and where it lives on the user's
disk (`sources.toml` plus `--source NAME=PATH`).

A source is declared once, in `SOURCES`: its name, its reader, the files taken from a folder,
the files kept out of pretraining text. `corpus.schema.SOURCE_NAMES`, the readers' dispatch,
recipe and location checks, the bench's layout and the tools derive from it, so adding a Modu
sub-corpus is one `_modu(...)` line.

```toml
[sources]
nsmc = "~/data/nsmc"                      # a folder: every file in it
kcbert = "/big/kcbert/*.txt"              # a glob
modu_spoken = ["/nikl/NIKL_SPOKEN*/**/*.json", "/nikl/extra/S*.json"]

[licenses]                                # optional: the licence of your copy of a source
kcbert = "CC-BY-SA-4.0"                   # an SPDX id where there is one, else a short text
```
Relative paths are relative to the TOML file. A source without a `[licenses]` line has its
registry licence (`Source.license`: "unknown" unless the corpus has one licence everywhere).
"""

from __future__ import annotations

import fnmatch
import functools
import glob
import importlib
from dataclasses import dataclass
from pathlib import Path

from kosent_common.strict import read_config_file


@dataclass(frozen=True)
class Source:
    """One corpus source. This module imports no reader (readers import the corpus schema,
    which derives its names from here): `reader` names one, imported when first used."""

    name: str
    reader: str  # "MODULE:FUNCTION" in corpus.readers, called (path, source, reject, **options)
    # plus the slice's own options: start/end/first_line ("lines") or row_groups
    patterns: tuple[str, ...] = ("**/*",)  # files taken when a location is a folder
    options: tuple[tuple[str, str], ...] = ()  # keyword arguments of the reader
    test_split: str = ""  # lower-case file-name glob of a benchmark's test split
    test_split_note: str = ""  # why such a file stays out of the text (the manifest says it)
    folder: str = ""  # its folder in the bundled data (demo/data, tests/fixtures); default: name
    plain_text: bool = False  # lines of text: a file that looks like a table is warned about
    splits: str = ""  # how a large file is cut into tasks: "lines", "row_groups", "" (whole)
    license: str = "unknown"  # of the text, where every copy has the same (the dataset card)

    @property
    def read(self):
        """The reader, `read(path, source, reject)` yielding Documents."""
        module, _, function = self.reader.partition(":")
        read = getattr(importlib.import_module(f"corpus.readers.{module}"), function)
        return functools.partial(read, **dict(self.options)) if self.options else read

    @property
    def data_folder(self) -> str:
        return self.folder or self.name

    @property
    def nikl_release(self) -> str:
        """A Modu corpus's NIKL release folder (NIKL_SPOKEN, ...); "" for other sources."""
        return self.folder.removeprefix("modu/") if self.folder.startswith("modu/") else ""

    def is_test_split(self, path: Path) -> bool:
        """A benchmark's test split, which must not leak into pretraining text."""
        return bool(self.test_split) and fnmatch.fnmatchcase(path.name.lower(), self.test_split)


def _modu(name: str, release_folder: str, body_key: str) -> Source:
    """A Modu (NIKL) corpus: one JSON document file per text, its lines under `body_key`."""
    return Source(
        name,
        "modu:read_modu",
        ("**/*.json",),
        options=(("body_key", body_key),),
        folder=f"modu/{release_folder}",
    )


# In the order the recipes list them (the corpus bench's recipe takes this order).
SOURCES: tuple[Source, ...] = (
    Source("kcbert", "kcbert:read_kcbert", ("**/*.txt",), plain_text=True, splits="lines"),
    Source("reviews", "reviews:read_reviews", ("**/*.parquet",), splits="row_groups"),
    Source(
        "nsmc",
        "nsmc:read_nsmc",
        ("*.txt",),
        test_split="*test*",
        test_split_note="NSMC test split (--include-nsmc-test)",
        license="CC0-1.0",  # e9t/nsmc
    ),
    Source("wiki", "wiki:read_wiki", ("**/*",)),
    Source("kcc", "kcc:read_kcc", ("**/*.txt",), plain_text=True, splits="lines"),
    _modu("modu_spoken", "NIKL_SPOKEN", "utterance"),
    _modu("modu_written", "NIKL_WRITTEN", "paragraph"),
    _modu("modu_newspaper", "NIKL_NEWSPAPER", "paragraph"),
    _modu("modu_messenger", "NIKL_MESSENGER", "utterance"),
    _modu("modu_web", "NIKL_WEB", "paragraph"),
    # your own plain text: one document per line, or documents between blank lines
    Source("text", "text:read_lines", plain_text=True, splits="lines"),
    Source("text_blocks", "text:read_blocks", plain_text=True),
)


def source_names() -> tuple[str, ...]:
    return tuple(source.name for source in SOURCES)


def get_source(name: str) -> Source:
    """The declaration of a source by name (KeyError naming the known ones)."""
    for declared in SOURCES:
        if declared.name == name:
            return declared
    raise KeyError(f"unknown source {name!r} (known: {', '.join(source_names())})")


class SourceError(ValueError):
    """A source without a location, or whose location matches no file."""


def load_locations(path: Path | None, overrides: list[str] = ()) -> dict[str, list[str]]:
    """Read `[sources]` from a TOML file (paths made absolute) and apply NAME=PATH overrides."""
    locations: dict[str, list[str]] = {}
    if path is not None:
        path = Path(path)
        raw = read_config_file(path, SourceError, "sources file", "toml")
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
    known = source_names()
    unknown = set(locations) - set(known)
    if unknown:
        raise SourceError(f"unknown sources {sorted(unknown)} (known: {', '.join(known)})")
    return locations


def load_licenses(path: Path | None, names: tuple[str, ...]) -> dict[str, str]:
    """The licence of each named source: `[licenses]` of the sources TOML, else the registry's."""
    table: object = {}
    if path is not None:
        raw = read_config_file(Path(path), SourceError, "sources file", "toml")
        table = raw.get("licenses", {})
    if not isinstance(table, dict) or not all(
        isinstance(v, str) and v.strip() for v in table.values()
    ):
        raise SourceError(f"{path}: [licenses] must map source names to licence names")
    unknown = set(table) - set(source_names())
    if unknown:
        raise SourceError(f"{path}: [licenses] names unknown sources {sorted(unknown)}")
    return {name: table.get(name, get_source(name).license) for name in names}


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


def _expand(name: str, pattern: str) -> list[Path]:
    path = Path(pattern)
    patterns = [str(path / p) for p in get_source(name).patterns] if path.is_dir() else [pattern]
    return [Path(f) for p in patterns for f in glob.glob(p, recursive=True) if Path(f).is_file()]


def _absolute(value: str, base: Path) -> str:
    path = Path(value).expanduser()
    return str(path if path.is_absolute() else (base / path))

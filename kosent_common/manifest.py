"""Typed manifests: each stage's output folder carries one JSON file, a dataclass in the
stage's schema module, that the next stage reads instead of asking the user again.

A subclass names its file (`FILE`), its version (`VERSION`) and the command that writes it
(`WRITTEN_BY`, for the error a missing manifest gives). `read` accepts the manifests written
before versions existed (no `version` key: version 1) and refuses a newer one; keys this
version does not know are kept (`extra`) and written back, so an older kosent neither loses
nor invents facts. `write` is atomic, on a local disk or behind a URL (gs://).
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any, ClassVar, Self

from kosent_common import storage
from kosent_common.atomic import json_bytes, remove_temps, write_bytes_atomic


class ManifestError(ValueError):
    """A manifest that is missing, unreadable or of an unknown version; the message says what
    to run."""


def _join(folder: str | Path, name: str) -> str:
    return f"{str(folder).rstrip('/')}/{name}"


@dataclasses.dataclass
class Manifest:
    FILE: ClassVar[str] = "manifest.json"
    VERSION: ClassVar[int] = 1
    WRITTEN_BY: ClassVar[str] = ""

    # keyword-only, so subclasses may declare fields without defaults
    version: int = dataclasses.field(default=0, kw_only=True)  # as read; 0: VERSION
    extra: dict[str, Any] = dataclasses.field(default_factory=dict, kw_only=True, repr=False)

    def __post_init__(self) -> None:
        if not self.version:
            self.version = self.VERSION

    @classmethod
    def path(cls, folder: str | Path) -> str:
        return _join(folder, cls.FILE)

    @classmethod
    def exists(cls, folder: str | Path) -> bool:
        return storage.exists(cls.path(folder))

    @classmethod
    def read(cls, folder: str | Path) -> Self:
        path = cls.path(folder)
        if not storage.exists(path):
            raise ManifestError(f"{folder} has no {cls.FILE}: write it with {cls.WRITTEN_BY}")
        try:
            with storage.open_file(path) as handle:
                raw = json.load(handle)
        except (json.JSONDecodeError, UnicodeDecodeError) as err:
            raise ManifestError(
                f"{path} is not valid JSON ({err}): rerun {cls.WRITTEN_BY}"
            ) from err
        if not isinstance(raw, dict):
            raise ManifestError(f"{path} is not a JSON object: rerun {cls.WRITTEN_BY}")
        return cls.from_dict(raw, where=path)

    @classmethod
    def from_dict(cls, raw: dict[str, Any], where: str = "manifest") -> Self:
        version = raw.get("version", 1)
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise ManifestError(f"{where}: version {version!r} is not a positive whole number")
        if version > cls.VERSION:
            raise ManifestError(
                f"{where} has version {version}, newer than the version {cls.VERSION} this "
                f"kosent reads: upgrade kosent, or rebuild it with {cls.WRITTEN_BY}"
            )
        names = {f.name for f in dataclasses.fields(cls)} - {"version", "extra"}
        missing = [
            f.name
            for f in dataclasses.fields(cls)
            if f.name in names
            and f.default is dataclasses.MISSING
            and f.default_factory is dataclasses.MISSING
            and f.name not in raw
        ]
        if missing:
            raise ManifestError(f"{where} lacks {', '.join(missing)}: rerun {cls.WRITTEN_BY}")
        known = {k: v for k, v in raw.items() if k in names}
        extra = {k: v for k, v in raw.items() if k not in names and k != "version"}
        return cls(**known, version=version, extra=extra)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"version": self.VERSION}
        for f in dataclasses.fields(self):
            if f.name not in ("version", "extra"):
                out[f.name] = getattr(self, f.name)
        return {**out, **getattr(self, "extra", {})}

    def write(self, folder: str | Path) -> str:
        """Write FOLDER/FILE atomically (temporary name, then rename); return its path. The
        temporary file of a writer killed before its rename is cleared first."""
        path = self.path(folder)
        remove_temps(folder, self.FILE)
        write_bytes_atomic(path, json_bytes(self.to_dict()))
        return path

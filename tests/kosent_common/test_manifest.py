"""Typed manifests: round trip, manifests from before versions, newer versions, missing ones."""

import json
from dataclasses import dataclass
from typing import ClassVar

import pytest

from kosent_common.manifest import Manifest, ManifestError


@dataclass(kw_only=True)
class StageManifest(Manifest):
    FILE: ClassVar[str] = "stage.json"
    VERSION: ClassVar[int] = 2
    WRITTEN_BY: ClassVar[str] = "python -m stage"

    count: int
    name: str = "stage"


def test_round_trip_keeps_the_keys_and_adds_the_version(tmp_path):
    manifest = StageManifest(count=3, extra={"added_later": [1, 2]})
    assert manifest.write(tmp_path) == f"{tmp_path}/stage.json"
    raw = json.loads((tmp_path / "stage.json").read_text(encoding="utf-8"))
    assert raw == {"version": 2, "count": 3, "name": "stage", "added_later": [1, 2]}
    assert StageManifest.read(tmp_path) == manifest
    assert not [p for p in tmp_path.iterdir() if p.name != "stage.json"]  # no temporary left


def test_a_manifest_without_a_version_is_version_1(tmp_path):
    (tmp_path / "stage.json").write_text('{"count": 5}')
    manifest = StageManifest.read(tmp_path)
    assert (manifest.version, manifest.count, manifest.name) == (1, 5, "stage")
    manifest.write(tmp_path)  # written back in the current version
    assert json.loads((tmp_path / "stage.json").read_text())["version"] == 2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"version": 3, "count": 1}', "has version 3, newer than the version 2 this kosent"),
        ('{"version": "2", "count": 1}', "version '2' is not a positive whole number"),
        ('{"version": 2}', "lacks count: rerun python -m stage"),
        ("[1]", "is not a JSON object: rerun python -m stage"),
        ("{", "is not valid JSON"),
    ],
)
def test_unusable_manifests_are_clear_errors(tmp_path, text, message):
    (tmp_path / "stage.json").write_text(text)
    with pytest.raises(ManifestError, match=message):
        StageManifest.read(tmp_path)


def test_a_missing_manifest_names_the_folder_and_the_command(tmp_path):
    with pytest.raises(ManifestError) as err:
        StageManifest.read(tmp_path / "out")
    assert str(err.value) == f"{tmp_path / 'out'} has no stage.json: write it with python -m stage"


def test_writing_clears_the_temporary_file_a_killed_writer_left(tmp_path):
    left_by_kill = tmp_path / ".stage.json.tmp-999999"
    left_by_kill.write_text('{"half": ')
    other_writer = tmp_path / ".part-00000.parquet.tmp-999999"  # not the manifest's: kept
    other_writer.write_bytes(b"PAR1")
    StageManifest(count=1).write(tmp_path)
    assert not left_by_kill.exists() and other_writer.exists()
    assert StageManifest.read(tmp_path).count == 1

"""The corpus manifest: what vocab.build reads instead of asking for the recipe again."""

import json

import pytest

from corpus.schema import CorpusManifest
from kosent_common.manifest import ManifestError


def test_the_manifest_records_its_recipe_and_round_trips(corpus_dir, tmp_path):
    manifest = CorpusManifest.read(corpus_dir)
    raw = json.loads((corpus_dir / "manifest.json").read_text(encoding="utf-8"))
    assert raw["version"] == manifest.version == CorpusManifest.VERSION
    assert manifest.recipe == "fixture" and manifest.vocab_size == 2000  # the conftest recipe
    definition = manifest.recipe_definition
    assert definition["vocab_size"] == 2000 and definition["external_vocab"] is False
    assert definition["sources"] == ["kcbert", "nsmc", "wiki", "kcc", "reviews"]
    assert manifest.text_shards(corpus_dir) == sorted((corpus_dir / "text").glob("*.txt"))
    manifest.write(tmp_path)
    assert CorpusManifest.read(tmp_path) == manifest
    assert json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8")) == raw


def test_manifests_from_before_versions_and_newer_ones(corpus_dir, tmp_path):
    raw = json.loads((corpus_dir / "manifest.json").read_text(encoding="utf-8"))
    old = {k: v for k, v in raw.items() if k not in ("version", "recipe_definition")}
    (tmp_path / "manifest.json").write_text(json.dumps(old), encoding="utf-8")
    manifest = CorpusManifest.read(tmp_path)
    assert (manifest.version, manifest.vocab_size, manifest.external_vocab) == (1, 2000, False)
    (tmp_path / "manifest.json").write_text(json.dumps({**raw, "version": 9}), encoding="utf-8")
    with pytest.raises(ManifestError, match="version 9, newer than the version 1"):
        CorpusManifest.read(tmp_path)
    with pytest.raises(ManifestError, match="write it with python -m corpus.build"):
        CorpusManifest.read(tmp_path / "none")

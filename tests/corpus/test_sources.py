import json
import subprocess
import sys

import pytest

from corpus.readers import READERS
from corpus.schema import SOURCE_NAMES
from corpus.sources import SOURCES, SourceError, load_locations, resolve_files


def test_paths_globs_lists_and_folders(fixtures, tmp_path):
    toml = tmp_path / "sources.toml"
    toml.write_text(
        "[sources]\n"
        f'nsmc = "{fixtures / "nsmc"}"\n'
        f'kcc = ["{fixtures / "kcc" / "*UTF8.txt"}", "{fixtures / "kcc" / "*EUCKR.txt"}"]\n'
        'kcbert = "comments/*.txt"\n'
    )
    (tmp_path / "comments").mkdir()
    (tmp_path / "comments" / "a.txt").write_text("댓글\n")
    files = resolve_files("r", ("nsmc", "kcc", "kcbert"), load_locations(toml))
    assert [p.name for p in files["nsmc"]] == ["ratings_test.txt", "ratings_train.txt"]
    assert [p.name for p in files["kcc"]] == ["KCC_sample_EUCKR.txt", "KCC_sample_UTF8.txt"]
    assert files["kcbert"] == [tmp_path / "comments" / "a.txt"]  # relative to the TOML file


def test_override_and_errors_name_the_source(fixtures, tmp_path):
    locations = load_locations(None, [f"wiki={fixtures / 'wiki'}"])
    assert len(resolve_files("r", ("wiki",), locations)["wiki"]) == 2
    with pytest.raises(
        SourceError, match="needs source 'kcc', which has no location.*--source kcc="
    ):
        resolve_files("model1", ("wiki", "kcc"), locations)
    with pytest.raises(SourceError, match="source 'kcc': .* matches no file"):
        resolve_files("r", ("kcc",), load_locations(None, [f"kcc={tmp_path}/none*.txt"]))
    with pytest.raises(SourceError, match="unknown sources"):
        load_locations(None, ["kcbbert=/x"])
    with pytest.raises(SourceError, match="NAME=PATH"):
        load_locations(None, ["kcbert"])


def test_every_list_of_sources_is_the_registry():
    names = tuple(source.name for source in SOURCES)
    assert names == SOURCE_NAMES and tuple(READERS) == names
    assert len(set(names)) == len(names)
    for source in SOURCES:  # every declared reader and option resolves
        assert callable(source.read)


NEW_SOURCE = """
import json, sys
from pathlib import Path

import corpus.sources as registry

# The one place a new Modu sub-corpus is declared; nothing else is edited.
registry.SOURCES += (registry._modu("modu_extra", "NIKL_EXTRA", "utterance"),)

from corpus.pipeline import BuildOptions, build_corpus
from corpus.readers import READERS
from corpus.recipes import load_recipes
from corpus.schema import SOURCE_NAMES
from corpus.sources import load_locations, resolve_files

work = Path(sys.argv[1])
recipes = work / "recipes.toml"
recipes.write_text('[extra]\\nvocab_size = 8000\\nsources = ["modu_extra"]\\n')
recipe = load_recipes(recipes)["extra"]
locations = load_locations(None, [f"modu_extra={work / 'nikl'}"])
files = resolve_files("extra", recipe.sources, locations)
options = BuildOptions(progress=False, workers=1, splitter="kiwi")  # loads fastest
manifest = build_corpus(recipe, files, work / "out", options)
print(json.dumps({
    "names": SOURCE_NAMES,
    "reader": READERS["modu_extra"].keywords,
    "files": [str(p.relative_to(work)) for p in files["modu_extra"]],
    "docs": manifest["sources"]["modu_extra"]["docs_out"],
    "rejects": manifest["sources"]["modu_extra"]["drops"],
}))
"""


def test_a_source_declared_in_the_registry_alone_is_known_everywhere(fixtures, tmp_path):
    """Names, recipes, locations, folder patterns, reader dispatch and the build all take a
    source that only the registry declares (a fresh interpreter, so that what is derived at
    import derives from the extended registry)."""
    spoken = next((fixtures / "modu" / "NIKL_SPOKEN").glob("*.json"))
    nested = tmp_path / "nikl" / "2024" / "EXTRA0001.json"
    nested.parent.mkdir(parents=True)
    nested.write_bytes(spoken.read_bytes())
    (tmp_path / "nikl" / "readme.txt").write_text("not a document file\n")
    run = subprocess.run(
        [sys.executable, "-c", NEW_SOURCE, str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    seen = json.loads(run.stdout.strip().splitlines()[-1])
    assert seen["names"][-1] == "modu_extra" and "kcbert" in seen["names"]
    assert seen["reader"] == {"body_key": "utterance"}
    assert seen["files"] == ["nikl/2024/EXTRA0001.json"]  # **/*.json: the .txt is not taken
    expected = len(json.loads(spoken.read_text(encoding="utf-8"))["document"])
    assert seen["docs"] == expected and not seen["rejects"]

import pytest

from corpus.sources import SourceError, load_locations, resolve_files


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

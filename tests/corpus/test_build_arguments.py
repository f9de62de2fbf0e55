"""corpus.build's command line: bad values and empty input are one `error:` line and exit 2."""

import pytest

from corpus.build import main


def run(capsys, *argv) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exit:
        code = exit.code
    out, err = capsys.readouterr()
    return code, out, err


def test_list_recipes_needs_no_recipe(capsys):
    code, out, err = run(capsys, "--list-recipes")
    assert code == 0 and not err
    assert [line.split("\t")[0] for line in out.splitlines()] == [f"model{i}" for i in range(1, 6)]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ((), "one of the arguments --recipe --list-recipes is required"),
        (("--recipe", "model1", "--workers", "0"), "argument --workers: must be 1 or more, not 0"),
        (("--recipe", "model1", "--shard-mb", "0"), "argument --shard-mb: must be more than 0"),
        (("--recipe", "model1", "--shard-mb", "nan"), "argument --shard-mb: must be more than 0"),
        (("--recipe", "model1", "--min-chars", "-1"), "argument --min-chars: must be 0 or more"),
        (("--recipe", "model1", "--workers", "two"), "argument --workers: 'two' is not a whole"),
    ],
)
def test_bad_arguments_are_one_error_line(capsys, argv, message):
    code, out, err = run(capsys, *argv)
    assert code == 2 and not out
    assert err.startswith("error: ") and message in err and err.count("\n") == 1, err


def test_sources_that_give_no_document_are_an_error(capsys, tmp_path):
    recipes = tmp_path / "recipes.toml"
    recipes.write_text('[tiny]\nvocab_size = 100\nsources = ["kcbert"]\n', encoding="utf-8")
    comments = tmp_path / "comments.txt"
    comments.write_text("ab\n\nx\n", encoding="utf-8")  # every comment shorter than --min-chars
    argv = ["--recipes", str(recipes), "--recipe", "tiny", "--source", f"kcbert={comments}"]
    argv += ["--out", str(tmp_path / "out"), "--workers", "1", "--no-progress"]
    code, out, err = run(capsys, *argv)
    assert code == 2 and not out
    assert err.startswith("error: recipe tiny produced 0 documents") and "too_short" in err
    assert not list((tmp_path / "out" / "tiny").glob("text/*"))

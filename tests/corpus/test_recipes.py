import pytest

from corpus.recipes import RecipeError, get_recipe, load_recipes

MODU = ("modu_spoken", "modu_written", "modu_newspaper", "modu_messenger", "modu_web")


def test_seed_recipes():
    recipes = load_recipes()
    assert set(recipes) == {"model1", "model2", "model3", "model4", "model5"}
    assert recipes["model1"].vocab_size == 32000
    assert set(recipes["model1"].sources) == {"kcbert", "reviews", "nsmc", "wiki", "kcc"}
    assert set(recipes["model2"].sources) == {"kcbert", "reviews", "nsmc"}
    assert 0 < recipes["model2"].fraction("reviews") < 1 and recipes["model2"].fraction("nsmc") == 1
    assert recipes["model2"].num_train_steps == 1_000_000
    for name, vocab in (("model3", 64000), ("model4", 128000), ("model5", 32000)):
        assert recipes[name].vocab_size == vocab
        assert set(recipes[name].sources) == set(recipes["model1"].sources) | set(MODU)
    assert recipes["model5"].external_vocab and not recipes["model3"].external_vocab


def test_user_recipe_file(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text(
        '[tiny]\nvocab_size = 8000\nsources = ["nsmc", "kcbert"]\nsample = { kcbert = 0.5 }\n'
    )
    recipe = get_recipe("tiny", path)
    assert recipe.sources == ("nsmc", "kcbert") and recipe.fraction("kcbert") == 0.5


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('[r]\nvocab_size = 1\nsources = ["nsmcc"]', "unknown sources ['nsmcc']"),
        ('[r]\nvocab_size = 1\nsources = ["nsmc"]\nlearning-rate = 1', "unknown keys"),
        ('[r]\nvocab_size = 1\nsources = ["nsmc"]\nsample = { nsmc = 2 }', "fraction"),
        ('[r]\nvocab_size = 1\nsources = ["nsmc"]\nsample = { wiki = 0.5 }', "not in its sources"),
        ('[r]\nsources = ["nsmc"]', "vocab_size"),
        ("[r\n", "not valid TOML"),
    ],
)
def test_bad_recipes_say_what_is_wrong(tmp_path, body, message):
    path = tmp_path / "bad.toml"
    path.write_text(body)
    with pytest.raises(RecipeError, match=message.replace("[", r"\[").replace("]", r"\]")):
        get_recipe("r", path)


def test_unknown_recipe_lists_the_known_ones():
    with pytest.raises(RecipeError, match="known recipes: model1, model2"):
        get_recipe("model9")

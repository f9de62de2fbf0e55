"""The files each stage reads, and the pretraining config the graph writes."""

import json
from pathlib import Path

import pytest

from corpus.stage import corpus_inputs
from kosent.inputs import InputError, user_inputs
from kosent.stages import Plan
from pretrain.train.stage import pretrain_config
from tests.crawler.conftest import REPO

FIXTURES = REPO / "tests" / "fixtures"


def test_the_corpus_stage_reads_the_recipe_the_sources_and_every_matched_file(tmp_path):
    sources = tmp_path / "sources.toml"
    sources.write_text(f'[sources]\nkcc = "{FIXTURES / "kcc"}"\nnsmc = "{FIXTURES / "nsmc"}"\n')
    recipes = tmp_path / "recipes.toml"
    recipes.write_text('[r]\nvocab_size = 100\nsources = ["kcc", "nsmc"]\n')
    plan = Plan(out=tmp_path / "out", recipe="r", sources=sources, recipes=recipes)
    files = corpus_inputs(plan)
    assert files[:2] == [recipes, sources]
    assert sorted(p.name for p in files[2:]) == sorted(
        [*(p.name for p in (FIXTURES / "kcc").iterdir()), "ratings_test.txt", "ratings_train.txt"]
    )
    only_kcc = (f"kcc={FIXTURES / 'kcc'}",)
    with pytest.raises(InputError, match="recipe 'r' needs source 'nsmc'"):
        corpus_inputs(Plan(out=tmp_path, recipe="r", recipes=recipes, source_overrides=only_kcc))


def test_the_pretraining_config_is_the_users_with_the_plans_overrides(tmp_path):
    config = tmp_path / "mine.json"
    config.write_text(json.dumps({"model_size": "tiny", "num_train_steps": 300}))
    plan = Plan(out=tmp_path, recipe="r", pretrain_config=str(config))
    assert pretrain_config(plan) == {"model_size": "tiny", "num_train_steps": 300}
    short = Plan(
        out=tmp_path,
        recipe="r",
        pretrain_config=str(config),
        pretrain_overrides={"num_train_steps": 20},
    )
    assert pretrain_config(short)["num_train_steps"] == 20
    # vocab_size and max_seq_length come from the records' manifest, not from the graph.
    base = pretrain_config(Plan(out=tmp_path, recipe="r", pretrain_config="base"))
    assert base["model_size"] == "base" and "vocab_size" not in base
    assert "max_seq_length" not in base
    config.write_text("[1, 2]")
    with pytest.raises(InputError, match="must be a JSON object"):
        pretrain_config(plan)


def test_the_pretrain_stage_reads_no_user_file_its_config_is_in_its_snapshot(tmp_path):
    """(The config is compared by content: kosent.run writes OUT/pretrain.json only when the
    stage runs, so a refused command leaves the old one.)"""
    assert user_inputs("pretrain", Plan(out=tmp_path, recipe="r"), tmp_path) == []
    assert user_inputs("export", Plan(out=tmp_path, recipe="r"), tmp_path) == []
    nsmc = Plan(out=tmp_path, recipe="r", nsmc_train=FIXTURES / "nsmc" / "ratings_train.txt")
    assert user_inputs("nsmc", nsmc, tmp_path) == [Path(FIXTURES / "nsmc" / "ratings_train.txt")]

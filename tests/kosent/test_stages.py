"""The graph: stage order, what each reads, and command lines that name their predecessors'
outputs."""

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from kosent.stages import BY_NAME, STAGE_NAMES, STAGES, Plan, until
from tests.crawler.conftest import REPO

OUT = Path("/data/run1")
PLAN = Plan(out=OUT, recipe="model3", sources=Path("/data/sources.toml"))


def test_the_stages_run_in_data_order_and_read_only_earlier_ones():
    assert STAGE_NAMES == ("corpus", "vocab", "tfrecords", "pretrain", "export", "nsmc")
    for position, stage in enumerate(STAGES):
        assert all(STAGE_NAMES.index(name) < position for name in stage.reads), stage.name
    assert [s.name for s in until("tfrecords")] == ["corpus", "vocab", "tfrecords"]
    assert until("nsmc") == STAGES
    with pytest.raises(ValueError, match="unknown stage 'train'"):
        until("train")


@pytest.mark.parametrize("stage", STAGES[1:], ids=STAGE_NAMES[1:])
def test_each_stage_reads_the_folders_its_predecessors_write(stage):
    """Every folder a stage reads is one an earlier stage writes, and its command names it."""
    args = [arg for command in stage.commands(PLAN, OUT) for arg in command.args]
    for name in stage.reads:
        written = [str(OUT / folder) for folder in BY_NAME[name].outputs(PLAN)]
        assert any(arg.startswith(folder) for arg in args for folder in written), (name, args)


def test_the_layout_follows_the_recipe_and_the_record_length():
    plan = Plan(out=OUT, recipe="model5", max_seq_length=512)
    assert BY_NAME["corpus"].outputs(plan) == ("corpus/model5",)
    assert BY_NAME["tfrecords"].markers(plan) == ("tfrecords/L512/manifest.json",)
    (records,) = BY_NAME["tfrecords"].commands(plan, OUT)
    assert records.args[records.args.index("--output-dir") + 1] == str(OUT / "tfrecords/L512")
    assert records.args[records.args.index("--max-seq-length") + 1] == "512"


def test_workers_and_executor_are_tuning_not_part_of_what_a_stage_computes():
    ray = replace(PLAN, workers=64, executor="ray", address="head:6379")
    for name in ("corpus", "tfrecords"):
        (local,), (remote,) = (BY_NAME[name].commands(p, OUT) for p in (PLAN, ray))
        assert local.args == remote.args
        assert remote.tuning[-4:] == ("--executor", "ray", "--address", "head:6379")
        assert "64" in remote.tuning


def test_nsmc_runs_the_model_and_the_tfidf_baseline_on_the_same_data():
    plan = Plan(
        out=OUT,
        recipe="model3",
        nsmc_train=Path("/nsmc/ratings_train.txt"),
        nsmc_test=Path("/nsmc/ratings_test.txt"),
        nsmc_max_train_examples=400,
    )
    model, baseline = BY_NAME["nsmc"].commands(plan, OUT)
    assert model.args[:2] == ("--model", str(OUT / "run/hf/discriminator"))
    assert baseline.args[:2] == ("--baseline", "tfidf")
    for command in (model, baseline):
        assert (
            "/nsmc/ratings_train.txt" in command.args and "/nsmc/ratings_test.txt" in command.args
        )
        assert command.args[-2:] == ("--max-train-examples", "400")


def test_facts_a_manifest_holds_are_not_passed_again():
    """The vocab size is the corpus manifest's; vocab_size and max_seq_length of pretraining are
    the records'. Only the stage that decides a fact is told it."""
    (vocab,) = BY_NAME["vocab"].commands(PLAN, OUT)
    assert not {"--recipe", "--recipes", "--vocab-size"} & set(vocab.args)
    (train,) = BY_NAME["pretrain"].commands(PLAN, OUT)
    assert "--max-seq-length" not in train.args and "--vocab-file" not in train.args


def test_kosent_reads_the_stages_descriptions_and_names_none_itself():
    """Each stage describes itself beside its code; kosent's own modules (but the list in
    kosent/stages.py and the CLI's defaults) never name one."""
    generic = ["kosent_common/graph.py"]
    generic += [
        f"kosent/{m}.py" for m in ("inputs", "validate", "run", "keep", "fingerprint", "report")
    ]
    for module in generic:
        text = (REPO / module).read_text(encoding="utf-8")
        for name in STAGE_NAMES:
            assert f'"{name}"' not in text, (module, name)
    described = {stage.name: stage.commands.__module__ for stage in STAGES}
    assert described == {
        "corpus": "corpus.stage",
        "vocab": "vocab.stage",
        "tfrecords": "pretrain.tfrecords.stage",
        "pretrain": "pretrain.train.stage",
        "export": "pretrain.train.stage",
        "nsmc": "finetune.stage",
    }


def test_the_stage_descriptions_are_light():
    """`python -m kosent --help` reads every stage's description: no engine is imported."""
    heavy = ("keras", "tensorflow", "torch", "jax", "scrapy", "transformers", "ray", "polars")
    probe = "import sys, kosent.__main__; print(' '.join(m for m in %r if m in sys.modules))"
    done = subprocess.run(
        [sys.executable, "-c", probe % (heavy,)], cwd=REPO, capture_output=True, text=True
    )
    assert done.returncode == 0 and done.stdout.strip() == "", done.stdout + done.stderr

"""Everything is checked before the first stage runs, and errors name the user's own file and
key; the one command covers the stage options users need."""

import json

import pytest

from kosent.__main__ import main, parser, plan_from
from kosent.stages import BY_NAME, Plan
from pretrain.train.stage import checked_pretrain_config
from tests.crawler.conftest import REPO

FIXTURES = REPO / "tests" / "fixtures"


def run_main(tmp_path, capsys, *args: str) -> tuple[int, str, str]:
    (tmp_path / "sources.toml").write_text(f'[sources]\nkcbert = "{FIXTURES / "kcbert"}"\n')
    (tmp_path / "recipes.toml").write_text('[k]\nvocab_size = 900\nsources = ["kcbert"]\n')
    argv = ["--recipe", "k", "--recipes", str(tmp_path / "recipes.toml")]
    argv += ["--sources", str(tmp_path / "sources.toml"), "--out", str(tmp_path / "out")]
    try:
        code = main([*argv, *args])
    except SystemExit as exit:
        code = exit.code
    said = capsys.readouterr()
    return code, said.out, said.err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--sources", "{tmp}/nowhere.toml"], "sources file {tmp}/nowhere.toml does not exist"),
        (["--recipe", "model9"], "no recipe 'model9'"),
        (["--until", "train"], "argument --until: invalid choice: 'train'"),
        (["--until", "nsmc"], "--until nsmc needs --nsmc-dir DIR"),
        (["--config", "huge"], "config file huge does not exist and is not a preset name"),
        (["--address", "head:6379"], "--address names a Ray cluster: add --executor ray"),
        (["--external-vocab", "{tmp}/bad-vocab.txt"], "--external-vocab: "),
    ],
)
def test_bad_input_is_one_error_line(tmp_path, capsys, args, message):
    (tmp_path / "bad-vocab.txt").write_text("[PAD]\n[UNK]\n[UNK]\n")  # [UNK] twice
    err = refused(tmp_path, capsys, *(a.format(tmp=tmp_path) for a in args))
    assert message.format(tmp=tmp_path) in err


def refused(tmp_path, capsys, *args: str) -> str:
    """The one `error:` line of a command that stops before any stage runs."""
    code, out, err = run_main(tmp_path, capsys, *args)
    assert code == 2, out + err
    assert err.count("\n") == 1 and err.startswith("error: "), err
    assert not (tmp_path / "out").exists()  # nothing ran, nothing was written
    return err


def test_a_typo_in_the_pretraining_config_is_found_before_the_corpus_stage(tmp_path, capsys):
    config = tmp_path / "mine.json"
    config.write_text(json.dumps({"model_size": "tiny", "learning_rat": 1e-3}))
    err = refused(tmp_path, capsys, "--config", str(config))
    assert f"{config}: unknown keys 'learning_rat' (did you mean 'learning_rate'?)" in err
    assert "pretrain.json" not in err.replace(str(config), "")  # not the generated copy


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"learning_rate": 3}, "out of range: learning_rate=3"),
        ({"train_batch_size": "many"}, "train_batch_size must be a number"),
        ({"max_seq_length": 64}, '"max_seq_length": 64 disagrees with --max-seq-length, 128'),
        ({"vocab_size": 32000}, '"vocab_size": 32000 disagrees with the vocab size'),
        ({"do_lower_case": True}, "kosent builds cased records"),
    ],
)
def test_config_values_name_the_file_and_key(tmp_path, capsys, values, message):
    config = tmp_path / "mine.json"
    config.write_text(json.dumps({"model_size": "tiny", **values}))
    err = refused(tmp_path, capsys, "--config", str(config))
    assert str(config) in err and message in err


def test_the_tpu_preset_on_this_machine_is_one_error_line(tmp_path, capsys):
    err = refused(tmp_path, capsys, "--config", "base")
    assert 'base.json: "use_tpu" is true with the placeholder "tpu_name": "your-tpu"' in err
    assert "leave out --config (the tiny-cpu preset)" in err


def test_without_config_the_cpu_preset_is_checked_and_used(tmp_path):
    """(That the command says so in one line: tests/kosent/test_keep.py, on a real run.)"""
    args = parser().parse_args(["--recipe", "model1", "--out", str(tmp_path)])
    plan = plan_from(args)
    assert plan.pretrain_config == "tiny-cpu"
    config = checked_pretrain_config(plan, 32000)
    assert config.model_size == "tiny" and not config.use_tpu


def test_a_bad_fine_tuning_config_is_found_first(tmp_path, capsys):
    config = tmp_path / "ft.json"
    config.write_text(json.dumps({"num_train_epoch": 3}))
    nsmc = ["--nsmc-dir", str(FIXTURES / "nsmc"), "--nsmc-config", str(config)]
    err = refused(tmp_path, capsys, "--config", "tiny-cpu", *nsmc)
    assert f"{config}: unknown keys 'num_train_epoch' (did you mean 'num_train_epochs'?)" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--args-for", "vocab=--bogus"], "--args-for vocab: unrecognized arguments: --bogus"),
        (["--args-for", "corpus=--min-chars -1"], "argument --min-chars: must be 0 or more"),
        (["--args-for", "vocab=--out x"], "--args-for vocab: --out is set by kosent itself"),
        (["--args-for", "export=--x"], "--args-for export: not a stage with its own"),
        (["--args-for", "nsmc=--epochs 1"], "--args-for nsmc: that stage does not run"),
        (["--args-for", "vocab"], "--args-for 'vocab': expected STAGE=ARGS"),
        (["--decontaminate", "/nowhere/test.tsv"], "--decontaminate /nowhere/test.tsv: "),
    ],
)
def test_stage_options_are_checked_by_the_stages_own_parsers(tmp_path, capsys, args, message):
    err = refused(tmp_path, capsys, "--until", "tfrecords", *args)
    assert message in err


def test_the_one_command_passes_the_stage_options_on(tmp_path):
    plan = Plan(
        out=tmp_path,
        recipe="r",
        vocab_size=8000,
        pack_across_docs=True,
        decontaminate=("/b/test.tsv:document",),
        stage_args=(("corpus", ("--min-chars", "5")), ("vocab", ("--min-frequency", "3"))),
    )
    (corpus,) = BY_NAME["corpus"].commands(plan, tmp_path)
    assert corpus.args[-4:] == ("--out", str(tmp_path / "corpus"), "--min-chars", "5")
    assert "--decontaminate" in corpus.args and "/b/test.tsv:document" in corpus.args
    (vocab,) = BY_NAME["vocab"].commands(plan, tmp_path)
    assert vocab.args[-4:] == ("--vocab-size", "8000", "--min-frequency", "3")
    (records,) = BY_NAME["tfrecords"].commands(plan, tmp_path)
    assert "--pack-across-docs" in records.args

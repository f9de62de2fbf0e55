import json
from pathlib import Path

from finetune.baseline import C_GRID
from finetune.config import DEFAULT_CONFIG
from finetune.nsmc import main


def run(*args):
    return main([*args, "--no-progress"])


def nsmc_args(folder, out):
    return [
        "--train",
        str(folder / "ratings_train.txt"),
        "--test",
        str(folder / "ratings_test.txt"),
        "--out",
        str(out),
    ]


def test_tiny_model_learns_and_the_saved_model_predicts_the_same(tiny_model, demo_nsmc, tmp_path):
    from transformers import AutoTokenizer, ElectraForSequenceClassification

    from finetune.data import read_nsmc
    from finetune.train import encode, predict

    out = tmp_path / "run"
    assert (
        run(
            "--model",
            str(tiny_model),
            *nsmc_args(demo_nsmc, out),
            "--epochs",
            "3",
            "--sweep",
            "--learning-rates",
            "1e-3",
            "--batch-sizes",
            "32",
        )
        == 0
    )
    results = json.loads((out / "lr0.001_bs32" / "results.json").read_text())
    assert results["selected_on"] == "dev"
    assert results["dev"]["accuracy"] > 0.7  # chance is 0.5: the tiny model learned
    assert results["test"]["accuracy"] <= results["best_on_test_accuracy"]
    assert results["data"]["dev_examples"] == 600 and results["data"]["test_examples"] == 2000
    assert results["train_examples_per_second"] > 0 and results["versions"]["torch"]
    assert (out / "sweep.md").read_text().count("| 0.001 | 32 |") == 1
    assert (out / "sweep.png").read_bytes()[:4] == b"\x89PNG"

    saved = out / "lr0.001_bs32" / "model"
    assert (saved / "vocab.txt").exists()
    tokenizer = AutoTokenizer.from_pretrained(str(saved))
    model = ElectraForSequenceClassification.from_pretrained(str(saved))
    test, _ = read_nsmc(demo_nsmc / "ratings_test.txt")
    import contextlib

    import torch

    predicted = predict(
        model,
        encode(tokenizer, test, 128),
        tokenizer.pad_token_id,
        256,
        torch.device("cpu"),
        contextlib.nullcontext,
    )
    rows = (out / "lr0.001_bs32" / "test_predictions.tsv").read_text().splitlines()[1:]
    assert predicted.tolist() == [int(r.split("\t")[2]) for r in rows]


def test_tfidf_baseline_through_the_same_protocol(demo_nsmc, tmp_path):
    out = tmp_path / "tfidf"
    assert (
        run(
            "--baseline",
            "tfidf",
            *nsmc_args(demo_nsmc, out),
        )
        == 0
    )
    results = json.loads((out / "results.json").read_text())
    assert results["selected_on"] == "dev" and results["selected_C"] in C_GRID
    assert results["test"]["accuracy"] > 0.7
    assert results["test"]["confusion_matrix"][0][0] > 0


def test_errors(tmp_path, capsys):
    assert run("--train", "x.txt") == 2
    assert "--model DIR" in capsys.readouterr().err
    bad = tmp_path / "config.json"
    bad.write_text('{"learning-rate": 1e-5}')
    assert run("--baseline", "tfidf", "--config", str(bad)) == 2
    assert "did you mean 'learning_rate'" in capsys.readouterr().err


def one_error_line(capsys) -> str:
    out, err = capsys.readouterr()
    assert err.startswith("error: ") and err.count("\n") == 1, err
    return err


def test_bad_train_files_are_one_error_line(tiny_model, demo_nsmc, tmp_path, capsys):
    header_only = tmp_path / "header_only.txt"
    header_only.write_text("id\tdocument\tlabel\n", encoding="utf-8")
    few = tmp_path / "few.txt"
    few.write_text("id\tdocument\tlabel\n1\t좋아요\t1\n2\t\t0\n3\t별로\t0\n", encoding="utf-8")
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    test = str(demo_nsmc / "ratings_test.txt")
    for train, message in [
        (header_only, "0 rows with a document"),
        (few, "2 rows with a document; a train and a dev split"),
        (empty, "is empty"),
    ]:
        for how in (["--model", str(tiny_model)], ["--baseline", "tfidf"]):
            argv = [*how, "--train", str(train), "--test", test, "--out", str(tmp_path / "o")]
            assert run(*argv) == 2
            assert message in one_error_line(capsys)
    argv = ["--baseline", "tfidf", "--train", test, "--test", str(header_only)]
    assert run(*argv, "--out", str(tmp_path / "o")) == 2
    assert "no rows after the header" in one_error_line(capsys)


def test_model_that_is_not_a_model_folder(demo_nsmc, tmp_path, capsys):
    data = nsmc_args(demo_nsmc, tmp_path / "o")
    assert run("--model", str(tmp_path / "missing" / "hf"), *data) == 2
    assert "no such folder" in one_error_line(capsys)
    assert run("--model", str(tmp_path), *data) == 2
    assert "has no config.json" in one_error_line(capsys)
    assert run("--model", str(demo_nsmc / "ratings_train.txt"), *data) == 2
    assert "is a file" in one_error_line(capsys)


def test_out_of_range_flags(tiny_model, demo_nsmc, tmp_path, capsys):
    model = ["--model", str(tiny_model), *nsmc_args(demo_nsmc, tmp_path / "o")]
    for flag, value in [
        ("--max-train-examples", "-5"),
        ("--max-train-examples", "0"),
        ("--epochs", "0"),
        ("--learning-rates", "0"),
        ("--batch-sizes", "0"),
    ]:
        try:
            code = run(*model, flag, value)
        except SystemExit as exit:
            code = exit.code
        assert code == 2
        assert f"argument {flag}: must be" in one_error_line(capsys)


def test_head_swap_is_one_line_not_transformers_table(tiny_model, capfd):
    """A pretraining checkpoint (ElectraForPreTraining) becomes a classifier: say so once."""
    from finetune.nsmc import load_classifier

    capfd.readouterr()
    model = load_classifier(str(tiny_model))
    out, err = capfd.readouterr()
    assert type(model).__name__ == "ElectraForSequenceClassification"
    assert "UNEXPECTED" not in err + out and "MISSING" not in err + out
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, lines
    line = lines[0]
    assert line.startswith("model: classifier initialised fresh (4 tensors), pretraining head ")
    assert "discriminator_predictions" in line


def test_progress_off_a_terminal_is_a_line_every_few_seconds(capfd):
    from kosent_common.progress import ProgressLines, progress_bar

    def run(interval: float) -> list[str]:
        bar = progress_bar(interval=interval, total=40, desc="fine-tune", unit="step")
        assert isinstance(bar, ProgressLines)  # pytest's captured stderr is not a terminal
        for _ in range(40):
            bar.update()
            bar.set_postfix(loss="0.5")
        bar.close()
        err = capfd.readouterr().err
        assert "\r" not in err
        return err.splitlines()

    # 80 updates within the interval: work that short shows no line (its result line follows).
    assert run(60.0) == []
    lines = run(0.0)  # with no interval, every change is a line, the last at close
    assert len(lines) > 2, lines
    assert lines[-1].startswith("fine-tune: 100%") and "40/40" in lines[-1]
    assert sum("100%" in line for line in lines) == 1


def test_plot_titles_name_the_run_not_its_path(tmp_path):
    from finetune.nsmc import model_name

    model = tmp_path / "runs" / "model3" / "hf" / "discriminator"
    model.mkdir(parents=True)
    assert model_name(str(model)) == "model3 (discriminator)"
    assert model_name(str(tmp_path / "runs")) == "runs"
    assert model_name("damien-ir/kosentelectra-discriminator-v2") == (
        "damien-ir/kosentelectra-discriminator-v2"
    )


def test_a_max_seq_length_beyond_the_models_positions_is_lowered(
    tiny_model, demo_nsmc, tmp_path, capsys
):
    """max_seq_length 4096 for a 512-position model: one line, then 512 (a review longer than
    512 tokens would otherwise index past the position table inside the model)."""
    rows = (demo_nsmc / "ratings_train.txt").read_text(encoding="utf-8").splitlines()
    header, rows = rows[0], rows[1:]
    long_review = " ".join(row.split("\t")[1] for row in rows[:400])  # thousands of tokens
    for name, count in (("ratings_train.txt", 40), ("ratings_test.txt", 8)):
        lines = [header, *rows[:count], f"1\t{long_review}\t1"]
        (tmp_path / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    config = json.loads(Path(DEFAULT_CONFIG).read_text(encoding="utf-8"))
    config.update(max_seq_length=4096, train_batch_size=8, eval_batch_size=16, evals_per_epoch=1)
    (tmp_path / "config.json").write_text(json.dumps(config), encoding="utf-8")
    argv = ["--model", str(tiny_model), *nsmc_args(tmp_path, tmp_path / "run")]
    argv += ["--config", str(tmp_path / "config.json"), "--epochs", "1"]
    assert run(*argv) == 0
    notes = [line for line in capsys.readouterr().err.splitlines() if "max_seq_length" in line]
    assert notes == [
        "note: max_seq_length 4096 is more than the model's 512 positions "
        "(max_position_embeddings): using 512"
    ]


def test_an_exported_model_whose_vocab_changed_is_refused(tiny_model, demo_nsmc, tmp_path, capsys):
    """pretrain.export leaves the vocab's sha256 beside the model: another vocab.txt there is
    an error, not a model that reads other ids."""
    import hashlib
    import shutil

    from pretrain.export import ExportManifest

    model = tmp_path / "model"
    shutil.copytree(tiny_model, model)
    sha256 = hashlib.sha256((model / "vocab.txt").read_bytes()).hexdigest()
    manifest = ExportManifest(
        architecture="ElectraForPreTraining",
        run="runs/x",
        step=1,
        model_size="tiny",
        vocab_size=len((model / "vocab.txt").read_text(encoding="utf-8").splitlines()),
        vocab_sha256=sha256,
    )
    manifest.check_vocab(str(model))  # the vocab it names: no error
    manifest.vocab_sha256 = "0" * 64
    manifest.write(model)
    argv = ["--model", str(model), *nsmc_args(demo_nsmc, tmp_path / "o")]
    assert run(*argv) == 2
    err = one_error_line(capsys)
    assert "is not the vocab the model was trained with" in err and str(model) in err


def test_earlier_results_are_kept_unless_restart_moves_them_aside(
    tiny_model, demo_nsmc, tmp_path, capsys
):
    out = tmp_path / "run"
    small = ["--model", str(tiny_model), *nsmc_args(demo_nsmc, out)]
    small += ["--max-train-examples", "40", "--epochs", "1"]
    assert run(*small) == 0
    results = (out / "results.json").read_bytes()
    capsys.readouterr()
    assert run(*small) == 2
    err = one_error_line(capsys)
    assert f"{out} holds the results of an earlier fine-tuning" in err and "--restart" in err
    assert (out / "results.json").read_bytes() == results
    assert run(*small, "--restart") == 0
    assert f"moved the earlier results aside to {out}.prev-1" in capsys.readouterr().out
    assert (tmp_path / "run.prev-1" / "results.json").read_bytes() == results
    assert (out / "results.json").is_file()

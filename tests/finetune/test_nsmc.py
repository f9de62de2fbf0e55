import json

from finetune.baseline import C_GRID
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

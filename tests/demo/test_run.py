"""The whole demo pipeline end to end (crawl, then kosent's stage graph: corpus -> NSMC): at its
smallest size as CI runs it, and (slow) at `make demo`'s size, where the fine-tuned model must
beat the majority class."""

import csv
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from transformers import ElectraForPreTraining, ElectraTokenizerFast

from kosent.stages import STAGE_NAMES
from tests.crawler.conftest import REPO


def test_smallest_demo_runs_every_stage(tmp_path):
    out = tmp_path / "demo"
    done = subprocess.run(
        [sys.executable, "-m", "demo.run", "--size", "smallest", "--out", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    # What a user sees in a log: a line or two per stage and the table. No weight table for
    # the expected head swap, no flood of carriage-return progress updates (off a terminal,
    # progress is a line every few seconds), no engine start-up or Scrapy component dumps.
    shown = done.stdout + done.stderr
    assert shown.count("\n") <= 60, shown
    assert "UNEXPECTED" not in shown and "MISSING" not in shown
    assert "model: classifier initialised fresh" in shown and "\rfine-tune" not in shown
    assert "Loading weights" not in shown and "Writing model shards" not in shown
    for noise in ("cuInit", "cudart_stub", "absl::InitializeLog", "oneDNN", "Enabled downloader"):
        assert noise not in shown, noise
    assert "padding" in shown and "--pack-across-docs" in shown  # the demo packs its records

    crawled = pa.concat_tables(
        pq.read_table(p) for p in sorted((out / "raw" / "reviews").rglob("part-*.parquet"))
    )
    assert crawled.num_rows == 3 * 4 * 12  # every review the local site holds, once
    assert (
        len(set(zip(crawled["source"].to_pylist(), crawled["review_id"].to_pylist(), strict=True)))
        == crawled.num_rows
    )

    manifest = json.loads((out / "corpus" / "demo" / "manifest.json").read_text())
    assert manifest["sources"]["reviews"]["docs_in"] == crawled.num_rows
    assert manifest["sources"]["reviews"]["docs_out"] > 0 and manifest["totals"]["shards"] >= 1

    records = json.loads((out / "tfrecords" / "L128" / "manifest.json").read_text())
    assert records["examples"] > 0 and records["max_seq_length"] == 128

    model_dir = out / "run" / "hf" / "discriminator"
    model = ElectraForPreTraining.from_pretrained(model_dir)
    tokenizer = ElectraTokenizerFast.from_pretrained(model_dir)
    assert model.config.vocab_size == len(tokenizer)

    results = json.loads((out / "nsmc" / "results.json").read_text())
    baseline = json.loads((out / "nsmc-tfidf" / "results.json").read_text())
    labels = nsmc_labels(REPO / "demo" / "data" / "nsmc" / "ratings_test.txt")
    majority = max(Counter(labels.values()).values()) / len(labels)
    # TF-IDF learns from 400 reviews: well above always answering the larger class.
    assert baseline["test"]["accuracy"] > majority + 0.1, (baseline["test"], majority)
    # The fine-tuned model's figures are what its saved predictions and saved model give.
    predictions = nsmc_labels(out / "nsmc" / "test_predictions.tsv", column="prediction")
    assert predictions.keys() == labels.keys()
    hits = sum(predictions[i] == labels[i] for i in labels)
    assert results["test"]["accuracy"] == hits / len(labels)
    assert sum(map(sum, results["test"]["confusion_matrix"])) == len(labels)
    dev_best = max(results["history"], key=lambda point: point["dev_accuracy"])
    assert results["selected_on"] == "dev" and results["selected_step"] == dev_best["step"]
    assert_saved_model_predicts(out / "nsmc" / "model", predictions)

    report = (out / "REPORT.md").read_text()
    for stage in ("crawl", *STAGE_NAMES, "**total**"):
        assert f"| {stage} |" in report
    assert "![nsmc/accuracy.png](nsmc/accuracy.png)" in report
    assert "| **total** |" in done.stdout
    assert_the_demo_is_the_kosent_graph(out)


def assert_the_demo_is_the_kosent_graph(out: Path) -> None:
    """After the crawl the demo ran `python -m kosent`'s graph: every stage is recorded as
    done, and the command on the same recipe, sources and crawl finds the corpus, vocab and
    records stages complete with the same command lines, so it skips them."""
    state = json.loads((out / "pipeline.json").read_text())
    assert {name: s["state"] for name, s in state["stages"].items()} == dict.fromkeys(
        STAGE_NAMES, "done"
    )
    command = [sys.executable, "-m", "kosent", "--recipe", "demo"]
    command += ["--recipes", str(REPO / "demo" / "recipes.toml")]
    command += ["--sources", str(REPO / "demo" / "sources-smallest.toml")]
    command += ["--source", f"reviews={out / 'raw' / 'reviews'}", "--out", str(out)]
    command += ["--limit-alphabet", "3000", "--pack-across-docs", "--until", "tfrecords"]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "reused (complete, inputs unchanged): corpus, vocab, tfrecords" in done.stdout


@pytest.mark.slow
def test_demo_model_beats_the_majority_class(tmp_path):
    """`make demo`'s size (300 pretraining steps, 3 epochs on 5,400 reviews): the fine-tuned
    model learns NSMC. At --size smallest (13 fine-tuning steps) it answers one class."""
    out = tmp_path / "demo"
    done = subprocess.run(
        [sys.executable, "-m", "demo.run", "--size", "demo", "--out", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=3600,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert_beats_the_majority_class(out)


def assert_beats_the_majority_class(out: Path, margin: float = 0.1) -> None:
    results = json.loads((out / "nsmc" / "results.json").read_text())
    labels = nsmc_labels(REPO / "demo" / "data" / "nsmc" / "ratings_test.txt")
    majority = max(Counter(labels.values()).values()) / len(labels)
    assert results["test"]["accuracy"] > majority + margin, (results["test"], majority)


def nsmc_labels(path: Path, column: str = "label") -> dict[str, int]:
    with open(path, encoding="utf-8", newline="") as handle:
        rows = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        return {row["id"]: int(row[column]) for row in rows}


def assert_saved_model_predicts(model_dir: Path, predictions: dict[str, int]) -> None:
    """The saved classifier, reloaded, gives the saved test predictions."""
    import contextlib

    import torch
    from transformers import AutoTokenizer, ElectraForSequenceClassification

    from finetune.data import read_nsmc
    from finetune.train import encode, predict

    test, _ = read_nsmc(REPO / "demo" / "data" / "nsmc" / "ratings_test.txt")
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model = ElectraForSequenceClassification.from_pretrained(model_dir)
    ids = encode(tokenizer, test, 128)
    cpu = torch.device("cpu")
    got = predict(model, ids, tokenizer.pad_token_id, 256, cpu, contextlib.nullcontext)
    assert got.tolist() == [predictions[i] for i in test.ids]

"""The whole demo pipeline at its smallest size, end to end (crawl -> NSMC), as CI runs it."""

import json
import subprocess
import sys

import pyarrow as pa
import pyarrow.parquet as pq
from transformers import ElectraForPreTraining, ElectraTokenizerFast

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
    assert results["selected_on"] == "dev" and 0 <= results["test"]["accuracy"] <= 1
    assert baseline["test"]["accuracy"] > 0.6  # TF-IDF learns even from 400 reviews

    report = (out / "REPORT.md").read_text()
    for stage in ("crawl", "corpus", "vocab", "tfrecords", "pretrain", "nsmc", "**total**"):
        assert f"| {stage} |" in report
    assert "![nsmc/accuracy.png](nsmc/accuracy.png)" in report
    assert "| **total** |" in done.stdout

"""corpus.overlap as a user runs it, on an ELECTRA text corpus and on corpus.build's shards."""

import json
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from corpus.schema import SHARD_SCHEMA

ROOT = Path(__file__).resolve().parents[2]


def run_overlap(*args):
    return subprocess.run(
        [sys.executable, "-m", "corpus.overlap", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )


def test_text_corpus_report(tmp_path, fixtures):
    test_file = fixtures / "nsmc" / "ratings_test.txt"
    items = [line.split("\t")[1] for line in test_file.read_text().splitlines()[1:]]
    items = [t for t in items if len(t) >= 30]
    comments = (fixtures / "kcbert" / "comments.txt").read_text().splitlines()[:100]
    corpus = tmp_path / "electra"
    corpus.mkdir()
    documents = [[c] for c in comments[:50]]
    documents += [[items[0]], [items[1]]]  # whole documents
    documents += [["이 리뷰 공감합니다", items[2], "ㅋㅋㅋ"], [comments[60], items[3] + "!!"]]
    (corpus / "part-0.txt").write_text("\n\n".join("\n".join(d) for d in documents) + "\n")
    (corpus / "part-1.txt").write_text("\n".join(comments[70:80]) + "\n")

    result = run_overlap("--corpus", str(corpus), "--benchmark", str(test_file))
    assert result.returncode == 0, result.stderr
    out = corpus / "report" / "overlap-ratings_test"
    report = json.loads((out / "overlap.json").read_text())
    assert report["benchmark_items"] == 100
    assert report["found_exact"] >= 2 and report["found_ngram"] == 4
    assert report["per_source"] == {
        "unknown": {"docs": 55, "docs_exact": report["found_exact"], "docs_ngram": 4}
    }
    assert {e["how"] for e in report["examples"]} == {"exact", "ngram"}
    assert "| unknown | 55 |" in (out / "overlap.md").read_text()
    assert (out / "overlap.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_build_output_report_names_sources(tmp_path, fixtures):
    test_file = fixtures / "nsmc" / "ratings_test.txt"
    item = next(
        line.split("\t")[1]
        for line in test_file.read_text().splitlines()[1:]
        if len(line.split("\t")[1]) >= 30
    )
    corpus = tmp_path / "model2"
    (corpus / "parquet").mkdir(parents=True)
    table = pa.table(
        {
            "source": ["kcbert", "reviews", "nsmc"],
            "doc_id": ["1", "2", "3"],
            "sentences": [["전혀 상관없는 댓글"], ["리뷰 인용:", item], ["다른 리뷰입니다"]],
        },
        schema=SHARD_SCHEMA,
    )
    pq.write_table(table, corpus / "parquet" / "shard-00000.parquet")
    out = tmp_path / "audit"
    result = run_overlap(
        "--corpus",
        str(corpus),
        "--benchmark",
        str(test_file),
        "--column",
        "document",
        "--out",
        str(out),
    )
    assert result.returncode == 0, result.stderr
    report = json.loads((out / "overlap.json").read_text())
    assert report["per_source"]["reviews"] == {"docs": 1, "docs_ngram": 1}
    assert report["per_source"]["kcbert"] == {"docs": 1}
    assert report["found_ngram"] == 1


def test_bad_input_is_a_one_line_error(tmp_path, fixtures):
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "a.txt").write_text("문장 하나\n")
    test_file = fixtures / "nsmc" / "ratings_test.txt"
    for args, message in (
        (["--corpus", str(corpus), "--benchmark", str(tmp_path / "none.tsv")], "does not exist"),
        (
            ["--corpus", str(corpus), "--benchmark", str(test_file), "--column", "nope"],
            "no column 'nope'",
        ),
        (["--corpus", str(tmp_path / "nowhere"), "--benchmark", str(test_file)], "does not exist"),
        (["--corpus", str(tmp_path), "--benchmark", str(test_file), "--ngram", "2"], "4 or more"),
    ):
        result = run_overlap(*args)
        assert result.returncode == 2, (args, result.stderr)
        assert result.stderr.startswith("error: ") and message in result.stderr
        assert "Traceback" not in result.stderr
    broken = tmp_path / "broken"
    (broken / "parquet").mkdir(parents=True)
    (broken / "parquet" / "shard-00000.parquet").write_bytes(b"PAR1 not really")
    result = run_overlap("--corpus", str(broken), "--benchmark", str(test_file))
    assert result.returncode == 2 and "is not a corpus shard" in result.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    result = run_overlap("--corpus", str(empty), "--benchmark", str(test_file))
    assert result.returncode == 2 and "holds no corpus" in result.stderr

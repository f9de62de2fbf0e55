"""Audit a corpus for benchmark overlap: `python -m corpus.overlap --corpus DIR --benchmark FILE`.

DIR is a corpus.build output (its parquet shards give each document's source) or any corpus in
the ELECTRA text format (`*.txt` under DIR: one sentence per line, a blank line between
documents; the source is `unknown`). Benchmark items are found exactly (a document equal to
the item) and by character n-gram (a document sharing an n-gram of the item: a quote, a copy
with a few characters changed), compared as corpus.decontaminate compares them. Writes
overlap.json, overlap.md and overlap.png to --out.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import polars as pl

from corpus.decontaminate import (
    DEFAULT_NGRAM,
    MIN_EXACT_CHARS,
    BenchmarkError,
    BenchmarkIndex,
    BenchmarkSpec,
    read_benchmark,
)
from kosent_common.atomic import atomic_path, write_bytes_atomic, write_json_atomic

BATCH_DOCS = 20_000
EXAMPLES = 20
LENGTH_BUCKETS = (0, 10, 13, 20, 30, 50, 100)  # item key lengths (letters and digits)


class OverlapError(ValueError):
    """The corpus or benchmark cannot be audited; the message says what to do."""


def corpus_documents(corpus: Path) -> Iterator[tuple[str, str]]:
    """(source, text) of every document: from parquet shards when DIR is a corpus.build
    output, else from the ELECTRA text files under DIR."""
    shards = sorted((corpus / "parquet").glob("shard-*.parquet"))
    if shards:
        for path in shards:
            try:
                frame = pl.read_parquet(path, columns=["source", "sentences"])
            except (OSError, pl.exceptions.PolarsError) as err:
                raise OverlapError(f"{path} is not a corpus shard: {err}") from err
            for source, sentences in frame.iter_rows():
                yield source, "\n".join(sentences)
        return
    files = sorted(p for p in corpus.rglob("*.txt") if p.is_file())
    if not files:
        raise OverlapError(
            f"{corpus} holds no corpus: no parquet/shard-*.parquet and no *.txt files "
            "(ELECTRA format: one sentence per line, a blank line between documents)"
        )
    for path in files:
        lines: list[str] = []
        with open(path, encoding="utf-8", errors="replace") as handle:
            for line in handle:
                line = line.rstrip("\n")
                if line.strip():
                    lines.append(line)
                elif lines:
                    yield "unknown", "\n".join(lines)
                    lines = []
        if lines:
            yield "unknown", "\n".join(lines)


def audit(
    documents: Iterator[tuple[str, str]], index: BenchmarkIndex, examples: int = EXAMPLES
) -> dict:
    """Which benchmark items the documents contain, exactly or by n-gram, per source."""
    exact_items: set[int] = set()
    ngram_items: set[int] = set()
    per_source: dict[str, Counter] = {}
    samples: list[dict] = []
    batch: list[tuple[str, str]] = []

    def flush() -> None:
        frame = pl.DataFrame(batch, schema={"source": pl.String, "text": pl.String}, orient="row")
        exact, first, per_doc = index.match(frame["text"])
        for i, (source, text) in enumerate(batch):
            counts = per_source.setdefault(source, Counter())
            counts["docs"] += 1
            if exact[i] >= 0:
                counts["docs_exact"] += 1
                exact_items.add(int(exact[i]))
            if first[i] >= 0:
                counts["docs_ngram"] += 1
                ngram_items.update(per_doc[i].tolist())
            if (exact[i] >= 0 or first[i] >= 0) and len(samples) < examples:
                item = int(exact[i] if exact[i] >= 0 else first[i])
                samples.append(
                    {
                        "source": source,
                        "how": "exact" if exact[i] >= 0 else "ngram",
                        "document": text[:300],
                        "benchmark_item": index.texts[item][:300],
                    }
                )
        batch.clear()

    for document in documents:
        batch.append(document)
        if len(batch) >= BATCH_DOCS:
            flush()
    if batch:
        flush()
    if not per_source:
        raise OverlapError("the corpus holds no documents")
    return _summary(index, exact_items, ngram_items, per_source, samples)


def _summary(index, exact_items, ngram_items, per_source, samples) -> dict:
    lengths = index.key_lengths
    buckets = []
    for lo, hi in zip(LENGTH_BUCKETS, (*LENGTH_BUCKETS[1:], None), strict=True):
        members = np.flatnonzero((lengths >= lo) & (lengths < (hi or np.iinfo(np.int64).max)))
        members_set = set(members.tolist())
        buckets.append(
            {
                "key_chars": f"{lo}-{hi - 1}" if hi else f"{lo}+",
                "items": len(members),
                "found_exact": len(members_set & exact_items),
                "found_ngram": len(members_set & ngram_items),
                "found_any": len(members_set & (exact_items | ngram_items)),
            }
        )
    long_exact = {i for i in exact_items if lengths[i] >= MIN_EXACT_CHARS}
    return {
        "benchmark_items": len(index),
        "ngram_chars": index.ngram,
        "found_exact": len(exact_items),
        "found_exact_min_chars": {"min_chars": MIN_EXACT_CHARS, "items": len(long_exact)},
        "found_ngram": len(ngram_items),
        "found_any": len(exact_items | ngram_items),
        "by_item_length": buckets,
        "per_source": {s: dict(sorted(c.items())) for s, c in sorted(per_source.items())},
        "examples": samples,
    }


def overlap_markdown(report: dict) -> str:
    n = report["benchmark_items"]
    pct = lambda k: f"{k:,} ({k / max(n, 1):.2%})"  # noqa: E731
    lines = [
        f"# Benchmark overlap: `{report['benchmark']}` in `{report['corpus']}`",
        "",
        f"- benchmark items: {n:,}; character n-gram: {report['ngram_chars']} "
        "(letters and digits, lowercase, no spaces or punctuation)",
        f"- items equal to a whole document: {pct(report['found_exact'])}; of items with "
        f"at least {report['found_exact_min_chars']['min_chars']} characters: "
        f"{report['found_exact_min_chars']['items']:,}",
        f"- items sharing an n-gram with a document: {pct(report['found_ngram'])}",
        f"- items found either way: {pct(report['found_any'])}",
        "",
        "| item length (chars) | items | exact | n-gram | any |",
        "|---|---:|---:|---:|---:|",
        *(
            f"| {b['key_chars']} | {b['items']:,} | {b['found_exact']:,} | "
            f"{b['found_ngram']:,} | {b['found_any']:,} |"
            for b in report["by_item_length"]
        ),
        "",
        "| source | documents | equal to an item | sharing an n-gram |",
        "|---|---:|---:|---:|",
        *(
            f"| {s} | {c.get('docs', 0):,} | {c.get('docs_exact', 0):,} | "
            f"{c.get('docs_ngram', 0):,} |"
            for s, c in report["per_source"].items()
        ),
        "",
        "## Examples",
        "",
        *(
            f"- [{e['source']}, {e['how']}] {_one_line(e['document'])} "
            f"**⟵ item:** {_one_line(e['benchmark_item'])}"
            for e in report["examples"]
        ),
        "",
        "![found by item length](overlap.png)",
        "",
    ]
    return "\n".join(lines)


def _one_line(text: str, limit: int = 120) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "…"


def plot_overlap(path: Path, report: dict) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    buckets = report["by_item_length"]
    labels = [b["key_chars"] for b in buckets]
    x = np.arange(len(buckets))
    fig, ax = plt.subplots(figsize=(7, 3.5))
    for offset, key, name in ((-0.2, "found_exact", "exact"), (0.2, "found_ngram", "n-gram")):
        share = [b[key] / b["items"] if b["items"] else 0 for b in buckets]
        ax.bar(x + offset, share, width=0.4, label=name)
    ax.set_xticks(x, labels)
    ax.set_xlabel("benchmark item length (letters and digits)")
    ax.set_ylabel("share of items found")
    ax.set_title(f"{report['benchmark']} in the corpus (n-gram {report['ngram_chars']})")
    ax.legend()
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=100, metadata={"Software": None})
    plt.close(fig)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    from kosent_common.cli import ArgumentParser, at_least

    parser = ArgumentParser(prog="python -m corpus.overlap", description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, required=True, help="corpus folder to audit")
    parser.add_argument(
        "--benchmark", required=True, help="benchmark file: TSV, JSON/JSONL, or one text per line"
    )
    parser.add_argument("--column", help="TSV column or JSON field of the text (default: guess)")
    parser.add_argument(
        "--ngram",
        type=at_least(4),
        default=DEFAULT_NGRAM,
        help="n-gram length in characters (default %(default)s)",
    )
    parser.add_argument(
        "--out", type=Path, help="report folder (default: CORPUS/report/overlap-BENCHMARK)"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    spec = BenchmarkSpec(Path(args.benchmark), args.column)
    try:
        if not args.corpus.is_dir():
            raise OverlapError(f"corpus folder {args.corpus} does not exist")
        texts = read_benchmark(spec)
        if not texts:
            raise OverlapError(f"benchmark file {spec.path} holds no texts")
        index = BenchmarkIndex(texts, args.ngram, min_exact=1)
        report = {
            "corpus": str(args.corpus),
            "benchmark": spec.describe(),
            **audit(corpus_documents(args.corpus), index),
        }
    except (BenchmarkError, OverlapError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    out = args.out or args.corpus / "report" / f"overlap-{spec.path.stem}"
    write_json_atomic(out / "overlap.json", report)
    write_bytes_atomic(out / "overlap.md", overlap_markdown(report).encode("utf-8"))
    plot_overlap(out / "overlap.png", report)
    print(
        f"{report['found_any']:,} of {report['benchmark_items']:,} benchmark items found "
        f"({report['found_exact']:,} exactly, {report['found_ngram']:,} by "
        f"{report['ngram_chars']}-gram) -> {out / 'overlap.md'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

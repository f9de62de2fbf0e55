"""Benchmark the corpus stage against a naive kss loop, on the same input, in one run.

(a) baseline: the same readers and cleaning, then `kss.split_sentences(text, backend="mecab")`
    on every document, one process (no dedup, no cache, no pool).
(b) `python -m corpus.build --workers 2` on the same sources.
Also: agreement of (b)'s sentences with (a)'s, and peak RSS of (b) at two input sizes
(`--small-fraction` of the input and all of it: 10x apart by default).

    python -m bench.corpus_build [--shared ../shared/data] [--fraction 1.0] [--work DIR]

The input is bench.common.corpus_inputs's layout of the shared data. Prints a markdown block for
bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common.corpus_inputs import build_command, prepare_inputs, run_measured

ROOT = Path(__file__).resolve().parents[1]


def baseline(sources_toml: Path, recipes_toml: Path, out: Path) -> None:
    """Variant (a), run in its own process: readers + cleaning + kss per document."""
    import kss
    import polars as pl

    from corpus.cleaning import CleaningConfig, clean_frame
    from corpus.document_task import read_recipe
    from corpus.recipes import get_recipe
    from corpus.sources import load_locations, resolve_files

    recipe = get_recipe("bench", recipes_toml)
    files = resolve_files("bench", recipe.sources, load_locations(sources_toml))
    docs = list(read_recipe(recipe.sources, files))
    frame = pl.DataFrame(
        {
            "source": [d.source for d in docs],
            "doc_id": [d.doc_id for d in docs],
            "text": [d.text for d in docs],
        }
    )
    frame, _ = clean_frame(frame, CleaningConfig())
    with open(out, "w", encoding="utf-8") as handle:
        for source, doc_id, text in frame.iter_rows():
            sentences = kss.split_sentences(text, backend="mecab", num_workers=1)
            handle.write(json.dumps([source, doc_id, sentences], ensure_ascii=False) + "\n")


def agreement(baseline_jsonl: Path, corpus_dir: Path) -> dict:
    import pyarrow.parquet as pq

    reference = {}
    with open(baseline_jsonl, encoding="utf-8") as handle:
        for line in handle:
            source, doc_id, sentences = json.loads(line)
            reference[(source, doc_id)] = [s.strip() for s in sentences if s.strip()]
    same = total = multi = multi_same = 0
    for path in sorted((corpus_dir / "parquet").glob("*.parquet")):
        for row in pq.read_table(path).to_pylist():
            ref = reference[(row["source"], row["doc_id"])]
            total += 1
            equal = ref == row["sentences"]
            same += equal
            if any("\n" in s for s in ref):
                multi += 1
                multi_same += equal
    single = total - multi
    return {
        "docs": total,
        "identical": same,
        "single_line_docs": single,
        "single_line_identical": same - multi_same,
        "multi_line_docs": multi,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--fraction", type=float, default=1.0, help="of the shared data")
    parser.add_argument(
        "--small-fraction",
        type=float,
        default=0.1,
        help="input for the second RSS measurement (default 0.1: 10x smaller)",
    )
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "kosent-bench")
    parser.add_argument(
        "--baseline-only", nargs=3, metavar=("SOURCES", "RECIPES", "OUT"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.baseline_only:
        baseline(*map(Path, args.baseline_only))
        return

    args.work.mkdir(parents=True, exist_ok=True)
    big = prepare_inputs(args.shared, args.work, args.fraction)
    small = prepare_inputs(args.shared, args.work, args.fraction * args.small_fraction)
    text_mb = sum(p.stat().st_size for p in big.parent.rglob("*") if p.is_file()) / 1e6
    py = sys.executable
    results = {}
    base_out = args.work / "baseline.jsonl"
    results["a"] = run_measured(
        [
            py,
            "-m",
            "bench.corpus_build",
            "--baseline-only",
            str(big),
            str(big.parent / "recipes.toml"),
            str(base_out),
        ]
    )
    for name, toml in (("b", big), ("b_small", small)):
        out = args.work / f"corpus-{name}"
        subprocess.run(["rm", "-rf", str(out)], check=True)
        results[name] = run_measured(build_command(toml, out, 2, "--no-progress"))
    manifest = json.loads((args.work / "corpus-b" / "bench" / "manifest.json").read_text())
    agree = agreement(base_out, args.work / "corpus-b" / "bench")
    small_manifest = json.loads(
        (args.work / "corpus-b_small" / "bench" / "manifest.json").read_text()
    )
    a, b, s = results["a"], results["b"], results["b_small"]
    cpu = os.cpu_count()
    print(f"""
### corpus.build vs naive kss loop ({time.strftime("%Y-%m-%d")}, {cpu} cores)

Input: {text_mb:.1f} MB of source files (fraction {args.fraction:g} of ../shared/data),
{manifest["totals"]["docs"]:,} documents kept, {manifest["totals"]["sentences"]:,} sentences.

| variant | wall s | speed-up | peak RSS MB |
|---|---:|---:|---:|
| (a) readers + cleaning + kss per document, 1 process | {a["seconds"]:.1f} | 1.00x | {a["peak_rss_mb"]:.0f} |
| (b) corpus.build --workers 2 (splitter {manifest["options"]["splitter"]}) | {b["seconds"]:.1f} | {a["seconds"] / b["seconds"]:.2f}x | {b["peak_rss_mb"]:.0f} |
| (b) on {args.small_fraction:g}x the input ({small_manifest["totals"]["docs"]:,} docs) | {s["seconds"]:.1f} | | {s["peak_rss_mb"]:.0f} |

Agreement with (a) on the {agree["docs"]:,} documents (b) kept: {agree["identical"] / agree["docs"]:.4%} identical;
single-line documents {agree["single_line_identical"]:,}/{agree["single_line_docs"]:,}
({agree["single_line_identical"] / max(1, agree["single_line_docs"]):.4%}); {agree["multi_line_docs"]:,} documents
where kss-per-document put a newline inside a sentence (we split lines first).
Peak RSS ratio (all / {args.small_fraction:g}x): {b["peak_rss_mb"] / s["peak_rss_mb"]:.2f}.
Splitter that ran in (b), and lines it handed to reference kss: {manifest.get("splitter")}.
""")


if __name__ == "__main__":
    main()

"""Measure the corpus quality steps on ../shared/data and print a markdown block.

1. Drop rates per source of the quality filters, decontamination (NSMC test) and near-dup
   removal on the corpus bench's input (bench.common.corpus_inputs's layout), and the time of
   each step alone on that input (read + clean once, then each step over the same batches).
2. Near-duplicates: planted variants of NSMC reviews found, and distinct reviews flagged
   (with their true Jaccard similarity), for shingle sizes and thresholds; our numpy MinHash
   + LSH against datasketch's MinHash.bulk + MinHashLSH on the same documents.
3. Decontamination: n-gram length against planted NSMC test items (by item length, whole,
   with characters changed, quoted in a comment) and ordinary text of other sources.
4. corpus.overlap's audit of every shared source against NSMC test.
5. `python -m corpus.build` on --fraction of the input with the three steps on and off.

    python -m bench.corpus_quality [--shared ../shared/data] [--fraction 0.1] [--work DIR]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np
import polars as pl

from bench.common.corpus_inputs import build_command, prepare_inputs, run_measured
from bench.common.near_variants import HANGUL, variants
from corpus.cleaning import CleaningConfig, clean_frame
from corpus.decontaminate import BenchmarkIndex, BenchmarkSpec, Decontaminator, read_benchmark
from corpus.dedup import SeenHashes, codepoints, drop_duplicates, ngram_hashes
from corpus.document_task import read_recipe
from corpus.neardup import NearDupConfig, NearDuplicates
from corpus.overlap import audit
from corpus.quality import QualityConfig, quality_filter, quality_reasons
from corpus.recipes import get_recipe
from corpus.schema import DOCUMENT_FRAME_SCHEMA
from corpus.sources import load_locations, resolve_files

ROOT = Path(__file__).resolve().parents[1]

OFF = ("--no-quality", "--no-near-dup", "--no-decontaminate")


def cleaned_batches(sources_toml: Path) -> list[pl.DataFrame]:
    recipe = get_recipe("bench", sources_toml.parent / "recipes.toml")
    files = resolve_files("bench", recipe.sources, load_locations(sources_toml))
    docs = list(read_recipe(recipe.sources, files))
    batches = []
    for start in range(0, len(docs), 5_000):
        batch = docs[start : start + 5_000]
        frame = pl.DataFrame(
            {
                "source": [d.source for d in batch],
                "doc_id": [d.doc_id for d in batch],
                "text": [d.text for d in batch],
            },
            schema=DOCUMENT_FRAME_SCHEMA,
        )
        batches.append(clean_frame(frame, CleaningConfig())[0])
    return batches


def step_costs_and_drops(batches: list[pl.DataFrame], nsmc_test: Path) -> str:
    sources = sorted({s for b in batches for s in b["source"].unique().to_list()})
    quality = {s: QualityConfig() for s in sources}
    decontaminator = None
    seconds: Counter = Counter()
    started = time.perf_counter()
    decontaminator = Decontaminator(BenchmarkIndex(read_benchmark(BenchmarkSpec(nsmc_test))))
    seconds["decontamination (index of NSMC test)"] += time.perf_counter() - started
    near = NearDuplicates(NearDupConfig())
    seen = SeenHashes()
    docs: Counter = Counter()
    drops: Counter = Counter()
    examples: dict[tuple[str, str], list[str]] = {}
    for frame in batches:
        for source, n in frame.group_by("source").len().iter_rows():
            docs[source] += n
        reasons = quality_reasons(frame, quality)
        for (source, text), reason in zip(
            frame.select("source", "text").iter_rows(), reasons, strict=True
        ):
            if reason and len(examples.setdefault((source, reason), [])) < 2:
                examples[(source, reason)].append(" ".join(text.split())[:80])
        for name, step in (
            ("quality filters", lambda f: quality_filter(f, quality)),
            ("exact dedup (existing)", lambda f: drop_duplicates(f, seen)),
            ("decontamination", decontaminator.drop),
            ("near-dup (MinHash LSH)", near.drop),
        ):
            started = time.perf_counter()
            frame, counts = step(frame)
            seconds[name] += time.perf_counter() - started
            drops.update(counts)
    reasons = sorted({r for _, r in drops})
    lines = [
        "Drops per source (share of the documents left after cleaning; a document counts under "
        "the first step that drops it: quality, exact dedup, decontamination, near-dup):",
        "",
        "| source | docs | " + " | ".join(reasons) + " |",
        "|---|---:|" + "---:|" * len(reasons),
    ]
    for source in sources:
        cells = [
            f"{drops[(source, r)]:,} ({drops[(source, r)] / docs[source]:.2%})"
            if drops[(source, r)]
            else "-"
            for r in reasons
        ]
        lines.append(f"| {source} | {docs[source]:,} | " + " | ".join(cells) + " |")
    lines += ["", "Examples of quality drops:", ""]
    for (source, reason), texts in sorted(examples.items()):
        lines.append(f"- {source}, {reason}: " + " / ".join(f"`{t}`" for t in texts))
    total = sum(docs.values())
    lines += [
        "",
        f"Time of each step alone over the same {total:,} cleaned documents "
        f"({len(batches)} batches), one process:",
        "",
        "| step | seconds | documents/s |",
        "|---|---:|---:|",
        *(
            f"| {name} | {s:.2f} | {total / s:,.0f} |" if s else f"| {name} | {s:.2f} | |"
            for name, s in seconds.items()
        ),
    ]
    return "\n".join(lines)


def nsmc_reviews(shared: Path, split: str) -> list[str]:
    return read_benchmark(BenchmarkSpec(shared / "nsmc" / f"ratings_{split}.txt"))


def shingles(text: str, n: int) -> set[int]:
    cps, offsets = codepoints(pl.Series([text]))
    return set(ngram_hashes(cps, offsets, n)[0].tolist())


def run_near(config: NearDupConfig, texts: list[str]) -> tuple[set[int], list[dict], float]:
    import corpus.neardup as neardup

    neardup.SAMPLE_CLUSTERS = len(texts)  # remember every drop, to check it
    near = NearDuplicates(config)
    frame = pl.DataFrame(
        {"source": ["nsmc"] * len(texts), "doc_id": [str(i) for i in range(len(texts))]}
    ).with_columns(pl.Series("text", texts))
    started = time.perf_counter()
    kept = [near.drop(frame.slice(s, 5_000))[0] for s in range(0, len(texts), 5_000)]
    seconds = time.perf_counter() - started
    return {int(i) for i in pl.concat(kept)["doc_id"]}, near.sample, seconds


def near_dup_section(shared: Path) -> str:
    rng = random.Random(0)
    distinct = list(dict.fromkeys(nsmc_reviews(shared, "train")))
    long = [t for t in distinct if len(t.replace(" ", "")) >= 20]
    originals = rng.sample(long, 1_000)
    planted = originals + variants(originals, rng)
    sample = rng.sample(distinct, 30_000)
    key = {int(k): i for i, k in enumerate(_doc_keys(len(sample)))}
    lines = [
        "Planted: 1,000 NSMC train reviews of 20+ letters, each with one variant (a third 1-10% "
        "of characters edited, a third sentences reversed, a third emoticons added). Distinct: "
        "30,000 distinct NSMC train reviews; flagged = dropped as a near-duplicate of another; "
        "below t = flagged pairs whose true shingle Jaccard is under the threshold (LSH+MinHash "
        "estimation errors).",
        "",
        "| shingle | threshold | bands x rows | planted found | originals lost | distinct flagged "
        "| below t | s / 30k docs |",
        "|---:|---:|---|---:|---:|---:|---:|---:|",
    ]
    for n in (3, 4, 5):
        for t in (0.4, 0.5, 0.6):
            config = NearDupConfig(shingle=n, threshold=t)
            kept, _, _ = run_near(config, planted)
            found = sum(1_000 + i not in kept for i in range(1_000)) / 1_000
            lost = sum(i not in kept for i in range(1_000))
            kept2, dropped, seconds = run_near(config, sample)
            below = sum(
                _jaccard(sample[int(d["doc_id"])], sample[key[d["of"]]], n) < t for d in dropped
            )
            flagged = len(sample) - len(kept2)
            mark = " **(default)**" if (n, t) == (3, 0.5) else ""
            lines.append(
                f"| {n} | {t}{mark} | {config.bands()[0]} x {config.bands()[1]} | {found:.1%} "
                f"| {lost} | {flagged} ({flagged / len(sample):.2%}) | {below} | {seconds:.2f} |"
            )
    lines += ["", _datasketch_comparison(sample)]
    return "\n".join(lines)


def _doc_keys(n: int) -> np.ndarray:
    from corpus.neardup import document_keys

    frame = pl.DataFrame({"source": ["nsmc"] * n, "doc_id": [str(i) for i in range(n)]})
    return document_keys(frame)


def _jaccard(a: str, b: str, n: int) -> float:
    x, y = shingles(a, n), shingles(b, n)
    return len(x & y) / max(1, len(x | y))


def _datasketch_comparison(texts: list[str]) -> str:
    from datasketch import MinHash, MinHashLSH

    config = NearDupConfig()
    kept, _, ours = run_near(config, texts)
    keys = pl.Series(texts).str.to_lowercase().str.replace_all(r"[^\p{L}\p{N}]+", "").to_list()
    started = time.perf_counter()
    shingle_sets = [
        {k[i : i + 3].encode() for i in range(max(1, len(k) - 2))} if len(k) >= 10 else set()
        for k in keys
    ]
    signatures = MinHash.bulk([list(s) for s in shingle_sets], num_perm=128)
    lsh = MinHashLSH(threshold=0.5, num_perm=128)
    theirs_kept = 0
    for i, (signature, items) in enumerate(zip(signatures, shingle_sets, strict=True)):
        if not items:
            theirs_kept += 1
            continue
        if any(signature.jaccard(lsh_sig) >= 0.5 for lsh_sig in _candidates(lsh, signature)):
            continue
        lsh.insert(str(i), signature)
        lsh_store[str(i)] = signature
        theirs_kept += 1
    theirs = time.perf_counter() - started
    lsh_store.clear()
    return (
        f"Same 30,000 reviews, default settings (3-char shingles, 128 permutations, threshold "
        f"0.5, candidates confirmed by signature agreement), streaming keep-first: ours (numpy "
        f"MinHash + sorted-array LSH) {ours:.2f} s, {len(kept):,} kept; datasketch 2.0.0 "
        f"(MinHash.bulk + MinHashLSH query/insert per document) {theirs:.2f} s, "
        f"{theirs_kept:,} kept ({theirs / ours:.1f}x our time)."
    )


lsh_store: dict = {}


def _candidates(lsh, signature):
    return [lsh_store[key] for key in lsh.query(signature)]


def decontamination_section(shared: Path) -> str:
    import csv

    test = nsmc_reviews(shared, "test")
    train = nsmc_reviews(shared, "train")
    comments = _lines(shared / "korean_hate_speech/unlabeled/unlabeled_comments_5.txt")
    with open(shared / "chatbot_data/ChatbotData.csv", encoding="utf-8") as handle:
        chat = [t for row in list(csv.reader(handle))[1:] for t in row[:2]]
    wiki = _lines(shared / "boddari/boddari_txt_wikinews.txt")
    books = _lines(shared / "boddari/boddari_txt_book_review01.txt")
    rng = random.Random(1)
    ordinary = {
        "news comments": comments,
        "chatbot Q/A": chat,
        "wikinews lines": wiki,
        "book reviews": books,
        "NSMC train": train,
    }
    lines = [
        "Planted: NSMC test items by length of their letters-and-digits key, each as a whole "
        "document, with k random characters changed, and quoted between two news comments "
        "(with k=0 and k=2). Ordinary: share of documents of other texts that match (exact "
        "match needs 10+ letters).",
        "",
        "| n | key 13-19: k=1 | 20-29: k=1 | 20-29: k=2 | 30+: k=0 quoted | 30+: k=1 | 30+: k=2 "
        "| 30+: k=2 quoted | 30+: k=3 | " + " | ".join(ordinary) + " |",
        "|---:|" + "---:|" * (8 + len(ordinary)),
    ]
    keylen = lambda t: len("".join(c for c in t if c.isalnum()))  # noqa: E731
    by_len = {
        (lo, hi): [t for t in rng.sample(test, 6_000) if lo <= keylen(t) < hi][:500]
        for lo, hi in ((13, 20), (20, 30), (30, 10_000))
    }

    def change(text: str, k: int) -> str:
        chars = list(text)
        spots = [i for i, c in enumerate(chars) if c.strip()]
        for i in rng.sample(spots, min(k, len(spots))):
            chars[i] = rng.choice(HANGUL)
        return "".join(chars)

    def quote(text: str) -> str:
        return f'{rng.choice(comments)} "{text}" {rng.choice(comments)}'

    for n in (10, 11, 12, 13, 15, 18):
        index = BenchmarkIndex(test, n)

        def rate(texts: list[str], index: BenchmarkIndex = index) -> float:
            exact, ngram, _ = index.match(pl.Series(texts))
            return float(((exact >= 0) | (ngram >= 0)).mean())

        planted = [
            rate([change(t, 1) for t in by_len[(13, 20)]]),
            rate([change(t, 1) for t in by_len[(20, 30)]]),
            rate([change(t, 2) for t in by_len[(20, 30)]]),
            rate([quote(t) for t in by_len[(30, 10_000)]]),
            rate([change(t, 1) for t in by_len[(30, 10_000)]]),
            rate([change(t, 2) for t in by_len[(30, 10_000)]]),
            rate([quote(change(t, 2)) for t in by_len[(30, 10_000)]]),
            rate([change(t, 3) for t in by_len[(30, 10_000)]]),
        ]
        false = [rate(texts) for texts in ordinary.values()]
        mark = " **(default)**" if n == 13 else ""
        lines.append(
            f"| {n}{mark} | "
            + " | ".join(f"{x:.1%}" for x in planted)
            + " | "
            + " | ".join(f"{x:.3%}" for x in false)
            + " |"
        )
    return "\n".join(lines)


def _lines(path: Path) -> list[str]:
    return [x for x in path.read_text(encoding="utf-8").split("\n") if x.strip()]


def overlap_section(batches: list[pl.DataFrame], shared: Path) -> str:
    index = BenchmarkIndex(nsmc_reviews(shared, "test"), min_exact=1)
    documents = ((s, t) for b in batches for s, t in b.select("source", "text").iter_rows())
    report = audit(documents, index)
    n = report["benchmark_items"]
    lines = [
        f"NSMC test ({n:,} items) against every source of the bench input after cleaning "
        "(NSMC train as `nsmc`):",
        "",
        f"- items equal to a whole document: {report['found_exact']:,} "
        f"({report['found_exact'] / n:.2%}); of items with 10+ letters: "
        f"{report['found_exact_min_chars']['items']:,}",
        f"- items sharing a {report['ngram_chars']}-gram with a document: "
        f"{report['found_ngram']:,} ({report['found_ngram'] / n:.2%})",
        "",
        "| source | documents | equal to an item | sharing a 13-gram |",
        "|---|---:|---:|---:|",
        *(
            f"| {s} | {c.get('docs', 0):,} | {c.get('docs_exact', 0):,} | "
            f"{c.get('docs_ngram', 0):,} |"
            for s, c in report["per_source"].items()
        ),
        "",
        "| item length | items | exact | n-gram |",
        "|---|---:|---:|---:|",
        *(
            f"| {b['key_chars']} | {b['items']:,} | {b['found_exact']:,} | {b['found_ngram']:,} |"
            for b in report["by_item_length"]
        ),
    ]
    return "\n".join(lines)


def build_cost(sources_toml: Path, work: Path, repeats: int, splitter: str, benchmark: Path) -> str:
    """The bench input has no NSMC test file, so the "on" runs name it (`--decontaminate`)."""
    on = ("--decontaminate", str(benchmark))
    runs: dict[str, list[dict]] = {"off": [], "on": []}
    for _ in range(repeats):
        for name, extra in (("off", OFF), ("on", on)):
            out = work / f"quality-{name}"
            subprocess.run(["rm", "-rf", str(out)], check=True)
            command = build_command(
                sources_toml, out, 2, "--no-progress", "--splitter", splitter, *extra
            )
            result = run_measured(command)
            result["manifest"] = json.loads((out / "bench" / "manifest.json").read_text())
            runs[name].append(result)
    wall = {k: statistics.median(r["seconds"] for r in v) for k, v in runs.items()}
    rss = {k: max(r["peak_rss_mb"] for r in v) for k, v in runs.items()}
    docs = {k: v[0]["manifest"]["totals"]["docs"] for k, v in runs.items()}
    return "\n".join(
        [
            f"`corpus.build --workers 2 --splitter {splitter}` on the same input, {repeats} runs "
            "each, alternating "
            "(median wall, max peak RSS of the process tree):",
            "",
            "| steps | wall s | peak RSS MB | documents out |",
            "|---|---:|---:|---:|",
            f"| off ({' '.join(OFF)}) | {wall['off']:.1f} | {rss['off']:.0f} | {docs['off']:,} |",
            f"| on (defaults + --decontaminate NSMC test) | {wall['on']:.1f} | {rss['on']:.0f} "
            f"| {docs['on']:,} |",
            "",
            f"Added time: {wall['on'] / wall['off'] - 1:+.1%}; peak RSS "
            f"{rss['on'] / rss['off'] - 1:+.1%}.",
        ]
    )


def near_dup_memory(batches: list[pl.DataFrame], spill_rows: int, spill_dir: Path) -> str:
    """Resident memory of this process while near-dup runs over the batches: anonymous
    (heap) and file-backed (memory-mapped spilled runs, in the page cache)."""
    import psutil

    from corpus.neardup import BandIndex, SignatureStore

    process = psutil.Process()

    def memory() -> tuple[float, float]:
        info = process.memory_info()
        return (info.rss - info.shared) / 2**20, info.shared / 2**20

    near = NearDuplicates(NearDupConfig(), spill_dir)
    near._index = [BandIndex(spill_dir, spill_rows) for _ in range(near.bands)]
    near._store = SignatureStore(spill_dir, max(1, spill_rows // 5))
    rows = [("before", 0, *memory())]
    docs = 0
    for i, frame in enumerate(batches, 1):
        near.drop(frame)
        docs += frame.height
        if i % max(1, len(batches) // 4) == 0 or i == len(batches):
            rows.append((f"after batch {i}", docs, *memory()))
    lines = [
        f"Near-dup over the {docs:,} cleaned documents, index runs spilled at {spill_rows:,} "
        f"rows, signatures past {max(1, spill_rows // 5):,} documents (this process's resident "
        "memory):",
        "",
        "| point | documents | anonymous MB | file-backed MB |",
        "|---|---:|---:|---:|",
        *(f"| {p} | {d:,} | {a:.0f} | {f:.0f} |" for p, d, a, f in rows),
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--fraction", type=float, default=0.1, help="input of the build runs")
    parser.add_argument("--repeats", type=int, default=2, help="build runs per variant")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "kosent-bench")
    parser.add_argument("--skip-build", action="store_true", help="only the in-process parts")
    parser.add_argument(
        "--splitters", default="kss-fast,kss", help="build runs with each (comma-separated)"
    )
    parser.add_argument("--only-build", action="store_true", help="only the build runs")
    parser.add_argument(
        "--memory",
        type=int,
        metavar="SPILL_ROWS",
        help="only the near-dup memory probe, with index runs spilled at SPILL_ROWS",
    )
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    sections = []
    if args.memory:
        batches = cleaned_batches(prepare_inputs(args.shared, args.work, 1.0))
        with tempfile.TemporaryDirectory(dir=args.work) as spill:
            print(near_dup_memory(batches, args.memory, Path(spill)))
        return
    if not args.only_build:
        full = prepare_inputs(args.shared, args.work, 1.0)
        batches = cleaned_batches(full)
        nsmc_test = args.shared / "nsmc" / "ratings_test.txt"
        sections += [
            ("Drop rates and cost of each step (fraction 1 of the input)", None),
            ("", step_costs_and_drops(batches, nsmc_test)),
            ("Near-duplicates", near_dup_section(args.shared)),
            ("Decontamination n-gram length", decontamination_section(args.shared)),
            (
                "corpus.overlap: shared corpora against NSMC test",
                overlap_section(batches, args.shared),
            ),
        ]
    if not args.skip_build:
        small = prepare_inputs(args.shared, args.work, args.fraction)
        for splitter in args.splitters.split(","):
            title = f"Build with the steps on vs off (fraction {args.fraction:g}, {splitter})"
            benchmark = args.shared / "nsmc" / "ratings_test.txt"
            cost = build_cost(small, args.work, args.repeats, splitter, benchmark)
            sections.append((title, cost))
    print(f"\n### corpus quality steps ({time.strftime('%Y-%m-%d')})\n")
    for title, body in sections:
        if title:
            print(f"#### {title}\n")
        if body:
            print(body + "\n")


if __name__ == "__main__":
    main()

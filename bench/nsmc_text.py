"""NSMC train reviews as pretraining text (one review per document, a blank line between), the
corpus of the pretraining step and curve benchmarks; `vocab.build` and `pretrain.tfrecords` read it.

    python -m bench.nsmc_text [--nsmc ../shared/data/nsmc/ratings_train.txt] --out DIR [--shards 2]

Writes DIR/text/nsmc-000.txt ... (reviews in file order, split evenly; empty reviews skipped).
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--nsmc", type=Path, default=ROOT.parent / "shared/data/nsmc/ratings_train.txt"
    )
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--shards", type=int, default=2)
    args = parser.parse_args()
    if not args.nsmc.is_file():
        print(f"error: {args.nsmc} not found (give --nsmc)", file=sys.stderr)
        return 2
    with open(args.nsmc, encoding="utf-8", newline="") as handle:
        rows = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        reviews = [r["document"].strip() for r in rows if (r["document"] or "").strip()]
    text = args.out / "text"
    text.mkdir(parents=True, exist_ok=True)
    bounds = [i * len(reviews) // args.shards for i in range(args.shards + 1)]
    for i in range(args.shards):
        part = reviews[bounds[i] : bounds[i + 1]]
        tmp = text / f".nsmc-{i:03d}.txt.tmp"
        tmp.write_text("".join(f"{r}\n\n" for r in part), encoding="utf-8")
        tmp.rename(text / f"nsmc-{i:03d}.txt")
    print(f"{len(reviews):,} reviews -> {text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

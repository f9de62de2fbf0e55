"""A quick frozen-feature probe of a few exported models: experiments.quality's linear probe at a
smaller scale, for checkpoints that are not benchmark arms (an MLM-only run, a short run).

    python -m experiments.probe_models --model NAME=HF_DIR [--model ...] [--labels 1000 5000]
        [--subsets 5] [--test 10000] [--shared ../shared/data] [--max-length 64]

The same splits as experiments.quality (dev: a seeded 10% of NSMC train; label subsets drawn from
the rest with its seeds), mean-pooled last-layer features, logistic regression with C chosen on
dev; test is the first --test reviews of NSMC test (the benchmark uses all 50k). Each model's
mean test accuracy per label count, and its paired difference from the first model given.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def compact_subsets(
    subsets: dict[int, list[list[int]]],
) -> tuple[list[int], dict[int, list[list[int]]]]:
    """The pool rows any subset uses (sorted: features are computed for these only), and each
    subset as row numbers into that list."""
    used = sorted({i for chosen in subsets.values() for subset in chosen for i in subset})
    where = {index: row for row, index in enumerate(used)}
    return used, {
        n: [[where[i] for i in subset] for subset in chosen] for n, chosen in subsets.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", action="append", required=True, help="NAME=HF_DIR")
    parser.add_argument("--labels", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--subsets", type=int, default=5)
    parser.add_argument("--test", type=int, default=10000)
    parser.add_argument("--dev", type=int, default=2000)
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--max-length", type=int, default=64)
    args = parser.parse_args()
    from experiments.quality import DEV_SEED, label_subsets
    from experiments.quality_probe import encode_texts, linear_probe
    from experiments.quality_stats import paired_difference
    from finetune.data import read_nsmc, train_dev_split, without_empty

    train_all, _ = read_nsmc(args.shared / "nsmc" / "ratings_train.txt")
    test, _ = read_nsmc(args.shared / "nsmc" / "ratings_test.txt")
    pool, dev = train_dev_split(without_empty(train_all), 0.1, DEV_SEED)
    dev = dev.subset(sorted(random.Random(DEV_SEED).sample(range(len(dev)), args.dev)))
    test = test.subset(list(range(min(args.test, len(test)))))
    subsets = {n: s[: args.subsets] for n, s in label_subsets(len(pool), args.labels, 10).items()}
    used, rows = compact_subsets(subsets)
    y_pool, y_dev, y_test = (np.asarray(s.labels) for s in (pool.subset(used), dev, test))
    scores: dict[str, dict[int, list[float]]] = {}
    for spec in args.model:
        name, folder = spec.split("=", 1)
        x_pool, x_dev, x_test = (
            encode_texts(Path(folder), s.texts, args.max_length)
            for s in (pool.subset(used), dev, test)
        )
        scores[name] = {
            n: [
                linear_probe(
                    x_pool[subset], y_pool[subset], x_dev, y_dev, x_test, y_test
                )["test_accuracy"]
                for subset in rows[n]
            ]
            for n in args.labels
        }  # fmt: skip
        print(f"{name}: {scores[name]}", file=sys.stderr, flush=True)
    first = next(iter(scores))
    print(f"\nlinear probe, {args.subsets} label subsets, dev {len(dev)}, test {len(test)}\n")
    print("| model | labels | test accuracy (mean) | vs " + first + " [95% CI] |")
    print("|---|---:|---:|---|")
    for name, by_size in scores.items():
        for n, values in by_size.items():
            diff = ""
            if name != first:
                d = paired_difference(values, scores[first][n])
                diff = f"{d['mean']:+.4f} [{d['ci95'][0]:+.4f}, {d['ci95'][1]:+.4f}]"
            print(f"| {name} | {n} | {np.mean(values):.4f} | {diff} |")


if __name__ == "__main__":
    main()

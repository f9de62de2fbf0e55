"""CLI: `python -m finetune.nsmc --model DIR` fine-tunes ElectraForSequenceClassification on NSMC.

Protocol: a seeded dev split is carved from train; the checkpoint is selected on dev and test
is reported at that checkpoint. The best-on-test accuracy (how the published NSMC numbers were
chosen) is reported too, labelled as such.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from dataclasses import replace
from pathlib import Path

from finetune.config import (
    DEFAULT_CONFIG,
    ConfigError,
    FinetuneConfig,
    cap_max_seq_length,
    load_config,
)
from finetune.data import DataError, Split, read_nsmc, train_dev_split, without_empty
from finetune.report import plot_curves, versions, write_results, write_sweep
from kosent_common.aside import move_aside
from kosent_common.cli import ArgumentParser, above, at_least
from kosent_common.extras import exits_on_missing_extra, require


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = ArgumentParser(
        prog="python -m finetune.nsmc",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--model", help="Hugging Face ELECTRA model: a local folder (or a Hub id, downloaded)"
    )
    parser.add_argument(
        "--config",
        type=Path,
        default=DEFAULT_CONFIG,
        help="config JSON with the seed's keys (default: finetune/config.json)",
    )
    parser.add_argument("--train", help="NSMC train TSV (overrides train_data)")
    parser.add_argument("--test", help="NSMC test TSV (overrides test_data)")
    parser.add_argument("--out", help="output folder (overrides output_dir)")
    parser.add_argument(
        "--max-train-examples",
        type=at_least(1),
        help="train on a seeded sample of this many examples (after the dev split)",
    )
    parser.add_argument(
        "--baseline",
        choices=("tfidf",),
        help="run the TF-IDF + logistic regression baseline instead of a model",
    )
    parser.add_argument(
        "--sweep", action="store_true", help="fine-tune once per --learning-rates x --batch-sizes"
    )
    parser.add_argument("--learning-rates", type=above(0), nargs="+", default=[2e-5, 5e-5, 1e-4])
    parser.add_argument("--batch-sizes", type=at_least(1), nargs="+", default=[32, 64])
    parser.add_argument("--epochs", type=above(0), help="overrides num_train_epochs")
    parser.add_argument("--no-progress", action="store_true")
    parser.add_argument(
        "--restart",
        action="store_true",
        help="fine-tune anew where --out holds earlier results: move them aside "
        "(OUT.prev-N, never deleted); without it such a folder is an error",
    )
    return parser.parse_args(argv)


def make_way(out_dir: Path, restart: bool) -> None:
    """A folder holding earlier fine-tuning results is kept: an error, or moved aside."""
    earlier = sorted(out_dir.rglob("results.json")) if out_dir.is_dir() else []
    if not earlier:
        return
    if not restart:
        raise ConfigError(
            f"{out_dir} holds the results of an earlier fine-tuning ({earlier[0]}): use "
            f"another --out, or --restart to move them aside ({out_dir}.prev-N) and fine-tune "
            "anew"
        )
    print(f"--restart: moved the earlier results aside to {move_aside(out_dir)}")


def load_splits(config: FinetuneConfig, max_train: int | None) -> tuple[Split, Split, Split, dict]:
    train_all, train_empty = read_nsmc(Path(config.train_data))
    test, test_empty = read_nsmc(Path(config.test_data))
    usable = without_empty(train_all)
    train, dev = train_dev_split(usable, config.dev_fraction, config.manual_seed)
    if not len(train) or not len(dev):
        raise DataError(
            f"{config.train_data}: {len(usable)} rows with a document; a train and a dev split "
            f"(dev_fraction {config.dev_fraction}) need at least {_min_rows(config.dev_fraction)}"
        )
    if not len(test):
        raise DataError(f"{config.test_data}: no rows after the header")
    if max_train and max_train < len(train):
        keep = sorted(random.Random(config.manual_seed).sample(range(len(train)), max_train))
        train = train.subset(keep)
    data = {
        "train_file": config.train_data,
        "test_file": config.test_data,
        "train_examples": len(train),
        "dev_examples": len(dev),
        "test_examples": len(test),
        "train_empty_documents_dropped": train_empty,
        "test_empty_documents_kept": test_empty,
    }
    return train, dev, test, data


def _min_rows(dev_fraction: float) -> int:
    return next(n for n in range(2, 10**6) if 0 < round(n * dev_fraction) < n)


# What the Hub accepts as a model id: `name` or `namespace/name`.
_HUB_ID = re.compile(r"[A-Za-z0-9][\w.-]*(?:/[\w.-]+)?")


def check_model_location(model: str) -> None:
    """A local model folder must hold config.json; anything else must be a Hub id."""
    path = Path(model)
    if path.is_dir():
        if not (path / "config.json").is_file():
            raise ConfigError(
                f"--model {model} has no config.json: give a Hugging Face model folder "
                "(pretrain.export writes RUN/hf/discriminator)"
            )
        check_exported_vocab(path)
    elif path.exists():
        raise ConfigError(f"--model {model} is a file, not a Hugging Face model folder")
    elif not _HUB_ID.fullmatch(model) or model.startswith((".", "~")):
        raise ConfigError(f"--model {model}: no such folder")


def check_exported_vocab(folder: Path) -> None:
    """A folder pretrain.export wrote carries the sha256 of the vocab its model was trained
    with: its vocab.txt must still be that one (folders from elsewhere have no manifest)."""
    from pretrain.export import ExportManifest

    if not ExportManifest.exists(folder):
        return
    try:
        ExportManifest.read(folder).check_vocab(str(folder))
    except ValueError as err:  # ExportError, or a manifest that cannot be read
        raise ConfigError(f"--model {folder}: {err}") from err


def load_model(model_dir: str):
    from transformers import AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(model_dir)
    except (OSError, ValueError) as err:
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise ConfigError(
            f"--model {model_dir} is no local folder and could not be loaded as a Hugging Face "
            f"Hub id ({first})"
        ) from err
    probe = tokenizer.tokenize("한국어 감성 분석")
    if probe and all(t == tokenizer.unk_token for t in probe):
        raise ConfigError(
            f"the tokenizer in {model_dir} turns Hangul into {tokenizer.unk_token}: set "
            '"do_lower_case": false and "strip_accents": false in its tokenizer_config.json'
        )
    return tokenizer, load_classifier(model_dir)


def load_classifier(model_dir: str):
    """ElectraForSequenceClassification from a pretraining checkpoint: transformers' table of
    UNEXPECTED / MISSING weights becomes one line, since swapping the pretraining head for a
    classifier is the point; anything else that does not fit is a warning naming it."""
    from transformers import ElectraForSequenceClassification
    from transformers.utils import logging as hf_logging

    if not sys.stderr.isatty():  # no carriage-return bars in logs (loading, writing shards)
        hf_logging.disable_progress_bar()
    verbosity = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()
    try:
        model, info = ElectraForSequenceClassification.from_pretrained(
            model_dir, num_labels=2, output_loading_info=True
        )
    finally:
        hf_logging.set_verbosity(verbosity)
    missing, unexpected = sorted(info["missing_keys"]), sorted(info["unexpected_keys"])
    fresh = [k for k in missing if k.startswith("classifier.")]
    head = [k for k in unexpected if not k.startswith("electra.")]
    odd = [k for k in missing if k not in fresh] + [k for k in unexpected if k not in head]
    odd += [str(k[0]) for k in info.get("mismatched_keys", ())]
    if fresh or head:
        heads = sorted({k.split(".")[0] for k in head})
        print(
            f"model: classifier initialised fresh ({len(fresh)} tensors), pretraining head "
            f"{', '.join(heads) or '-'} ({len(head)} tensors) not used: expected when a "
            "pretrained ELECTRA becomes a classifier",
            file=sys.stderr,
        )
    if odd:
        print(
            f"warning: {len(odd)} weights of {model_dir} do not fit "
            f"ElectraForSequenceClassification (missing, unexpected or another shape): "
            f"{', '.join(odd[:5])}",
            file=sys.stderr,
        )
    return model


def model_name(model: str) -> str:
    """A short name for titles: the run of RUN/hf/discriminator, a folder's name, a Hub id."""
    path = Path(model)
    if not path.exists():
        return model
    path = path.resolve()
    if path.parent.name == "hf" and path.name in ("discriminator", "generator"):
        return f"{path.parent.parent.name} ({path.name})"
    return path.name


def run_one(args, config: FinetuneConfig, splits, out_dir: Path) -> dict:
    from finetune.train import train_and_select

    train, dev, test, data = splits
    tokenizer, model = load_model(args.model)
    config = cap_max_seq_length(config, model.config.max_position_embeddings)
    results = train_and_select(
        model, tokenizer, train, dev, test, config, out_dir, progress=not args.no_progress
    )
    results.update(
        {"model": str(args.model), "data": data, "versions": versions(), "seed": config.manual_seed}
    )
    write_results(out_dir, results)
    plot_curves(
        out_dir / "accuracy.png", {"run": results["history"]}, f"NSMC: {model_name(args.model)}"
    )
    return results


@exits_on_missing_extra
def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.baseline:
        require("finetune", "the TF-IDF baseline", ("sklearn",))
    else:
        require("finetune", "NSMC fine-tuning")
    try:
        config = load_config(
            args.config,
            train_data=args.train,
            test_data=args.test,
            output_dir=args.out,
            num_train_epochs=args.epochs,
        )
        if not args.baseline and args.model is None:
            raise ConfigError(
                "give --model DIR (a Hugging Face ELECTRA folder) or --baseline tfidf"
            )
        if not args.baseline:
            check_model_location(args.model)
        splits = load_splits(config, args.max_train_examples)
        out_dir = Path(config.output_dir)
        if not args.baseline:  # the TF-IDF baseline takes seconds: it is simply redone
            make_way(out_dir, args.restart)
        if args.baseline:
            from finetune.baseline import tfidf_baseline

            results = tfidf_baseline(*splits[:3], seed=config.manual_seed)
            results.update({"data": splits[3], "versions": versions(), "seed": config.manual_seed})
            write_results(out_dir, results)
        elif args.sweep:
            rows, curves = [], {}
            for lr in args.learning_rates:
                for batch in args.batch_sizes:
                    name = f"lr{lr:g}_bs{batch}"
                    run = replace(config, learning_rate=lr, train_batch_size=batch)
                    result = run_one(args, run, splits, out_dir / name)
                    curves[name] = result["history"]
                    rows.append(
                        {
                            "run": name,
                            "learning_rate": lr,
                            "train_batch_size": batch,
                            "dev_accuracy": result["dev"]["accuracy"],
                            "test_accuracy": result["test"]["accuracy"],
                            "best_on_test_accuracy": result["best_on_test_accuracy"],
                        }
                    )
            best = max(rows, key=lambda r: r["dev_accuracy"])
            write_sweep(out_dir, rows)
            plot_curves(out_dir / "sweep.png", curves, "NSMC sweep (solid: dev, dashed: test)")
            results = {
                "dev": {"accuracy": best["dev_accuracy"]},
                "test": {"accuracy": best["test_accuracy"]},
                "best_on_test_accuracy": max(r["best_on_test_accuracy"] for r in rows),
            }
            print(f"sweep: best on dev {best['run']}")
        else:
            results = run_one(args, config, splits, out_dir)
    except (ConfigError, DataError, FileNotFoundError, OSError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(
        f"NSMC: dev {results['dev']['accuracy']:.4f} (selection), test "
        f"{results['test']['accuracy']:.4f} at the dev-selected checkpoint; best-on-test "
        f"{results['best_on_test_accuracy']:.4f} (optimistic, as published numbers) -> {out_dir}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

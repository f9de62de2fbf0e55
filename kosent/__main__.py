"""`python -m kosent`: the whole pipeline on your own data, stage after stage.

    python -m kosent --recipe model3 --sources sources.toml --out data/model3 --until tfrecords

corpus -> vocab -> tfrecords -> pretrain -> export -> nsmc, each the stage's own command
(`python -m corpus.build`, `vocab.build`, `pretrain.tfrecords`, `pretrain.train`,
`pretrain.export`, `finetune.nsmc` + its TF-IDF baseline) writing under OUT: corpus/RECIPE,
vocab, tfrecords/L<max-seq-length>, run (and run/hf), nsmc, nsmc-tfidf. A stage whose output is
complete and whose inputs (command line, the manifests it reads, the size and mtime of your
files) are those of its last run is skipped, so a rerun after a crash or an edit redoes only
what changed and what follows from it (OUT/pipeline.json keeps the record). At the end a
summary table (time, inputs, outputs, key figures per stage) is printed and written to
OUT/REPORT.md."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from kosent.fingerprint import StateError
from kosent.inputs import InputError, corpus_inputs, pretrain_config
from kosent.report import summary_table, write_report
from kosent.run import StageFailed, run_stages
from kosent.stages import STAGE_NAMES, Plan, until
from kosent_common.cli import ArgumentParser, at_least, fail


def parser() -> ArgumentParser:
    p = ArgumentParser(
        prog="python -m kosent",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--recipe", required=True, help="recipe name (model1..model5, or yours)")
    p.add_argument("--recipes", type=Path, help="recipes TOML (default: corpus/recipes.toml)")
    p.add_argument(
        "--sources", type=Path, help="sources TOML with a [sources] table (corpus.build's format)"
    )
    p.add_argument(
        "--source",
        action="append",
        default=[],
        metavar="NAME=PATH",
        help="source location, overriding sources.toml (repeatable)",
    )
    p.add_argument("--out", type=Path, required=True, help="output folder (kept; reruns resume)")
    p.add_argument(
        "--until",
        choices=STAGE_NAMES,
        help="last stage to run (default: nsmc with --nsmc-dir, else export)",
    )
    p.add_argument(
        "--workers", type=at_least(1), default=2, help="processes for corpus and tfrecords (2)"
    )
    p.add_argument("--executor", choices=("local", "ray"), default="local")
    p.add_argument("--address", help="Ray cluster address (with --executor ray)")
    p.add_argument("--max-seq-length", type=at_least(8), default=128, help="records' length (128)")
    p.add_argument("--limit-alphabet", type=at_least(1), help="vocab.build's (default 10000)")
    p.add_argument("--external-vocab", type=Path, help="vocab.txt to import (recipe model5)")
    p.add_argument(
        "--config", default="base", help="pretraining config: JSON file or preset (base, tiny-cpu)"
    )
    p.add_argument("--nsmc-dir", type=Path, help="folder with ratings_train.txt, ratings_test.txt")
    p.add_argument("--nsmc-config", default="default", help="fine-tuning config (finetune.nsmc)")
    p.add_argument("--nsmc-max-train-examples", type=at_least(1), help="fine-tune on a sample")
    return p


def plan_from(args) -> Plan:
    nsmc = args.nsmc_dir
    return Plan(
        out=args.out.resolve(),
        recipe=args.recipe,
        sources=args.sources.resolve() if args.sources else None,
        source_overrides=tuple(args.source),
        recipes=args.recipes.resolve() if args.recipes else None,
        workers=args.workers,
        executor=args.executor,
        address=args.address,
        max_seq_length=args.max_seq_length,
        limit_alphabet=args.limit_alphabet,
        external_vocab=args.external_vocab.resolve() if args.external_vocab else None,
        pretrain_config=args.config,
        nsmc_train=(nsmc / "ratings_train.txt").resolve() if nsmc else None,
        nsmc_test=(nsmc / "ratings_test.txt").resolve() if nsmc else None,
        nsmc_config=args.nsmc_config,
        nsmc_max_train_examples=args.nsmc_max_train_examples,
    )


def check(plan: Plan, last: str) -> None:
    """Bad input found before any stage runs (InputError)."""
    corpus_inputs(plan)
    if plan.address and plan.executor != "ray":
        raise InputError("--address names a Ray cluster: add --executor ray")
    if plan.external_vocab and not plan.external_vocab.is_file():
        raise InputError(f"external vocab {plan.external_vocab} does not exist")
    if STAGE_NAMES.index(last) >= STAGE_NAMES.index("pretrain"):
        pretrain_config(plan)
    if last == "nsmc":
        if plan.nsmc_train is None:
            raise InputError(
                "--until nsmc needs --nsmc-dir DIR (ratings_train.txt, ratings_test.txt)"
            )
        for path in (plan.nsmc_train, plan.nsmc_test):
            if not path.is_file():
                raise InputError(f"{path} does not exist (--nsmc-dir needs NSMC's two files)")


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    last = args.until or ("nsmc" if args.nsmc_dir else "export")
    plan = plan_from(args)
    try:
        check(plan, last)
        started = time.perf_counter()
        results = run_stages(plan, until(last))
    except (InputError, StateError) as err:
        return fail(str(err))
    except StageFailed as err:
        print(f"kosent stopped: {err}; rerun the same command to resume", file=sys.stderr)
        return err.code
    except KeyboardInterrupt:
        print("kosent stopped: interrupted; rerun the same command to resume", file=sys.stderr)
        return 130
    table = summary_table(results, time.perf_counter() - started)
    print("\n" + table)
    skipped = [r.name for r in results if r.skipped]
    if skipped:
        print(f"skipped (complete, inputs unchanged): {', '.join(skipped)}")
    report = write_report(plan.out, table, f"kosent pipeline: recipe {plan.recipe}")
    print(f"report: {report}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""`python -m kosent`: the whole pipeline on your own data, stage after stage.

    python -m kosent --recipe model3 --sources sources.toml --out data/model3 --until tfrecords

corpus -> vocab -> tfrecords -> pretrain -> export -> nsmc, each the stage's own command
(`python -m corpus.build`, `vocab.build`, `pretrain.tfrecords`, `pretrain.train`,
`pretrain.export`, `finetune.nsmc` + its TF-IDF baseline) writing under OUT: corpus/RECIPE,
vocab, tfrecords/L<max-seq-length>, run (and run/hf), nsmc, nsmc-tfidf. Every config and
option is checked before the first stage starts. A stage whose output is complete and whose
inputs (command line, the manifests it reads, the size and mtime of your files) are those of
its last run is reused ("already complete"), so a rerun after a crash or an edit redoes only
what changed and what follows from it (OUT/pipeline.json keeps the record).

Nothing that took long is deleted implicitly: a pretraining run with trained steps, or any
stage output that took 5 minutes or more, is kept, and the command stops saying what would
be discarded and why; --restart moves such output aside (run.prev-1/, ...) and builds it
anew. A pretraining run resumes when the records and the model are those it was trained on
(raising num_train_steps in your config extends it). Without --config, pretraining uses the
tiny-cpu preset (a tiny model that trains on a CPU, to check the pipeline); pass --config
base (the seed's TPU preset) or your own JSON for a real run. At the end a summary table
(time, inputs, outputs, key figures per stage) is printed and written to OUT/REPORT.md."""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

from kosent.fingerprint import StateError
from kosent.inputs import InputError
from kosent.keep import WouldDiscard
from kosent.report import summary_table, write_report
from kosent.run import StageFailed, run_stages
from kosent.stages import DEFAULT_PRETRAIN_CONFIG, STAGE_NAMES, Plan, until
from kosent.validate import EXTENDABLE, check, stage_args
from kosent_common.aside import AsideError
from kosent_common.cli import ArgumentParser, at_least, fail
from kosent_common.extras import MissingExtra
from kosent_common.verbosity import ENV as VERBOSE_ENV
from kosent_common.verbosity import add_verbose_argument


def parser() -> ArgumentParser:
    p = ArgumentParser(
        prog="python -m kosent",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--recipe", required=True, help="recipe name (model1..model5, or yours)")
    add_verbose_argument(p)
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
    p.add_argument("--vocab-size", type=at_least(1), help="vocab.build's (default: the recipe's)")
    p.add_argument("--limit-alphabet", type=at_least(1), help="vocab.build's (default 10000)")
    p.add_argument("--external-vocab", type=Path, help="vocab.txt to import (recipe model5)")
    p.add_argument(
        "--pack-across-docs",
        action="store_true",
        help="records' examples may span documents (pretrain.tfrecords'; for short comments)",
    )
    p.add_argument(
        "--decontaminate",
        nargs="+",
        action="extend",
        default=[],
        metavar="FILE[:COLUMN]",
        help="benchmark texts to keep out of the corpus (corpus.build's)",
    )
    p.add_argument(
        "--args-for",
        action="append",
        default=[],
        metavar="STAGE=ARGS",
        help="more arguments for one stage's command, checked by its parser before anything "
        "runs, e.g. --args-for 'corpus=--min-chars 5 --hanja drop' (stages: "
        f"{', '.join(EXTENDABLE)}; repeatable)",
    )
    p.add_argument(
        "--config",
        help="pretraining config: JSON file or preset (base: the seed's TPU run; tiny-cpu, "
        "the default without --config: a tiny model for a CPU)",
    )
    p.add_argument(
        "--restart",
        action="store_true",
        help="where a stage would discard a trained run or long work, move it aside "
        "(NAME.prev-N) and build anew, instead of stopping",
    )
    p.add_argument("--nsmc-dir", type=Path, help="folder with ratings_train.txt, ratings_test.txt")
    p.add_argument("--nsmc-config", default="default", help="fine-tuning config (finetune.nsmc)")
    p.add_argument("--nsmc-max-train-examples", type=at_least(1), help="fine-tune on a sample")
    return p


def plan_from(args) -> Plan:
    from corpus.decontaminate import BenchmarkSpec  # polars and numpy: not for --help

    nsmc = args.nsmc_dir
    specs = [BenchmarkSpec.parse(item) for item in args.decontaminate]
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
        vocab_size=args.vocab_size,
        external_vocab=args.external_vocab.resolve() if args.external_vocab else None,
        pack_across_docs=args.pack_across_docs,
        decontaminate=tuple(replace(s, path=s.path.resolve()).describe() for s in specs),
        stage_args=stage_args(args.args_for),
        restart=args.restart,
        pretrain_config=args.config or DEFAULT_PRETRAIN_CONFIG,
        nsmc_train=(nsmc / "ratings_train.txt").resolve() if nsmc else None,
        nsmc_test=(nsmc / "ratings_test.txt").resolve() if nsmc else None,
        nsmc_config=args.nsmc_config,
        nsmc_max_train_examples=args.nsmc_max_train_examples,
    )


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.verbose:
        os.environ[VERBOSE_ENV] = "1"  # every stage's command shows its engines' logs too
    last = args.until or ("nsmc" if args.nsmc_dir else "export")
    try:
        plan = plan_from(args)
        if last == "nsmc" and plan.nsmc_train is None:
            raise InputError(
                "--until nsmc needs --nsmc-dir DIR (ratings_train.txt, ratings_test.txt)"
            )
        config = check(plan, last)
        if config is not None and args.config is None:
            print(
                f"note: no --config: pretraining uses the {DEFAULT_PRETRAIN_CONFIG} preset (a "
                "tiny model, to check the pipeline on a CPU); pass --config base or your own "
                "JSON for a real run",
                file=sys.stderr,
            )
        started = time.perf_counter()
        results = run_stages(plan, until(last), config=config)
    except (InputError, StateError, WouldDiscard, AsideError, MissingExtra) as err:
        return fail(str(err))
    except StageFailed as err:
        advice = (
            "its error is above: fix that, then rerun the command (finished stages are reused)"
            if err.code == 2  # the stage refused its input
            else "rerun the same command to resume"
        )
        print(f"kosent stopped: {err}; {advice}", file=sys.stderr)
        return err.code
    except KeyboardInterrupt:
        print("kosent stopped: interrupted; rerun the same command to resume", file=sys.stderr)
        return 130
    table = summary_table(results, time.perf_counter() - started)
    print("\n" + table)
    reused = [r.name for r in results if r.skipped]
    if reused:
        print(f"reused (complete, inputs unchanged): {', '.join(reused)}")
    report = write_report(plan.out, table, f"kosent pipeline: recipe {plan.recipe}")
    print(f"report: {report}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

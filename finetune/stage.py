"""The nsmc stage of `python -m kosent`: `finetune.nsmc` on the exported discriminator into
OUT/nsmc, and its TF-IDF baseline on the same data into OUT/nsmc-tfidf. Light: imports no
stage engine (transformers and torch are the commands')."""

from __future__ import annotations

from pathlib import Path

from kosent_common.extras import require
from kosent_common.graph import Command, InputError, Plan, Stage, read_json
from pretrain.train.stage import HF

NSMC, TFIDF = "nsmc", "nsmc-tfidf"  # their folders in OUT


def commands(plan: Plan, out: Path) -> tuple[Command, ...]:
    data = ["--config", plan.nsmc_config]
    if plan.nsmc_train:
        data += ["--train", str(plan.nsmc_train)]
    if plan.nsmc_test:
        data += ["--test", str(plan.nsmc_test)]
    sample = []
    if plan.nsmc_max_train_examples is not None:
        sample = ["--max-train-examples", str(plan.nsmc_max_train_examples)]
    epochs = [] if plan.nsmc_epochs is None else ["--epochs", str(plan.nsmc_epochs)]
    model = ["--model", str(out / HF / "discriminator")]
    own = plan.extra("nsmc")
    return (
        Command("finetune.nsmc", (*model, *data, "--out", str(out / NSMC), *sample, *epochs, *own)),
        Command(
            "finetune.nsmc", ("--baseline", "tfidf", *data, "--out", str(out / TFIDF), *sample)
        ),
    )


def user_inputs(plan: Plan, out: Path) -> list[Path]:
    named = [plan.nsmc_train, plan.nsmc_test, Path(plan.nsmc_config)]
    return [p for p in named if p is not None and p.is_file()]


def check(plan: Plan) -> None:
    """NSMC's files and the fine-tuning config."""
    from finetune.config import ConfigError, load_config

    for path in (plan.nsmc_train, plan.nsmc_test):  # None: the fine-tuning config's data
        if path is not None and not path.is_file():
            raise InputError(f"{path} does not exist (--nsmc-dir needs NSMC's two files)")
    try:
        load_config(plan.nsmc_config)
    except ConfigError as err:
        raise InputError(f"--nsmc-config: {err}") from None


def figures(plan: Plan, out: Path) -> dict[str, object]:
    ours, tfidf = read_json(out / NSMC / "results.json"), read_json(out / TFIDF / "results.json")
    return {
        "test acc (dev-selected)": round(ours["test"]["accuracy"], 4),
        "TF-IDF test acc": round(tfidf["test"]["accuracy"], 4),
    }


def parse_args(argv: list[str]) -> object:
    from finetune.nsmc import parse_args as parse

    return parse(argv)


STAGE = Stage(
    "nsmc",
    reads=("export",),
    outputs=lambda p: (NSMC, TFIDF),
    markers=lambda p: (f"{NSMC}/results.json", f"{TFIDF}/results.json"),
    commands=commands,
    inputs_text=lambda p: f"{HF}/discriminator + NSMC",
    outputs_text=lambda p: f"{NSMC}/results.json, {TFIDF}/results.json",
    figures=figures,
    requires=lambda p: require("finetune", "the nsmc stage"),
    user_inputs=user_inputs,
    check=check,
    parse_args=parse_args,
)

"""The vocab stage of `python -m kosent`: `vocab.build` on the corpus into OUT/vocab. Light:
the vocab and corpus code is imported only where a function needs it."""

from __future__ import annotations

from pathlib import Path

from kosent_common.graph import Command, InputError, Plan, Stage, read_json

VOCAB = "vocab"  # its folder in OUT


def commands(plan: Plan, out: Path) -> tuple[Command, ...]:
    # The vocab size is the corpus manifest's (its recipe's): not passed again.
    args = ["--corpus", str(out / plan.corpus), "--out", str(out / VOCAB)]
    if plan.vocab_size is not None:
        args += ["--vocab-size", str(plan.vocab_size)]
    if plan.limit_alphabet is not None:
        args += ["--limit-alphabet", str(plan.limit_alphabet)]
    if plan.external_vocab:
        args += ["--external-vocab", str(plan.external_vocab)]
    return (Command("vocab.build", (*args, *plan.extra("vocab"))),)


def user_inputs(plan: Plan, out: Path) -> list[Path]:
    return [plan.external_vocab] if plan.external_vocab else []


def check(plan: Plan) -> None:
    """An external vocab exists and is one."""
    from vocab.schema import VocabError, read_vocab

    if plan.external_vocab:
        if not plan.external_vocab.is_file():
            raise InputError(f"external vocab {plan.external_vocab} does not exist")
        try:
            read_vocab(plan.external_vocab)
        except VocabError as err:
            raise InputError(f"--external-vocab: {err}") from None


def expected_vocab_size(plan: Plan) -> int | None:
    """The size the stage will give (None with an external vocab: its file decides)."""
    from corpus.recipes import DEFAULT_RECIPES, RecipeError, get_recipe  # polars

    if plan.external_vocab:
        return None
    if plan.vocab_size is not None:
        return plan.vocab_size
    try:
        return get_recipe(plan.recipe, plan.recipes or DEFAULT_RECIPES).vocab_size
    except RecipeError as err:
        raise InputError(str(err)) from None


def figures(plan: Plan, out: Path) -> dict[str, object]:
    report = read_json(out / VOCAB / "report.json")
    return {
        "vocab size": report["vocab_size"],
        "UNK rate": round(report["unk_rate"], 4),
        "chars/token": round(report["characters_per_token"], 2),
    }


def parse_args(argv: list[str]) -> object:
    from vocab.build import parse_args as parse

    return parse(argv)


STAGE = Stage(
    "vocab",
    reads=("corpus",),
    outputs=lambda p: (VOCAB,),
    markers=lambda p: (f"{VOCAB}/vocab.txt", f"{VOCAB}/report.json"),
    commands=commands,
    inputs_text=lambda p: p.corpus,
    outputs_text=lambda p: f"{VOCAB} (vocab.txt, tokenizer.json, report.json)",
    figures=figures,
    user_inputs=user_inputs,
    check=check,
    parse_args=parse_args,
)

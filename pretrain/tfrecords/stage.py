"""The tfrecords stage of `python -m kosent`: `pretrain.tfrecords` on the corpus and the vocab
into OUT/tfrecords/L<max-seq-length>. Light: imports no stage engine."""

from __future__ import annotations

from pathlib import Path

from kosent_common.graph import Command, Plan, Stage, executor_extra, read_json, tuning
from vocab.stage import VOCAB


def commands(plan: Plan, out: Path) -> tuple[Command, ...]:
    args = (
        "--corpus-dir",
        str(out / plan.corpus),
        "--vocab-file",
        str(out / VOCAB / "vocab.txt"),
        "--output-dir",
        str(out / plan.records),
        "--max-seq-length",
        str(plan.max_seq_length),
        *(("--pack-across-docs",) if plan.pack_across_docs else ()),
        *plan.extra("tfrecords"),
    )
    return (Command("pretrain.tfrecords", args, tuning(plan, "--num-processes")),)


def figures(plan: Plan, out: Path) -> dict[str, object]:
    manifest = read_json(out / plan.records / "manifest.json")
    return {
        "examples": manifest["examples"],
        "tokens": manifest["tokens"],
        "padding share": round(manifest["padding_share"], 3),
    }


def parse_args(argv: list[str]) -> object:
    from pretrain.tfrecords.cli import parse_args as parse

    return parse(argv)


STAGE = Stage(
    "tfrecords",
    reads=("corpus", "vocab"),
    outputs=lambda p: (p.records,),
    markers=lambda p: (f"{p.records}/manifest.json",),
    commands=commands,
    inputs_text=lambda p: f"{p.corpus} + {VOCAB}/vocab.txt",
    outputs_text=lambda p: p.records,
    figures=figures,
    requires=executor_extra,
    parse_args=parse_args,
)

"""The stage graph in data order: corpus -> vocab -> tfrecords -> pretrain -> export -> nsmc.
Each stage describes itself beside its code (`corpus/stage.py`, `vocab/stage.py`,
`pretrain/tfrecords/stage.py`, `pretrain/train/stage.py`, `finetune/stage.py`); the types are
`kosent_common.graph`'s. Pure: nothing here runs a stage or writes a file (`kosent.run` does)."""

from __future__ import annotations

import corpus.stage
import finetune.stage
import pretrain.tfrecords.stage
import pretrain.train.stage
import vocab.stage
from finetune.stage import NSMC, TFIDF
from kosent_common.graph import DEFAULT_PRETRAIN_CONFIG, Command, Plan, Stage
from pretrain.train.stage import HF, PRETRAIN_CONFIG, RUN
from vocab.stage import VOCAB

__all__ = [
    "BY_NAME",
    "DEFAULT_PRETRAIN_CONFIG",
    "HF",
    "NSMC",
    "PRETRAIN_CONFIG",
    "RUN",
    "STAGES",
    "STAGE_NAMES",
    "TFIDF",
    "VOCAB",
    "Command",
    "Plan",
    "Stage",
    "until",
]

STAGES: tuple[Stage, ...] = (
    corpus.stage.STAGE,
    vocab.stage.STAGE,
    pretrain.tfrecords.stage.STAGE,
    pretrain.train.stage.PRETRAIN,
    pretrain.train.stage.EXPORT,
    finetune.stage.STAGE,
)
STAGE_NAMES = tuple(stage.name for stage in STAGES)
BY_NAME = {stage.name: stage for stage in STAGES}


def until(name: str) -> tuple[Stage, ...]:
    """The stages from the first up to and including `name`."""
    if name not in BY_NAME:
        raise ValueError(f"unknown stage {name!r} (stages: {', '.join(STAGE_NAMES)})")
    return STAGES[: STAGE_NAMES.index(name) + 1]

"""pretrain.train's command line, apart from the trainer (which imports Keras and a
backend), so that `python -m kosent` can check a command line before any stage runs."""

from __future__ import annotations

import argparse
from pathlib import Path

from kosent_common.cli import ArgumentParser
from kosent_common.verbosity import add_verbose_argument

DESCRIPTION = """`python -m pretrain.train --config configs/base.json --data DIR --out runs/NAME`.

ELECTRA pretraining on the TFRecords of `pretrain.tfrecords`, on the Keras backend named by
KERAS_BACKEND: tensorflow (default; TPUStrategy with use_tpu, MultiWorkerMirroredStrategy with
TF_CONFIG, MirroredStrategy on several GPUs), jax (data parallel over all local devices: a TPU
VM's chips or several GPUs) or torch (one device). Records are read with numpy
(`pretrain.train.record_reader`), so jax and torch need no TensorFlow for local paths.
Checkpoints every save_checkpoints_steps (keeping keep_checkpoint_max) hold every model and
optimizer variable as arrays, the step and the data position, in a backend-neutral form: a
killed run resumes at the same step with the same data and continues exactly as the
uninterrupted run would have. Metrics in OUT/logs/metrics.jsonl (and TensorBoard events on
TensorFlow); weights for export in OUT/weights.
"""


def parser(description: str = DESCRIPTION) -> argparse.ArgumentParser:
    parser = ArgumentParser(
        prog="python -m pretrain.train",
        description=description,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--config",
        type=Path,
        required=True,
        help="config JSON or preset (base, tiny-cpu); vocab_size and max_seq_length are the "
        "records' (their manifest.json) unless it states them, and then they must agree",
    )
    parser.add_argument(
        "--data",
        required=True,
        help="TFRecords folder of pretrain.tfrecords, or a file pattern in it (DIR/*)",
    )
    parser.add_argument(
        "--out", required=True, help="run folder, local or gs:// (resumes if present)"
    )
    parser.add_argument("--vocab-file", help="default: the vocab named in the records' manifest")
    parser.add_argument(
        "--stop-at-step",
        type=int,
        help="save and stop after this step (to split a run over job time limits); "
        "rerun the same command to continue",
    )
    parser.add_argument(
        "--restart",
        action="store_true",
        help="start over: move the run in --out aside (OUT.prev-N, never deleted) first. "
        "Without it a run resumes, and only on the records and model it was trained on",
    )
    add_verbose_argument(parser)
    return parser


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    return parser().parse_args(argv)

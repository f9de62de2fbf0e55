"""pretrain.train's command line, apart from the trainer (which imports Keras and a
backend), so that `python -m kosent` can check a command line before any stage runs."""

from __future__ import annotations

import argparse
from pathlib import Path

from kosent_common.cli import ArgumentParser, above, at_least
from kosent_common.verbosity import add_verbose_argument

DESCRIPTION = """`python -m pretrain.train --config configs/base.json --data DIR --out runs/NAME`.

ELECTRA pretraining on the TFRecords of `pretrain.tfrecords`, on the Keras backend named by
KERAS_BACKEND: tensorflow (default; TPUStrategy with use_tpu, MultiWorkerMirroredStrategy for
several processes, MirroredStrategy on several GPUs), jax (data parallel over all devices: a
TPU VM's chips, several GPUs, every process's) or torch (one device per process). Records are
read with numpy (`pretrain.train.record_reader`), so jax and torch need no TensorFlow for
local paths.
Checkpoints every save_checkpoints_steps (keeping keep_checkpoint_max) hold every model and
optimizer variable as arrays, the step and the data position, in a backend-neutral form: a
killed run resumes at the same step with the same data and continues exactly as the
uninterrupted run would have. Metrics in OUT/logs/metrics.jsonl (and TensorBoard events on
TensorFlow); weights for export in OUT/weights.

Several processes (hosts of a TPU pod or GPU cluster, or processes on one machine) train one
run: start each with `--coordinator HOST:PORT --num-processes N --process-id I` (HOST is
process 0's; the run uses PORT and PORT+1 there), or with the launcher's own variables
(torchrun's RANK/WORLD_SIZE/MASTER_ADDR/MASTER_PORT, TensorFlow's TF_CONFIG, a TPU pod's for
JAX). Every process reads only its part of each global batch (the same examples for any
number of processes: input_shards in the config); process 0 alone writes OUT, which every
process must see (a shared disk or gs://). A process that cannot join within --join-timeout
is an error (exit 2); when one process of a running job is lost, the others stop (exit 3),
and rerunning every process resumes from the last checkpoint.
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
    parser.add_argument(
        "--coordinator",
        metavar="HOST:PORT",
        help="process 0's host and a free port: join a run of several processes",
    )
    parser.add_argument(
        "--num-processes", type=at_least(1), metavar="N", help="processes in the run"
    )
    parser.add_argument(
        "--process-id", type=at_least(0), metavar="I", help="this process's id, 0 to N-1"
    )
    parser.add_argument(
        "--join-timeout",
        type=above(0),
        default=300.0,
        metavar="SECONDS",
        help="how long a process waits for the others to join (default 300)",
    )
    add_verbose_argument(parser)
    return parser


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    return parser().parse_args(argv)

"""CLI: ELECTRA pretraining TFRecords from corpus text shards (a drop-in for the original
`build_pretraining_dataset.py`, seeded, parallel, resumable, never deleting the output folder).

    python -m pretrain.tfrecords --corpus-dir data/corpus/model3 \\
        --vocab-file data/vocab/model3/vocab.txt --output-dir data/pretrain/model3/L128 \\
        --max-seq-length 128 --num-processes 2
"""

from __future__ import annotations

import argparse
import functools
import sys
import time
from pathlib import Path

from kosent_common import resume, storage
from kosent_common.atomic import remove_temps
from kosent_common.cli import ArgumentParser, at_least
from kosent_common.executor import (
    WorkerDied,
    add_executor_arguments,
    executor_from_args,
    run_ordered,
)
from kosent_common.extras import exits_on_missing_extra
from kosent_common.progress import progress_bar
from pretrain.tfrecords.schema import DEFAULT_PREFIX, RecordsError, RecordsManifest
from pretrain.tfrecords.text_blocks import TextError
from pretrain.tfrecords.writer import RecordsJob, load_tokenizer, write_records
from vocab.schema import VocabError, read_vocab

STATE_DIR = ".state"  # one state file per finished output file


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = ArgumentParser(
        prog="python -m pretrain.tfrecords",
        description=__doc__.removeprefix("CLI: "),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--corpus-dir",
        required=True,
        help="text shards (corpus.build's OUT/RECIPE, its text/, or any folder of files)",
    )
    parser.add_argument("--vocab-file", required=True, help="BERT-format vocab.txt")
    parser.add_argument("--output-dir", required=True, help="output folder (local or gs://)")
    parser.add_argument(
        "--max-seq-length",
        type=at_least(5),
        default=128,
        help="default 128; at least 5 ([CLS] A [SEP] B [SEP])",
    )
    parser.add_argument(
        "--num-processes", type=at_least(1), default=1, help="parallel jobs (default 1)"
    )
    add_executor_arguments(parser)
    case = parser.add_mutually_exclusive_group()
    case.add_argument(
        "--no-lower-case",
        dest="lower_case",
        action="store_false",
        help="keep case (default: Korean vocabularies are cased)",
    )
    case.add_argument(
        "--do-lower-case",
        dest="lower_case",
        action="store_true",
        help="lowercase (without NFD accent stripping, which would break Hangul)",
    )
    parser.set_defaults(lower_case=False)
    parser.add_argument("--seed", type=int, default=0, help="seed of the packing draws (default 0)")
    parser.add_argument(
        "--num-out-files",
        type=at_least(1),
        help="output files (default: one per input shard, at most 1000)",
    )
    parser.add_argument("--file-prefix", default=DEFAULT_PREFIX, help="default %(default)s")
    parser.add_argument(
        "--pack-across-docs",
        action="store_true",
        help="let examples span documents (blank lines ignored), as KoELECTRA "
        "did for short comments",
    )
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="rebuild every file in --output-dir, also records written with other options "
        "(without it, files built from the same input and options are reused and other "
        "options are an error)",
    )
    return parser.parse_args(argv)


def input_files(corpus_dir: str) -> list[str]:
    folder = corpus_dir.rstrip("/")
    if storage.isdir(f"{folder}/text"):
        folder = f"{folder}/text"
    names = sorted(
        n
        for n in storage.listdir(folder)
        if not n.startswith(".") and not storage.isdir(f"{folder}/{n}")
    )
    if not names:
        raise FileNotFoundError(f"no input files in {folder}")
    return [f"{folder}/{n}" for n in names]


def plan_jobs(args: argparse.Namespace, inputs: list[str]) -> list[RecordsJob]:
    count = args.num_out_files or min(len(inputs), 1000)
    return [
        RecordsJob(
            index=j,
            output_path=f"{args.output_dir.rstrip('/')}/{args.file_prefix}-{j}-of-{count}",
            inputs=tuple(inputs[j::count]),
            vocab_file=args.vocab_file,
            max_seq_length=args.max_seq_length,
            seed=args.seed,
            lower_case=args.lower_case,
            pack_across_docs=args.pack_across_docs,
        )
        for j in range(count)
    ]


def _fingerprint(job: RecordsJob, vocab_sha256: str) -> str:
    """The job's options, the vocab's bytes (a vocab.txt replaced in place gives other ids)
    and its input files' stamps."""
    options = {k: v for k, v in job.__dict__.items() if k != "inputs"}
    return resume.fingerprint({**options, "vocab_sha256": vocab_sha256}, job.inputs)


def _state_path(job: RecordsJob) -> str:
    folder, name = job.output_path.rsplit("/", 1)
    return f"{folder}/{STATE_DIR}/{name}.json"


def finished(job: RecordsJob, vocab_sha256: str, redo: bool = False) -> dict | None:
    """The stats of a file built from the same input and options (None with `redo`)."""
    if redo:
        return None
    fingerprint = _fingerprint(job, vocab_sha256)
    state = resume.finished(_state_path(job), "fingerprint", fingerprint, [job.output_path])
    return {**state["stats"], "reused": True} if state else None


def remove_unfinished(output_dir: str, prefix: str) -> None:
    """Remove the hidden files a killed run was writing (one run per output folder)."""
    remove_temps(output_dir, f"{prefix}-*")
    remove_temps(f"{output_dir.rstrip('/')}/{STATE_DIR}", f"{prefix}-*")


def run_job(job: RecordsJob, vocab_sha256: str) -> dict:
    stats = write_records(job)
    state = {"fingerprint": _fingerprint(job, vocab_sha256), "stats": stats}
    resume.write_state(_state_path(job), state)
    return stats


def settings_that_differ(previous: RecordsManifest, args, jobs: int, vocab_sha256: str) -> list:
    """The build settings of the records in the folder that these options would change."""
    now = {
        "max_seq_length": args.max_seq_length,
        "num_out_files": jobs,
        "file_prefix": args.file_prefix,
        "lower_case": args.lower_case,
        "pack_across_docs": args.pack_across_docs,
        "seed": args.seed,
        "vocab_sha256": vocab_sha256,
    }
    return [
        f"{key} {_short(getattr(previous, key))} there, {_short(value)} now"
        for key, value in now.items()
        if getattr(previous, key) != value
    ]


def _short(value) -> str:
    text = str(value).lower() if isinstance(value, bool) else str(value)
    return f"{text[:12]}..." if len(text) == 64 else text  # a sha256


def manifest_of(
    args, jobs: list[RecordsJob], stats: list[dict], vocab_sha256: str, vocab_size: int
) -> RecordsManifest:
    examples = sum(s["examples"] for s in stats)
    tokens = sum(s["tokens"] for s in stats)
    return RecordsManifest(
        max_seq_length=args.max_seq_length,
        examples=examples,
        tokens=tokens,
        padding_share=1 - tokens / (examples * args.max_seq_length) if examples else 0.0,
        two_segment_share=sum(s["two_segment"] for s in stats) / examples if examples else 0.0,
        input_files=sum(s["inputs"] for s in stats),
        input_bytes=sum(s["input_bytes"] for s in stats),
        vocab_file=args.vocab_file,
        vocab_sha256=vocab_sha256,
        vocab_size=vocab_size,
        lower_case=args.lower_case,
        pack_across_docs=args.pack_across_docs,
        seed=args.seed,
        file_prefix=args.file_prefix,
        num_out_files=len(jobs),
        files=stats,
    )


@exits_on_missing_extra
def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    executor = executor_from_args(args)  # a missing ray extra answers before any work
    started = time.monotonic()
    try:
        vocab = read_vocab(Path(args.vocab_file))
        inputs = input_files(args.corpus_dir)
    except (VocabError, FileNotFoundError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    storage.makedirs(args.output_dir)
    remove_unfinished(args.output_dir, args.file_prefix)
    jobs = plan_jobs(args, inputs)
    vocab_sha256 = storage.sha256(args.vocab_file)
    if RecordsManifest.exists(args.output_dir) and not args.overwrite:
        try:
            previous = RecordsManifest.read(args.output_dir)
        except RecordsError as err:
            print(f"error: {err}; or use --overwrite", file=sys.stderr)
            return 2
        differ = settings_that_differ(previous, args, len(jobs), vocab_sha256)
        if differ:
            print(
                f"error: {args.output_dir} holds records built with other settings "
                f"({', '.join(differ)}); use another --output-dir, or --overwrite to replace "
                "them",
                file=sys.stderr,
            )
            return 2
    stats = []
    progress = progress_bar(total=len(jobs), unit=" files", desc="tfrecords")
    try:
        for result in run_ordered(
            jobs,
            functools.partial(run_job, vocab_sha256=vocab_sha256),
            args.num_processes,
            load_tokenizer,
            (args.vocab_file, args.lower_case),
            reuse=functools.partial(finished, vocab_sha256=vocab_sha256, redo=args.overwrite),
            executor=executor,
        ):
            stats.append(result)
            progress.set_postfix_str(f"{sum(s['examples'] for s in stats):,} examples", False)
            progress.update()
    except (WorkerDied, TextError) as err:
        progress.close()
        print(f"error: {err}", file=sys.stderr)
        return 2
    progress.close()
    reused = sum(bool(s.pop("reused", False)) for s in stats)
    manifest = manifest_of(args, jobs, stats, vocab_sha256, len(vocab))
    manifest.write(args.output_dir)
    seconds = time.monotonic() - started
    if reused == len(jobs):
        print(
            f"tfrecords: already complete (reused): {manifest.examples:,} examples of "
            f"{args.max_seq_length} tokens in {len(jobs)} files in {args.output_dir}, built "
            "from the same corpus, vocab and options; --overwrite to rebuild them"
        )
        return 0
    note = f" ({reused} of {len(jobs)} files reused)" if reused else ""
    print(
        f"tfrecords: {manifest.examples:,} examples of {args.max_seq_length} tokens in "
        f"{len(jobs)} files ({manifest.two_segment_share:.1%} two-segment, "
        f"{manifest.padding_share:.1%} padding), {manifest.input_bytes / 1e6:.1f} MB "
        f"of text in {seconds:.1f}s{note} -> {args.output_dir}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

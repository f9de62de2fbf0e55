"""The corpus build: read -> clean -> quality -> sample -> dedup -> decontaminate ->
near-dedup -> cut shards -> split (pool) -> write.

Reading, cleaning, filtering and deduplication run in order in this process (cheap, and they
decide shard contents deterministically, whatever the executor: local pool or Ray); sentence
splitting (the expensive part) runs on the pool.
A rerun recomputes the cheap part and skips every shard whose state file matches its input,
so a killed build resumes and ends byte-identical to an uninterrupted one.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
from tqdm import tqdm

from corpus import __version__
from corpus.cleaning import CleaningConfig, clean_frame
from corpus.decontaminate import (
    DEFAULT_NGRAM,
    BenchmarkError,
    BenchmarkIndex,
    BenchmarkSpec,
    Decontaminator,
    read_benchmark,
)
from corpus.dedup import SeenHashes, drop_duplicates
from corpus.neardup import NearDupConfig, NearDuplicates, resolve_sample
from corpus.quality import quality_filter
from corpus.recipes import Recipe
from corpus.sampling import sample_frame
from corpus.schema import DOCUMENT_FRAME_SCHEMA, CorpusManifest, Document, Reject
from corpus.shards import (
    ShardTask,
    chunk_sha256,
    finished_shard,
    init_worker,
    process_shard,
    shard_paths,
)
from corpus.sources import get_source
from corpus.split import DEFAULT_SPLITTER
from kosent_common.atomic import atomic_write, remove_temps
from kosent_common.executor import LOCAL, Executor, run_ordered
from kosent_common.resume import file_stamp, read_state, write_state

NSMC_TEST_NOTE = (
    "NSMC test split included in pretraining text (--include-nsmc-test): the NSMC benchmark "
    "is contaminated, as in the seed recipes"
)


class BuildError(RuntimeError):
    """The build cannot go on; the message says what to do."""


@dataclass(frozen=True)
class BuildOptions:
    seed: int = 0
    workers: int = 2
    splitter: str = DEFAULT_SPLITTER  # as `corpus.build --splitter`
    shard_mb: float = 1.0
    batch_docs: int = 5_000
    include_nsmc_test: bool = False
    overwrite: bool = False
    progress: bool = True
    cleaning: CleaningConfig = field(default_factory=CleaningConfig)
    executor: Executor = LOCAL
    quality: bool = True  # the recipe's per-source quality filters
    near_dup: NearDupConfig = field(default_factory=NearDupConfig)
    decontaminate: tuple[str, ...] = ()  # benchmark files, FILE or FILE:COLUMN
    decontaminate_nsmc_test: bool = True  # NSMC's test split whenever the recipe knows one
    decontaminate_ngram: int = DEFAULT_NGRAM


@dataclass
class SourceStats:
    files: list[str] = field(default_factory=list)
    files_skipped: dict[str, str] = field(default_factory=dict)
    docs_in: int = 0
    drops: Counter = field(default_factory=Counter)


def build_corpus(
    recipe: Recipe, files: dict[str, list[Path]], out_root: Path, options: BuildOptions
) -> dict:
    """Build `out_root/<recipe>/` and return its manifest."""
    out_dir = Path(out_root) / recipe.name
    decontaminator = _decontaminator(recipe, files, options)  # a bad benchmark fails first
    _prepare_output(out_dir, recipe, files, options)
    stats = {source: SourceStats() for source in recipe.sources}
    spill_dir = out_dir / ".neardup-spill"
    near_dups = NearDuplicates(options.near_dup, spill_dir)
    rejects_path = out_dir / "rejects" / "rejects.jsonl"
    progress = tqdm(
        unit=" docs", disable=not options.progress, file=sys.stderr, desc=f"corpus {recipe.name}"
    )
    shard_states: list[dict] = []
    with atomic_write(rejects_path, "w") as rej:

        def reject(item: Reject) -> None:
            stats[item.source].drops[item.reason] += 1
            rej.write(json.dumps(dataclasses.asdict(item), ensure_ascii=False) + "\n")

        documents = _read_documents(recipe, files, options, stats, reject, progress)
        batches = _clean_batches(documents, recipe, options, stats, decontaminator, near_dups)
        tasks = _shard_tasks(batches, out_dir, options)
        results = run_ordered(
            tasks,
            process_shard,
            options.workers,
            init_worker,
            (options.splitter,),
            reuse=lambda task: finished_shard(task.out_dir, task.index, task.input_sha256),
            executor=options.executor,
        )
        for state in results:
            shard_states.append(state)
            progress.set_postfix(shards=len(shard_states))
    progress.close()
    shutil.rmtree(spill_dir, ignore_errors=True)
    _remove_stale_shards(out_dir, len(shard_states))
    manifest = _manifest(recipe, files, options, stats, shard_states)
    manifest["decontamination"] = decontaminator.summary() if decontaminator else None
    manifest["near_duplicates"] = _near_dup_summary(near_dups, out_dir, len(shard_states))
    manifest["recipe_definition"] = json.loads(json.dumps(dataclasses.asdict(recipe)))
    typed = CorpusManifest.from_dict(manifest)
    typed.write(out_dir)
    return typed.to_dict()


def _read_documents(recipe, files, options, stats, reject, progress) -> Iterator[Document]:
    for source in recipe.sources:
        declared = get_source(source)
        read = declared.read
        for path in files[source]:
            if declared.is_test_split(path) and not options.include_nsmc_test:
                stats[source].files_skipped[str(path)] = declared.test_split_note
                continue
            stats[source].files.append(str(path))
            try:
                for document in read(path, source, reject):
                    stats[source].docs_in += 1
                    progress.update()
                    yield document
            except OSError as err:  # vanished, unreadable, I/O error: record it, go on
                reject(
                    Reject(
                        source, str(path), "file", "unreadable_file", f"{type(err).__name__}: {err}"
                    )
                )


def benchmark_specs(recipe: Recipe, files: dict[str, list[Path]], options: BuildOptions):
    """The benchmark files to decontaminate against: --decontaminate's, and NSMC's test split
    whenever the recipe's NSMC files hold one that is kept out of the corpus."""
    specs = [BenchmarkSpec.parse(s) for s in options.decontaminate]
    if options.decontaminate_nsmc_test and not options.include_nsmc_test:
        for path in files.get("nsmc", []):
            if get_source("nsmc").is_test_split(path) and path not in [s.path for s in specs]:
                specs.append(BenchmarkSpec(path, "document"))
    return specs


def _decontaminator(recipe, files, options: BuildOptions) -> Decontaminator | None:
    specs = benchmark_specs(recipe, files, options)
    if not specs:
        return None
    texts: list[str] = []
    try:
        for spec in specs:
            texts += read_benchmark(spec)
    except BenchmarkError as err:
        raise BuildError(str(err)) from err
    index = BenchmarkIndex(texts, options.decontaminate_ngram)
    return Decontaminator(index, names=[s.describe() for s in specs])


def _near_dup_summary(near_dups: NearDuplicates, out_dir: Path, shards: int) -> dict:
    config = near_dups.config
    parquet = [shard_paths(out_dir, i)["parquet"] for i in range(shards)]
    return {
        **dataclasses.asdict(config),
        "bands": near_dups.bands,
        "rows": near_dups.rows,
        "sample": resolve_sample(near_dups.sample, parquet) if config.enabled else [],
    }


def _clean_batches(
    documents: Iterator[Document],
    recipe: Recipe,
    options: BuildOptions,
    stats: dict[str, SourceStats],
    decontaminator: Decontaminator | None = None,
    near_dups: NearDuplicates | None = None,
) -> Iterator[pl.DataFrame]:
    seen = SeenHashes()
    quality = {s: recipe.quality_for(s) for s in recipe.sources} if options.quality else {}
    for batch in _batched(documents, options.batch_docs):
        frame = pl.DataFrame(
            {
                "source": [d.source for d in batch],
                "doc_id": [d.doc_id for d in batch],
                "text": [d.text for d in batch],
            },
            schema=DOCUMENT_FRAME_SCHEMA,
        )
        frame, drops = clean_frame(frame, options.cleaning)
        frame, low_quality = quality_filter(frame, quality)
        frame, sampled_out = sample_frame(frame, recipe.sample, options.seed)
        frame, duplicates = drop_duplicates(frame, seen)
        contaminated: Counter = Counter()
        if decontaminator is not None:
            frame, contaminated = decontaminator.drop(frame)
        near: Counter = Counter()
        if near_dups is not None:
            frame, near = near_dups.drop(frame)
        for (source, reason), n in (
            drops + low_quality + sampled_out + duplicates + contaminated + near
        ).items():
            stats[source].drops[reason] += n
        if frame.height:
            yield frame


def _shard_tasks(
    frames: Iterator[pl.DataFrame], out_dir: Path, options: BuildOptions
) -> Iterator[ShardTask]:
    """Cut clean documents into shards of about `shard_mb` of text, independent of batching."""
    limit = int(options.shard_mb * 1_000_000)
    buffer: list[pl.DataFrame] = []
    buffered = 0
    index = 0
    for frame in frames:
        while frame.height:
            running = frame["text"].str.len_bytes().cast(pl.Int64).cum_sum() + buffered
            full = (running >= limit).arg_true()
            if not full.len():
                buffer.append(frame)
                buffered = int(running[-1])
                break
            cut = int(full[0]) + 1  # the document that reaches the limit closes the shard
            buffer.append(frame.head(cut))
            yield _task(buffer, out_dir, index)
            index, buffer, buffered = index + 1, [], 0
            frame = frame.slice(cut)
    if buffer:
        yield _task(buffer, out_dir, index)


def _task(buffer: list[pl.DataFrame], out_dir: Path, index: int) -> ShardTask:
    docs = pl.concat(buffer)
    return ShardTask(index=index, out_dir=out_dir, docs=docs, input_sha256=chunk_sha256(docs))


def _batched(items: Iterator[Document], size: int) -> Iterator[list[Document]]:
    batch: list[Document] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _fingerprint(recipe: Recipe, files: dict[str, list[Path]], options: BuildOptions) -> dict:
    return {
        "recipe": dataclasses.asdict(recipe),
        "options": _options_dict(options),
        "files": {s: [[str(p), *file_stamp(p)] for p in paths] for s, paths in files.items()},
        "benchmarks": [
            [spec.describe(), *file_stamp(spec.path)]
            for spec in benchmark_specs(recipe, files, options)
        ],
    }


def _options_dict(options: BuildOptions) -> dict:
    """Options that decide the output (not workers or progress)."""
    return {
        "seed": options.seed,
        "splitter": options.splitter,
        "shard_mb": options.shard_mb,
        "include_nsmc_test": options.include_nsmc_test,
        "cleaning": dataclasses.asdict(options.cleaning),
        "quality": options.quality,
        "near_dup": dataclasses.asdict(options.near_dup),
        "decontaminate": list(options.decontaminate),
        "decontaminate_nsmc_test": options.decontaminate_nsmc_test,
        "decontaminate_ngram": options.decontaminate_ngram,
    }


def _prepare_output(out_dir: Path, recipe: Recipe, files, options: BuildOptions) -> None:
    build_file = out_dir / "state" / "build.json"
    remove_temps(out_dir, recursive=True)  # from a run that was killed mid-write
    shutil.rmtree(out_dir / ".neardup-spill", ignore_errors=True)
    fingerprint = json.loads(json.dumps(_fingerprint(recipe, files, options)))
    if build_file.exists() and read_state(build_file) != fingerprint:
        if not options.overwrite:
            raise BuildError(
                f"{out_dir} holds a build with other inputs or options; resuming it would mix "
                f"them. Use another --out, or --overwrite to rebuild it in place."
            )
        for sub in ("text", "parquet", "state"):
            for path in (out_dir / sub).glob("shard-*"):
                path.unlink()
    write_state(build_file, fingerprint)


def _remove_stale_shards(out_dir: Path, count: int) -> None:
    for sub in ("text", "parquet", "state"):
        for path in (out_dir / sub).glob("shard-*"):
            if int(path.stem.split("-")[1]) >= count:
                path.unlink()


def _manifest(
    recipe: Recipe,
    files,
    options: BuildOptions,
    stats: dict[str, SourceStats],
    shard_states: list[dict],
) -> dict:
    per_source: dict[str, Counter] = {s: Counter() for s in recipe.sources}
    for state in shard_states:
        for source, counts in state["per_source"].items():
            per_source[source].update(counts)
    sources = {}
    for source in recipe.sources:
        counts, source_stats = per_source[source], stats[source]
        drops = source_stats.drops + Counter({"no_sentences": counts["no_sentences"]})
        sources[source] = {
            "files_read": source_stats.files,
            "files_skipped": source_stats.files_skipped,
            "docs_in": source_stats.docs_in,
            "docs_out": counts["docs"],
            "drops": {k: v for k, v in sorted(drops.items()) if v},
            "sentences": counts["sentences"],
            "characters": counts["characters"],
            "bytes": counts["bytes"],
        }
    notes = [NSMC_TEST_NOTE] if options.include_nsmc_test and "nsmc" in recipe.sources else []
    return {
        "recipe": recipe.name,
        "description": recipe.description,
        "vocab_size": recipe.vocab_size,
        "code_version": __version__,
        "seed": options.seed,
        "options": _options_dict(options),
        "splitter": {  # which splitter ran; lines kss-fast handed to reference kss
            "ran": sorted({s["splitter"]["ran"] for s in shard_states if "splitter" in s}),
            "fallback_lines": sum(
                s.get("splitter", {}).get("fallback_lines", 0) for s in shard_states
            ),
        },
        "nsmc_test_in_pretraining": options.include_nsmc_test and "nsmc" in recipe.sources,
        "quality": {
            s: dataclasses.asdict(recipe.quality_for(s)) if options.quality else None
            for s in recipe.sources
        },
        "notes": notes,
        "totals": {
            "docs": sum(s["docs_out"] for s in sources.values()),
            "sentences": sum(s["sentences"] for s in sources.values()),
            "bytes": sum(s["bytes"] for s in sources.values()),
            "shards": len(shard_states),
        },
        "sources": sources,
        "shards": [
            {
                "name": st["shard"],
                "docs": st["docs"],
                "sentences": st["sentences"],
                "sha256_text": st["sha256"]["text"],
                "sha256_parquet": st["sha256"]["parquet"],
            }
            for st in shard_states
        ],
        "sentence_length_histogram": {
            "bin_chars": 10,
            "counts": [
                sum(col)
                for col in zip(
                    *(st["sentence_length_histogram"] for st in shard_states), strict=True
                )
            ]
            if shard_states
            else [],
        },
    }

"""The corpus build, as stages of tasks on the executor (a local process pool or Ray); this
process plans the tasks and merges their results and does no per-document work:

1. documents (one task per slice of the input, corpus.plan): read, the recipe's steps
   (clean, quality, sample, decontaminate), exact-dedup keys and MinHash signatures
   (corpus.document_task);
2. exact dedup over key ranges, 3. near dedup over band-key ranges, then clusters
   (corpus.dedup_stages);
4. shards (one task per document task): drop the duplicates, split sentences, write
   (corpus.shard_task).

Every task writes its outputs atomically and a state file last, so a killed build resumes
where it stopped and ends byte-identical to an uninterrupted one; the intermediate files
(OUT/RECIPE/work/) are removed when the build ends. The output depends on the inputs and
options only: not on the number of workers, nor on the executor.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path

from corpus.dataset_card import dataset_card
from corpus.decontaminate import (
    BenchmarkError,
    BenchmarkSpec,
    merge_found,
    read_benchmark,
)
from corpus.dedup_stages import (
    ClusterJob,
    finished_clusters,
    finished_range,
    range_jobs,
    run_clusters,
    run_range,
)
from corpus.document_task import (
    DocumentJob,
    finished_documents,
    init_document_worker,
    run_document_task,
)
from corpus.options import BuildOptions
from corpus.plan import (
    count_newlines,
    line_ranges,
    number_lines,
    plan_tasks,
)
from corpus.recipes import Recipe
from corpus.results import corpus_manifest, exclusions_summary, merge_rejects, near_sample
from corpus.schema import CorpusManifest
from corpus.shard_task import ShardJob, finished_shards, run_shard_task
from corpus.shards import init_worker
from corpus.sources import get_source
from corpus.steps import StepContext, step_class
from corpus.work import key_file_length, task_files, work_dir
from kosent_common.atomic import remove_temps, write_bytes_atomic
from kosent_common.executor import run_ordered, shared_pool
from kosent_common.progress import progress_bar
from kosent_common.resume import file_stamp, finished, read_state, write_state


class BuildError(RuntimeError):
    """The build cannot go on; the message says what to do."""


def build_corpus(
    recipe: Recipe,
    files: dict[str, list[Path]],
    out_root: Path,
    options: BuildOptions,
    licenses: dict[str, str] | None = None,
) -> dict:
    """Build `out_root/<recipe>/` and return its manifest (with `reused: True` when a build
    finished from the same inputs and options was there). `licenses` (source -> licence,
    corpus.sources.load_licenses) go into the dataset card, README.md, not into the build."""
    out_dir = Path(out_root) / recipe.name
    for name in recipe.steps:
        try:
            step_class(name)
        except KeyError as err:
            raise BuildError(f"recipe {recipe.name}: {err.args[0]}") from err
    specs = tuple(benchmark_specs(recipe, files, options))
    benchmark_items = _benchmark_items(specs)  # a bad benchmark fails first
    _prepare_output(out_dir, recipe, files, options)
    if (done := _finished_build(out_dir)) is not None:
        _write_card(out_dir, done, recipe, licenses)  # licences may have changed
        return {**done, "reused": True}
    with shared_pool(options.workers, options.executor) as pool:
        run = _Runner(recipe.name, options, pool)
        stages = _run_stages(run, recipe, files, out_dir, options, specs)
    plan, tasks, documents, shard_states, exact_ranges = stages
    names = tuple(task.name for task in tasks)
    near = options.near_dup
    merge_rejects(out_dir, names)
    _remove_stale(out_dir, names, shard_states)
    manifest = corpus_manifest(
        recipe, options, _options_dict(options), plan, documents, shard_states
    )
    manifest["decontamination"] = (
        merge_found(
            [s.describe() for s in specs],
            benchmark_items,
            options.decontaminate_ngram,
            [d["decontamination"] for d in documents],
        )
        if specs
        else None
    )
    manifest["near_duplicates"] = {
        **dataclasses.asdict(near),
        "bands": near.bands()[0],
        "rows": near.bands()[1],
        "sample": near_sample(out_dir, names) if near.enabled else [],
    }
    manifest["exclusions"] = exclusions_summary(options, documents, shard_states)
    manifest["tasks"] = {"documents": len(tasks), "exact_ranges": exact_ranges}
    manifest["recipe_definition"] = json.loads(json.dumps(dataclasses.asdict(recipe)))
    typed = CorpusManifest.from_dict(manifest)
    typed.write(out_dir)
    _write_card(out_dir, typed.to_dict(), recipe, licenses)
    shutil.rmtree(work_dir(out_dir), ignore_errors=True)
    return typed.to_dict()


def _write_card(out_dir: Path, manifest: dict, recipe: Recipe, licenses) -> None:
    known = {s: (licenses or {}).get(s, get_source(s).license) for s in recipe.sources}
    write_bytes_atomic(out_dir / "README.md", dataset_card(manifest, known).encode())


def _run_stages(run, recipe: Recipe, files, out_dir: Path, options: BuildOptions, specs):
    """Every stage, in order: (plan, tasks, document states, shard states, exact ranges)."""
    plan = plan_tasks(
        recipe.sources, files, int(options.task_mb * 1_000_000), options.include_nsmc_test
    )
    ranges = line_ranges(plan.tasks)
    counts = run.stage("lines", ranges, count_newlines)
    tasks = number_lines(plan.tasks, dict(zip(ranges, counts, strict=True)))
    context = StepContext(recipe, options.cleaning, options.quality, options.seed)
    document_jobs = [
        DocumentJob(
            task,
            out_dir,
            recipe.steps,
            context,
            options.near_dup,
            options.exclusions,
            options.batch_docs,
        )
        for task in tasks
    ]
    documents = run.stage(
        "documents",
        document_jobs,
        run_document_task,
        init_document_worker,
        (specs, options.decontaminate_ngram),
        finished_documents,
    )
    names = tuple(task.name for task in tasks)
    exact_jobs = range_jobs(out_dir, "exact", names, _pairs(out_dir, names, "exact"))
    run.stage("exact dedup", exact_jobs, run_range, reuse=finished_range)
    near = options.near_dup
    if near.enabled:
        band_jobs = range_jobs(
            out_dir, "bands", names, _pairs(out_dir, names, "bands"), near.threshold
        )
        run.stage("near dedup", band_jobs, run_range, reuse=finished_range)
        cluster = ClusterJob(out_dir, len(band_jobs))
        run.stage("clusters", [cluster], run_clusters, reuse=finished_clusters)
    shard_jobs = [
        ShardJob(
            out_dir,
            task.index,
            task.name,
            len(exact_jobs),
            near.enabled,
            options.shard_mb,
            options.exclusions,
        )
        for task in tasks
    ]
    shard_states = run.stage(
        "shards",
        shard_jobs,
        run_shard_task,
        init_worker,
        (options.splitter,),
        finished_shards,
    )
    return plan, tasks, documents, shard_states, len(exact_jobs)


class _Runner:
    """Runs one stage's tasks on the executor, with a progress bar per stage."""

    def __init__(self, recipe: str, options: BuildOptions, pool=None) -> None:
        self.recipe, self.options, self.pool = recipe, options, pool

    def stage(
        self,
        name: str,
        jobs: Iterable,
        fn: Callable,
        initializer: Callable[..., None] | None = None,
        initargs: tuple = (),
        reuse: Callable = lambda job: None,
    ) -> list:
        jobs = list(jobs)
        if not jobs:
            return []
        progress = progress_bar(
            total=len(jobs),
            unit=" tasks",
            disable=not self.options.progress,
            desc=f"corpus {self.recipe}: {name}",
        )
        results = []
        for result in run_ordered(
            jobs,
            fn,
            self.options.workers,
            initializer or _no_setup,
            initargs,
            reuse=reuse,
            executor=self.options.executor,
            pool=self.pool,
        ):
            results.append(result)
            progress.update()
        progress.close()
        return results


def _no_setup(*args) -> None:
    """The initializer of stages that load nothing per worker."""


def _pairs(out_dir: Path, names: tuple[str, ...], kind: str) -> int:
    return sum(key_file_length(task_files(out_dir, name)[kind]) for name in names)


def benchmark_specs(recipe: Recipe, files: dict[str, list[Path]], options: BuildOptions):
    """The benchmark files to decontaminate against: --decontaminate's, and NSMC's test split
    whenever the recipe's NSMC files hold one that is kept out of the corpus."""
    specs = [BenchmarkSpec.parse(s) for s in options.decontaminate]
    if options.decontaminate_nsmc_test and not options.include_nsmc_test:
        for path in files.get("nsmc", []):
            if get_source("nsmc").is_test_split(path) and path not in [s.path for s in specs]:
                specs.append(BenchmarkSpec(path, "document"))
    return specs


def _benchmark_items(specs: tuple[BenchmarkSpec, ...]) -> int:
    """How many items the benchmarks hold (read here once, so a bad file fails first)."""
    try:
        return sum(len(read_benchmark(spec)) for spec in specs)
    except BenchmarkError as err:
        raise BuildError(str(err)) from err


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
        "task_mb": options.task_mb,
        "exclusions": options.exclusions.describe(),
    }


def _finished_build(out_dir: Path) -> dict | None:
    """The manifest of a build finished from the same inputs and options (`_prepare_output`
    has checked them), whose shards are all there; None otherwise. The manifest is the build's
    last file, so it is the state file of the whole build (`kosent_common.resume`)."""
    if (out_dir / "work").exists():  # a later run of this build stopped before its manifest
        return None
    state = read_state(out_dir / CorpusManifest.FILE)
    if state is None:
        return None
    outputs = [
        out_dir / sub / f"{shard['name']}.{ext}"
        for shard in state.get("shards", [])
        for sub, ext in (("text", "txt"), ("parquet", "parquet"))
    ]
    if finished(out_dir / CorpusManifest.FILE, None, state, outputs) is None:
        return None
    return CorpusManifest.read(out_dir).to_dict()


def _prepare_output(out_dir: Path, recipe: Recipe, files, options: BuildOptions) -> None:
    build_file = out_dir / "state" / "build.json"
    remove_temps(out_dir, recursive=True)  # from a run that was killed mid-write
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
            for path in (out_dir / sub).glob("task-*"):
                path.unlink()
        for sub in ("work", "excluded"):
            shutil.rmtree(out_dir / sub, ignore_errors=True)
        (out_dir / CorpusManifest.FILE).unlink(missing_ok=True)
    write_state(build_file, fingerprint)


def _remove_stale(out_dir: Path, names: tuple[str, ...], shard_states: list[dict]) -> None:
    """Outputs of an earlier, different plan of the same build (none in a normal run)."""
    shards = {shard["shard"] for state in shard_states for shard in state["shards"]}
    for sub in ("text", "parquet"):
        for path in (out_dir / sub).glob("shard-*"):
            if path.stem not in shards:
                path.unlink()
    for path in [*(out_dir / "state").glob("task-*"), *(out_dir / "excluded").glob("*/task-*")]:
        if path.stem not in names:
            path.unlink()

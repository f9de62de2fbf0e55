"""The last stage, in a worker: one document task's kept documents, minus the duplicates the
dedup stages found, split into sentences and written as shards of about `shard_mb`.

`state/task-NNNNN.json` is written last: it carries the shards' statistics and marks the
task done, so a resumed build skips it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import polars as pl

from corpus.dedup_stages import cluster_prefix, drops_prefix, task_drops
from corpus.exclusions import ExclusionPolicy, ExclusionWriter
from corpus.shards import shard_name, shard_paths, write_shard
from corpus.steps import drop_counts, split_by_reason
from corpus.work import task_files
from kosent_common.resume import finished, write_state

DEDUP_STEPS = {"duplicate": "exact_dedup", "near_duplicate": "near_dedup"}


@dataclass(frozen=True)
class ShardJob:
    out_dir: Path
    task_index: int
    task_name: str
    exact_ranges: int
    near_dup: bool
    shard_mb: float
    exclusions: ExclusionPolicy


def state_path(out_dir: Path, task_name: str) -> Path:
    return out_dir / "state" / f"{task_name}.json"


def finished_shards(job: ShardJob) -> dict | None:
    state = finished(state_path(job.out_dir, job.task_name), "job", _job_key(job), [])
    if state is None:
        return None
    for shard in state["shards"]:
        if not all(p.exists() for p in shard_paths(job.out_dir, shard["shard"]).values()):
            return None
    return state


def run_shard_task(job: ShardJob) -> dict:
    docs = pl.read_parquet(task_files(job.out_dir, job.task_name)["docs"])
    reasons = np.full(docs.height, None, dtype=object)
    if job.near_dup:
        rows, _ = task_drops([cluster_prefix(job.out_dir)], job.task_index)
        reasons[rows] = "near_duplicate"
    exact = [drops_prefix(job.out_dir, "exact", i) for i in range(job.exact_ranges)]
    rows, _ = task_drops(exact, job.task_index)
    reasons[rows] = "duplicate"  # an exact duplicate is counted as one, not as a near one
    kept, dropped = split_by_reason(docs, pl.Series(reasons.tolist(), dtype=pl.String))
    shards, per_step = [], {step: 0 for step in DEDUP_STEPS.values()}
    per_step["split"] = 0
    with ExclusionWriter(job.out_dir, job.task_name, job.exclusions) as excluded:
        for reason, step in DEDUP_STEPS.items():
            removed = dropped.filter(pl.col("reason") == reason)
            per_step[step] += removed.height
            excluded.add(step, removed)
        for part, chunk in enumerate(cut_shards(kept, int(job.shard_mb * 1_000_000))):
            state, empty = write_shard(job.out_dir, shard_name(job.task_index, part), chunk)
            shards.append(state)
            no_sentences = chunk[empty].with_columns(pl.lit("no_sentences").alias("reason"))
            per_step["split"] += no_sentences.height
            excluded.add("split", no_sentences.select("source", "doc_id", "text", "reason"))
    counts = drop_counts(dropped)
    state = {
        "job": _job_key(job),
        "shards": shards,
        "drops": [[s, r, n] for (s, r), n in sorted(counts.items())],
        "steps": per_step,
        "step_reasons": [
            [step, reason, n]
            for reason, step in [*DEDUP_STEPS.items(), ("no_sentences", "split")]
            if (n := per_step[step])
        ],
    }
    write_state(state_path(job.out_dir, job.task_name), state)
    return state


def cut_shards(frame: pl.DataFrame, limit: int) -> list[pl.DataFrame]:
    """Consecutive chunks of about `limit` bytes of text: the document that reaches the limit
    closes its chunk."""
    if not frame.height:
        return []
    running = frame["text"].str.len_bytes().cast(pl.Int64).cum_sum().to_numpy()
    chunks, start, base = [], 0, 0
    while start < frame.height:
        full = np.flatnonzero(running[start:] - base >= limit)
        end = start + int(full[0]) + 1 if len(full) else frame.height
        chunks.append(frame.slice(start, end - start))
        base = int(running[end - 1])
        start = end
    return chunks


def _job_key(job: ShardJob) -> dict:
    key = json.loads(json.dumps(asdict(job), default=str))
    key.pop("out_dir")
    return key

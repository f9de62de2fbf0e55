"""The manifest of a corpus build, merged from its tasks' results: per-source counts, shards,
drops per step, the near-duplicate sample, and the rejects file."""

from __future__ import annotations

import dataclasses
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from corpus import __version__
from corpus.dedup_stages import cluster_prefix
from corpus.neardup import SAMPLE_CLUSTERS
from corpus.plan import Plan
from corpus.recipes import Recipe
from corpus.work import row_of, task_files, task_of
from kosent_common.atomic import atomic_write

if TYPE_CHECKING:
    from corpus.options import BuildOptions

NSMC_TEST_NOTE = (
    "NSMC test split included in pretraining text (--include-nsmc-test): the NSMC benchmark "
    "is contaminated, as in the seed recipes"
)


def corpus_manifest(
    recipe: Recipe,
    options: BuildOptions,
    options_dict: dict,
    plan: Plan,
    documents: list[dict],
    shard_task_states: list[dict],
) -> dict:
    shard_states = [shard for state in shard_task_states for shard in state["shards"]]
    per_source: dict[str, Counter] = {s: Counter() for s in recipe.sources}
    for state in shard_states:
        for source, counts in state["per_source"].items():
            per_source[source].update(counts)
    docs_in: Counter = Counter()
    drops: dict[str, Counter] = {s: Counter() for s in recipe.sources}
    for state in [*documents, *shard_task_states]:
        docs_in.update(state.get("docs_in", {}))
        for source, reason, n in state["drops"]:
            drops[source][reason] += n
    sources = {}
    for source in recipe.sources:
        counts = per_source[source]
        source_drops = drops[source] + Counter({"no_sentences": counts["no_sentences"]})
        sources[source] = {
            "files_read": plan.files_read.get(source, []),
            "files_skipped": plan.files_skipped.get(source, {}),
            "docs_in": docs_in[source],
            "docs_out": counts["docs"],
            "drops": {k: v for k, v in sorted(source_drops.items()) if v},
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
        "options": options_dict,
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


def exclusions_summary(options: BuildOptions, documents: list, shard_states: list) -> dict:
    """Documents dropped per step, and per step and reason (the readers' rejects: `read`)."""
    steps: Counter = Counter()
    reasons: dict[str, Counter] = {}
    for state in [*documents, *shard_states]:
        for step, n in state.get("steps", {}).items():
            steps[step] += n
        for step, reason, n in state.get("step_reasons", []):
            reasons.setdefault(step, Counter())[reason] += n
    return {
        "policy": options.exclusions.describe(),
        "folder": "excluded",
        "dropped_per_step": dict(steps),
        "dropped_per_step_reason": {
            s: dict(sorted(reasons[s].items())) for s in ["read", *steps] if s in reasons
        },
    }


def near_sample(out_dir: Path, names: tuple[str, ...]) -> list[dict]:
    """The first near-duplicates dropped (in corpus order), each with the document kept."""
    prefix = cluster_prefix(out_dir)
    orders = np.load(prefix.with_suffix(".orders.npy"), mmap_mode="r")[:SAMPLE_CLUSTERS]
    of = np.load(prefix.with_suffix(".of.npy"), mmap_mode="r")[:SAMPLE_CLUSTERS]

    def document(order) -> dict:
        order = np.array([order], dtype=np.uint64)
        path = task_files(out_dir, names[int(task_of(order)[0])])["docs"]
        row = pl.scan_parquet(path).slice(int(row_of(order)[0]), 1).collect().row(0, named=True)
        return {"source": row["source"], "doc_id": row["doc_id"], "text": row["text"][:300]}

    return [{"dropped": document(a), "kept": document(b)} for a, b in zip(orders, of, strict=True)]


def merge_rejects(out_dir: Path, names: tuple[str, ...]) -> None:
    with atomic_write(out_dir / "rejects" / "rejects.jsonl", "wb") as out:
        for name in names:
            path = task_files(out_dir, name)["rejects"]
            if path.exists():
                out.write(path.read_bytes())

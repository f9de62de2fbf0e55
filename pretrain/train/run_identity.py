"""What a pretraining run is trained on: the records (their vocab's sha256, length, case and
contents) and every config key that shapes the model or the optimisation. Each checkpoint
records it; a resume on anything else is refused, naming the difference, because a token id
that now means another word, or weights of another shape, would silently train on garbage.

Keys that only say how long to train, how often to save or log, or where to run may change
between resumes (raising num_train_steps is how a run is extended)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict

from kosent_common import storage
from pretrain.tfrecords.schema import RecordsManifest
from pretrain.train import checkpoint
from pretrain.train.config import PretrainConfig

FREE_KEYS = frozenset(
    {
        "num_train_steps",
        "save_checkpoints_steps",
        "keep_checkpoint_max",
        "log_every_steps",
        "use_tpu",
        "num_tpu_cores",
        "tpu_name",
        "tpu_zone",
        "gcp_project",
        "mixed_precision",
        "deterministic",
    }
)


def records_digest(records: RecordsManifest) -> str:
    """The records' contents as their manifest states them (files, examples, how built)."""
    facts = {
        "files": records.files,
        "vocab_sha256": records.vocab_sha256,
        "max_seq_length": records.max_seq_length,
        "lower_case": records.lower_case,
        "pack_across_docs": records.pack_across_docs,
        "seed": records.seed,
    }
    return hashlib.sha256(json.dumps(facts, sort_keys=True).encode()).hexdigest()


def identity(config: PretrainConfig, records: RecordsManifest) -> dict:
    """What a checkpoint records it was trained on (`config` with the records' facts)."""
    return {
        "vocab_sha256": records.vocab_sha256,
        "records_sha256": records_digest(records),
        "records_examples": records.examples,
        "config": {k: v for k, v in sorted(asdict(config).items()) if k not in FREE_KEYS},
    }


def differences(recorded: dict, current: dict) -> list[str]:
    """How `current` differs from what a checkpoint `recorded`, in words (empty: the same)."""
    found = []
    if recorded.get("vocab_sha256") != current["vocab_sha256"]:
        found.append(
            f"vocab sha256 {str(recorded.get('vocab_sha256'))[:12]}... in the run, "
            f"{current['vocab_sha256'][:12]}... in the records"
        )
    elif recorded.get("records_sha256", current["records_sha256"]) != current["records_sha256"]:
        found.append(
            f"other records ({recorded.get('records_examples')} examples in the run's, "
            f"{current['records_examples']} in these)"
        )
    old, new = recorded.get("config", {}), current["config"]
    for key in sorted(old.keys() | new.keys()):
        if key in old and old.get(key) != new.get(key):
            found.append(
                f"{key} {json.dumps(old.get(key))} in the run, {json.dumps(new.get(key))} now"
            )
    return found


def resume_differences(run_dir: str, trained_on: dict) -> tuple[int, list[str]] | None:
    """(step, differences) of the newest checkpoint in `run_dir` against `trained_on`;
    None when the folder holds no checkpoint."""
    meta = checkpoint.latest_meta(f"{run_dir}/checkpoints")
    if meta is None:
        return None
    recorded = meta.get("trained_on")
    if recorded is None and storage.exists(f"{run_dir}/weights/latest.json"):
        # checkpoints of an older kosent: their weights say the vocab and the config
        weights = checkpoint.read_json(f"{run_dir}/weights/latest.json")
        keys = trained_on["config"]
        recorded = {
            "vocab_sha256": weights.get("vocab_sha256"),
            "config": {k: v for k, v in weights.get("config", {}).items() if k in keys},
        }
    return meta["step"], differences(recorded, trained_on) if recorded else []

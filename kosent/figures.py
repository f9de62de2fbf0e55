"""The key figures of each stage's output for the summary table, read from its manifests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kosent.stages import Plan


def read_json(path: Path) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def corpus(plan: Plan, out: Path) -> dict[str, object]:
    manifest = read_json(out / plan.corpus / "manifest.json")
    found = {k: manifest["totals"][k] for k in ("docs", "sentences", "bytes", "shards")}
    if "reviews" in manifest["sources"]:
        found["reviews docs"] = manifest["sources"]["reviews"]["docs_out"]
    return found


def vocab(plan: Plan, out: Path) -> dict[str, object]:
    report = read_json(out / "vocab" / "report.json")
    return {
        "vocab size": report["vocab_size"],
        "UNK rate": round(report["unk_rate"], 4),
        "chars/token": round(report["characters_per_token"], 2),
    }


def tfrecords(plan: Plan, out: Path) -> dict[str, object]:
    manifest = read_json(out / plan.records / "manifest.json")
    return {
        "examples": manifest["examples"],
        "tokens": manifest["tokens"],
        "padding share": round(manifest["padding_share"], 3),
    }


def pretrain(plan: Plan, out: Path) -> dict[str, object]:
    history = read_json(out / "run" / "train_history.json")
    first, last = history["history"][0], history["history"][-1]
    return {
        "steps": history["steps"],
        "MLM loss": f"{first['mlm_loss']:.2f} -> {last['mlm_loss']:.2f}",
        "discriminator AUC": round(last["disc_auc"], 3),
    }


def export(plan: Plan, out: Path) -> dict[str, object]:
    config = read_json(out / "run" / "hf" / "discriminator" / "config.json")
    return {"hidden size": config["hidden_size"], "layers": config["num_hidden_layers"]}


def nsmc(plan: Plan, out: Path) -> dict[str, object]:
    ours, tfidf = (
        read_json(out / "nsmc" / "results.json"),
        read_json(out / "nsmc-tfidf" / "results.json"),
    )
    return {
        "test acc (dev-selected)": round(ours["test"]["accuracy"], 4),
        "TF-IDF test acc": round(tfidf["test"]["accuracy"], 4),
    }

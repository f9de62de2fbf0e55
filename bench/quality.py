"""Does pretraining help? The tiny ELECTRA pretrained by our pipeline for a CPU budget against
the same architecture from random initialisation, both fine-tuned alike on full NSMC.

    python bench/quality.py [--shared ../shared/data] [--cpu-minutes 30] [--epochs 2]

Steps: corpus (the shared corpora, as bench/corpus_build.py lays them out; NSMC's test split is
never in it) -> vocab (16k) -> TFRecords -> a 50-step calibration run gives CPU seconds per
step -> pretraining for as many steps as fit in --cpu-minutes of this process tree's CPU time ->
export; a random model of the exported config; both fine-tuned with one config (dev split
carved from train, checkpoint selected on dev, test reported once at that choice) and the TF-IDF
baseline. Prints a markdown block for bench/RESULTS.md. Not part of CI (about 30 minutes).
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def run(command: list[str]) -> float:
    """Run a stage (output shown); return the CPU seconds its process tree used."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(f"\n=== {' '.join(command)}", flush=True)
    done = subprocess.run(command, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"failed: {' '.join(command)}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def pretrain_config(path: Path, steps: int, vocab_size: int) -> Path:
    config = {
        "model_size": "tiny",
        "vocab_size": vocab_size,
        "max_seq_length": 128,
        "learning_rate": 1e-3,
        "train_batch_size": 32,
        "num_warmup_steps": max(10, steps // 10),
        "num_train_steps": steps,
        "save_checkpoints_steps": max(50, steps // 5),
        "keep_checkpoint_max": 1,
        "log_every_steps": max(10, steps // 20),
    }
    path.write_text(json.dumps(config, indent=2), encoding="utf-8")
    return path


def random_model(like: Path, out: Path, seed: int = 0) -> Path:
    """The exported model's architecture with fresh random weights, and its tokenizer files."""
    import torch
    from transformers import ElectraConfig, ElectraForPreTraining

    torch.manual_seed(seed)
    ElectraForPreTraining(ElectraConfig.from_pretrained(like)).save_pretrained(out)
    for name in ("vocab.txt", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"):
        if (like / name).exists():
            shutil.copy(like / name, out / name)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--work", type=Path, default=Path("/tmp/kosent-quality"))
    parser.add_argument(
        "--corpus",
        type=Path,
        default=Path("/tmp/kosent-bench/corpus-b/bench"),
        help="a corpus.build output to reuse (built from --shared when missing)",
    )
    parser.add_argument("--cpu-minutes", type=float, default=30)
    parser.add_argument("--epochs", type=float, default=2)
    parser.add_argument("--vocab-size", type=int, default=16000)
    args = parser.parse_args()
    py, work = sys.executable, args.work
    work.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()

    corpus = args.corpus
    if not (corpus / "manifest.json").exists():
        from corpus_build import prepare_inputs

        sources = prepare_inputs(args.shared, work, 1.0)
        recipes = sources.parent / "recipes.toml"  # written by prepare_inputs
        run(
            [
                py,
                "-m",
                "corpus.build",
                "--recipe",
                "bench",
                "--recipes",
                str(recipes),
                "--sources",
                str(sources),
                "--out",
                str(work / "corpus"),
                "--workers",
                "2",
            ]
        )
        corpus = work / "corpus" / "bench"
    vocab = work / "vocab"
    if not (vocab / "vocab.txt").exists():
        run(
            [
                py,
                "-m",
                "vocab.build",
                "--corpus",
                str(corpus),
                "--out",
                str(vocab),
                "--vocab-size",
                str(args.vocab_size),
            ]
        )
    vocab_size = len((vocab / "vocab.txt").read_text(encoding="utf-8").splitlines())
    records = work / "tfrecords"
    if not (records / "manifest.json").exists():
        run(
            [
                py,
                "-m",
                "pretrain.tfrecords",
                "--corpus-dir",
                str(corpus),
                "--vocab-file",
                str(vocab / "vocab.txt"),
                "--output-dir",
                str(records),
                "--max-seq-length",
                "128",
                "--num-processes",
                "2",
            ]
        )

    calibration = work / "calibration"
    shutil.rmtree(calibration, ignore_errors=True)
    calibration_steps = 50
    cpu = run(
        [
            py,
            "-m",
            "pretrain.train",
            "--config",
            str(pretrain_config(work / "calibration.json", calibration_steps, vocab_size)),
            "--data",
            str(records),
            "--out",
            str(calibration),
        ]
    )
    # The calibration's CPU includes start-up (~TensorFlow import, graph tracing): an upper
    # bound per step, so the real run stays within the budget.
    steps = max(100, int(args.cpu_minutes * 60 / (cpu / calibration_steps)))
    run_dir = work / "run"
    shutil.rmtree(run_dir, ignore_errors=True)
    pretrain_cpu = run(
        [
            py,
            "-m",
            "pretrain.train",
            "--config",
            str(pretrain_config(work / "pretrain.json", steps, vocab_size)),
            "--data",
            str(records),
            "--out",
            str(run_dir),
        ]
    )
    run([py, "-m", "pretrain.export", str(run_dir)])
    pretrained = run_dir / "hf" / "discriminator"
    random_dir = random_model(pretrained, work / "random")

    finetune = json.loads((ROOT / "demo" / "finetune.json").read_text())
    finetune.update(
        train_data=str(args.shared / "nsmc" / "ratings_train.txt"),
        test_data=str(args.shared / "nsmc" / "ratings_test.txt"),
        num_train_epochs=args.epochs,
        learning_rate=5e-4,
        train_batch_size=64,
        evals_per_epoch=2,
    )
    config = work / "finetune.json"
    config.write_text(json.dumps(finetune, indent=2), encoding="utf-8")
    results = {}
    for name, model in (("pretrained", pretrained), ("random init", random_dir)):
        out = work / f"nsmc-{name.split()[0]}"
        run(
            [
                py,
                "-m",
                "finetune.nsmc",
                "--model",
                str(model),
                "--config",
                str(config),
                "--out",
                str(out),
                "--no-progress",
            ]
        )
        results[name] = json.loads((out / "results.json").read_text())
    run(
        [
            py,
            "-m",
            "finetune.nsmc",
            "--baseline",
            "tfidf",
            "--config",
            str(config),
            "--out",
            str(work / "nsmc-tfidf"),
        ]
    )
    results["TF-IDF + logistic regression"] = json.loads(
        (work / "nsmc-tfidf" / "results.json").read_text()
    )

    history = json.loads((run_dir / "train_history.json").read_text())
    print(
        f"\npretraining: {steps} steps of the tiny model (vocab {vocab_size}), {pretrain_cpu / 60:.1f} CPU-minutes, "
        f"{history['seconds'] / 60:.1f} wall-minutes; last window: {history['history'][-1]}"
    )
    print(
        "| model | dev acc (selection) | test acc at the dev choice | test macro-F1 | best-on-test (optimistic) |"
    )
    print("|---|---|---|---|---|")
    for name, r in results.items():
        print(
            f"| {name} | {r['dev']['accuracy']:.4f} | {r['test']['accuracy']:.4f} | {r['test']['macro_f1']:.4f} | "
            f"{r.get('best_on_test_accuracy', float('nan')):.4f} |"
        )
    print(f"total wall time {(time.perf_counter() - started) / 60:.1f} min")


if __name__ == "__main__":
    main()

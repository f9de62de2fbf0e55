"""Does pretraining help? The tiny ELECTRA pretrained by our pipeline for a CPU budget against
the same architecture from random initialisation, both fine-tuned alike on full NSMC.

    python bench/quality.py [--shared ../shared/data] [--cpu-minutes 30] [--epochs 2] [--seeds 42 43 44]

Steps: corpus (the shared corpora, as bench/corpus_build.py lays them out; NSMC's test split is
never in it) -> vocab (16k) -> TFRecords -> two calibration runs (30, 90 steps) give CPU seconds per
step -> pretraining for as many steps as fit in --cpu-minutes of this process tree's CPU time ->
export; a random model of the exported config; both fine-tuned with one config per seed (dev
split carved from train, checkpoint selected on dev, test reported once at that choice), an
exact McNemar test on their paired test predictions, and the TF-IDF baseline. Prints a markdown block for bench/RESULTS.md. Not part of CI (about 30 minutes).
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


def pretrain(config: Path, records: Path, out: Path) -> float:
    """`python -m pretrain.train`; the CPU seconds it used."""
    return run(
        [
            sys.executable,
            "-m",
            "pretrain.train",
            "--config",
            str(config),
            "--data",
            str(records),
            "--out",
            str(out),
        ]
    )


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


def mcnemar(a: Path, b: Path) -> str:
    """Exact McNemar test on two models' test predictions (same documents, same order)."""
    from scipy.stats import binomtest

    def correct(folder: Path) -> list[bool]:
        rows = (folder / "test_predictions.tsv").read_text(encoding="utf-8").splitlines()[1:]
        return [row.split("\t")[1] == row.split("\t")[2] for row in rows]

    x, y = correct(a), correct(b)
    only_a = sum(p and not q for p, q in zip(x, y, strict=True))
    only_b = sum(q and not p for p, q in zip(x, y, strict=True))
    p = binomtest(only_a, only_a + only_b).pvalue if only_a + only_b else 1.0
    return f"right only with pretraining {only_a}, only without {only_b}, McNemar exact p = {p:.3g}"


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
    parser.add_argument(
        "--seeds", type=int, nargs="+", default=[42, 43, 44], help="fine-tuning seeds"
    )
    args = parser.parse_args()
    py, work = sys.executable, args.work
    work.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()

    corpus = args.corpus
    if not (corpus / "manifest.json").exists():
        from corpus_build import build_command, prepare_inputs

        sources = prepare_inputs(args.shared, work, 1.0)
        run(build_command(sources, work / "corpus", 2))
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

    # CPU seconds per step from two short runs (their difference cancels start-up: TensorFlow
    # import, tracing), so the real run spends the budget instead of a guess at it.
    cpu = {}
    for calibration_steps in (30, 90):
        calibration = work / f"calibration-{calibration_steps}"
        shutil.rmtree(calibration, ignore_errors=True)
        config = pretrain_config(work / "calibration.json", calibration_steps, vocab_size)
        cpu[calibration_steps] = pretrain(config, records, calibration)
    per_step = (cpu[90] - cpu[30]) / 60
    startup = max(0.0, cpu[30] - 30 * per_step)
    steps = max(100, int((args.cpu_minutes * 60 - startup) / per_step))
    print(f"calibration: {per_step:.3f} CPU s/step, start-up {startup:.0f} CPU s -> {steps} steps")
    run_dir = work / "run"
    shutil.rmtree(run_dir, ignore_errors=True)
    config = pretrain_config(work / "pretrain.json", steps, vocab_size)
    pretrain_cpu = pretrain(config, records, run_dir)
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
    results: dict[str, list[dict]] = {}
    for seed in args.seeds:
        config = work / f"finetune-{seed}.json"
        config.write_text(json.dumps({**finetune, "manual_seed": seed}, indent=2), encoding="utf-8")
        for name, model in (("pretrained", pretrained), ("random init", random_dir)):
            out = work / f"nsmc-{name.split()[0]}-{seed}"
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
            results.setdefault(name, []).append(json.loads((out / "results.json").read_text()))
    tfidf = work / "nsmc-tfidf"
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
            str(tfidf),
        ]
    )
    results["TF-IDF + logistic regression"] = [json.loads((tfidf / "results.json").read_text())]
    first = args.seeds[0]
    paired = mcnemar(work / f"nsmc-pretrained-{first}", work / f"nsmc-random-{first}")

    history = json.loads((run_dir / "train_history.json").read_text())
    print(
        f"\npretraining: {steps} steps of the tiny model (vocab {vocab_size}), {pretrain_cpu / 60:.1f} CPU-minutes, "
        f"{history['seconds'] / 60:.1f} wall-minutes; last window: {history['history'][-1]}"
    )
    print("| model | test acc at the dev choice, per seed | mean test | mean dev |")
    print("|---|---|---|---|")
    for name, runs in results.items():
        tests = [r["test"]["accuracy"] for r in runs]
        devs = [r["dev"]["accuracy"] for r in runs]
        per_seed = ", ".join(f"{t:.4f}" for t in tests)
        print(
            f"| {name} | {per_seed} | {sum(tests) / len(tests):.4f} | {sum(devs) / len(devs):.4f} |"
        )
    print(f"paired on the 50k test documents, seed {first}: {paired}")
    print(f"total wall time {(time.perf_counter() - started) / 60:.1f} min")


if __name__ == "__main__":
    main()

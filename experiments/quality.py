"""Does pretraining help? Arms of the same architecture, vocabulary and evaluation code:

    random    random initialisation (the control)
    general   pretrained on the general bench corpus (comments, Q/A, news, reports; no NSMC)
    indomain  pretrained on NSMC *train* reviews without labels (never test text)
    mix       both corpora together (about 50/50 by bytes; optional)
    mlm       a full-width MLM-only model on the general corpus (optional: is ELECTRA pulling
              its weight?)

    python -m experiments.quality [--budget-minutes 45] [--subsets 10] [--finetune-subsets 5]
        [--full-seeds 3] [--arms general indomain] [--shared ../shared/data]

Pretraining: 8k WordPiece vocabulary (on both corpora), sequence 64 with documents packed,
batch 128, peak lr --learning-rate (default 1e-4; 1e-3 was the first plan: both gave weak
discriminators at this budget, see bench/RESULTS.md), 10% warmup then linear decay to 0 exactly
at the budget, global-norm clipping, dropout 0, generator 1/4 of the discriminator width; the
budget is CPU-minutes per arm (two calibration runs give CPU seconds per step; --steps N skips
them and repeats an earlier run's arms step for step). The generator's
MLM accuracy and the discriminator's AUC (against the learned generator) are logged; the report
says whether both learned.

Evaluation, clearest signal first, test always the full 50k NSMC test split scored once at the
dev choice (dev: a seeded 10% of train, never trained on):
 1. frozen-encoder linear probe (mean-pooled last layer, logistic regression, C chosen on dev) at
    1k and 5k labels (--subsets label subsets each, the same subsets for every arm) and all labels,
    with TF-IDF on the same subsets (--subsets 0 skips it, with --finetune-subsets 0);
 2. fine-tuning with 1k and 5k labels (--finetune-subsets subsets), learning rate and epoch chosen
    per arm on a 2,000-review dev sample;
 3. all labels, --full-seeds seeds, `python -m finetune.nsmc` (checkpoint chosen on dev).
Statistics: per comparison with random init, the mean paired difference with a 95% t interval and
a Wilcoxon signed-rank p across subsets/seeds; exact McNemar on the all-label runs.
Writes WORK/report.json, WORK/REPORT.md, WORK/curves.png and WORK/labels.png; prints REPORT.md.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from bench.common.corpus_inputs import SOURCES
from experiments.quality_stats import mcnemar, mean_ci, paired_difference
from kosent_common.resume import finished, read_state, write_state

ROOT = Path(__file__).resolve().parents[1]

# The corpus bench's sources less NSMC (the in-domain arm's text) and NSMC's raw crawl.
GENERAL_SOURCES = tuple(s for s in SOURCES if s not in ("nsmc", "reviews"))
# NSMC's raw crawl ("reviews" in the corpus bench) is left out everywhere: it holds test reviews.
ARM_CORPORA = {
    "general": ("general",),
    "indomain": ("indomain",),
    "mix": ("general", "indomain"),
    "mlm": ("general",),
}
PRETRAIN = {
    "model_size": "mini",
    "max_seq_length": 64,
    "train_batch_size": 128,
    "learning_rate": 1e-4,  # --learning-rate
    "dropout": 0.0,
    "generator_hidden_size": 0.25,
    "keep_checkpoint_max": 1,
}
DEV_SEED = 42
FINETUNE_LRS = (3e-4, 1e-3)  # the first grid; --finetune-lrs
FINETUNE_EPOCHS = (10, 4)  # most epochs at <= 1,000 labels, above; --finetune-epochs


def run(command: list[str]) -> float:
    """Run a stage (output shown); return the CPU seconds its process tree used."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(f"\n=== {' '.join(command)}", flush=True)
    if subprocess.run(command, cwd=ROOT).returncode != 0:
        raise SystemExit(f"failed: {' '.join(command)}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def build_corpora(shared: Path, work: Path, fraction: float) -> Path:
    """corpus.build of every source but NSMC's raw crawl; returns the corpus folder."""
    from bench.common.corpus_inputs import prepare_inputs

    sources = prepare_inputs(shared, work, fraction)
    recipes = sources.parent / "quality-recipes.toml"
    names = ", ".join(f'"{s}"' for s in (*GENERAL_SOURCES, "nsmc"))
    recipes.write_text(f"[quality]\nvocab_size = 8000\nsources = [{names}]\n", encoding="utf-8")
    corpus = work / "corpus" / "quality"
    if not (corpus / "manifest.json").exists():
        run(
            [
                sys.executable,
                "-m",
                "corpus.build",
                "--recipe",
                "quality",
                "--recipes",
                str(recipes),
                "--sources",
                str(sources),
                "--out",
                str(work / "corpus"),
                "--workers",
                "2",
                "--no-progress",
            ]
        )
    return corpus


def split_by_source(corpus: Path, work: Path) -> dict[str, Path]:
    """ELECTRA text folders `general` (every source but NSMC) and `indomain` (NSMC train)."""
    import polars as pl

    folders = {name: work / "text" / name for name in ("general", "indomain")}
    if all(
        finished(f / "state.json", "corpus", str(corpus), [f / "shard-00000.txt"])
        for f in folders.values()
    ):
        return folders
    frame = pl.read_parquet(sorted((corpus / "parquet").glob("shard-*.parquet")))
    for name, folder in folders.items():
        folder.mkdir(parents=True, exist_ok=True)
        rows = frame.filter((pl.col("source") == "nsmc") == (name == "indomain"))
        text = "\n\n".join("\n".join(s) for s in rows["sentences"].to_list()) + "\n"
        (folder / "shard-00000.txt").write_text(text, encoding="utf-8")
        write_state(folder / "state.json", {"corpus": str(corpus), "documents": rows.height})
    return folders


def records_for(arm: str, texts: dict[str, Path], vocab: Path, work: Path) -> Path:
    folder = work / "records" / "+".join(ARM_CORPORA[arm])
    if (folder / "manifest.json").exists():
        return folder
    inputs = work / "records-input" / folder.name
    inputs.mkdir(parents=True, exist_ok=True)
    for part in ARM_CORPORA[arm]:
        target = inputs / f"{part}.txt"
        if not target.exists():
            target.symlink_to(texts[part] / "shard-00000.txt")
    run(
        [
            sys.executable,
            "-m",
            "pretrain.tfrecords",
            "--corpus-dir",
            str(inputs),
            "--vocab-file",
            str(vocab / "vocab.txt"),
            "--output-dir",
            str(folder),
            "--max-seq-length",
            str(PRETRAIN["max_seq_length"]),
            "--pack-across-docs",
            "--num-processes",
            "2",
        ]
    )
    return folder


def pretrain(arm: str, records: Path, vocab_size: int, steps: int, out: Path, lr: float) -> float:
    """`python -m pretrain.train` for `steps`; the CPU seconds it used."""
    config = {
        **PRETRAIN,
        "learning_rate": lr,
        "vocab_size": vocab_size,
        "num_train_steps": steps,
        "num_warmup_steps": max(1, steps // 10),
        "save_checkpoints_steps": steps,
        "log_every_steps": max(1, steps // 20),
    }
    if arm == "mlm":  # the generator is the model: full width, no discriminator loss
        config.update(generator_hidden_size=1.0, disc_weight=0.0)
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    (out.parent / f"{out.name}.json").write_text(json.dumps(config, indent=2))
    return run(
        [
            sys.executable,
            "-m",
            "pretrain.train",
            "--config",
            str(out.parent / f"{out.name}.json"),
            "--data",
            str(records),
            "--out",
            str(out),
        ]
    )


def random_model(like: Path, out: Path, seed: int = 0) -> Path:
    """The exported architecture with fresh random weights (HF's own initialisation); made once
    (in a temporary folder, then renamed), a rerun reuses it."""
    import torch
    from transformers import ElectraConfig, ElectraForPreTraining

    if out.exists():
        return out
    tmp = out.with_name(f".{out.name}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    torch.manual_seed(seed)
    ElectraForPreTraining(ElectraConfig.from_pretrained(like)).save_pretrained(tmp)
    for name in ("vocab.txt", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"):
        if (like / name).exists():
            shutil.copy(like / name, tmp / name)
    tmp.rename(out)
    return out


def steps_in_budget(cpu: dict[int, float], budget_minutes: float) -> tuple[int, float]:
    """Pretraining steps that fit `budget_minutes` CPU-minutes, from the CPU seconds of two
    calibration runs of 20 and 60 steps (their difference cancels start-up); and the CPU
    seconds per step."""
    per_step = (cpu[60] - cpu[20]) / 40
    startup = max(0.0, cpu[20] - 20 * per_step)
    steps = max(50, int((budget_minutes * 60 - startup) / per_step))
    print(f"calibration: {per_step:.2f} CPU s/step, start-up {startup:.0f} CPU s -> {steps} steps")
    return steps, per_step


def pretext(history_file: Path) -> dict:
    """First and last logged windows of the pretext metrics, and whether both models learned:
    the generator's MLM loss fell by half a nat or more and the discriminator's AUC against it
    ends at 0.6 or above (it is ~0.55 while the generator's samples follow the token
    frequencies and the discriminator has not learned context: bench/RESULTS.md)."""
    history = json.loads(history_file.read_text())["history"]
    first, last = history[0], history[-1]
    learned = first["mlm_loss"] - last["mlm_loss"] >= 0.5 and last["disc_auc"] >= 0.6
    return {
        "steps": last["step"],
        "mlm_accuracy": [first["mlm_accuracy"], last["mlm_accuracy"]],
        "mlm_loss": [first["mlm_loss"], last["mlm_loss"]],
        "disc_auc": [first["disc_auc"], last["disc_auc"]],
        "disc_auc_best": max(h["disc_auc"] for h in history),
        "learned": learned,
        "curve": [
            {k: h[k] for k in ("step", "mlm_accuracy", "disc_auc", "disc_loss")} for h in history
        ],
    }


def label_subsets(pool_size: int, sizes: list[int], count: int) -> dict[int, list[list[int]]]:
    """The same seeded label subsets for every arm."""
    return {
        n: [sorted(random.Random(n * 1000 + i).sample(range(pool_size), n)) for i in range(count)]
        for n in sizes
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--work", type=Path, default=Path("/tmp/kosent-quality2"))
    parser.add_argument("--budget-minutes", type=float, default=45, help="CPU-minutes per arm")
    parser.add_argument(
        "--arms",
        nargs="+",
        default=["general", "indomain"],
        choices=sorted(ARM_CORPORA),
        help="pretrained arms (random always runs)",
    )
    parser.add_argument(
        "--steps",
        type=int,
        help="pretraining steps per arm, instead of calibrating them on --budget-minutes "
        "(to repeat an earlier run's arms)",
    )
    parser.add_argument(
        "--subsets", type=int, default=10, help="label subsets per size (0 skips the probe)"
    )
    parser.add_argument("--finetune-subsets", type=int, default=5, help="0 skips fine-tuning")
    parser.add_argument("--label-sizes", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument(
        "--finetune-lrs",
        type=float,
        nargs="+",
        default=list(FINETUNE_LRS),
        help="fine-tuning learning rates to choose from on dev",
    )
    parser.add_argument(
        "--finetune-epochs",
        type=int,
        nargs=2,
        default=list(FINETUNE_EPOCHS),
        metavar=("AT_1K", "ABOVE"),
        help="most epochs (chosen on dev) at <= 1,000 labels and above",
    )
    parser.add_argument(
        "--finetune-sizes",
        type=int,
        nargs="+",
        help="fine-tune at these of --label-sizes only (default: all of them)",
    )
    parser.add_argument("--full-seeds", type=int, default=3, help="all-label runs; 0 skips")
    parser.add_argument(
        "--finetune-arms",
        nargs="+",
        help="low-label fine-tuning of these arms only (as --full-arms, for sharing out)",
    )
    parser.add_argument(
        "--full-arms",
        nargs="+",
        help="all-label runs of these arms only (random among them), to share the runs out "
        "between processes; a last run without it finds them all kept and writes the report",
    )
    parser.add_argument("--vocab-size", type=int, default=8000)
    parser.add_argument(
        "--learning-rate",
        type=float,
        default=PRETRAIN["learning_rate"],
        help="peak pretraining learning rate",
    )
    parser.add_argument(
        "--fraction",
        type=float,
        default=1.0,
        help="first fraction of each corpus source (a quick check: 0.05)",
    )
    parser.add_argument(
        "--eval-limit",
        type=int,
        help="a quick check: at most this many train/dev/test reviews each "
        "(the report says so; full runs leave it unset)",
    )
    args = parser.parse_args()
    work, py = args.work, sys.executable
    work.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()

    corpus = build_corpora(args.shared, work, args.fraction)
    texts = split_by_source(corpus, work)
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
    records = {arm: records_for(arm, texts, vocab, work) for arm in args.arms}

    # CPU seconds per step from two short runs: their difference cancels start-up (imports,
    # tracing), so each arm spends its budget on steps.
    first = records[args.arms[0]]
    calibration = work / "calibration.json"
    per_step = None
    if args.steps:  # an earlier run's arms, repeated step for step
        steps = args.steps
        print(f"--steps {steps}: no calibration")
    else:
        if calibration.exists():  # a rerun after a crash keeps its budget in steps
            cpu = {int(k): v for k, v in json.loads(calibration.read_text()).items()}
        else:
            cpu = {
                n: pretrain(
                    "calibration",
                    first,
                    vocab_size,
                    n,
                    work / f"calibration-{n}",
                    args.learning_rate,
                )
                for n in (20, 60)
            }
            calibration.write_text(json.dumps(cpu))
        steps, per_step = steps_in_budget(cpu, args.budget_minutes)

    lr = args.learning_rate
    models: dict[str, Path] = {}
    report: dict = {
        "budget_cpu_minutes": args.budget_minutes,
        "steps": steps,
        "cpu_seconds_per_step": per_step,
        "vocab_size": vocab_size,
        "learning_rate": lr,
        "pretraining": {},
        "probe": {},
        "finetune": {},
        "full": {},
    }
    for arm in args.arms:
        out = work / "runs" / arm
        done = out / "pretrain_cpu_seconds.json"
        earlier = read_state(done) or {}
        # markers written before --learning-rate existed are from 1e-3 runs
        if earlier.get("steps") == steps and earlier.get("learning_rate", 1e-3) == lr:
            cpu_seconds = earlier["cpu_seconds"]  # finished before a crash
        else:
            for stale in (work / "results").glob(f"*/*/{arm}[-.]*json"):
                stale.unlink()  # scores of this arm's earlier model
            cpu_seconds = pretrain(arm, records[arm], vocab_size, steps, out, lr)
            run([py, "-m", "pretrain.export", str(out)])
            write_state(done, {"steps": steps, "cpu_seconds": cpu_seconds, "learning_rate": lr})
        report["pretraining"][arm] = {
            **pretext(out / "train_history.json"),
            "cpu_minutes": cpu_seconds / 60,
            "tokens": steps * PRETRAIN["train_batch_size"] * PRETRAIN["max_seq_length"],
        }
        if arm == "mlm":
            models["mlm"] = out / "hf" / "generator"
        else:
            models[arm] = out / "hf" / "discriminator"
            models[f"{arm} (generator)"] = out / "hf" / "generator"
    models = {"random": random_model(next(iter(models.values())), work / "random"), **models}

    from experiments.quality_finetune import finetune_select
    from experiments.quality_probe import encode_texts, linear_probe
    from finetune.baseline import tfidf_baseline
    from finetune.data import read_nsmc, train_dev_split, without_empty

    train_all, _ = read_nsmc(args.shared / "nsmc" / "ratings_train.txt")
    test, _ = read_nsmc(args.shared / "nsmc" / "ratings_test.txt")
    pool, dev = train_dev_split(without_empty(train_all), 0.1, DEV_SEED)
    if args.eval_limit:  # quick check only
        pool, dev, test = (
            s.subset(list(range(min(len(s), args.eval_limit)))) for s in (pool, dev, test)
        )
        report["eval_limit"] = args.eval_limit
    if args.finetune_subsets > args.subsets:
        parser.error("--finetune-subsets takes the first of the --subsets label subsets")
    subsets = label_subsets(len(pool), args.label_sizes, args.subsets)
    y_pool, y_dev, y_test = (np.asarray(s.labels) for s in (pool, dev, test))
    sizes = [*args.label_sizes, "all"]

    # Each result below is kept in WORK/results/ as it is made: a rerun (after a crash, or in a
    # later session) computes only what is missing. Delete the folder to start over.
    results = work / "results" / f"{args.subsets}-{'-'.join(map(str, args.label_sizes))}"

    # 1. Linear probe on frozen features.
    def probe_model(folder: Path) -> dict:
        t0 = time.perf_counter()
        x = {
            split: encode_texts(folder, s.texts, PRETRAIN["max_seq_length"])
            for split, s in (("pool", pool), ("dev", dev), ("test", test))
        }
        print(f"features of {folder}: {time.perf_counter() - t0:.0f} s", flush=True)
        return {
            n: [
                linear_probe(x["pool"][i], y_pool[i], x["dev"], y_dev, x["test"], y_test)
                for i in (subsets[n] if n != "all" else [list(range(len(pool)))])
            ]
            for n in sizes
        }

    probe = {
        name: cached(results / "probe" / f"{slug(name)}.json", lambda f=folder: probe_model(f))
        for name, folder in models.items()
        if args.subsets
    }
    if args.subsets:
        probe["tf-idf"] = cached(
            results / "probe" / "tf-idf.json",
            lambda: {
                n: [
                    tfidf_baseline(pool.subset(i), dev, test)
                    for i in (subsets[n] if n != "all" else [list(range(len(pool)))])
                ]
                for n in sizes
            },
        )
    report["probe"] = summarise(probe, sizes)

    # 2. Low-label fine-tuning; 3. all labels.
    if args.finetune_subsets:
        dev_small = dev.subset(
            sorted(random.Random(DEV_SEED).sample(range(len(dev)), min(2000, len(dev))))
        )
        tuned: dict[str, dict] = {}
        grid = finetune_folder(args.finetune_lrs, args.finetune_epochs)
        sizes_tuned = args.finetune_sizes or args.label_sizes
        if set(sizes_tuned) - set(args.label_sizes):
            parser.error("--finetune-sizes must be among --label-sizes")
        report["finetune_grid"] = {"folder": grid, "learning_rates": args.finetune_lrs,
                                   "most_epochs": args.finetune_epochs}  # fmt: skip
        for name in tuned_arms(models, args.finetune_arms, "--finetune-arms"):
            folder = models[name]
            tuned[name] = {}
            for n in sizes_tuned:
                tuned[name][str(n)] = [
                    cached(
                        results / grid / f"{slug(name)}-{n}-{k}.json",
                        lambda folder=folder, n=n, k=k, i=i: finetune_select(
                            folder,
                            pool.subset(i),
                            dev_small,
                            None,
                            test,
                            learning_rates=tuple(args.finetune_lrs),
                            epochs=args.finetune_epochs[0 if n <= 1000 else 1],
                            seed=k,
                            max_length=PRETRAIN["max_seq_length"],
                        ),
                    )
                    for k, i in enumerate(subsets[n][: args.finetune_subsets])
                ]
        report["finetune"] = summarise(tuned, sizes_tuned)
    if args.full_seeds:
        report["full"] = full_label_runs(models, args, work)

    report["seconds"] = time.perf_counter() - started
    write_report(report, work)


def finetune_folder(learning_rates: list[float], most_epochs: list[int]) -> str:
    """Where one fine-tuning grid's results are kept: "finetune" for the first grid (the
    results made before the grid was an option), else named after the grid, so a result is
    never read back for a grid it was not chosen on."""
    if tuple(learning_rates) == FINETUNE_LRS and tuple(most_epochs) == FINETUNE_EPOCHS:
        return "finetune"
    lrs = ",".join(f"{lr:g}" for lr in learning_rates)
    return f"finetune-lr{lrs}-ep{most_epochs[0]},{most_epochs[1]}"


def slug(name: str) -> str:
    return name.replace(" ", "-").replace("(", "").replace(")", "")


def cached(path: Path, compute) -> object:
    """`compute()`, or what an earlier run stored at `path` (JSON; numpy arrays as lists, dict
    keys as strings, so a fresh result reads back exactly as a stored one)."""
    if not path.exists():
        value = json.dumps(compute(), default=lambda v: np.asarray(v).tolist())
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(value)
        tmp.replace(path)
    return json.loads(path.read_text())


def summarise(results: dict[str, dict], sizes: list) -> dict:
    """Per arm and label count: accuracies, mean ± CI; paired with random init."""
    out: dict[str, dict] = {}
    for name, per_size in results.items():
        out[name] = {}
        for n in sizes:
            runs = per_size[str(n)]
            acc = [r["test"]["accuracy"] if "test" in r else r["test_accuracy"] for r in runs]
            mean, half = mean_ci(acc)
            row = {"test_accuracy": acc, "mean": mean, "ci95_half": half}
            if name != "random" and name != "tf-idf" and "random" in results:
                base = [r["test_accuracy"] for r in results["random"][str(n)]]
                row["vs_random"] = paired_difference(acc, base)
                if len(runs) == 1:
                    row["mcnemar_vs_random"] = mcnemar(
                        runs[0]["test_correct"], results["random"][str(n)][0]["test_correct"]
                    )
            out[name][str(n)] = row
    return out


IDENTITY = "bench_identity.json"


def run_identity(config: Path, model_dir: Path) -> str:
    """What a fine-tuning run's result depends on here: its config and its model file."""
    weights = model_dir / "model.safetensors"
    return json.dumps({"config": config.read_text(), "model": str(weights),
                       "model_mtime_ns": weights.stat().st_mtime_ns})  # fmt: skip


def finished_run(out: Path, identity: str) -> bool:
    """`finetune.nsmc` finished in `out` (results.json is written last, atomically) for the same
    identity (`mark_finished`)."""
    return finished(out / IDENTITY, "identity", identity, [out / "results.json"]) is not None


def mark_finished(out: Path, identity: str) -> None:
    write_state(out / IDENTITY, {"identity": identity})


def tuned_arms(models: dict[str, Path], only: list[str] | None, option: str) -> list[str]:
    """The arms this process fine-tunes: every fine-tunable model, or `only` (given as
    `option`, named in the error)."""
    arms = [name for name in models if "(generator)" not in name]
    if only is None:
        return arms
    unknown = sorted(set(only) - set(arms))
    if unknown:
        raise SystemExit(f"{option} {' '.join(unknown)}: not among this run's arms {arms}")
    return [name for name in arms if name in only]


def full_label_runs(models: dict[str, Path], args, work: Path) -> dict:
    """`python -m finetune.nsmc` on all labels, per arm and seed; McNemar per seed vs random."""
    base = json.loads((ROOT / "demo" / "finetune.json").read_text())
    base.update(
        train_data=str(args.shared / "nsmc" / "ratings_train.txt"),
        test_data=str(args.shared / "nsmc" / "ratings_test.txt"),
        num_train_epochs=2,
        learning_rate=5e-4,
        train_batch_size=64,
        evals_per_epoch=2,
        max_seq_length=PRETRAIN["max_seq_length"],
        manual_seed=DEV_SEED,
    )
    arms = tuned_arms(models, args.full_arms, "--full-arms")
    correct: dict[str, list] = {}
    accuracy: dict[str, list[float]] = {}
    for seed in range(args.full_seeds):
        config = work / f"full-{seed}.json"
        config.write_text(json.dumps({**base, "manual_seed": DEV_SEED + seed}, indent=2))
        for name in arms:
            out = work / "full" / f"{name}-{seed}"
            identity = run_identity(config, models[name])
            if not finished_run(out, identity):  # else kept: the benchmark resumes run by run
                shutil.rmtree(out, ignore_errors=True)
                run([sys.executable, "-m", "finetune.nsmc", "--model", str(models[name]),
                     "--config", str(config), "--out", str(out), "--no-progress"])  # fmt: skip
                mark_finished(out, identity)
            rows = (out / "test_predictions.tsv").read_text().splitlines()[1:]
            correct.setdefault(name, []).append(
                [r.split("\t")[1] == r.split("\t")[2] for r in rows]
            )
            accuracy.setdefault(name, []).append(
                json.loads((out / "results.json").read_text())["test"]["accuracy"]
            )
    out: dict[str, dict] = {}
    for name in arms:
        mean, half = mean_ci(accuracy[name])
        out[name] = {"test_accuracy": accuracy[name], "mean": mean, "ci95_half": half}
        if name != "random" and "random" in accuracy:
            out[name]["vs_random"] = paired_difference(accuracy[name], accuracy["random"])
            out[name]["mcnemar_vs_random"] = [
                mcnemar(a, b) for a, b in zip(correct[name], correct["random"], strict=True)
            ]
    return out


def budget_line(report: dict) -> str:
    """How the pretraining steps were set: calibrated on the CPU budget, or given."""
    per_step = report["cpu_seconds_per_step"]
    if per_step is None:
        return f"{report['steps']} pretraining steps per arm (given with --steps)"
    return (
        f"Budget {report['budget_cpu_minutes']:g} CPU-minutes per arm: {report['steps']} "
        f"steps ({per_step:.2f} CPU s/step)"
    )


def _fmt_diff(row: dict) -> str:
    d = row.get("vs_random")
    if not d:
        return ""
    text = f"{d['mean']:+.4f}"
    if d["n"] >= 2:
        text += f" [{d['ci95'][0]:+.4f}, {d['ci95'][1]:+.4f}], Wilcoxon p {d['wilcoxon_p']:.3g}"
    m = row.get("mcnemar_vs_random")  # one run: a dict; the all-label runs: one per seed
    if isinstance(m, dict):
        text += f", McNemar p {m['p']:.3g} ({m['only_a']} vs {m['only_b']})"
    elif m:
        text += ", McNemar p per seed " + "; ".join(
            f"{r['p']:.3g} ({r['only_a']} vs {r['only_b']})" for r in m
        )
    return text


def write_report(report: dict, work: Path) -> None:
    def clean(value):
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items() if k != "test_correct"}
        if isinstance(value, list):
            return [clean(v) for v in value]
        return value.item() if isinstance(value, np.generic) else value

    (work / "report.json").write_text(json.dumps(clean(report), indent=2) + "\n")
    limit = report.get("eval_limit")
    lines = [f"QUICK CHECK: at most {limit} reviews per split; not a result.", ""] if limit else []
    lines += [
        budget_line(report) + ", vocab "
        f"{report['vocab_size']}, peak lr {report.get('learning_rate', 1e-3):g}; "
        f"this invocation {report['seconds'] / 60:.0f} min (results kept from earlier ones "
        "are not re-timed).",
        "",
        "| arm | CPU-min | tokens | MLM acc first -> last | disc AUC first -> last (best) | "
        "both learned (MLM loss -0.5, final AUC >= 0.6) |",
        "|---|---:|---:|---|---|---|",
    ]
    for arm, p in report["pretraining"].items():
        lines.append(
            f"| {arm} | {p['cpu_minutes']:.1f} | {p['tokens'] / 1e6:.1f}M | "
            f"{p['mlm_accuracy'][0]:.3f} -> {p['mlm_accuracy'][1]:.3f} | "
            f"{p['disc_auc'][0]:.3f} -> {p['disc_auc'][1]:.3f} "
            f"({p.get('disc_auc_best', max(p['disc_auc'])):.3f}) | "
            f"{'yes' if p['learned'] else 'NO'} |"
        )
    grid = report.get("finetune_grid") or {"learning_rates": FINETUNE_LRS,
                                           "most_epochs": FINETUNE_EPOCHS}  # fmt: skip
    tuning = (
        f"Fine-tuning (lr from {{{', '.join(f'{lr:g}' for lr in grid['learning_rates'])}}} and "
        f"epoch, at most {grid['most_epochs'][0]} at <= 1k labels and {grid['most_epochs'][1]} "
        "above, chosen on dev)"
    )
    for title, table in (
        ("Linear probe (frozen encoder)", report["probe"]),
        (tuning, report["finetune"]),
        ("All labels, fine-tuned", report["full"]),
    ):
        if not table:
            continue
        lines += [
            "",
            f"### {title}: test accuracy, mean ± 95% CI half-width; "
            "difference from random init [95% CI]",
            "",
            "| model | labels | test accuracy | vs random |",
            "|---|---|---|---|",
        ]
        for name, per_size in table.items():
            rows = per_size.items() if "mean" not in per_size else [("all", per_size)]
            for n, row in rows:
                runs = len(row["test_accuracy"])
                lines.append(
                    f"| {name} | {n} | {row['mean']:.4f} ± {row['ci95_half']:.4f} "
                    f"(n={runs}) | {_fmt_diff(row)} |"
                )
    text = "\n".join(lines) + "\n"
    (work / "REPORT.md").write_text(text)
    plot(report, work)
    print(text)


def plot(report: dict, work: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for arm, p in report["pretraining"].items():
        steps = [c["step"] for c in p["curve"]]
        axes[0].plot(steps, [c["mlm_accuracy"] for c in p["curve"]], label=arm)
        axes[1].plot(steps, [c["disc_auc"] for c in p["curve"]], label=arm)
    axes[0].set(title="generator MLM accuracy", xlabel="step")
    axes[1].set(title="discriminator AUC vs the generator", xlabel="step")
    axes[0].legend()
    fig.tight_layout()
    fig.savefig(work / "curves.png", dpi=100)
    tables = [
        (t, report[k]) for t, k in (("probe", "probe"), ("fine-tuning", "finetune")) if report[k]
    ]
    if not tables:  # --subsets 0 --finetune-subsets 0: no label curve to draw
        (work / "labels.png").unlink(missing_ok=True)  # nor an earlier run's left beside it
        return
    fig, axes = plt.subplots(1, len(tables), figsize=(5 * len(tables), 4), squeeze=False)
    for ax, (title, table) in zip(axes[0], tables, strict=True):
        for name, per_size in table.items():
            sizes = [n for n in per_size if n != "all"]
            ax.errorbar(
                [int(n) for n in sizes],
                [per_size[n]["mean"] for n in sizes],
                yerr=[per_size[n]["ci95_half"] for n in sizes],
                marker="o",
                capsize=3,
                label=name,
            )
        ax.set(xscale="log", title=f"NSMC test accuracy, {title}", xlabel="labels")
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(work / "labels.png", dpi=100)


if __name__ == "__main__":
    main()

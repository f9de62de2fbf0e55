"""NSMC fine-tuning throughput: our loop vs a plain transformers `Trainer`, same model and
settings, in one run; and the TF-IDF baseline's NSMC accuracy (dev-selected).

    OMP_NUM_THREADS=2 python -m bench.finetune_loop --vocab-dir DIR [--shared ../shared/data]

DIR holds a vocab.txt + tokenizer files (e.g. /tmp/kosent-bench/vocab from `make bench`).
The model is ELECTRA-small-sized (hidden 256, 12 layers, embedding 128) and randomly
initialised: throughput does not depend on the weights.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def small_model(vocab_dir: Path, out: Path) -> Path:
    from finetune.random_model import save_random_electra

    return save_random_electra(
        vocab_dir,
        out,
        embedding_size=128,
        hidden_size=256,
        num_hidden_layers=12,
        num_attention_heads=4,
        intermediate_size=1024,
    )


def ours(model_dir: Path, train, config) -> tuple[float, float]:
    """Examples/s of finetune.train: (its per-step window, collation included; the whole
    train_and_select call, which also tokenizes, evaluates 1 dev/test example and saves)."""
    from finetune.nsmc import load_model
    from finetune.train import train_and_select

    tokenizer, model = load_model(model_dir)
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        results = train_and_select(
            model,
            tokenizer,
            train,
            train.subset([0]),
            train.subset([0]),
            config,
            Path(tmp),
            progress=False,
        )
        whole = time.perf_counter() - started
    return results["train_examples_per_second"], len(train) * config.num_train_epochs / whole


def trainer(model_dir: Path, train, config) -> tuple[float, float]:
    """Examples/s of transformers' Trainer with its length grouping on: (in the same per-step
    window as ours: collation + forward/backward/optimizer, summed over steps; whole train())."""
    import torch
    from transformers import (
        AutoTokenizer,
        DataCollatorWithPadding,
        ElectraForSequenceClassification,
        Trainer,
        TrainerCallback,
        TrainingArguments,
    )

    window = {"seconds": 0.0, "started": 0.0}

    class StepClock(TrainerCallback):
        def on_step_begin(self, args, state, control, **kwargs):
            window["started"] = time.perf_counter()

        def on_step_end(self, args, state, control, **kwargs):
            window["seconds"] += time.perf_counter() - window["started"]

    class TimedCollator(DataCollatorWithPadding):  # collation runs outside Trainer's step
        def __call__(self, features):
            started = time.perf_counter()
            batch = super().__call__(features)
            window["seconds"] += time.perf_counter() - started
            return batch

    torch.manual_seed(config.manual_seed)
    tokenizer = AutoTokenizer.from_pretrained(str(model_dir))
    model = ElectraForSequenceClassification.from_pretrained(str(model_dir), num_labels=2)
    encoded = tokenizer(train.texts, truncation=True, max_length=config.max_seq_length)
    rows = [
        {"input_ids": i, "attention_mask": m, "labels": y}
        for i, m, y in zip(
            encoded["input_ids"], encoded["attention_mask"], train.labels, strict=True
        )
    ]
    with tempfile.TemporaryDirectory() as tmp:
        args = TrainingArguments(
            output_dir=tmp,
            per_device_train_batch_size=config.train_batch_size,
            num_train_epochs=config.num_train_epochs,
            learning_rate=config.learning_rate,
            warmup_steps=config.warmup_ratio,
            weight_decay=config.weight_decay,  # float = ratio
            seed=config.manual_seed,
            save_strategy="no",
            eval_strategy="no",
            report_to=[],
            logging_strategy="no",
            dataloader_num_workers=0,
            use_cpu=True,
            train_sampling_strategy="group_by_length",  # Trainer's own length grouping
        )
        run = Trainer(
            model=model,
            args=args,
            train_dataset=rows,
            data_collator=TimedCollator(tokenizer),
            processing_class=tokenizer,
            callbacks=[StepClock()],
        )
        started = time.perf_counter()
        run.train()
        whole = time.perf_counter() - started
        examples = len(rows) * config.num_train_epochs
        return examples / window["seconds"], examples / whole


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--vocab-dir", type=Path, required=True)
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--examples", type=int, default=2000, help="training examples timed")
    parser.add_argument("--no-tfidf", action="store_true", help="skip the TF-IDF accuracy")
    parser.add_argument(
        "--rounds",
        type=int,
        default=2,
        help="ours, Trainer, ours, ...: best of each (the first round also warms up the process)",
    )
    args = parser.parse_args()

    import torch

    from finetune.baseline import tfidf_baseline
    from finetune.config import FinetuneConfig
    from finetune.data import read_nsmc, train_dev_split, without_empty

    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "2")))
    config = FinetuneConfig(
        num_train_epochs=1, train_batch_size=32, max_seq_length=128, evals_per_epoch=1
    )
    full, _ = read_nsmc(args.shared / "nsmc" / "ratings_train.txt")
    test, _ = read_nsmc(args.shared / "nsmc" / "ratings_test.txt")
    train, dev = train_dev_split(without_empty(full), 0.1, 42)
    sample = train.subset(list(range(args.examples)))
    with tempfile.TemporaryDirectory() as tmp:
        model_dir = small_model(args.vocab_dir, Path(tmp) / "small")
        runs = {"ours": [], "trainer": []}
        for _ in range(args.rounds):  # alternate, so warm-up and drift hit both sides
            runs["ours"].append(ours(model_dir, sample, config))
            runs["trainer"].append(trainer(model_dir, sample, config))
        ours_rate, ours_whole = (max(v) for v in zip(*runs["ours"], strict=True))
        trainer_rate, trainer_whole = (max(v) for v in zip(*runs["trainer"], strict=True))
    baseline = None if args.no_tfidf else tfidf_baseline(train, dev, test)
    print(f"""
### finetune ({time.strftime("%Y-%m-%d")}, {os.cpu_count()} cores, torch threads {torch.get_num_threads()})

ELECTRA-small-sized model (random init), {args.examples} NSMC training examples, batch 32,
max_seq_length 128, 1 epoch, CPU; best of {args.rounds} alternated rounds per side.

| loop | examples/s, per-step window | vs Trainer | examples/s, whole train() | vs Trainer |
|---|---:|---:|---:|---:|
| transformers Trainer, `train_sampling_strategy="group_by_length"` + DataCollatorWithPadding | {trainer_rate:.1f} | 1.00x | {trainer_whole:.1f} | 1.00x |
| finetune.train (length-grouped, padded per batch) | {ours_rate:.1f} | {ours_rate / trainer_rate:.2f}x | {ours_whole:.1f} | {ours_whole / trainer_whole:.2f}x |

Per-step window: collation + forward/backward/clip/optimizer, summed over steps (Trainer: its
on_step_begin..on_step_end plus its collator's time). Whole: Trainer.train() vs our
train_and_select (which also tokenizes, evaluates one dev/test example and saves the model).
""")
    if baseline is None:
        return
    print(f"""
TF-IDF (char_wb 1-3) + logistic regression on full NSMC ({len(train):,} train / {len(dev):,} dev /
{len(test):,} test): C={baseline["selected_C"]} selected on dev (dev {baseline["dev"]["accuracy"]:.4f}),
**test {baseline["test"]["accuracy"]:.4f}**, macro-F1 {baseline["test"]["macro_f1"]:.4f}
(best-on-test {baseline["best_on_test_accuracy"]:.4f}); {baseline["seconds"]:.0f} s.
""")


if __name__ == "__main__":
    main()

"""The fine-tuning loop: length-grouped batches padded per batch, AdamW + linear warmup,
periodic evaluation on dev (selection) and test (reported once, at the dev-selected point)."""

from __future__ import annotations

import contextlib
import random
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch

from finetune.config import FinetuneConfig
from finetune.data import Split
from finetune.metrics import classification_metrics
from kosent_common.atomic import write_bytes_atomic
from kosent_common.progress import progress_bar

GROUP_BATCHES = 50  # batches sorted by length together, then shuffled


def encode(tokenizer, split: Split, max_length: int) -> list[list[int]]:
    return tokenizer(split.texts, truncation=True, max_length=max_length)["input_ids"]


def length_grouped_batches(
    lengths: list[int], batch_size: int, rng: random.Random
) -> list[list[int]]:
    """Shuffle, sort by length within groups of GROUP_BATCHES batches, shuffle the batches."""
    order = list(range(len(lengths)))
    rng.shuffle(order)
    group = batch_size * GROUP_BATCHES
    batches = []
    for start in range(0, len(order), group):
        chunk = sorted(order[start : start + group], key=lengths.__getitem__)
        batches += [chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size)]
    rng.shuffle(batches)
    return batches


def collate(ids: list[list[int]], indices: list[int], pad_id: int, device) -> dict:
    width = max(len(ids[i]) for i in indices)
    input_ids = torch.full((len(indices), width), pad_id, dtype=torch.long)
    attention = torch.zeros((len(indices), width), dtype=torch.long)
    for row, i in enumerate(indices):
        input_ids[row, : len(ids[i])] = torch.tensor(ids[i])
        attention[row, : len(ids[i])] = 1
    return {"input_ids": input_ids.to(device), "attention_mask": attention.to(device)}


@torch.no_grad()
def predict(
    model, ids: list[list[int]], pad_id: int, batch_size: int, device, autocast
) -> np.ndarray:
    model.eval()
    order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
    predictions = np.zeros(len(ids), dtype=np.int64)
    for start in range(0, len(order), batch_size):
        batch = order[start : start + batch_size]
        with autocast():
            logits = model(**collate(ids, batch, pad_id, device)).logits
        predictions[batch] = logits.argmax(-1).cpu().numpy()
    model.train()
    return predictions


def _optimizer(model, config: FinetuneConfig):
    decay, no_decay = [], []
    for name, param in model.named_parameters():
        (no_decay if name.endswith("bias") or "LayerNorm" in name else decay).append(param)
    return torch.optim.AdamW(
        [
            {"params": decay, "weight_decay": config.weight_decay},
            {"params": no_decay, "weight_decay": 0.0},
        ],
        lr=config.learning_rate,
        eps=1e-8,
    )


def _autocast(config: FinetuneConfig, device):
    """A factory of the mixed-precision context the config asks for (fp16 only on CUDA)."""
    if config.fp16 and device.type == "cuda":
        return lambda: torch.autocast("cuda", dtype=torch.float16)
    if config.bf16:
        return lambda: torch.autocast(device.type, dtype=torch.bfloat16)
    return contextlib.nullcontext


def train_and_select(
    model,
    tokenizer,
    train: Split,
    dev: Split,
    test: Split,
    config: FinetuneConfig,
    out_dir: Path,
    progress: bool = True,
) -> dict:
    """Train; evaluate dev and test at each evaluation point; keep the model best on dev."""
    from transformers import get_linear_schedule_with_warmup

    torch.manual_seed(config.manual_seed)
    rng = random.Random(config.manual_seed)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model.to(device)
    autocast = _autocast(config, device)
    scaler = torch.amp.GradScaler("cuda", enabled=config.fp16 and device.type == "cuda")
    pad_id = tokenizer.pad_token_id
    train_ids, dev_ids, test_ids = (
        encode(tokenizer, s, config.max_seq_length) for s in (train, dev, test)
    )
    lengths = [len(x) for x in train_ids]
    steps_per_epoch = -(-len(train_ids) // config.train_batch_size)
    total_steps = max(1, round(steps_per_epoch * config.num_train_epochs))
    eval_every = max(1, steps_per_epoch // config.evals_per_epoch)
    optimizer = _optimizer(model, config)
    schedule = get_linear_schedule_with_warmup(
        optimizer, round(total_steps * config.warmup_ratio), total_steps
    )
    labels = torch.tensor(train.labels)
    history, best = [], None
    step, seen, train_seconds = 0, 0, 0.0
    bar = progress_bar(total=total_steps, disable=not progress, desc="fine-tune", unit="step")
    model.train()
    while step < total_steps:
        for batch in length_grouped_batches(lengths, config.train_batch_size, rng):
            started = time.perf_counter()
            inputs = collate(train_ids, batch, pad_id, device)
            with autocast():
                loss = model(**inputs, labels=labels[batch].to(device)).loss
            scaler.scale(loss).backward()
            scaler.unscale_(optimizer)
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            scaler.step(optimizer)
            scaler.update()
            schedule.step()
            optimizer.zero_grad(set_to_none=True)
            train_seconds += time.perf_counter() - started
            step, seen = step + 1, seen + len(batch)
            bar.update()
            bar.set_postfix(loss=f"{loss.item():.3f}")
            if step % eval_every == 0 or step == total_steps:
                point = _evaluate(
                    model,
                    dev_ids,
                    test_ids,
                    dev,
                    test,
                    pad_id,
                    config,
                    device,
                    autocast,
                    step,
                    steps_per_epoch,
                )
                history.append(point)
                if best is None or point["dev_accuracy"] > best["dev_accuracy"]:
                    best = point
                    save_model(model, tokenizer, out_dir / "model")
                    _write_predictions(
                        out_dir / "test_predictions.tsv", test, point.pop("_test_pred")
                    )
                point.pop("_test_pred", None)
            if step >= total_steps:
                break
    bar.close()
    best_on_test = max(history, key=lambda p: p["test_accuracy"])
    return {
        "selected_on": "dev",
        "selected_step": best["step"],
        "dev": best["dev"],
        "test": best["test"],
        "best_on_test_accuracy": best_on_test["test_accuracy"],
        "best_on_test_step": best_on_test["step"],
        "history": history,
        "steps": step,
        "train_seconds": train_seconds,
        "train_examples_per_second": seen / train_seconds if train_seconds else 0.0,
        "device": device.type,
        "config": asdict(config),
    }


def save_model(model, tokenizer, folder: Path) -> None:
    """HF folder that reloads as it was: transformers 5 drops vocab.txt, so write it too."""
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    vocab = tokenizer.get_vocab()
    tokens = sorted(vocab, key=vocab.__getitem__)
    write_bytes_atomic(folder / "vocab.txt", ("\n".join(tokens) + "\n").encode("utf-8"))


def _evaluate(
    model, dev_ids, test_ids, dev, test, pad_id, config, device, autocast, step, steps_per_epoch
) -> dict:
    dev_pred = predict(model, dev_ids, pad_id, config.eval_batch_size, device, autocast)
    test_pred = predict(model, test_ids, pad_id, config.eval_batch_size, device, autocast)
    dev_metrics = classification_metrics(dev.labels, dev_pred)
    test_metrics = classification_metrics(test.labels, test_pred)
    return {
        "step": step,
        "epoch": step / steps_per_epoch,
        "dev_accuracy": dev_metrics["accuracy"],
        "test_accuracy": test_metrics["accuracy"],
        "dev": dev_metrics,
        "test": test_metrics,
        "_test_pred": test_pred,
    }


def _write_predictions(path: Path, split: Split, predictions: np.ndarray) -> None:
    lines = ["id\tlabel\tprediction"]
    lines += [
        f"{i}\t{y}\t{p}"
        for i, y, p in zip(split.ids, split.labels, predictions.tolist(), strict=True)
    ]
    write_bytes_atomic(path, ("\n".join(lines) + "\n").encode("utf-8"))

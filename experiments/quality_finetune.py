"""Low-label fine-tuning for experiments.quality: learning rate and epoch chosen on dev from a small
grid, test (the full NSMC test split) scored once, with the chosen weights.

It uses the fine-tuning stage's own batching (length-grouped, padded per batch) and model class;
unlike `finetune.nsmc` it scores test only at the dev choice, since the benchmark runs it many
times and never needs best-on-test figures.
"""

from __future__ import annotations

import contextlib
import copy
import random
from pathlib import Path

import numpy as np

from finetune.data import Split
from finetune.train import collate, encode, length_grouped_batches, predict


def finetune_select(
    model_dir: Path,
    train: Split,
    dev: Split,
    test_ids: list[list[int]] | None,
    test: Split,
    learning_rates: tuple[float, ...],
    epochs: int,
    seed: int,
    max_length: int,
    batch_size: int = 32,
) -> dict:
    """Best (learning rate, epoch) on dev; test accuracy and per-item correctness there."""
    import torch
    from transformers import (
        AutoTokenizer,
        ElectraForSequenceClassification,
        get_linear_schedule_with_warmup,
    )
    from transformers.utils import logging

    logging.set_verbosity_error()  # the classifier head is new by design
    tokenizer = AutoTokenizer.from_pretrained(str(model_dir))
    train_ids = encode(tokenizer, train, max_length)
    dev_ids = encode(tokenizer, dev, max_length)
    test_ids = test_ids if test_ids is not None else encode(tokenizer, test, max_length)
    pad = tokenizer.pad_token_id
    device = torch.device("cpu")
    labels = torch.tensor(train.labels)
    dev_labels = np.asarray(dev.labels)
    best: tuple[float, float, int, dict] | None = None
    for lr in learning_rates:
        torch.manual_seed(seed)
        rng = random.Random(seed)  # same batches for every learning rate and every arm
        model = ElectraForSequenceClassification.from_pretrained(str(model_dir), num_labels=2)
        optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
        steps_per_epoch = -(-len(train_ids) // batch_size)
        schedule = get_linear_schedule_with_warmup(
            optimizer, max(1, steps_per_epoch * epochs // 10), steps_per_epoch * epochs
        )
        lengths = [len(x) for x in train_ids]
        for epoch in range(1, epochs + 1):
            model.train()
            for batch in length_grouped_batches(lengths, batch_size, rng):
                loss = model(**collate(train_ids, batch, pad, device), labels=labels[batch]).loss
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                optimizer.step()
                schedule.step()
                optimizer.zero_grad(set_to_none=True)
            dev_pred = predict(model, dev_ids, pad, 256, device, contextlib.nullcontext)
            dev_acc = float((dev_pred == dev_labels).mean())
            if best is None or dev_acc > best[0]:
                best = (dev_acc, lr, epoch, copy.deepcopy(model.state_dict()))
    dev_acc, lr, epoch, state = best
    model.load_state_dict(state)
    test_pred = predict(model, test_ids, pad, 256, device, contextlib.nullcontext)
    correct = test_pred == np.asarray(test.labels)
    return {
        "learning_rate": lr,
        "epoch": epoch,
        "dev_accuracy": dev_acc,
        "test_accuracy": float(correct.mean()),
        "test_correct": correct,
    }

"""Frozen-encoder features and the linear probe of experiments.quality.

Features: the encoder's last layer, mean-pooled over the real tokens, computed once per model for
every NSMC text the benchmark uses. Probe: standardised features, logistic regression, the
regularisation C chosen on dev, test scored once at that choice.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

C_GRID = (0.01, 0.1, 1.0, 10.0)


def encode_texts(
    model_dir: Path, texts: list[str], max_length: int, batch_size: int = 256
) -> np.ndarray:
    """[len(texts), hidden] mean-pooled last-layer features of an ELECTRA folder (HF layout)."""
    import torch
    from transformers import AutoTokenizer, ElectraModel
    from transformers.utils import logging

    from finetune.train import collate

    logging.set_verbosity_error()  # the pretraining heads are expected to be unused here
    tokenizer = AutoTokenizer.from_pretrained(str(model_dir))
    model = ElectraModel.from_pretrained(str(model_dir)).eval()
    ids = tokenizer(texts, truncation=True, max_length=max_length)["input_ids"]
    order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
    out = np.zeros((len(ids), model.config.hidden_size), dtype=np.float32)
    pad = tokenizer.pad_token_id
    with torch.inference_mode():
        for start in range(0, len(order), batch_size):
            batch = order[start : start + batch_size]
            inputs = collate(ids, batch, pad, "cpu")  # the fine-tuning stage's own padding
            mask = inputs["attention_mask"]
            hidden = model(**inputs).last_hidden_state
            weights = mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1)
            out[batch] = pooled.numpy()
    return out


def linear_probe(
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_dev: np.ndarray,
    y_dev: np.ndarray,
    x_test: np.ndarray,
    y_test: np.ndarray,
) -> dict:
    """Logistic regression with C chosen on dev; test accuracy and predictions at that C."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(x_train)
    xt, xd, xs = scaler.transform(x_train), scaler.transform(x_dev), scaler.transform(x_test)
    best = None
    for c in C_GRID:
        model = LogisticRegression(C=c, max_iter=2000).fit(xt, y_train)
        dev_acc = float((model.predict(xd) == y_dev).mean())
        if best is None or dev_acc > best[0]:
            best = (dev_acc, c, model)
    dev_acc, c, model = best
    predictions = model.predict(xs)
    return {
        "C": c,
        "dev_accuracy": dev_acc,
        "test_accuracy": float((predictions == y_test).mean()),
        "test_correct": (predictions == y_test),
    }

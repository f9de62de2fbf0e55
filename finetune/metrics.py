"""Accuracy, macro-F1 and the confusion matrix of binary sentiment predictions."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score


def classification_metrics(labels: Sequence[int], predictions: Sequence[int]) -> dict:
    labels, predictions = np.asarray(labels), np.asarray(predictions)
    return {
        "examples": int(len(labels)),
        "accuracy": float(accuracy_score(labels, predictions)),
        "macro_f1": float(
            f1_score(labels, predictions, average="macro", labels=[0, 1], zero_division=0)
        ),
        "confusion_matrix": confusion_matrix(labels, predictions, labels=[0, 1]).tolist(),
    }

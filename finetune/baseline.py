"""TF-IDF (character n-grams) + logistic regression, through the same protocol: the
regularisation strength is selected on dev, test is reported once (and best-on-test, labelled)."""

from __future__ import annotations

import time

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from finetune.data import Split
from finetune.metrics import classification_metrics

C_GRID = (0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0)


def tfidf_baseline(train: Split, dev: Split, test: Split, seed: int = 42) -> dict:
    started = time.perf_counter()
    vectorizer = TfidfVectorizer(
        analyzer="char_wb", ngram_range=(1, 3), min_df=2, sublinear_tf=True, max_features=300_000
    )
    x_train = vectorizer.fit_transform(train.texts)
    x_dev, x_test = vectorizer.transform(dev.texts), vectorizer.transform(test.texts)
    history = []
    for c in C_GRID:
        model = LogisticRegression(C=c, max_iter=2000, random_state=seed)
        model.fit(x_train, train.labels)
        history.append(
            {
                "C": c,
                "dev": classification_metrics(dev.labels, model.predict(x_dev)),
                "test": classification_metrics(test.labels, model.predict(x_test)),
            }
        )
    best = max(history, key=lambda h: h["dev"]["accuracy"])
    return {
        "model": "tfidf-char_wb(1,3)+logistic-regression",
        "selected_on": "dev",
        "selected_C": best["C"],
        "dev": best["dev"],
        "test": best["test"],
        "best_on_test_accuracy": max(h["test"]["accuracy"] for h in history),
        "history": [
            {
                "C": h["C"],
                "dev_accuracy": h["dev"]["accuracy"],
                "test_accuracy": h["test"]["accuracy"],
            }
            for h in history
        ],
        "seconds": time.perf_counter() - started,
    }

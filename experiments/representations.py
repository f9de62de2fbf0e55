"""Are a pretrained encoder's representations collapsed? Geometry of the features the quality
benchmark probes and fine-tunes, per model.

    python -m experiments.representations --model NAME=HF_DIR [--model ...] [--texts 2000]
        [--shared ../shared/data] [--max-length 64]

On a seeded sample of NSMC dev reviews (experiments.quality's dev split: 10% of train, seed 42),
for the embedding layer's output and the last layer of each ELECTRA folder (HF layout):
- `cos(review)`: mean cosine between the mean-pooled vectors of two different reviews (near 1:
  every review maps to about the same direction, the anisotropy/collapse the question is about);
- `cos(token)`: mean cosine between two different tokens' vectors within a review;
- `eff. rank`: the effective rank (exp of the entropy of the normalised singular values) of the
  centred mean-pooled features, out of the hidden size;
- `top-1 share`: the share of the centred features' variance along their first principal axis.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def mean_cosine(vectors: np.ndarray) -> float:
    """Mean cosine between two different rows of [n, hidden] (n >= 2)."""
    unit = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    n = len(unit)
    total = np.square(unit.sum(0)).sum()  # sum of every pair's cosine, the diagonal included
    return float((total - n) / (n * (n - 1)))


def geometry(pooled: np.ndarray, token_cosines: list[float]) -> dict:
    """The four numbers above, from [n, hidden] pooled features and per-review token cosines."""
    centred = pooled - pooled.mean(0)
    singular = np.linalg.svd(centred, compute_uv=False)
    share = singular / singular.sum()
    variance = singular**2 / (singular**2).sum()
    return {
        "review_cos": mean_cosine(pooled),
        "token_cos": float(np.mean(token_cosines)),
        "effective_rank": float(np.exp(-(share * np.log(share + 1e-30)).sum())),
        "top1_share": float(variance[0]),
        "hidden": int(pooled.shape[1]),
    }


def layer_features(model_dir: Path, texts: list[str], max_length: int) -> dict[str, dict]:
    """{layer name: geometry} for the embedding output and the last layer."""
    import torch
    from transformers import AutoTokenizer, ElectraModel
    from transformers.utils import logging

    logging.set_verbosity_error()
    logging.disable_progress_bar()
    tokenizer = AutoTokenizer.from_pretrained(str(model_dir))
    model = ElectraModel.from_pretrained(str(model_dir)).eval()
    pooled: dict[str, list[np.ndarray]] = {"embeddings": [], "last layer": []}
    token_cos: dict[str, list[float]] = {"embeddings": [], "last layer": []}
    with torch.inference_mode():
        for text in texts:
            inputs = tokenizer(text, truncation=True, max_length=max_length, return_tensors="pt")
            states = model(**inputs, output_hidden_states=True).hidden_states
            for name, state in (("embeddings", states[0][0]), ("last layer", states[-1][0])):
                vectors = state.numpy()
                pooled[name].append(vectors.mean(0))
                if len(vectors) > 1:
                    token_cos[name].append(mean_cosine(vectors))
    return {name: geometry(np.stack(pooled[name]), token_cos[name]) for name in pooled}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", action="append", required=True, help="NAME=HF_DIR")
    parser.add_argument("--texts", type=int, default=2000)
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--max-length", type=int, default=64)
    args = parser.parse_args()
    from experiments.quality import DEV_SEED  # the benchmark's dev split
    from finetune.data import read_nsmc, train_dev_split, without_empty

    train_all, _ = read_nsmc(args.shared / "nsmc" / "ratings_train.txt")
    _, dev = train_dev_split(without_empty(train_all), 0.1, DEV_SEED)
    sample = sorted(random.Random(DEV_SEED).sample(range(len(dev)), min(args.texts, len(dev))))
    texts = [dev.texts[i] for i in sample]
    print(f"{len(texts)} NSMC dev reviews, max length {args.max_length}\n")
    print("| model | layer | cos(review) | cos(token) | eff. rank | top-1 share |")
    print("|---|---|---:|---:|---:|---:|")
    for spec in args.model:
        name, folder = spec.split("=", 1)
        for layer, g in layer_features(Path(folder), texts, args.max_length).items():
            print(f"| {name} | {layer} | {g['review_cos']:.3f} | {g['token_cos']:.3f} | "
                  f"{g['effective_rank']:.1f} / {g['hidden']} | {g['top1_share']:.3f} |")  # fmt: skip


if __name__ == "__main__":
    main()

"""experiments.representations's geometry tells collapsed features from spread ones."""

import numpy as np

from experiments import representations


def test_isotropic_features_are_spread():
    rng = np.random.default_rng(0)
    g = representations.geometry(rng.normal(size=(2000, 32)), [0.0])
    assert abs(g["review_cos"]) < 0.02
    assert g["effective_rank"] > 28 and g["top1_share"] < 0.1


def test_one_direction_is_collapse():
    rng = np.random.default_rng(0)
    direction = rng.normal(size=32)
    features = rng.uniform(1, 2, size=(2000, 1)) * direction + 0.01 * rng.normal(size=(2000, 32))
    g = representations.geometry(features, [0.9])
    assert g["review_cos"] > 0.99
    assert g["top1_share"] > 0.95 and g["effective_rank"] < 10
    assert g["token_cos"] == 0.9 and g["hidden"] == 32


def test_mean_cosine_leaves_out_each_row_with_itself():
    vectors = np.array([[1.0, 0.0], [0.0, 2.0], [3.0, 3.0]])
    pairs = [0.0, np.sqrt(0.5), np.sqrt(0.5)]
    assert abs(representations.mean_cosine(vectors) - np.mean(pairs)) < 1e-12

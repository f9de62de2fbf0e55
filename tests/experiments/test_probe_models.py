"""experiments.probe_models computes features for the rows its label subsets use, once each."""

from experiments import probe_models


def test_compact_subsets_point_back_at_the_same_pool_rows():
    subsets = {2: [[7, 3], [3, 90]], 3: [[1, 7, 40]]}
    used, rows = probe_models.compact_subsets(subsets)
    assert used == [1, 3, 7, 40, 90]  # each row once, in pool order
    for n, chosen in subsets.items():
        assert [[used[r] for r in subset] for subset in rows[n]] == chosen

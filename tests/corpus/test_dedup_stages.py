import numpy as np

from corpus.dedup_stages import (
    RANGE_PAIRS,
    ClusterJob,
    cluster_prefix,
    drops_prefix,
    range_jobs,
    run_clusters,
    run_range,
    task_drops,
)
from corpus.work import orders, save_array, save_sorted_keys, task_files


def order(task: int, row: int) -> int:
    return int(orders(task, np.array([row]))[0])


def test_exact_ranges_keep_the_first_document_in_recipe_order(tmp_path):
    # task 0: keys 5, 7, 5; task 1: keys 7, 9; task 2: key 5
    keys = {0: [5, 7, 5], 1: [7, 9], 2: [5]}
    names = ("task-00000", "task-00001", "task-00002")
    for task, values in keys.items():
        rows = np.arange(len(values))
        save_sorted_keys(
            task_files(tmp_path, names[task])["exact"],
            np.array(values, dtype=np.uint64) << np.uint64(60),  # spread over the ranges
            orders(task, rows),
        )
    jobs = range_jobs(tmp_path, "exact", names, pairs=6)
    jobs_split = range_jobs(tmp_path, "exact", names, pairs=6 * RANGE_PAIRS)
    assert len(jobs) == 1 and len(jobs_split) == 6
    for job_set in (jobs, jobs_split):
        for job in job_set:
            run_range(job)
        prefixes = [drops_prefix(tmp_path, "exact", j.index) for j in job_set]
        found = {t: task_drops(prefixes, t) for t in range(3)}
        assert found[0][0].tolist() == [2] and found[0][1].tolist() == [order(0, 0)]
        assert found[1][0].tolist() == [0] and found[1][1].tolist() == [order(0, 1)]
        assert found[2][0].tolist() == [0] and found[2][1].tolist() == [order(0, 0)]


def test_clusters_are_connected_components_and_their_first_document_survives(tmp_path):
    a, b, c, d, e, f = (order(t, r) for t, r in [(0, 3), (0, 9), (1, 0), (2, 4), (3, 1), (3, 2)])
    # a-b, b-c (a chain: c joins a's cluster), e-d (pairs in any direction), f alone
    pairs = np.array([[a, b], [b, c], [e, d], [c, b]], dtype=np.uint64)
    save_array(drops_prefix(tmp_path, "bands", 0).with_suffix(".pairs.npy"), pairs[:2])
    save_array(drops_prefix(tmp_path, "bands", 1).with_suffix(".pairs.npy"), pairs[2:])
    result = run_clusters(ClusterJob(tmp_path, 2))
    assert result["drops"] == 3
    dropped = {t: [r.tolist() for r in task_drops([cluster_prefix(tmp_path)], t)] for t in range(4)}
    assert dropped[0] == [[9], [a]]
    assert dropped[1] == [[0], [a]]
    assert dropped[2] == [[], []]
    assert dropped[3] == [[1], [d]]
    assert f not in pairs

import os
import signal

import pytest

from kosent_common.executor import WorkerDied, run_ordered


def noop() -> None:
    pass


def square(x: int) -> int:
    return x * x


def die_on_three(x: int) -> int:
    if x == 3:
        os.kill(os.getpid(), signal.SIGKILL)
    return x


@pytest.mark.parametrize("workers", [1, 2])
def test_results_in_order_and_reuse(workers):
    results = list(
        run_ordered(range(10), square, workers, noop, reuse=lambda x: -1 if x % 4 == 0 else None)
    )
    assert results == [-1 if x % 4 == 0 else x * x for x in range(10)]


def test_a_dead_worker_is_an_error_not_a_hang():
    with pytest.raises(WorkerDied, match="rerun the same command"):
        list(run_ordered(range(8), die_on_three, 2, noop))

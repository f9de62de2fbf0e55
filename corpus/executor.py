"""Run shard tasks in order on a local process pool (kss loaded once per worker).

Tasks are submitted with a bounded number in flight, so memory stays flat however many
shards the input makes; results come back in submission order.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def run_ordered(
    tasks: Iterable[T],
    fn: Callable[[T], R],
    workers: int,
    initializer: Callable[..., None],
    initargs: tuple = (),
    reuse: Callable[[T], R | None] = lambda task: None,
    in_flight_per_worker: int = 2,
) -> Iterator[R]:
    """Yield fn(task) for each task, in order; a task whose `reuse(task)` gives a result
    (a finished shard) is not run again. workers <= 1 runs in this process."""
    if workers <= 1:
        initialized = False
        for task in tasks:
            result = reuse(task)
            if result is None:
                if not initialized:
                    initializer(*initargs)
                    initialized = True
                result = fn(task)
            yield result
        return
    context = multiprocessing.get_context("forkserver")
    with context.Pool(workers, initializer=initializer, initargs=initargs) as pool:
        pending: deque = deque()
        for task in tasks:
            result = reuse(task)
            pending.append(_Ready(result) if result is not None else pool.apply_async(fn, (task,)))
            while len(pending) >= workers * in_flight_per_worker:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()


class _Ready:
    """An already-known result that looks like an AsyncResult."""

    def __init__(self, value) -> None:
        self._value = value

    def get(self):
        return self._value

"""Run shard tasks in order on a local process pool (kss loaded once per worker).

Tasks are submitted with a bounded number in flight, so memory stays flat however many
shards the input makes; results come back in submission order. A worker that dies (killed,
out of memory, a crash in a C extension) stops the run with an error instead of a hang:
`concurrent.futures` raises BrokenProcessPool where `multiprocessing.Pool` waits forever.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


class WorkerDied(RuntimeError):
    """A worker process ended abnormally; rerun the command to resume from finished shards."""


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
    with ProcessPoolExecutor(
        workers, mp_context=context, initializer=initializer, initargs=initargs
    ) as pool:
        pending: deque[Future] = deque()
        try:
            for task in tasks:
                result = reuse(task)
                pending.append(_done(result) if result is not None else pool.submit(fn, task))
                while len(pending) >= workers * in_flight_per_worker:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        except BrokenProcessPool as err:
            raise WorkerDied(
                "a worker process died (killed or out of memory?); finished work is kept: "
                "rerun the same command to resume"
            ) from err


def _done(value) -> Future:
    future: Future = Future()
    future.set_result(value)
    return future

"""Run shard tasks in order on a local process pool or a Ray cluster (models loaded once per
worker process).

Tasks are submitted with a bounded number in flight, so memory stays flat however many
shards the input makes; results come back in submission order. A worker that dies (killed,
out of memory, a crash in a C extension) stops the run with an error instead of a hang:
`concurrent.futures` raises BrokenProcessPool where `multiprocessing.Pool` waits forever.
On Ray (`Executor("ray", address)`) a shard is a task; Ray retries a task whose worker died,
and an error that persists stops the run the same way. Outputs do not depend on the executor:
results come back in task order either way.
"""

from __future__ import annotations

import argparse
import multiprocessing
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from kosent_common.extras import require

T = TypeVar("T")
R = TypeVar("R")


class WorkerDied(RuntimeError):
    """A worker process ended abnormally; rerun the command to resume from finished shards."""


@dataclass(frozen=True)
class Executor:
    """Where shard tasks run: `local` (a process pool of `workers`) or `ray` (a cluster at
    `address`, e.g. `auto` or `HOST:6379`; None starts a local Ray of `workers` CPUs)."""

    kind: str = "local"
    address: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in ("local", "ray"):
            raise ValueError(f"executor must be 'local' or 'ray', not {self.kind!r}")


LOCAL = Executor()


def add_executor_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--executor",
        choices=("local", "ray"),
        default="local",
        help="local process pool (default) or a Ray cluster: shards become Ray tasks",
    )
    parser.add_argument(
        "--address",
        help="Ray cluster address (auto, HOST:PORT or ray://HOST:10001); without it a local "
        "Ray instance of --workers CPUs is started. Every node needs kosent installed",
    )


def executor_from_args(args: argparse.Namespace) -> Executor:
    if args.address and args.executor != "ray":
        raise SystemExit("error: --address needs --executor ray")
    if args.executor == "ray":
        require("ray", "--executor ray")
    return Executor(args.executor, args.address)


_SET_UP: set[tuple] = set()  # in a worker process: the setups already run


@dataclass(frozen=True)
class WithSetup:
    """`fn(task)` after `setup(*args)` has run once in this process: stages that share one
    pool (`shared_pool`) each bring their own per-process setup (a model, an index)."""

    fn: Callable
    setup: Callable[..., None]
    args: tuple = ()

    def __call__(self, task):
        key = (self.setup.__module__, self.setup.__qualname__, repr(self.args))
        if key not in _SET_UP:
            self.setup(*self.args)
            _SET_UP.add(key)
        return self.fn(task)


@contextmanager
def shared_pool(workers: int, executor: Executor = LOCAL) -> Iterator[ProcessPoolExecutor | None]:
    """One local process pool for several `run_ordered` calls (`pool=`), so the workers start
    once, not once per stage; None where there is nothing to share (one worker, or Ray, whose
    worker processes outlive a stage anyway)."""
    if executor.kind != "local" or workers <= 1:
        yield None
        return
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("forkserver")) as pool:
        yield pool


def run_ordered(
    tasks: Iterable[T],
    fn: Callable[[T], R],
    workers: int,
    initializer: Callable[..., None],
    initargs: tuple = (),
    reuse: Callable[[T], R | None] = lambda task: None,
    in_flight_per_worker: int = 2,
    executor: Executor = LOCAL,
    pool: ProcessPoolExecutor | None = None,
) -> Iterator[R]:
    """Yield fn(task) for each task, in order; a task whose `reuse(task)` gives a result
    (a finished shard) is not run again. workers <= 1 runs in this process (local only);
    on Ray `workers` is how many tasks are in flight per `in_flight_per_worker`. With `pool`
    (from `shared_pool`) the tasks run there and the initializer runs lazily, once per
    worker process (`WithSetup`)."""
    if pool is not None:
        yield from _run_on_pool(
            pool, tasks, WithSetup(fn, initializer, initargs), workers, reuse, in_flight_per_worker
        )
        return
    if executor.kind == "ray":
        yield from _run_on_ray(
            tasks, fn, workers, initializer, initargs, reuse, in_flight_per_worker, executor
        )
        return
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
    ) as own_pool:
        yield from _run_on_pool(own_pool, tasks, fn, workers, reuse, in_flight_per_worker)


def _run_on_pool(pool, tasks, fn, workers, reuse, in_flight_per_worker) -> Iterator:
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


# --- Ray ------------------------------------------------------------------------------------

_RAY_READY: set[str] = set()  # in a Ray worker process: runs whose initializer has been called


def _ray_task(
    run_id: str, initializer: Callable[..., None], initargs: tuple, fn: Callable, task: Any
):
    """One shard in a Ray worker; the initializer runs once per worker process and run."""
    if run_id not in _RAY_READY:
        initializer(*initargs)
        _RAY_READY.add(run_id)
    return fn(task)


def _run_on_ray(tasks, fn, workers, initializer, initargs, reuse, in_flight_per_worker, executor):
    import uuid

    import ray
    from ray.exceptions import RayError

    if not ray.is_initialized():
        options: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False}
        if executor.address:
            ray.init(address=executor.address, **options)
        else:
            ray.init(num_cpus=max(1, workers), **options)
    remote = ray.remote(num_cpus=1, max_retries=2)(_ray_task)
    run_id = uuid.uuid4().hex
    in_flight = max(1, workers) * in_flight_per_worker
    pending: deque = deque()
    try:
        for task in tasks:
            result = reuse(task)
            pending.append(
                ("done", result)
                if result is not None
                else ("ref", remote.remote(run_id, initializer, initargs, fn, task))
            )
            while len(pending) >= in_flight:
                yield _ray_result(ray, pending.popleft())
        while pending:
            yield _ray_result(ray, pending.popleft())
    except RayError as err:
        raise WorkerDied(
            f"a Ray task failed ({type(err).__name__}: {str(err).splitlines()[0]}); finished "
            "shards are kept: rerun the same command to resume"
        ) from err


def _ray_result(ray, entry):
    kind, value = entry
    return value if kind == "done" else ray.get(value)

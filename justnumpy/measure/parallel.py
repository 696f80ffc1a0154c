"""Run independent calls side by side: in worker processes on this machine, or on a Dask cluster.

    from justnumpy.measure import parallel
    calls = [(name, seed, X_train, y_train) for name in names for seed in range(3)]
    for result in parallel.run(train_one, calls, jobs=2):            # 2 processes here
        ...
    for result in parallel.run(train_one, calls, scheduler="tcp://10.0.0.5:8786"):  # Dask
        ...

joblib, the library scikit-learn runs its parallel work on, does the work: its loky backend
starts `jobs` Python processes on this machine, its dask backend hands the calls to the workers
of a Dask scheduler (`dask scheduler`, then `dask worker ADDRESS` on every machine). The results
come back in the order of `calls`, each as soon as it and the ones before it are done.

Each call runs with its share of the BLAS threads (training/threads.py): the threads NumPy has,
divided by the calls running at once on the same machine (`jobs` here; a Dask worker's
`--nthreads` there). The thread count changes the last bits of a matrix product, so a call
gives the same bits wherever it runs with the same count: `jobs=2` on two cores (one thread
each) gives what `jobs=1` gives with OPENBLAS_NUM_THREADS=1.

Give big NumPy arrays as arguments of their own, not inside a tuple or dict: joblib then sends
each one to a worker once (memory-mapped by loky, scattered by Dask), not once per call.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import joblib

from justnumpy.errors import JustNumpyError
from justnumpy.training.threads import blas_threads, limit_blas

CONNECT_SECONDS = 10  # how long to try to reach a Dask scheduler before saying it cannot be reached
WAIT_SECONDS = 10  # how long to wait for a Dask scheduler's first worker


def cores() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def share(jobs: int) -> int:
    """BLAS threads for each of `jobs` calls running at once here: the threads NumPy has, divided."""
    return max(1, blas_threads() // jobs)


def run(
    function: Callable[..., Any],
    calls: Iterable[tuple],
    jobs: int = 1,
    scheduler: str | None = None,
    threads: int | None = None,
) -> Iterator[Any]:
    """function(*args) for each args of `calls`, `jobs` at a time or on the Dask `scheduler`; in order.

    `threads`: BLAS threads per call (default: `share(jobs)` here, a Dask worker's share there).
    The module `function` comes from must be importable where it runs (on a Dask worker's machine
    too). With jobs=1, or a Dask cluster of one thread in all, joblib runs the calls one after
    another in this process.
    """
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, got {jobs}")
    if threads is not None and threads < 1:
        raise ValueError(f"threads must be at least 1, got {threads}")
    if scheduler is None:
        threads = threads or share(jobs)
    tasks = (joblib.delayed(limited)(function, threads, *args) for args in calls)
    if scheduler is None:
        yield from joblib.Parallel(n_jobs=jobs, backend="loky", return_as="generator")(tasks)
        return
    with (
        dask_client(scheduler) as client,
        joblib.parallel_config(backend="dask", client=client, wait_for_workers_timeout=WAIT_SECONDS),
    ):
        try:
            yield from joblib.Parallel(n_jobs=-1, return_as="generator")(tasks)  # every worker thread
        except TimeoutError:  # joblib's word for a scheduler without workers
            raise JustNumpyError(
                f"the Dask scheduler at {scheduler} has no workers: start `dask worker {scheduler}` on a "
                "machine with justnumpy installed"
            ) from None


def limited(function: Callable[..., Any], threads: int | None, *args: Any) -> Any:
    """function(*args) on `threads` BLAS threads (None: the share of the Dask worker running it)."""
    with limit_blas(threads or dask_worker_share()):
        return function(*args)


def dask_worker_share() -> int:
    """BLAS threads for one task of the Dask worker running this (all of them outside a worker)."""
    from distributed import get_worker

    try:
        return share(get_worker().state.nthreads)
    except ValueError:  # not in a worker: joblib runs the calls here when the cluster has one thread
        return share(1)


def check_address(address: str) -> str:
    """`address` if it reads as a Dask scheduler's address (host:port, with or without tcp://)."""
    host, _, port = address.split("://", 1)[-1].rpartition(":")
    if not host or not port.isdigit():
        raise ValueError(
            f"a Dask scheduler's address is HOST:PORT, such as tcp://10.0.0.5:8786; got {address!r}"
        )
    return address


def dask_client(address: str):
    """A distributed.Client connected to the scheduler at `address`; one clear error if it cannot be."""
    try:
        check_address(address)
    except ValueError as e:
        raise JustNumpyError(str(e)) from None
    try:
        from distributed import Client
    except ImportError:
        raise JustNumpyError(
            "running on a Dask scheduler needs Dask: pip install 'justnumpy[dask]'"
        ) from None
    try:
        return Client(address, timeout=CONNECT_SECONDS, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as e:
        raise JustNumpyError(f"cannot reach the Dask scheduler at {address!r}: {e}") from None

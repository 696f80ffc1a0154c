"""What the experiments share: independent runs, the data they train on, the images they measure on.

Every experiment is a list of calls of one function, each a training run from its own settings
that needs nothing from the others: `each` hands them to measure/parallel.py, which runs them
side by side in worker processes (or on a Dask cluster), and hands out their results in order,
each with the CPU seconds its call took. The big arrays are arguments of their own (X_train,
y_train, X_test, y_test), so that each is sent to a worker once.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np

from justnumpy.measure import parallel
from justnumpy.training.batches import split
from justnumpy.training.config import Config
from justnumpy.training.threads import blas_threads

Raw = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
QUICK_TRAIN_IMAGES = 2_000  # quick=True: the first images of the training set, for the tests
QUICK_TEST_IMAGES = 1_000  # quick=True: the first images of the test set


def each(
    function: Callable[..., dict],
    calls: Iterable[tuple],
    raw: Raw,
    jobs: int = 1,
    scheduler: str | None = None,
) -> Iterator[dict[str, Any]]:
    """function(*args, *raw) for each args of `calls`, in their order, each result as soon as it is done.

    `jobs` of them at a time in worker processes, or on the Dask `scheduler` (measure/parallel.py),
    each on its share of the BLAS threads.
    """
    return parallel.run(timed, [(function, *args, *raw) for args in calls], jobs, scheduler)


def timed(function: Callable[..., dict], *args: Any) -> dict[str, Any]:
    """function(*args), a dict, with "cpu_seconds", the CPU time of the call, whichever process ran it,
    and "blas_threads", the threads its matrix products had (they decide the last bits).

    CPU time, unlike the wall clock, hardly grows when other programs share the cores.
    """
    threads, start = blas_threads(), time.process_time()
    result = function(*args)
    result["cpu_seconds"], result["blas_threads"] = time.process_time() - start, threads
    return result


def shrink(raw: Raw, quick: bool) -> Raw:
    """The dataset as given, or with quick=True its first QUICK_TRAIN_IMAGES and QUICK_TEST_IMAGES."""
    if not quick:
        return raw
    X_train, y_train, X_test, y_test = raw
    n, m = QUICK_TRAIN_IMAGES, QUICK_TEST_IMAGES
    return X_train[:n], y_train[:n], X_test[:m], y_test[:m]


def held_out(config: Config, raw: Raw) -> tuple[np.ndarray, np.ndarray]:
    """(X_val, y_val): the validation images a run of `config` holds out, as network inputs."""
    data = split(raw, config.validation_fraction, config.seed)
    return data.X_val, data.y_val

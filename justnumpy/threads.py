"""How many threads the matrix products should use: whichever is faster right now, measured.

NumPy hands every product to its BLAS (OpenBLAS), which splits it across all cores. Splitting
pays for big products on an idle machine, but each product ends with the threads waiting for
each other, and when other programs keep the cores busy a waiting thread loses its core: on this
project's 2-core machine, busy with other work, an epoch at batch 128 took 2.0 s on one thread and
13 s on two. Small batches (32 rows) are too short to split profitably even on an idle machine.
So instead of guessing from the batch size, time the step's biggest product, X·W1, both ways
before each epoch (a few milliseconds) and train the epoch with the faster setting. Results do
not depend on it: OpenBLAS splits the output matrix among threads, so every sum is the same.
"""

from __future__ import annotations

import time

import numpy as np
from threadpoolctl import ThreadpoolController

CONTROLLER = ThreadpoolController()  # finds NumPy's BLAS once (~1 ms); switching is then ~20 µs


def fastest_blas_threads(batch_size: int, n_in: int, n_hidden: int, trials: int = 5) -> int | None:
    """1 if one BLAS thread computes (batch_size, n_in)·(n_in, n_hidden) faster than all cores, else None."""
    X, W1 = np.ones((batch_size, n_in), np.float32), np.ones((n_in, n_hidden), np.float32)
    Z1 = np.empty((batch_size, n_hidden), np.float32)
    best: dict[int | None, float] = {1: float("inf"), None: float("inf")}
    for _ in range(trials):  # alternate, so a burst of load elsewhere hits both settings alike
        for threads in best:
            with CONTROLLER.limit(limits=threads, user_api="blas"):
                start = time.perf_counter()
                np.matmul(X, W1, out=Z1)
                best[threads] = min(best[threads], time.perf_counter() - start)
    return 1 if best[1] <= best[None] else None


def blas_threads(batch_size: int, n_in: int = 784, n_hidden: int = 256):
    """Context manager: inside it the BLAS uses the thread count `fastest_blas_threads` picks."""
    return CONTROLLER.limit(limits=fastest_blas_threads(batch_size, n_in, n_hidden), user_api="blas")

"""How many threads the matrix products use: all cores unless a run is given fewer.

NumPy hands every product to its BLAS (OpenBLAS), which splits it across all cores. The thread
count changes the last bits of X·W1 (OpenBLAS sums in a different order on one thread than on
two), so the same seed gives the same bits for the same count: all cores by default, one with
OPENBLAS_NUM_THREADS=1 in the environment (also the thing to do when other programs keep every
core busy: threads that wait for each other then lose their cores), or a share of the cores
when several runs go side by side (measure/parallel.py). An epoch of distorted images trains on
one thread while a second one distorts the next images (training/batches.py).
"""

from __future__ import annotations

import numpy  # noqa: F401  loaded first: the controller finds the BLAS libraries loaded so far
from threadpoolctl import ThreadpoolController

CONTROLLER = ThreadpoolController()  # finds NumPy's BLAS once; switching the limit is then cheap


def blas_threads() -> int:
    """How many threads NumPy's BLAS uses now (1 if it has no thread pool threadpoolctl can see)."""
    return max((pool.num_threads for pool in CONTROLLER.select(user_api="blas").lib_controllers), default=1)


def limit_blas(threads: int | None):
    """Context manager: inside it the BLAS uses at most `threads` threads (None: as it was)."""
    return CONTROLLER.limit(limits=threads, user_api="blas")


def one_blas_thread():
    """Context manager: one BLAS thread inside it, for work made of small products (novelty.fit)."""
    return limit_blas(1)

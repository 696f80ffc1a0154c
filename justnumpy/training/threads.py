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

from pathlib import Path

import numpy as np  # loaded first: the controller finds the libraries loaded so far
from threadpoolctl import ThreadpoolController

CONTROLLER = ThreadpoolController()  # finds NumPy's BLAS once; switching the limit is then cheap


def numpy_blas() -> dict:
    """threadpoolctl's record of NumPy's own BLAS (name, version, kernel, threads); {} if not found.

    NumPy's wheels keep it in numpy.libs beside the package (a folder name, not a substring of the
    path: a checkout called justnumpy holds every library of its virtual environment).
    """
    package = Path(np.__file__).parent
    homes = (package, package.with_name("numpy.libs"))
    mine = (i for i in CONTROLLER.info() if any(Path(i["filepath"]).is_relative_to(h) for h in homes))
    return next(mine, {})


def blas_threads() -> int:
    """How many threads NumPy's BLAS uses now (1 if threadpoolctl cannot see its thread pool)."""
    return numpy_blas().get("num_threads", 1)


def limit_blas(threads: int | None):
    """Context manager: inside it the BLAS uses at most `threads` threads (None: as it was)."""
    return CONTROLLER.limit(limits=threads, user_api="blas")


def one_blas_thread():
    """Context manager: one BLAS thread inside it, for work made of small products (novelty.fit)."""
    return limit_blas(1)

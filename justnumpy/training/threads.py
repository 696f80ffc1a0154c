"""How many threads the matrix products use: one for small batches, every core for larger ones.

NumPy hands every product to its BLAS (OpenBLAS), which splits it across all cores. Splitting pays
for big products, but every product ends with the threads waiting for each other: at a batch of
16 rows one thread and two are within 10% of each other, the faster one changing from run to run,
and one thread is the steadier choice on a busy machine (`justnumpy bench --sweep` measures both).

Why a fixed rule and not "time both and take the faster"? Because the thread count changes the
last bits of X·W1 (OpenBLAS sums in a different order on one thread), and the same seed must give
the same bits. The rule depends only on the batch size (and an epoch of distorted images trains
on one thread, training/batches.py says why), so a run is reproducible on a machine.
When other programs keep every core busy, threads that wait for each other lose their cores and
the products slow down many times over: set OPENBLAS_NUM_THREADS=1 in the environment to train
on one thread whatever the batch size.
"""

from __future__ import annotations

from threadpoolctl import ThreadpoolController

CONTROLLER = ThreadpoolController()  # finds NumPy's BLAS once; switching the limit is then cheap
SINGLE_THREAD_MAX_BATCH = 16  # up to this many rows per batch, one thread is about as fast as all


def blas_thread_limit(batch_size: int) -> int | None:
    """1 for batches of at most SINGLE_THREAD_MAX_BATCH rows, else None (no limit: all cores)."""
    return 1 if batch_size <= SINGLE_THREAD_MAX_BATCH else None


def blas_threads(batch_size: int):
    """Context manager: inside it the BLAS uses the threads `blas_thread_limit` gives this batch size."""
    return CONTROLLER.limit(limits=blas_thread_limit(batch_size), user_api="blas")


def one_blas_thread():
    """Context manager: one BLAS thread inside it, for work made of small products (novelty.fit)."""
    return CONTROLLER.limit(limits=1, user_api="blas")

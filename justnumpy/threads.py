"""How many threads the matrix products use: one for small batches, every core for larger ones.

NumPy hands every product to its BLAS (OpenBLAS), which splits it across all cores. Splitting pays
for big products, but every product ends with the threads waiting for each other, and a batch of
16 rows is too short for the split to pay: on this project's quiet 2-core machine one and two
threads tie at batch 16, and two win by 14-18% at batch 32 and more above (`justnumpy bench --sweep`
measures both; README, Speed).

Why a fixed rule and not "time both and take the faster"? Because the thread count changes the
last bits of X·W1 (OpenBLAS sums in a different order on one thread), and the same seed must give
the same bits. The rule depends only on the batch size, so a run is reproducible on a machine.
The price: when other programs keep every core busy, threads that wait for each other lose their
cores and products slow down many times over (measured on this project's shared 2-core machine at
load ≈ 7: 2.0 s per epoch at batch 128 on one thread, 13 s on two). Set OPENBLAS_NUM_THREADS=1
in the environment to train on one thread whatever the batch size.
"""

from __future__ import annotations

from threadpoolctl import ThreadpoolController

CONTROLLER = ThreadpoolController()  # finds NumPy's BLAS once (~1 ms); switching is then ~20 µs
SINGLE_THREAD_MAX_BATCH = 16  # up to this many rows per batch, one thread is as fast (bench --sweep)


def blas_thread_limit(batch_size: int) -> int | None:
    """1 for batches of at most SINGLE_THREAD_MAX_BATCH rows, else None (no limit: all cores)."""
    return 1 if batch_size <= SINGLE_THREAD_MAX_BATCH else None


def blas_threads(batch_size: int):
    """Context manager: inside it the BLAS uses the threads `blas_thread_limit` gives this batch size."""
    return CONTROLLER.limit(limits=blas_thread_limit(batch_size), user_api="blas")

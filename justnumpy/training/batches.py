"""The data side of training: hold out a validation set, then serve shuffled mini-batches.

    data = split(raw, validation_fraction=0.05, seed=0)     # train / validation / test rows
    for X, y in batches(data.X_train, data.y_train, 128, rng):
        ...                                                 # X (≤128, 784) float32 in [0, 1]

The training images stay uint8, one row of 784 per image: a quarter of the memory of float32.
Each batch is scaled to [0, 1] as it is gathered. Images that are already floats (a caller who
scaled them, or forgot to) are used as they are; the doctor looks at their range.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple

import numpy as np

from justnumpy import augment
from justnumpy.data import to_inputs
from justnumpy.errors import JustNumpyError
from justnumpy.training.threads import one_blas_thread

PREFETCH = 1024  # about how many images the second thread distorts at a time


class Split(NamedTuple):
    """The rows and integer labels the loop works on: raw training rows, scaled held-out rows."""

    X_train: np.ndarray  # (n, 784) uint8 pixels (or floats, used as given)
    y_train: np.ndarray  # (n,) labels 0..9
    X_val: np.ndarray  # (n_val, 784) float32 inputs: held-out training images, to choose settings on
    y_val: np.ndarray
    X_test: np.ndarray  # (n_test, 784) float32 inputs: scored for the history, never trained on
    y_test: np.ndarray


def as_inputs(images: np.ndarray) -> np.ndarray:
    """Images or pixel rows → float32 network input rows (n, 784): uint8 is scaled by 1/255."""
    if images.dtype == np.uint8:
        return to_inputs(images)
    return images.reshape(len(images), -1).astype(np.float32)


def split(raw: tuple[np.ndarray, ...], validation_fraction: float, seed: int) -> Split:
    """Hold out a seeded share of the training images for validation; scale the held-out rows.

    `raw` is (X_train, y_train, X_test, y_test) as data.load returns it. The split has a
    generator of its own, so it is the same whatever else the seed is used for.
    """
    if len(raw) != 4:
        raise JustNumpyError(f"expected (X_train, y_train, X_test, y_test), got {len(raw)} arrays")
    X_train, y_train, X_test, y_test = (np.asarray(a) for a in raw)
    for name, X, y in (("training", X_train, y_train), ("test", X_test, y_test)):
        if X.ndim < 2 or X[0].size != 784 or len(X) != len(y):
            raise JustNumpyError(
                f"{name} images must be (n, 28, 28) or (n, 784) with one label each, "
                f"got images {X.shape} and labels {y.shape}"
            )
    X_all = X_train.reshape(len(X_train), 784)  # (n, 784), still uint8
    order = np.random.default_rng([seed, 1]).permutation(len(X_all))
    n_val = round(validation_fraction * len(X_all))
    val, train = order[:n_val], np.sort(order[n_val:])
    if len(train) == 0:
        raise JustNumpyError("no training images are left after holding out the validation set")
    return Split(
        X_all[train],
        y_train[train].astype(np.intp),
        as_inputs(X_all[val]),
        y_train[val].astype(np.intp),
        as_inputs(X_test),
        y_test.astype(np.intp),
    )


def batches(
    X: np.ndarray, y: np.ndarray, batch_size: int, rng: np.random.Generator, distort: str = "none"
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """One epoch of mini-batches (X float32 (≤B, 784) in [0, 1], y (≤B,)) in a fresh random order.

    Visiting the rows in a new random order each epoch keeps the batches from repeating, so every
    step sees a different estimate of the gradient. With `distort` (see augment.KINDS) every image
    is also distorted afresh each epoch. The permutation and the distortions are drawn from `rng`
    before the first batch is handed out: the order of random draws that resuming relies on.
    """
    n = len(X)
    order = rng.permutation(n)  # (n,) this epoch's order of the training rows
    if distort != "none":
        yield from distorted_batches(X, y, batch_size, order, augment.draw(n, rng, distort))
        return
    for i in range(0, n, batch_size):
        rows = order[i : i + batch_size]  # (≤B,) which training examples this batch holds
        yield as_inputs(X[rows]), y[rows]


def distorted_batches(
    X: np.ndarray, y: np.ndarray, batch_size: int, order: np.ndarray, distortion: augment.Distortion
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """The batches of `batches`, each image of the epoch moved as `distortion` (one per row of order) says.

    The epoch is distorted a chunk of rows at a time on a second thread: the next chunk while
    the batches of this one are trained on.
    """
    # A whole number of batches, and of augment's chunks, so that each image's distortion is
    # computed exactly as `augment.augment` computes it.
    rows = math.lcm(batch_size, augment.CHUNK)
    rows *= max(1, PREFETCH // rows)
    chunks = [slice(i, i + rows) for i in range(0, len(order), rows)]  # places in the epoch's order

    def distorted(s: slice) -> np.ndarray:
        """The images of chunk s, distorted (≤rows, 784): on one thread, as the other core trains."""
        images = X[order[s]]  # uint8 pixels are scaled inside `distort`, saving a pass
        if images.dtype != np.uint8:
            images = as_inputs(images)
        return augment.distort(images, distortion.rows(s), threads=1)

    # NumPy lets go of Python's global lock inside its loops, so the distortion can run on one
    # core while the training step runs on the other; its matrix products then get one thread,
    # as a BLAS thread sharing a core with the distortion would hold up every product.
    # Leaving the `with` (also when the caller stops early) ends the thread and restores the BLAS.
    with ThreadPoolExecutor(1, thread_name_prefix="justnumpy-distort") as worker, one_blas_thread():
        next_chunk = worker.submit(distorted, chunks[0])
        for k, s in enumerate(chunks):
            X_chunk, labels = next_chunk.result(), y[order[s]]  # (≤rows, 784) float32, (≤rows,)
            if k + 1 < len(chunks):
                next_chunk = worker.submit(distorted, chunks[k + 1])
            for i in range(0, len(labels), batch_size):
                yield X_chunk[i : i + batch_size], labels[i : i + batch_size]

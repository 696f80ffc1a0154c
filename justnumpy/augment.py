"""Data augmentation in NumPy: every epoch sees slightly different digits.

A 3 moved two pixels left, turned 10°, or written with a shakier hand is still a 3. Training on
such variants teaches the network that these changes do not matter, which it cannot learn from
60,000 fixed images: the hidden units stop memorising exact pixel positions.

Every transformation here is one idea, "read each output pixel from a displaced source point":

    out[i, j] = image(r, c)   with   (r, c) = A·(i − 13.5, j − 13.5) + 13.5 − t  +  α·(smooth noise)
                                              └── affine: rotate, scale ──┘   └shift┘   └─ elastic ─┘

and (r, c) is almost never a whole pixel, so `warp` blends the four pixels around it (bilinear
interpolation). The elastic part follows Simard, Steinkraus & Platt (2003): uniform noise in
[−1, 1] per pixel, smoothed by a Gaussian of width σ into a gently varying displacement field,
scaled by α ("mild-elastic": α/2, every point moved half as far). All random numbers are drawn
from the generator given, before any image is touched, so the training run stays reproducible
bit for bit.

    from justnumpy import augment
    X_aug = augment.augment(X, np.random.default_rng(0), "affine")   # (m, 784) → (m, 784) float
"""

from __future__ import annotations

import functools
import os
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple

import numpy as np

SIDE = 28  # MNIST images are 28×28 pixels, stored as rows of 784
CENTRE = (SIDE - 1) / 2  # 13.5: rotate and scale about the middle of the image, not its corner
KINDS = ("none", "shift", "affine", "elastic", "affine+elastic", "affine+mild-elastic")

# Strengths: small enough that a digit stays clearly itself (a 6 turned 180° would be a 9).
MAX_SHIFT = 2.0  # pixels in each direction
MAX_DEGREES = 12.0  # rotation
MAX_SCALE = 0.12  # ±12% size
ALPHA, SIGMA = 34.0, 4.0  # Simard's elastic strength and smoothness for 28×28 digits (in pixels)
# Half of Simard's strength: on top of the affine distortions, the full one deforms the digits
# more than a two-layer network of 800 units can fit in minutes (docs/ladder.md).
MILD_ALPHA = ALPHA / 2

# `augment` works through the images CHUNK at a time: the working arrays of a chunk (a few
# hundred kilobytes) then stay in the CPU's cache between the twenty-odd passes `Warp` makes over them.
CHUNK = 64
# The chunks are independent, and NumPy lets go of Python's global lock inside its loops, so
# several threads distort different chunks on different cores at once.
THREADS = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def random_affine(m: int, rng: np.random.Generator, rotate_scale: bool = True) -> tuple[np.ndarray, ...]:
    """m random (A, t): shifts up to MAX_SHIFT, and if asked rotations and size changes."""
    t = rng.uniform(-MAX_SHIFT, MAX_SHIFT, size=(m, 2))  # (m, 2)
    if not rotate_scale:
        return np.broadcast_to(np.eye(2), (m, 2, 2)), t
    angle = np.radians(rng.uniform(-MAX_DEGREES, MAX_DEGREES, size=m))  # (m,)
    scale = rng.uniform(1 - MAX_SCALE, 1 + MAX_SCALE, size=m)  # (m,)
    cos, sin = np.cos(angle) * scale, np.sin(angle) * scale
    A = np.stack([np.stack([cos, -sin], axis=1), np.stack([sin, cos], axis=1)], axis=1)  # (m, 2, 2)
    return A, t


def affine_coords(A: np.ndarray, t: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Source points of the affine map (r, c) = A·(i − 13.5, j − 13.5) + 13.5 − t for every pixel.

    A (m, 2, 2) per-image matrices (identity = unchanged), t (m, 2) shifts in pixels (down, right):
    content moves by +t. Returns points (m, 2, 784) in A's dtype: rows [:, 0], columns [:, 1];
    written into `out` if given.
    """
    m = len(A)
    centred = np.arange(SIDE, dtype=A.dtype) - A.dtype.type(CENTRE)  # (28,): i − 13.5, and j − 13.5
    # A·(i − 13.5, j − 13.5) is A's first column times (i − 13.5) plus its second times (j − 13.5):
    # one part for each output row and one for each output column, 28 numbers each per image.
    by_row = A[:, :, 0, None] * centred + (CENTRE - t)[:, :, None].astype(A.dtype)  # (m, 2, 28)
    by_col = A[:, :, 1, None] * centred  # (m, 2, 28)
    # Broadcasting adds every row's part to every column's part: the 28×28 grid in one pass.
    grid = np.empty((m, 2, SIDE * SIDE), A.dtype) if out is None else out
    np.add(by_row[..., :, None], by_col[..., None, :], out=grid.reshape(m, 2, SIDE, SIDE))
    return grid


def gaussian_matrix(sigma: float, n: int = SIDE) -> np.ndarray:
    """(n, n) matrix G with G @ v = v smoothed by a Gaussian of width sigma (zeros beyond the edge).

    Row i holds the normalised kernel centred on i, cut at 4σ like scipy.ndimage.gaussian_filter.
    Smoothing a 2-D field F along both axes is then two matrix products, G @ F @ Gᵀ.
    """
    radius = int(4 * sigma + 0.5)
    kernel = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
    kernel /= kernel.sum()  # weights sum to 1, so a constant field keeps its value away from edges
    offset = np.arange(n)[None, :] - np.arange(n)[:, None]  # (n, n): j − i
    return np.where(np.abs(offset) <= radius, kernel[np.clip(offset + radius, 0, 2 * radius)], 0.0)


@functools.cache
def smoothing_basis(sigma: float = SIGMA, k: int = 8) -> np.ndarray:
    """B (28, k) with B·M·Bᵀ, M (k, k) white noise, distributed like G·N·G, N (28, 28) white noise.

    G is symmetric, so G = Q·Λ·Qᵀ (eigenvectors Q, eigenvalues Λ) and G·N·G = QΛ·(Qᵀ·N·Q)·ΛQᵀ.
    For Gaussian white noise N, Qᵀ·N·Q is Gaussian white noise again (a rotation of independent
    Gaussians is independent Gaussians), so it can be drawn directly as M. A Gaussian blur
    keeps only slow variations: at σ = 4 the 9th largest eigenvalue is under 1% of the largest,
    so k = 8 columns suffice, and each field costs 64 random numbers instead of 784.
    """
    eigenvalues, Q = np.linalg.eigh(gaussian_matrix(sigma))  # ascending
    keep = np.argsort(np.abs(eigenvalues))[::-1][:k]  # the k largest in size
    return (Q[:, keep] * eigenvalues[keep]).astype(np.float32)  # (28, k): QΛ, truncated


def elastic_noise(m: int, rng: np.random.Generator, alpha: float = ALPHA, k: int = 8) -> np.ndarray:
    """The random part of m elastic fields: M (m, 2, k, k), white noise of variance α²/3.

    Simard smooths uniform noise in [−1, 1] (variance 1/3); here the noise is Gaussian of the
    same variance, which `smooth_field` turns into a field with the same covariance.
    """
    M = rng.standard_normal((m, 2, k, k), dtype=np.float32)  # one (k, k) per field, two per image
    M *= np.float32(alpha / np.sqrt(3.0))  # variance 1/3 like U(−1, 1), times the strength α
    return M


def smooth_field(M: np.ndarray, sigma: float = SIGMA) -> np.ndarray:
    """Displacement fields (m, 2, 784), row and column offsets in pixels, from noise M (m, 2, k, k).

    B·M·Bᵀ (`smoothing_basis`) has the covariance of Gaussian-smoothed noise, and nearly its
    distribution (each smoothed value averages ~200 noise pixels, which makes it Gaussian
    either way), at an order of magnitude less cost.
    """
    B = smoothing_basis(sigma)  # (28, k)
    m, k = len(M), B.shape[1]
    half = (M.reshape(-1, k) @ B.T).reshape(2 * m, k, SIDE)  # (2m, k, 28): M·Bᵀ, one BLAS call
    # Then B·(M·Bᵀ): transpose each field so the product is again one call over all rows.
    field = half.transpose(0, 2, 1).reshape(-1, k) @ B.T  # (2m·28, 28): (B·M·Bᵀ)ᵀ, the same distribution
    return field.reshape(m, 2, SIDE * SIDE)


def elastic_field(m: int, rng: np.random.Generator, alpha: float = ALPHA, sigma: float = SIGMA) -> np.ndarray:
    """m random smooth displacement fields (m, 2, 784), rows and columns offsets in pixels."""
    return smooth_field(elastic_noise(m, rng, alpha), sigma)


class Warp:
    """Bilinear resampling of up to m images at a time: out[k, p] = image k read at points[k, :, p].

    Calling it reuses the same working arrays for every chunk of images: arrays made afresh
    each time get fresh memory, which the operating system hands out zeroed, one page fault
    per 4 KB on first touch, and on a virtual machine that can cost as much as the arithmetic.
    """

    def __init__(self, m: int, dtype: type = np.float32) -> None:
        F = SIDE + 3  # the padded side: 1 row/column of zeros before the image, 2 after (see __call__)
        if m * F * F > 2 ** (np.finfo(dtype).nmant + 1):  # floats hold whole numbers exactly up to here
            raise ValueError(f"{m} images at a time is too many for exact {np.dtype(dtype)} pixel indices")
        self.padded = np.zeros((m, F, F), dtype)  # (m, 31, 31): only the inside is ever written
        self.corner = np.empty((m, 2, SIDE * SIDE), dtype)  # each point's top-left neighbour (row, column)
        self.index = np.empty((m, SIDE * SIDE), np.intp)  # ... as an index into the padded images
        self.neighbours = np.empty((3, m, SIDE * SIDE), dtype)  # the other three neighbours' values
        # Where image k's top-left pixel lies in the flattened stack of padded images.
        self.first_pixel = (np.arange(m) * (F * F) + F + 1).astype(dtype)[:, None]  # (m, 1)

    def __call__(self, X: np.ndarray, points: np.ndarray, out: np.ndarray) -> np.ndarray:
        """X (m, 784) pixels: floats in [0, 1], or uint8 0..255 (scaled to [0, 1] here).

        points (m, 2, 784) source rows and columns, in image coordinates; used as scratch
        space and overwritten. Points outside the image read 0. Returns `out` (m, 784) in [0, 1].
        """
        m, F = len(X), self.padded.shape[1]
        # Each image inside a frame of zeros: 1 pixel wide before it, 2 after. A point clipped into
        # [−1, 28] then has its four neighbours inside the frame, and beyond the image it reads 0.
        inside = self.padded[:m, 1 : SIDE + 1, 1 : SIDE + 1]  # (m, 28, 28) view
        if X.dtype == np.uint8:  # as data.to_inputs scales pixels, bit for bit
            np.divide(X.reshape(m, SIDE, SIDE), np.asarray(255, self.padded.dtype), out=inside)
        else:
            inside[...] = X.reshape(m, SIDE, SIDE)
        np.clip(points, -1, SIDE, out=points)  # a point far outside lands on the zero frame
        corner = np.floor(points, out=self.corner[:m])  # (m, 2, 784): the top-left neighbour
        points -= corner  # (m, 2, 784): how far the point lies towards the next row and column, in [0, 1]
        # The top-left neighbour's place in the flattened stack of padded images: row·F + column,
        # counted from the image's first pixel (whole numbers, exact in floats: see __init__).
        at = corner[:, 0]  # (m, 784) view, overwritten: it is not needed again
        at *= F
        at += corner[:, 1]
        at += self.first_pixel[:m]
        index = self.index[:m]
        index[...] = at
        # Each neighbour is one gather at a fixed offset (right +1, down +F, both +F + 1), read
        # through a view of `flat` that starts that much later. Every index is in range (clipped
        # above): mode="clip" only skips the bounds check of the default mode="raise".
        flat = self.padded.ravel()
        top = np.take(flat, index, mode="clip", out=out)  # (m, 784) top-left, becomes the result
        top_right, bottom, bottom_right = (
            np.take(flat[offset:], index, mode="clip", out=buffer[:m])
            for offset, buffer in zip((1, F, F + 1), self.neighbours, strict=True)
        )
        row, col = points[:, 0], points[:, 1]  # (m, 784) each: the fractions
        # Blend along each row, then between the two rows; in place, as the arrays are ours alone.
        top_right -= top  # top = top + col·(top_right − top)
        top_right *= col
        top += top_right
        bottom_right -= bottom  # bottom = bottom + col·(bottom_right − bottom)
        bottom_right *= col
        bottom += bottom_right
        bottom -= top  # result = top + row·(bottom − top)
        bottom *= row
        top += bottom
        return np.clip(top, 0, 1, out=top)  # a convex blend of [0, 1] values; clip only rounding's last bit


def warp(X: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Bilinear resampling: out[k, p] = image k read at the point points[k, :, p] = (row, column).

    X (m, 784) floats in [0, 1] or uint8 pixels; points (m, 2, 784). Points outside the image read
    0 (background). Returns (m, 784) within [0, 1], float32 for uint8 X, else X's dtype.
    """
    dtype = X.dtype if np.issubdtype(X.dtype, np.floating) else np.float32
    out = np.empty(X.shape, dtype)
    return Warp(len(X), dtype)(X, points.astype(dtype), out)


class Distortion(NamedTuple):
    """The random part of m distortions (`draw`), kept apart from the images they will move."""

    A: np.ndarray  # (m, 2, 2) rotation and scale of each image (identity for "elastic")
    t: np.ndarray  # (m, 2) shift of each image in pixels (zero for "elastic")
    noise: np.ndarray | None  # (m, 2, 8, 8) elastic noise (`elastic_noise`), or None

    def rows(self, s: slice) -> Distortion:
        """The distortions of the images s, e.g. rows(slice(0, 64)) for the first 64."""
        return Distortion(self.A[s], self.t[s], None if self.noise is None else self.noise[s])


def draw(m: int, rng: np.random.Generator, kind: str, dtype: type = np.float32) -> Distortion:
    """Every random number of m distortions of the given kind (not "none"), in one fixed order.

    Drawn before any image is touched, the images can then be distorted in any order, in any
    pieces, on any thread (`distort`), with the same result.
    """
    if kind == "elastic":
        A, t = np.broadcast_to(np.eye(2), (m, 2, 2)), np.zeros((m, 2))
    else:
        A, t = random_affine(m, rng, rotate_scale=kind != "shift")
    alpha = MILD_ALPHA if kind.endswith("mild-elastic") else ALPHA
    noise = elastic_noise(m, rng, alpha) if kind.endswith("elastic") else None  # (m, 2, 8, 8) or None
    return Distortion(A.astype(dtype), t.astype(dtype), noise)


def distort(
    X: np.ndarray, distortion: Distortion, out: np.ndarray | None = None, threads: int | None = None
) -> np.ndarray:
    """X (m, 784) moved as `distortion` (m of them, `draw`) says, into `out` (or a new array).

    X: floats in [0, 1] (the result has their dtype) or uint8 pixels 0..255 (float32 result).
    `threads` threads share the work (THREADS if not given); the result does not depend on it.
    """
    dtype = X.dtype if np.issubdtype(X.dtype, np.floating) else np.float32
    A, t, noise = distortion
    out = np.empty(X.shape, dtype) if out is None else out  # (m, 784)

    def distort_chunks(chunks: list[slice]) -> None:
        """Distort these chunks of X into `out`, with one set of working arrays for all of them."""
        warp_chunk, points = Warp(CHUNK, dtype), np.empty((CHUNK, 2, SIDE * SIDE), dtype)
        for s in chunks:
            p = affine_coords(A[s], t[s], out=points[: len(A[s])])  # (≤CHUNK, 2, 784)
            if noise is not None:
                p += smooth_field(noise[s])
            warp_chunk(X[s], p, out[s])

    chunks = [slice(i, i + CHUNK) for i in range(0, len(X), CHUNK)]
    threads = min(THREADS if threads is None else threads, len(chunks))
    if threads <= 1:
        distort_chunks(chunks)
    else:  # each thread takes every threads-th chunk
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(distort_chunks, [chunks[k::threads] for k in range(threads)]))
    return out


def augment(
    X: np.ndarray, rng: np.random.Generator, kind: str = "affine+elastic", out: np.ndarray | None = None
) -> np.ndarray:
    """A randomly distorted copy of the images X (m, 784), same shape, in [0, 1].

    X: floats in [0, 1] (the result has their dtype) or uint8 pixels 0..255 (the result is
    float32, scaled as data.to_inputs scales). kind: "none" (no distortion), "shift", "affine"
    (shift, rotate, scale), "elastic", "affine+elastic" or "affine+mild-elastic" (elastic fields
    half as strong). Each image gets its own random transformation drawn from `rng`; the result
    does not depend on THREADS. With `out` (an array of the result's shape and dtype: last
    epoch's, or X itself) the images are written there, each chunk after it has been read (kind
    "none" returns float X itself).
    """
    if kind not in KINDS:
        raise ValueError(f"unknown augmentation {kind!r}; choose one of {', '.join(KINDS)}")
    dtype = X.dtype if np.issubdtype(X.dtype, np.floating) else np.float32
    if kind == "none":
        return X if X.dtype == dtype else np.divide(X, np.asarray(255, dtype), out=out, dtype=dtype)
    return distort(X, draw(len(X), rng, kind, dtype), out)

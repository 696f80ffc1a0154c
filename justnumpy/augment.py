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
scaled by α. Everything runs on whole batches at once and draws from the generator it is given,
so the training run stays reproducible bit for bit.

    from justnumpy import augment
    X_aug = augment.augment(X, np.random.default_rng(0), "affine+elastic")   # (m, 784) → (m, 784)
"""

from __future__ import annotations

import functools

import numpy as np

SIDE = 28  # MNIST images are 28×28 pixels, stored as rows of 784
CENTRE = (SIDE - 1) / 2  # 13.5: rotate and scale about the middle of the image, not its corner
KINDS = ("none", "shift", "affine", "elastic", "affine+elastic")

# Strengths: small enough that a digit stays clearly itself (a 6 turned 180° would be a 9).
MAX_SHIFT = 2.0  # pixels in each direction
MAX_DEGREES = 12.0  # rotation
MAX_SCALE = 0.12  # ±12% size
ALPHA, SIGMA = 34.0, 4.0  # Simard's elastic strength and smoothness for 28×28 digits (in pixels)


def warp(X: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Bilinear resampling: out[k, p] = image k read at the point (rows[k, p], cols[k, p]).

    X (m, 784) in [0, 1]; rows, cols (m, 784) source coordinates. Points outside the image read
    0 (background). Returns (m, 784) in X's dtype, still within [0, 1].
    """
    m, P = len(X), SIDE + 2
    # A one-pixel frame of zeros around each image: the four neighbours of any clipped point
    # then exist, and everything beyond the image blends in background.
    padded = np.zeros((m, P, P), dtype=X.dtype)  # (m, 30, 30)
    padded[:, 1:-1, 1:-1] = X.reshape(m, SIDE, SIDE)
    # Shift into the padded frame and clip into it; a point far outside lands on the zero frame.
    r = np.clip(rows + 1, 0, P - 1, dtype=X.dtype)  # (m, 784)
    c = np.clip(cols + 1, 0, P - 1, dtype=X.dtype)  # (m, 784)
    # (m, 784): the top-left neighbour; at most P − 2, so that its right and lower neighbours exist
    # (a point exactly on the last row or column then gets weight 1 on that frame pixel).
    r0, c0 = np.minimum(np.floor(r), P - 2), np.minimum(np.floor(c), P - 2)
    r -= r0  # (m, 784): how far the point lies towards the next row, in [0, 1]
    c -= c0  # (m, 784): ... and towards the next column
    # Index of the top-left neighbour in the flattened stack of padded images.
    i00 = (r0 * P + c0).astype(np.intp)  # (m, 784)
    i00 += (np.arange(m) * (P * P))[:, None]
    flat = padded.ravel()
    # Each neighbour is one gather at a fixed offset (right +1, down +P), read through a view of
    # `flat` that starts `offset` later, so no shifted index array is built. The clipping above keeps
    # every index in range: mode="clip" only skips the bounds check of mode="raise" (about 2× faster).
    top, top_right, bottom, bottom_right = (
        np.take(flat[offset:], i00, mode="clip") for offset in (0, 1, P, P + 1)
    )
    # Blend along each row, then between the rows; in place, since these arrays are ours alone.
    top += c * (top_right - top)  # (m, 784)
    bottom += c * (bottom_right - bottom)
    top += r * (bottom - top)
    return np.clip(top, 0, 1, out=top)  # a convex blend of [0, 1] values; clip only rounding's last bit


def affine_coords(A: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Source points of the affine map (r, c) = A·(i − 13.5, j − 13.5) + 13.5 − t for every pixel.

    A (m, 2, 2) per-image matrices (identity = unchanged), t (m, 2) shifts in pixels (down, right):
    content moves by +t. Returns rows, cols, each (m, 784).
    """
    i, j = np.divmod(np.arange(SIDE * SIDE), SIDE)  # (784,) each: the row and column of every pixel
    grid = np.stack([i - CENTRE, j - CENTRE, np.ones(SIDE * SIDE)]).astype(A.dtype)  # (3, 784)
    # Per image the 2×3 matrix [A | 13.5 − t] maps (i − 13.5, j − 13.5, 1) to the source point;
    # stacking all m of them makes the whole batch one matrix product (2m, 3)·(3, 784).
    K = np.concatenate([A, (CENTRE - t)[:, :, None]], axis=2).reshape(-1, 3)  # (2m, 3)
    source = (K @ grid).reshape(-1, 2, SIDE * SIDE)  # (m, 2, 784)
    return source[:, 0], source[:, 1]


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


def elastic_field(m: int, rng: np.random.Generator, alpha: float = ALPHA, sigma: float = SIGMA) -> np.ndarray:
    """m random smooth displacement fields (m, 2, 784), rows and columns offsets in pixels.

    Simard smooths uniform noise in [−1, 1] with G; here the noise is Gaussian of the same
    variance (1/3) and the smoothing goes through `smoothing_basis`: the same covariance, and
    nearly the same distribution (each smoothed value averages ~200 noise pixels, which makes
    it Gaussian either way), an order of magnitude cheaper.
    """
    B = smoothing_basis(sigma)  # (28, k)
    k = B.shape[1]
    M = rng.standard_normal((2 * m, k, k), dtype=np.float32)  # white noise, one (k, k) per field
    M *= np.float32(alpha / np.sqrt(3.0))  # variance 1/3 like U(−1, 1), times the strength α
    half = (M.reshape(-1, k) @ B.T).reshape(2 * m, k, SIDE)  # (2m, k, 28): M·Bᵀ, one BLAS call
    # Then B·(M·Bᵀ): transpose each field so the product is again one call over all rows.
    field = half.transpose(0, 2, 1).reshape(-1, k) @ B.T  # (2m·28, 28): (B·M·Bᵀ)ᵀ, the same distribution
    return field.reshape(m, 2, SIDE * SIDE)


def augment(X: np.ndarray, rng: np.random.Generator, kind: str = "affine+elastic") -> np.ndarray:
    """A randomly distorted copy of the images X (m, 784): same shape, dtype and [0, 1] range.

    kind: "none" (X itself), "shift", "affine" (shift, rotate, scale), "elastic" or
    "affine+elastic". Each image gets its own random transformation drawn from `rng`.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown augmentation {kind!r}; choose one of {', '.join(KINDS)}")
    if kind == "none":
        return X
    m = len(X)
    if kind == "elastic":
        A, t = np.broadcast_to(np.eye(2), (m, 2, 2)), np.zeros((m, 2))
    else:
        A, t = random_affine(m, rng, rotate_scale=kind != "shift")
    rows, cols = affine_coords(A.astype(np.float32), t.astype(np.float32))  # (m, 784) each
    if kind.endswith("elastic"):
        field = elastic_field(m, rng)  # (m, 2, 784)
        rows, cols = rows + field[:, 0], cols + field[:, 1]
    return warp(X, rows, cols)


def augment_in_chunks(X: np.ndarray, rng: np.random.Generator, kind: str, chunk: int = 1024) -> np.ndarray:
    """`augment` over a whole training set, `chunk` images at a time to keep memory small."""
    if kind == "none":
        return X
    return np.concatenate([augment(X[i : i + chunk], rng, kind) for i in range(0, len(X), chunk)])

"""The weight mosaic: what each unit of the first hidden layer looks for, as a grid of 28×28 tiles.

Column j of W1 holds the 784 weights unit j gives the pixels; laid out as the image was
flattened, it is a 28×28 picture of the ink that raises (positive) or lowers (negative) the
unit's input Z1. `justnumpy plot` draws the grid with matplotlib on one shared scale; the page's
Train view sends it as a small PNG, each tile on its own scale. Both lay it out with `mosaic`.
"""

from __future__ import annotations

import base64
import io
import math

import numpy as np
from PIL import Image

BLUE, RED = np.array([0.16, 0.47, 1.0]), np.array([1.0, 0.2, 0.16])  # − and +, as in `justnumpy plot`


def weight_tiles(W1: np.ndarray) -> np.ndarray:
    """(H, 28, 28): column j of W1 (the 784 weights hidden unit j gives the pixels) as an image."""
    return W1.T.reshape(W1.shape[1], 28, 28)


def mosaic(tiles: np.ndarray, gap: int = 1) -> np.ndarray:
    """Tile (n, h, w) images into one nearly square 2-D array, NaN between tiles (drawn blank)."""
    n, h, w = tiles.shape
    cols = math.ceil(math.sqrt(n))
    rows = math.ceil(n / cols)
    out = np.full((rows * (h + gap) - gap, cols * (w + gap) - gap), np.nan)
    for k in range(n):
        top, left = tile_corner(k, n, h, w, gap)
        out[top : top + h, left : left + w] = tiles[k]
    return out


def tile_corner(k: int, n: int, h: int = 28, w: int = 28, gap: int = 1) -> tuple[int, int]:
    """(row, column) of the top-left pixel of tile k of n in `mosaic`: tiles fill rows left to right."""
    r, c = divmod(k, math.ceil(math.sqrt(n)))
    return r * (h + gap), c * (w + gap)


def tiles_png(W1: np.ndarray, count: int, gap: int = 2) -> str:
    """The input weights of the first `count` hidden units as a mosaic of 28×28 tiles, a PNG data URL.

    Each tile on its own scale (the pattern, not the size): red where ink pushes the unit up,
    blue where it pushes it down, black where a weight is 0, white between the tiles.
    """
    tiles = weight_tiles(W1[:, :count]).astype(np.float32)  # (count, 28, 28)
    peak = np.abs(tiles).max(axis=(1, 2), keepdims=True)  # (count, 1, 1): each tile's largest weight
    grid = mosaic(tiles / np.where(peak > 0, peak, 1), gap)  # in [−1, 1], NaN between tiles
    between = np.isnan(grid)
    w = np.nan_to_num(grid)[..., None]  # (rows, cols, 1)
    rgb = np.clip(w, 0, 1) * RED + np.clip(-w, 0, 1) * BLUE  # (rows, cols, 3)
    rgb[between] = 1.0  # white gaps
    buffer = io.BytesIO()
    Image.fromarray((rgb * 255).round().astype(np.uint8)).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")

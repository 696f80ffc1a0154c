"""Helpers for the "your own digit" tests: MNIST digits turned into photos, drawn digits, checks."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageDraw


def mnist_as_photo(image: np.ndarray, rng: np.random.Generator, fmt: str = "JPEG", scale: int = 10) -> bytes:
    """An MNIST image (28, 28) uint8 → bytes of a black-on-white RGB file, upscaled, placed off-centre.

    This is what a user's scan or screenshot looks like, and everything preprocessing must undo.
    """
    side = 28 * scale
    big = Image.fromarray(255 - image).resize((side, side), Image.Resampling.BILINEAR)
    width = side + int(rng.integers(side // 2, 2 * side))  # at least half a digit of margin
    height = side + int(rng.integers(side // 2, 2 * side))
    canvas = Image.new("RGB", (width, height), (255, 255, 255))
    corner = (int(rng.integers(0, width - side)), int(rng.integers(0, height - side)))
    canvas.paste(big.convert("RGB"), corner)
    buffer = io.BytesIO()
    canvas.save(buffer, format=fmt)
    return buffer.getvalue()


def drawn_seven(size: tuple[int, int] = (500, 360), ink: int = 20, paper: int = 235) -> Image.Image:
    """A "7" drawn with thick lines, off-centre on a grayscale page (mode L)."""
    img = Image.new("L", size, paper)
    draw = ImageDraw.Draw(img)
    draw.line([(260, 60), (380, 60), (310, 300)], fill=ink, width=18, joint="curve")
    return img


def encode(img: Image.Image, fmt: str = "PNG", **options) -> bytes:
    """An image's file bytes in `fmt`."""
    buffer = io.BytesIO()
    img.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def check_input(x: np.ndarray) -> None:
    """What every successful preprocessing must return: a network input row with some ink."""
    assert x.shape == (784,) and x.dtype == np.float32
    assert np.isfinite(x).all() and x.min() >= 0 and x.max() <= 1
    assert x.max() > 0

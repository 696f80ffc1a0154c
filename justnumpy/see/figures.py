"""One way to make and save a figure, for every picture the project draws.

Figures are built with matplotlib's object API (`Figure`, never `pyplot`) and rendered by the Agg
canvas: PNGs with no display needed, and a notebook that imports justnumpy keeps its own backend
and its own current figure untouched.

    fig = figures.new(figsize=(8, 4))
    ax = fig.subplots()
    ax.plot(...)
    figures.save(fig, "out/picture.png")
"""

from __future__ import annotations

import io
import os
from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from justnumpy.errors import JustNumpyError

DPI = 100
GREEN, RED, GREY = "#2ca02c", "#d62728", "#b0b0b0"


def new(figsize: tuple[float, float]) -> Figure:
    """A blank figure of `figsize` inches with constrained layout (labels never overlap)."""
    return Figure(figsize=figsize, layout="constrained")


def save(fig: Figure, path: str | os.PathLike, dpi: int = DPI) -> Path:
    """Render with Agg and store as a 256-colour PNG: a quarter of the bytes, no visible change."""
    path = Path(path)
    FigureCanvasAgg(fig)  # attach the Agg canvas: PNG rendering with no display needed
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, facecolor="white")
    image = Image.open(buffer).convert("RGB").quantize(256, method=Image.Quantize.MEDIANCUT)
    try:
        image.save(path, format="PNG", optimize=True)
    except OSError as e:
        raise JustNumpyError(f"{path}: cannot write picture ({e.strerror or e})") from None
    return path

"""Numbers too small to matter are treated as zero while training, because the CPU is slow with them.

A float32 below about 1.2e-38 is "denormal" (subnormal): the CPU still computes with it correctly,
but on many x86 processors each such operation takes tens of times longer. Training makes them
steadily: wherever a gradient is exactly 0 (the weights of a pixel that no image in the batch
inks, a dead hidden unit), momentum's velocity v ← 0.9·v shrinks towards 0 and crawls through the
denormal range for about 150 steps on its way there. Left alone, an epoch slows down as training
goes on. The CPU's flush-to-zero and denormals-are-zero modes (set with the sseflags package)
round them to 0 instead: a step of size 1e-38 moves no weight anyway.

The modes belong to the thread that sets them, so `train.train` sets them around each epoch, in
whichever thread runs it (the command line's or the web page's), and restores them afterwards.
Where sseflags is not installed (it is only required on x86-64 Linux), nothing changes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

try:
    import sseflags
except ImportError:  # another platform: denormals stay, and training is only slower
    sseflags = None


@contextmanager
def flushed_to_zero() -> Iterator[None]:
    """Context manager: on this thread, denormal floats are read and written as 0 inside it."""
    if sseflags is None:
        yield
        return
    # NumPy before 2.3 works out np.finfo's numbers the first time they are asked for: with the
    # modes on it would find no subnormals and warn. Asked for here, they are right and kept.
    for dtype in (np.float32, np.float64):
        _ = np.finfo(dtype).smallest_subnormal
    saved = sseflags.get_flags()
    sseflags.set_flags(daz=True, ftz=True)
    try:
        yield
    finally:
        sseflags.set_flags(**saved)

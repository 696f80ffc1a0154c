"""A helper process that distorts the next chunk of training images while this one trains.

Distorting every image of an epoch (augment.py) costs the CPU about as much as training on
them, and the two do not depend on each other, so they can run side by side on two cores. A
thread would not do: both sides are made of thousands of short NumPy calls, and between any two
of them a thread needs Python's global lock, which then passes back and forth between the two
threads, each hand-over waking the other core. A second Python process has a lock of its own;
`Distorter` starts it, running `main` below.

The two processes share one block of memory, so no image is ever sent through a pipe: the
training images and the epoch's order and random draws (written by the training loop, read by
the helper), and two slots for distorted chunks (written by the helper, read by the loop).
Through the pipes go only a few numbers a chunk, "distort places start..stop of the epoch's
order into slot k", and the answer "done".

    with lend(X, rows=1024) as helper:
        helper.start_epoch(order, distortion)
        helper.submit(0, 0, 1024)
        X_chunk = helper.result()    # (1024, 784) float32, valid until slot 0 is written again

Starting a process takes a fraction of a second, so the last one is kept for the next epoch
(and the next run on the same images); it is ended when other images come, when an epoch is
left part way, and when Python exits.
"""

from __future__ import annotations

import atexit
import mmap
import os
import struct
import subprocess
import sys
import tempfile
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

import numpy as np

from justnumpy import augment
from justnumpy.errors import JustNumpyError

PIXELS = augment.SIDE * augment.SIDE  # 784
TASK = struct.Struct("<qqq?")  # slot, start, stop, with elastic noise
ANSWER = struct.Struct("<q")  # 0: done; otherwise the length of an error message that follows
AVAILABLE = os.name == "posix"  # handing a file descriptor to a new process (`pass_fds`) needs POSIX


def memory_file() -> int:
    """An empty file that lives in memory and has no name: its descriptor."""
    if hasattr(os, "memfd_create"):  # Linux: not limited by the size of /dev/shm (64 MB in a container)
        return os.memfd_create("justnumpy-distort")
    with tempfile.TemporaryFile() as file:  # elsewhere: a file deleted at once, kept by the descriptor
        return os.dup(file.fileno())


def shared_arrays(fd: int, n: int, rows: int, image_dtype: np.dtype) -> dict[str, np.ndarray]:
    """The arrays both processes see, one after another in the memory file fd (grown to fit)."""
    f32 = np.dtype(np.float32)
    arrays = {
        "images": ((n, PIXELS), image_dtype),  # the training images, as the loop holds them
        "order": ((n,), np.dtype(np.intp)),  # this epoch's order of the rows
        "A": ((n, 2, 2), f32),  # this epoch's distortions, one per place in that order
        "t": ((n, 2), f32),
        "noise": ((n, 2, 8, 8), f32),  # elastic noise (pages never written take no memory)
        "slots": ((2, rows, PIXELS), f32),  # two chunks of distorted images
    }
    # Each array starts on a cache line (64 bytes).
    sizes = [-(-int(np.prod(shape)) * dtype.itemsize // 64) * 64 for shape, dtype in arrays.values()]
    if os.fstat(fd).st_size < sum(sizes):
        os.ftruncate(fd, sum(sizes))
    block = mmap.mmap(fd, sum(sizes))  # kept open by the arrays over it
    offsets = np.cumsum([0, *sizes[:-1]])
    return {
        name: np.ndarray(shape, dtype, buffer=block, offset=int(offset))
        for (name, (shape, dtype)), offset in zip(arrays.items(), offsets, strict=True)
    }


def read_exactly(fd: int, size: int) -> bytes:
    """`size` bytes from the pipe fd, or EOFError if the other side has gone."""
    data = b""
    while len(data) < size:
        more = os.read(fd, size - len(data))
        if not more:
            raise EOFError("the other process has gone")
        data += more
    return data


class Distorter:
    """A helper process holding a copy of the training images X, distorting up to `rows` at a time.

    X: (n, 784) uint8 pixels, or floats (held as float32). The copy is made once: change X in
    place and a new Distorter is needed.
    """

    def __init__(self, X: np.ndarray, rows: int) -> None:
        self.X, self.rows = weakref.ref(X), rows
        images = X if X.dtype == np.uint8 else X.astype(np.float32)
        block = memory_file()  # a file descriptor, for the helper to map the same memory
        self.arrays = shared_arrays(block, len(X), rows, images.dtype)
        self.arrays["images"][...] = images
        tasks_read, self.tasks = os.pipe()
        self.answers, answers_write = os.pipe()
        # The helper imports justnumpy from where this process found it, whatever its sys.path.
        home = str(Path(__file__).resolve().parents[2])
        code = f"import sys; sys.path.insert(0, sys.argv[1]); from {__name__} import main; main(sys.argv[2:])"
        argv = [sys.executable, "-c", code, home, str(block), str(tasks_read), str(answers_write)]
        argv += [str(len(X)), str(rows), images.dtype.str]
        try:
            # A session of its own: Ctrl-C at the terminal is for the training loop, which ends the helper.
            fds = (block, tasks_read, answers_write)
            self.process = subprocess.Popen(argv, pass_fds=fds, start_new_session=True)
        except OSError as error:
            os.close(self.tasks)
            os.close(self.answers)
            raise JustNumpyError(f"cannot start a process to distort the training images: {error}") from None
        finally:
            for fd in (block, tasks_read, answers_write):  # the helper's ends: this process keeps its own
                os.close(fd)
        self.waiting_for: int | None = None  # the slot being distorted, if any
        self.has_noise = False

    def holds(self, X: np.ndarray, rows: int) -> bool:
        """Whether this process has the images X and slots of `rows` rows, and still runs."""
        return self.X() is X and self.rows == rows and self.process.poll() is None

    def start_epoch(self, order: np.ndarray, distortion: augment.Distortion) -> None:
        """Hand over the epoch's order of rows and one distortion per place in it (nothing in flight)."""
        self.arrays["order"][...] = order
        self.arrays["A"][...] = distortion.A
        self.arrays["t"][...] = distortion.t
        self.has_noise = distortion.noise is not None
        if self.has_noise:
            self.arrays["noise"][...] = distortion.noise

    def submit(self, slot: int, start: int, stop: int) -> None:
        """Start distorting the images at places start..stop of the epoch (≤ rows) into slot 0 or 1."""
        try:
            os.write(self.tasks, TASK.pack(slot, start, stop, self.has_noise))
        except OSError:
            self.stopped()
        self.waiting_for = slot

    def result(self) -> np.ndarray:
        """Wait for the chunk last submitted: a view (rows, 784) float32 of its slot."""
        try:
            (size,) = ANSWER.unpack(read_exactly(self.answers, ANSWER.size))
            message = read_exactly(self.answers, size).decode() if size else ""
        except (EOFError, OSError):
            self.stopped()
        slot, self.waiting_for = self.waiting_for, None
        if message:
            raise JustNumpyError(f"distorting the training images failed: {message}")
        return self.arrays["slots"][slot]

    def stopped(self) -> NoReturn:
        """The process has gone (killed, or out of memory): say so."""
        self.waiting_for = None
        self.close()
        raise JustNumpyError(
            f"the process distorting the training images stopped (exit code {self.process.returncode})"
        )

    def close(self) -> None:
        """End the process, whatever it is doing: it holds nothing worth keeping. Twice does nothing."""
        if self.tasks < 0:
            return
        self.process.kill()
        self.process.wait()
        os.close(self.tasks)
        os.close(self.answers)
        self.tasks = self.answers = -1  # a closed descriptor's number is soon another file's


_kept: Distorter | None = None  # the process kept for the next epoch, while nobody uses it
_lock = threading.Lock()  # two runs in two threads (the web page's and another) each get their own


@contextmanager
def lend(X: np.ndarray, rows: int) -> Iterator[Distorter]:
    """Context manager: a Distorter for X, the one kept from last time if it holds X and is free."""
    global _kept
    with _lock:
        helper, _kept = _kept, None
    if helper is None or not helper.holds(X, rows):
        if helper is not None:
            helper.close()
        helper = Distorter(X, rows)
    try:
        yield helper
    except BaseException:
        # Left mid-epoch (Ctrl-C, a stop, an error): a chunk may be in flight, and its answer
        # would be taken for the next epoch's first. A new process is simpler than sorting that out.
        helper.close()
        raise
    if helper.process.poll() is None:
        with _lock:
            helper, _kept = _kept, helper
    if helper is not None:  # the one not kept: another run's, or one that stopped
        helper.close()


@atexit.register
def _close_kept() -> None:
    if _kept is not None:
        _kept.close()


def serve(block_fd: int, tasks: int, answers: int, n: int, rows: int, image_dtype: str) -> None:
    """The helper's loop: distort each chunk it is told to into its slot and answer, until it is ended."""
    arrays = shared_arrays(block_fd, n, rows, np.dtype(image_dtype))
    X, order, A, t, noise, slots = (arrays[name] for name in ("images", "order", "A", "t", "noise", "slots"))
    while True:
        slot, start, stop, elastic = TASK.unpack(read_exactly(tasks, TASK.size))
        distortion = augment.Distortion(A[start:stop], t[start:stop], noise[start:stop] if elastic else None)
        try:
            augment.distort(X[order[start:stop]], distortion, out=slots[slot, : stop - start], threads=1)
            os.write(answers, ANSWER.pack(0))
        except Exception as error:  # a bug: said where the chunk is waited for
            message = f"{type(error).__name__}: {error}".encode()
            os.write(answers, ANSWER.pack(len(message)) + message)


def main(argv: list[str]) -> None:
    """The helper process's entry point: `serve` with the arguments `Distorter` passed."""
    try:
        serve(*map(int, argv[:5]), argv[5])
    except EOFError:  # the training process has gone: nothing left to do
        pass

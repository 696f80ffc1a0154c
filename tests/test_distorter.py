"""The helper process that distorts the next chunk: same images as augment.augment, kept, ended, shared."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from threadpoolctl import threadpool_info

from justnumpy import augment
from justnumpy.data import to_inputs
from justnumpy.errors import JustNumpyError
from justnumpy.training import distorter
from justnumpy.training.batches import batches
from justnumpy.training.threads import CONTROLLER
from tests.helpers import REPO, running

pytestmark = pytest.mark.skipif(not distorter.AVAILABLE, reason="the helper process needs POSIX")


def images(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n, 784), dtype=np.uint8), rng.integers(0, 10, n).astype(np.intp)


def epoch(X: np.ndarray, y: np.ndarray, seed: int, kind: str = "affine", batch_size: int = 128) -> np.ndarray:
    return np.concatenate([Xb for Xb, _ in batches(X, y, batch_size, np.random.default_rng(seed), kind)])


def oracle(X: np.ndarray, seed: int, kind: str = "affine") -> np.ndarray:
    """What `batches` must hand out: shuffle with the generator, then augment the epoch in this process."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(X))
    return augment.augment(X[order], rng, kind)


def test_the_helper_is_kept_for_the_next_epoch_and_replaced_for_other_images():
    X, y = images(3000)
    np.testing.assert_array_equal(epoch(X, y, 1), oracle(X, 1))
    kept = distorter._kept
    np.testing.assert_array_equal(epoch(X, y, 2, "affine+elastic"), oracle(X, 2, "affine+elastic"))
    assert distorter._kept is kept and running(kept.process.pid)  # the same process, a second epoch
    X2, y2 = images(2000, seed=1)
    np.testing.assert_array_equal(epoch(X2, y2, 3), oracle(X2, 3))
    assert distorter._kept is not kept and not running(kept.process.pid)  # other images: a new one


def test_float_images_give_what_their_pixels_give():
    X, y = images(1500)
    np.testing.assert_array_equal(epoch(to_inputs(X), y, 4), epoch(X, y, 4))


def test_stopping_mid_epoch_restores_the_blas_and_the_next_epoch_gets_its_own_images():
    X, y = images(3000)
    blas_before = [pool["num_threads"] for pool in threadpool_info()]
    stopped = batches(X, y, 128, np.random.default_rng(0), "affine")
    next(stopped)  # the next chunk is being distorted now
    assert {pool["num_threads"] for pool in CONTROLLER.select(user_api="blas").info()} == {1}  # NumPy's
    stopped.close()  # what happens when the loop is left early (StopTraining, Ctrl-C)
    assert [pool["num_threads"] for pool in threadpool_info()] == blas_before
    # The chunk that was in flight was collected: the helper answers the next epoch's chunks in step.
    np.testing.assert_array_equal(epoch(X, y, 5), oracle(X, 5))


def test_two_epochs_at_once_each_get_their_own_helper():
    # Two runs in two threads (the web page's and another) interleave like these two generators.
    X, y = images(3000)
    a = batches(X, y, 128, np.random.default_rng(6), "affine")
    b = batches(X, y, 128, np.random.default_rng(7), "affine")
    got_a, got_b = [], []
    for (Xa, _), (Xb, _) in zip(a, b, strict=True):
        got_a.append(Xa)
        got_b.append(Xb)
    np.testing.assert_array_equal(np.concatenate(got_a), oracle(X, 6))
    np.testing.assert_array_equal(np.concatenate(got_b), oracle(X, 7))


def test_a_helper_that_was_killed_is_one_clear_error_and_the_next_epoch_starts_another():
    X, y = images(2000)
    rng = np.random.default_rng(8)
    order = rng.permutation(len(X))
    with distorter.lend(X, 1024) as helper:
        helper.start_epoch(order, augment.draw(len(X), rng, "affine"))
        helper.process.kill()
        helper.process.wait()
        with pytest.raises(JustNumpyError, match=r"^the process distorting the training images stopped"):
            helper.submit(0, 0, 1024)
            helper.result()
    np.testing.assert_array_equal(epoch(X, y, 9), oracle(X, 9))


def test_without_a_helper_process_the_batches_are_the_same(monkeypatch):
    X, y = images(1500)
    expected = epoch(X, y, 10, "affine+elastic", batch_size=100)
    monkeypatch.setattr(distorter, "AVAILABLE", False)  # a system without POSIX processes
    np.testing.assert_array_equal(epoch(X, y, 10, "affine+elastic", batch_size=100), expected)


SCRIPT = """
import sys, time
import numpy as np
from justnumpy.training import batches, distorter
X = np.random.default_rng(0).integers(0, 256, (2000, 784), dtype=np.uint8)
epoch = batches.batches(X, np.zeros(2000, np.intp), 128, np.random.default_rng(0), "affine")
next(epoch)
print(distorter._kept.process.pid if distorter._kept else "", flush=True)
for _ in epoch:
    pass
print(distorter._kept.process.pid, flush=True)
if sys.argv[1] == "wait":
    time.sleep(60)
"""


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc")
@pytest.mark.parametrize("how", ["exits", "killed"])
def test_the_helper_ends_with_the_python_that_started_it(how):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    argv = [sys.executable, "-c", SCRIPT, "wait" if how == "killed" else "exit"]
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, text=True)
    proc.stdout.readline()
    pid = int(proc.stdout.readline())
    assert running(pid)
    if how == "killed":
        proc.send_signal(signal.SIGKILL)  # no atexit: the helper sees its task pipe close
    proc.wait(timeout=60)
    deadline = time.monotonic() + 10
    while running(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not running(pid)

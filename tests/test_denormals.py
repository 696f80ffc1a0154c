"""Training flushes denormal floats to zero, on the thread that trains, and restores the CPU's mode after."""

from __future__ import annotations

import numpy as np
import pytest

from justnumpy import data, train
from justnumpy.training import denormals

TINY = np.finfo(np.float32).tiny  # the smallest normal float32; anything nonzero below it is denormal


def halved() -> float:
    """Half the smallest normal float32: a denormal, or 0 when the CPU flushes it."""
    return float(np.array([TINY], np.float32)[0] * np.float32(0.5))


@pytest.fixture
def sseflags():
    if denormals.sseflags is None or not denormals.sseflags.set_flags():
        pytest.skip("sseflags is not installed or cannot set the CPU's modes here")
    return denormals.sseflags


def test_inside_the_context_denormals_are_zero_and_the_mode_comes_back(sseflags):
    before = halved()
    assert before == pytest.approx(TINY / 2, rel=1e-6)  # the CPU's default: exact denormals
    with denormals.flushed_to_zero():
        assert halved() == 0.0
    assert halved() == before and sseflags.get_flags() == {"daz": False, "ftz": False}


def test_training_runs_with_denormals_flushed_and_leaves_the_mode_as_it_was(sseflags, tiny_data):
    seen = []  # (event kind, half the smallest normal float32 as the CPU computes it then)
    callback = lambda event: seen.append((event["kind"], halved()))  # noqa: E731
    train.train(train.Config(epochs=1, batch_size=64), data.load("mnist", tiny_data), callbacks=[callback])
    assert {h for kind, h in seen if kind == "batch"} == {0.0}  # inside the epoch: flushed
    assert seen[-1][0] == "end" and seen[-1][1] == pytest.approx(TINY / 2, rel=1e-6)  # after it: restored

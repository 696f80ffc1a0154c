"""Watching a training run from outside: measurements of its weights at chosen steps.

train.train's callbacks hear events, not weights. The weights live in the run's State, which a
caller can make itself (train.new_state) and hand to train.train; the optimizer updates them in
place. A Probe keeps that state's params and, at the steps it was asked for, measures them with a
function of its own (a forward and backward pass on a fixed batch, say). It only reads them, so the
run trains exactly as it would without it, bit for bit.

    state = train.new_state(config, net)
    probe = Probe(state.params, steps(445, 15), lambda params: {"norms": gradient_norms(net, params, X, y)})
    train.train(config, raw, net=net, state=state, callbacks=[probe])
    probe.records          # [{"step": 0, "norms": [...]}, {"step": 1, ...}, ..., {"step": 445, ...}]
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from justnumpy import model
from justnumpy.model import Net
from justnumpy.training.callbacks import Event

Params = dict[str, np.ndarray]


class Probe:
    """A training callback: measure(params) after each optimizer step in `at` (0: the start)."""

    def __init__(
        self, params: Params, at: Iterable[int], measure: Callable[[Params], dict[str, Any]]
    ) -> None:
        self.params, self.at, self.measure = params, set(at), measure
        self.records: list[dict[str, Any]] = []

    def __call__(self, event: Event) -> None:
        if event["kind"] == "start":
            step = 0  # the weights training starts from, before the first step
        elif event["kind"] == "batch":
            step = (event["epoch"] - 1) * event["batches"] + event["batch"]  # steps taken so far
        else:
            return
        if step in self.at:
            self.records.append({"step": step, **self.measure(self.params)})


def steps(total: int, n: int) -> list[int]:
    """About n steps from 0 to `total`, evenly spaced on a log scale: the first steps change the most."""
    spaced = np.geomspace(1, max(total, 1), max(n - 1, 1)).round().astype(int)
    return sorted({0, total, *spaced.tolist()})


def steps_per_epoch(n_train: int, validation_fraction: float, batch_size: int) -> int:
    """The optimizer steps in one epoch over `n_train` images, once the validation share is held out."""
    return math.ceil((n_train - round(validation_fraction * n_train)) / batch_size)


def gradient_norms(net: Net, params: Params, X: np.ndarray, y: np.ndarray) -> list[float]:
    """[‖dW1‖, ..., ‖dWL‖]: the size (Frobenius norm) of each layer's weight gradient on the batch X, y."""
    grads = net.backward(params, net.forward(params, X), X, y)
    return [float(np.linalg.norm(grads[f"dW{l}"])) for l in range(1, model.n_layers(params) + 1)]

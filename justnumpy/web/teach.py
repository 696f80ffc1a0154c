"""The "teach it" card: one backward pass and one gradient step on the user's own drawing.

The user says which digit the drawing really was (y). On that batch of one (m = 1):

    forward     Z1 A1 Z2 A2                  what the network computed
    loss        −log A2[y]                   how wrong it was
    backward    dZ2 = A2 − Y                 (10,)  each digit's share of the error
                dA1 = dZ2·W2ᵀ                (H,)   how the loss would change with each unit's output
                dZ1 = dA1 ⊙ [Z1 > 0]         (H,)   the same, only for units that fired
    step        θ ← θ − lr·dθ                on a copy: the served model is unchanged

The blame shown is |dZ1|, not |dA1|: dW1 = Xᵀ·dZ1, so dZ1 is what actually moves a unit's
784 input weights. A silent unit (Z1 ≤ 0) may have a large dA1, but ReLU passed it no signal, so
this step does not change its weights at all.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from justnumpy import network
from justnumpy.see import explain

TOP_UNITS = 6  # how many of the most blamed hidden units the page shows


def one_step(params: network.Params, x: np.ndarray, y: int, lr: float) -> dict[str, Any]:
    """Forward, loss, backward and one SGD step on input x (784,) with true digit y; params untouched.

    The pass is `justnumpy explain`'s (see/explain.trace); this adds which hidden units take the
    most blame. "stepped" are the weights after the step: the caller decides whether to serve them.
    """
    steps = explain.trace(params, x, y, lr)
    dZ1 = steps["dZ1"][0]  # (H,)
    return {
        "y": y,
        "lr": lr,
        "A2": steps["A2"][0],
        "loss": steps["loss"],
        "dZ2": steps["dZ2"][0],  # (10,)
        "dA1": steps["dA1"][0],  # (H,)
        "dZ1": dZ1,
        "A1": steps["A1"][0],
        "blamed": np.argsort(-np.abs(dZ1), kind="stable")[:TOP_UNITS],  # the largest |dZ1| first
        "fired": int((steps["Z1"][0] > 0).sum()),  # units that can take any blame at all
        "A2_after": steps["A2_after"][0],
        "loss_after": steps["loss_after"],
        "stepped": steps["params_after"],
    }

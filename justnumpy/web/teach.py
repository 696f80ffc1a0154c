""" "Teach it": one backward pass and one gradient step on the user's own drawing, with network.py's names.

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

TOP_UNITS = 6  # how many of the most blamed hidden units the page shows


def one_step(params: network.Params, x: np.ndarray, y: int, lr: float) -> dict[str, Any]:
    """Forward, loss, backward and one SGD step on input x (784,) with true digit y; params untouched.

    Returns the quantities above as arrays, the most blamed units, and `stepped`: the weights
    after the step (a new dict; the caller decides whether to serve them).
    """
    X = x[None, :].astype(params["W1"].dtype)  # (1, 784): a batch of one
    y_batch = np.array([y])  # (1,)
    cache = network.forward(params, X)
    grads = network.backward(params, cache, X, y_batch)
    # With m = 1, "sum over the rows" is the one row: db2 is dZ2 and db1 is dZ1 (network.backward).
    dZ2, dZ1 = grads["db2"], grads["db1"]  # (10,), (H,)
    dA1 = dZ2 @ params["W2"].T  # (H,): dZ1 before ReLU's mask
    stepped = {k: p - lr * grads["d" + k] for k, p in params.items()}  # θ − lr·dθ, new arrays
    after = network.forward(stepped, X)["A2"]  # (1, 10)
    blamed = np.argsort(-np.abs(dZ1), kind="stable")[:TOP_UNITS]  # the units with the largest |dZ1|
    return {
        "y": y,
        "lr": lr,
        "A2": cache["A2"][0],
        "loss": network.loss(cache["A2"], y_batch),
        "dZ2": dZ2,
        "dA1": dA1,
        "dZ1": dZ1,
        "A1": cache["A1"][0],
        "blamed": blamed,
        "fired": int((cache["Z1"][0] > 0).sum()),  # units that can take any blame at all
        "A2_after": after[0],
        "loss_after": network.loss(after, y_batch),
        "stepped": stepped,
    }

"""The "teach it" card: one backward pass and one gradient step on the user's own drawing.

The user says which digit the drawing really was (y). On that batch of one (m = 1), through the
served model's own net, whatever its depth L (L = 2 for network.py's 784-256-10):

    forward     Z1 A1 ... ZL AL              what the network computed
    loss        −log AL[y]                   how wrong it was (½‖AL − Y‖² under squared error)
    backward    dZL = AL − Y                 (10,)  each digit's share of the error (cross-entropy)
                ...                                 back through the layers, one at a time
                dA1 = dZ2·W2ᵀ                (n_1,) how the loss would change with each unit's output
                dZ1 = dA1 ⊙ f'(Z1)           (n_1,) the same through the activation: [Z1 > 0] for ReLU
    step        θ ← θ − lr·dθ                on a copy: the served model is unchanged

With one example, "sum over the rows" is the row itself, so each layer's dZl is its dbl, straight
out of the net's backward. The blame shown is the first hidden layer's |dZ1|, not |dA1|: dW1 = Xᵀ·dZ1,
so dZ1 is what actually moves a unit's 784 input weights (a 28×28 picture). A silent ReLU unit
(Z1 ≤ 0) may have a large dA1, but ReLU passed it no signal, so this step does not change its weights.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from justnumpy import model, network, optim

TOP_UNITS = 6  # how many of the most blamed hidden units the page shows


def one_step(net: model.Net, params: network.Params, x: np.ndarray, y: int, lr: float) -> dict[str, Any]:
    """Forward, loss, backward and one SGD step with `net` on input x (784,) with true digit y.

    `params` are untouched: "stepped" are the weights after the step, and the caller decides
    whether to serve them. For a network without a hidden layer (L = 1) nothing is blamed.
    """
    X = x.reshape(1, -1).astype(params["W1"].dtype)  # (1, 784): a batch of one
    y_batch = np.array([y])
    cache = net.forward(params, X)  # Z1 A1 ... ZL AL
    L = model.depth(cache)
    grads = net.backward(params, cache, X, y_batch)  # dW1 db1 ... dWL dbL
    dZ = [grads[f"db{l}"] for l in range(1, L + 1)]  # m = 1: db = Σ_rows dZ is dZ's one row
    stepped = {k: v.copy() for k, v in params.items()}
    optim.SGD(stepped, lr).step(grads)  # θ ← θ − lr·dθ on a copy
    after = model.output(net.forward(stepped, X))
    step = {
        "y": y,
        "lr": lr,
        "layers": L,
        "output": model.output(cache)[0],  # (10,) AL
        "loss": net.loss(model.output(cache), y_batch),
        "dZ_output": dZ[-1],  # (10,) dZL
        "output_after": after[0],
        "loss_after": net.loss(after, y_batch),
        "stepped": stepped,
        "blamed": np.array([], dtype=int),
        "fired": None,
    }
    if L > 1:  # the first hidden layer: its units' input weights are pictures of the input
        dZ1 = dZ[0]  # (n_1,)
        step.update(
            dZ1=dZ1,
            dA1=dZ[1] @ params["W2"].T,  # (n_1,): what dZ1 was before the activation's slope
            A1=cache["A1"][0],
            blamed=np.argsort(-np.abs(dZ1), kind="stable")[:TOP_UNITS],  # the largest |dZ1| first
            fired=int((cache["Z1"][0] > 0).sum()),  # units whose Z1 > 0 (ReLU: the only ones blamed)
        )
    return step

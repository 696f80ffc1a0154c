"""The classic mistakes of the loop that stacks the layers, written out, so the check can name them.

Each variant is the backward pass of mlp.py with one mistake, built from justnumpy/layers.py's
blocks (the learner's blocks have passed their own checks by then, so they give the same
numbers). A learner's gradients that equal one variant's, exactly, name the mistake.
"""

from __future__ import annotations

import numpy as np

from justnumpy import layers

VARIANTS = {  # variant: (bug id, what the learner's gradients then are)
    "kept-dZ": (
        "not-passed-down",
        "every layer used the output layer's dZ: the dA of linear_backward went nowhere",
    ),
    "dZ-for-dA": (
        "not-passed-down",
        "each layer's dZ came from the slope applied to the dZ above it, not to the dA that "
        "linear_backward returned",
    ),
    "slope-skipped": ("activation-slope-skipped", "each hidden layer's dZ is its dA: no activation slope"),
    "slope-at-output": ("slope-at-output", "the output layer's dZ was multiplied by the activation's slope"),
    "cache-above": (
        "wrong-layer-cache",
        "each hidden layer's slope was taken from the cache of the layer above it",
    ),
}


def gradients(
    params: dict, X: np.ndarray, y: np.ndarray, activation: str, variant: str
) -> dict[str, np.ndarray]:
    """The gradients dW1 db1 ... of mlp.py's backward pass with the mistake `variant`."""
    act_forward, act_backward = layers.ACTIVATIONS[activation]
    L = len(params) // 2
    Z, A = {}, {0: X}
    for l in range(1, L + 1):  # the right forward pass, keeping every Z and A
        Z[l] = A[l - 1] @ params[f"W{l}"] + params[f"b{l}"]
        A[l] = act_forward(Z[l])[0] if l < L else layers.softmax(Z[l])

    def cache_of(l: int) -> np.ndarray:
        """What layer l's activation keeps: Z for ReLU, A for sigmoid and tanh; layer L keeps its A."""
        return Z[l] if activation in ("relu", "leaky-relu") else A[l]

    dZ = layers.cross_entropy_backward(A[L], y)
    if variant == "slope-at-output":
        dZ = act_backward(dZ, act_forward(Z[L])[1])
    top, grads = dZ, {}
    for l in range(L, 0, -1):
        dA, grads[f"dW{l}"], grads[f"db{l}"] = layers.linear_backward(dZ, (A[l - 1], params[f"W{l}"]))
        if l == 1:
            break
        if variant == "kept-dZ":
            dZ = top
        elif variant == "dZ-for-dA":
            dZ = act_backward(dZ, cache_of(l - 1))
        elif variant == "slope-skipped":
            dZ = dA
        elif variant == "cache-above":
            dZ = act_backward(dA, cache_of(l))
        else:
            dZ = act_backward(dA, cache_of(l - 1))
    return {k: grads[k] for l in range(1, L + 1) for k in (f"dW{l}", f"db{l}")}

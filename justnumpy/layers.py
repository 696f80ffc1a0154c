"""The building blocks of a network of any depth: each a forward and a backward, side by side.

network.py writes the 784-256-10 network out line by line. The same lines, cut at the joints,
are the blocks below; mlp.py stacks them into a network of any depth. Every forward returns its
output and a cache (what its backward will need); every backward takes the gradient of the loss
with respect to the block's output and returns the gradient with respect to its input:

    linear       Z = A·W + b                 dA = dZ·Wᵀ    dW = Aᵀ·dZ    db = Σ_rows dZ
    relu         A = max(0, Z)               dZ = dA ⊙ [Z > 0]
    leaky relu   A = max(αZ, Z)              dZ = dA ⊙ (1 where Z > 0, else α)
    sigmoid      A = σ(Z) = 1/(1 + e^−Z)     dZ = dA ⊙ A ⊙ (1 − A)        σ' = σ(1 − σ)
    tanh         A = tanh(Z)                 dZ = dA ⊙ (1 − A²)           tanh' = 1 − tanh²

and the output layer with its loss, where Y is the one-hot form of the labels y and m the batch:

    softmax + cross-entropy   L = −mean log A[i, yᵢ]          dZ = (A − Y) / m
    softmax + squared error   L = mean ½‖A[i] − Y[i]‖²        dZ = A ⊙ (G − Σ_k G ⊙ A), G = (A − Y) / m

The second gradient is derived in docs/math.md#squared-error: the softmax's own slope multiplies
it, and that slope is almost 0 when the network is confidently wrong, so it learns slowly there.

Shapes: A (m, n_in) inputs of a layer, W (n_in, n_out), b (n_out,), Z and its activation (m, n_out).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from justnumpy.network import loss as cross_entropy  # −mean log A[i, yᵢ], written once in network.py
from justnumpy.network import softmax

__all__ = ["ACTIVATIONS", "LOSSES", "cross_entropy", "softmax"]

LEAKY_SLOPE = 0.01  # α: the slope a leaky ReLU keeps for Z < 0, so no unit can die for good


def linear_forward(A: np.ndarray, W: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, tuple]:
    """Z = A·W + b: every unit's weighted sum of the layer's inputs."""
    Z = A @ W + b  # (m, n_out): row i is example i, column j unit j
    return Z, (A, W)  # backward needs the inputs (for dW) and the weights (for dA)


def linear_backward(
    dZ: np.ndarray, cache: tuple, input_grad: bool = True
) -> tuple[np.ndarray | None, np.ndarray, np.ndarray]:
    """(dA, dW, db) from dZ (m, n_out); dA is None when input_grad is False (the first layer's X)."""
    A, W = cache
    dW = A.T @ dZ  # (n_in, n_out): input i's share in unit j's error, summed over the examples
    db = dZ.sum(axis=0)  # (n_out,): b was added to every row, so its gradient sums over the rows
    dA = dZ @ W.T if input_grad else None  # (m, n_in): each input hears back from every unit it fed
    return dA, dW, db


def relu_forward(Z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A = max(0, Z): positive evidence passes, the rest is silenced."""
    return np.maximum(0, Z), Z  # the slope depends on the sign of Z, so Z is the cache


def relu_backward(dA: np.ndarray, cache: np.ndarray) -> np.ndarray:
    """dZ = dA ⊙ [Z > 0]: the error flows back only through units that fired."""
    return dA * (cache > 0)


def leaky_relu_forward(Z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A = Z where Z > 0, else α·Z: like ReLU, but a unit below zero still has a small slope."""
    return np.where(Z > 0, Z, Z * Z.dtype.type(LEAKY_SLOPE)), Z


def leaky_relu_backward(dA: np.ndarray, cache: np.ndarray) -> np.ndarray:
    """dZ = dA where Z > 0, else α·dA: a unit that never fires still hears a little of the error."""
    return np.where(cache > 0, dA, dA * dA.dtype.type(LEAKY_SLOPE))


def sigmoid_forward(Z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A = σ(Z) = 1 / (1 + e^−Z), squashed into (0, 1)."""
    # The same function written as ½(1 + tanh(Z/2)): e^−Z would overflow for Z below about −89.
    A = 0.5 * (1 + np.tanh(0.5 * Z))
    return A, A  # σ'(Z) = σ(Z)·(1 − σ(Z)) is cheapest from the output itself


def sigmoid_backward(dA: np.ndarray, cache: np.ndarray) -> np.ndarray:
    """dZ = dA ⊙ σ(Z) ⊙ (1 − σ(Z)); the slope is at most ¼, and near 0 once a unit saturates."""
    A = cache
    return dA * A * (1 - A)


def tanh_forward(Z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A = tanh(Z), squashed into (−1, 1) and centred on 0."""
    A = np.tanh(Z)
    return A, A  # tanh'(Z) = 1 − tanh(Z)², again from the output


def tanh_backward(dA: np.ndarray, cache: np.ndarray) -> np.ndarray:
    """dZ = dA ⊙ (1 − tanh(Z)²); the slope is 1 at Z = 0 and near 0 once a unit saturates."""
    A = cache
    return dA * (1 - A * A)


def cross_entropy_backward(A: np.ndarray, y: np.ndarray) -> np.ndarray:
    """dZ = (A − Y) / m for softmax followed by cross-entropy (docs/math.md#output-gradient)."""
    m = A.shape[0]
    dZ = A.copy()  # (m, 10): copy, so the cache still holds the probabilities
    dZ[np.arange(m), y] -= 1  # (m, 10): now A − Y, without building the one-hot Y
    dZ /= m  # (m, 10): the loss is a mean over m examples, so each one's gradient carries 1/m
    return dZ


def squared_error(A: np.ndarray, y: np.ndarray) -> float:
    """Mean over the batch of ½‖A[i] − Y[i]‖²: every class's probability is pulled to 0 or 1."""
    G = A.copy()  # (m, 10): copy, so the cache still holds the probabilities
    G[np.arange(len(y)), y] -= 1  # (m, 10): A − Y
    return float(0.5 * (G * G).sum(axis=1).mean())  # the mean: independent of the batch size


def squared_error_backward(A: np.ndarray, y: np.ndarray) -> np.ndarray:
    """dZ for softmax followed by squared error: (A − Y)/m sent back through softmax's slope."""
    m = A.shape[0]
    G = A.copy()  # (m, 10): dL/dA, starting from A
    G[np.arange(m), y] -= 1  # (m, 10): A − Y
    G /= m  # (m, 10): dL/dA = (A − Y) / m
    # Softmax's Jacobian: ∂A_k/∂Z_j = A_k(δ_kj − A_j), so dZ_j = A_j·(G_j − Σ_k G_k·A_k).
    return A * (G - (G * A).sum(axis=1, keepdims=True))  # (m, 10)


Forward = Callable[[np.ndarray], tuple[np.ndarray, Any]]
Backward = Callable[[np.ndarray, Any], np.ndarray]

# The choices a network of any depth offers, by the names the command line and model files use.
ACTIVATIONS: dict[str, tuple[Forward, Backward]] = {
    "relu": (relu_forward, relu_backward),
    "leaky-relu": (leaky_relu_forward, leaky_relu_backward),
    "sigmoid": (sigmoid_forward, sigmoid_backward),
    "tanh": (tanh_forward, tanh_backward),
}
LOSSES: dict[str, tuple[Callable[[np.ndarray, np.ndarray], float], Callable]] = {
    "cross-entropy": (cross_entropy, cross_entropy_backward),
    "squared-error": (squared_error, squared_error_backward),
}

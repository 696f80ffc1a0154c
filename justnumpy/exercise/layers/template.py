"""The exercise's layers, written out: what my_layers.py looks like once every TODO is done.

`justnumpy exercise start --kind layers` writes this file with the function bodies cut out
(skeleton.py), and `justnumpy exercise bugs --kind layers` writes copies of it with one classic
bug each (zoo.py), so the docstrings below are what a learner reads at level 1. It is written
plainly from docs/math.md#any-depth, apart from justnumpy/layers.py and justnumpy/mlp.py;
`justnumpy check` passes it. softmax and the cross-entropy come ready-made: they are the network
exercise's.
"""

import numpy as np

from justnumpy.layers import cross_entropy, cross_entropy_backward, softmax


def linear_forward(A: np.ndarray, W: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, tuple]:
    """One layer's weighted sums: Z = A·W + b, shape (m, n_out), and the cache its backward needs.

    A (m, n_in) holds the layer's inputs, W (n_in, n_out) its weights, b (n_out,) its biases.
    Return (Z, cache); the cache is yours to choose: backward needs A and W (docs/math.md#any-depth).
    """
    Z = A @ W + b  # (m, n_out)
    return Z, (A, W)


def linear_backward(dZ: np.ndarray, cache: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """From dZ (m, n_out), the gradient of the loss with respect to Z, return (dA, dW, db):

    dA = dZ·Wᵀ               (m, n_in)     passed down to the layer below
    dW = Aᵀ·dZ               (n_in, n_out)
    db = dZ summed over rows (n_out,)      docs/math.md#why-db-sums-over-rows
    """
    A, W = cache
    dA = dZ @ W.T  # (m, n_in)
    dW = A.T @ dZ  # (n_in, n_out)
    db = dZ.sum(axis=0)  # (n_out,)
    return dA, dW, db


def relu_forward(Z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A = max(0, Z), element by element; return (A, cache). Backward needs to know where Z > 0."""
    return np.maximum(Z, 0), Z


def relu_backward(dA: np.ndarray, cache: np.ndarray) -> np.ndarray:
    """dZ = dA ⊙ [Z > 0]: the slope is 1 where the unit fired and 0 where it did not."""
    Z = cache
    return dA * (Z > 0)


def sigmoid_forward(Z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A = σ(Z) = 1 / (1 + e^−Z), element by element; return (A, cache).

    σ' = σ·(1 − σ) is cheapest from the output: keep A as the cache. For Z far below 0, e^−Z
    overflows to inf and 1 / (1 + inf) = 0, which is the right limit.
    """
    A = 1 / (1 + np.exp(-Z))
    return A, A


def sigmoid_backward(dA: np.ndarray, cache: np.ndarray) -> np.ndarray:
    """dZ = dA ⊙ σ(Z) ⊙ (1 − σ(Z)), with σ(Z) = A from the cache (docs/math.md#the-activations-slopes)."""
    A = cache
    return dA * A * (1 - A)


def tanh_forward(Z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A = tanh(Z), element by element; return (A, cache). tanh' = 1 − tanh²: keep A as the cache."""
    A = np.tanh(Z)
    return A, A


def tanh_backward(dA: np.ndarray, cache: np.ndarray) -> np.ndarray:
    """dZ = dA ⊙ (1 − tanh(Z)²), with tanh(Z) = A from the cache (docs/math.md#the-activations-slopes)."""
    A = cache
    return dA * (1 - A**2)


def init_params(sizes: tuple[int, ...] = (784, 128, 64, 10), seed: int = 0) -> dict[str, np.ndarray]:
    """Random weights and zero biases for every layer, as float32: W1 b1 W2 b2 ... WL bL.

    sizes = (n_0, n_1, ..., n_L): the inputs, each hidden layer, the classes. Layer l has
        "Wl"  (n_(l-1), n_l)   each weight drawn from N(0, 2 / n_(l-1))   docs/math.md#he-initialisation
        "bl"  (n_l,)           zeros
    Draw from rng = np.random.default_rng(seed), layer after layer.
    """
    rng = np.random.default_rng(seed)
    params = {}
    for l in range(1, len(sizes)):
        n_in, n_out = sizes[l - 1], sizes[l]
        params[f"W{l}"] = (rng.standard_normal((n_in, n_out)) * np.sqrt(2.0 / n_in)).astype(np.float32)
        params[f"b{l}"] = np.zeros(n_out, dtype=np.float32)
    return params


def forward(params: dict[str, np.ndarray], X: np.ndarray, activation: str = "relu") -> dict:
    """Run X (m, n_0) through every layer; return the cache with Z1 A1 ... ZL AL and what backward needs.

    With A0 = X, for l = 1 … L:
        Zl = linear_forward(A(l−1), Wl, bl)
        Al = activation_forward(Zl)    for the hidden layers, l < L
        AL = softmax(ZL)               for the last layer: no activation there
    `activation` is "relu", "sigmoid" or "tanh". Keep each block's cache in the dict too, under
    names of your own (docs/math.md#any-depth).
    """
    act_forward = {"relu": relu_forward, "sigmoid": sigmoid_forward, "tanh": tanh_forward}[activation]
    L = len(params) // 2
    cache = {}
    A = X
    for l in range(1, L + 1):
        Z, cache[f"linear{l}"] = linear_forward(A, params[f"W{l}"], params[f"b{l}"])
        if l < L:
            A, cache[f"act{l}"] = act_forward(Z)
        else:
            A = softmax(Z)
        cache[f"Z{l}"], cache[f"A{l}"] = Z, A
    return cache


def loss(AL: np.ndarray, y: np.ndarray) -> float:
    """The mean cross-entropy of the probabilities AL (m, n_L) for the labels y (m,): ready-made."""
    return cross_entropy(AL, y)


def backward(
    params: dict[str, np.ndarray], cache: dict, X: np.ndarray, y: np.ndarray, activation: str = "relu"
) -> dict[str, np.ndarray]:
    """The gradient of `loss` for every parameter: the dict dW1 db1 ... dWL dbL, each shaped like it.

    Start at the top with dZL = cross_entropy_backward(AL, y) = (AL − Y) / m; then for l = L … 1:
        dA(l−1), dWl, dbl = linear_backward(dZl, the cache of layer l's linear step)
        dZ(l−1) = activation_backward(dA(l−1), the cache of layer l−1's activation)   (l > 1)
    Each layer hands the gradient down to the one below (docs/math.md#any-depth).
    Change nothing in params or cache.
    """
    act_backward = {"relu": relu_backward, "sigmoid": sigmoid_backward, "tanh": tanh_backward}[activation]
    L = len(params) // 2
    grads = {}
    dZ = cross_entropy_backward(cache[f"A{L}"], y)
    for l in range(L, 0, -1):
        dA, grads[f"dW{l}"], grads[f"db{l}"] = linear_backward(dZ, cache[f"linear{l}"])
        if l > 1:
            dZ = act_backward(dA, cache[f"act{l - 1}"])
    return grads


def predict(params: dict[str, np.ndarray], X: np.ndarray, activation: str = "relu") -> np.ndarray:
    """The most likely class for each row of X: (m,) integer labels, the argmax of ZL."""
    L = len(params) // 2
    return forward(params, X, activation)[f"Z{L}"].argmax(axis=1)

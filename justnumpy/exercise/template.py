"""The exercise's network, written out: what my_network.py looks like once every TODO is done.

`justnumpy exercise start` writes this file with the function bodies cut out (skeleton.py), and
`justnumpy exercise bugs` writes copies of it with one classic bug each (zoo.py), so the
docstrings below are what a learner reads while filling in the skeleton. It is written plainly,
from docs/math.md, apart from justnumpy/network.py; `justnumpy check` passes it.
"""

import numpy as np


def init_params(
    n_in: int = 784, n_hidden: int = 256, n_out: int = 10, seed: int = 0
) -> dict[str, np.ndarray]:
    """Random weights and zero biases for the two layers, as float32 arrays.

    Return a dict with four arrays:
        "W1"  (n_in, n_hidden)    each weight drawn from N(0, 2 / n_in)
        "b1"  (n_hidden,)         zeros: one bias per hidden unit
        "W2"  (n_hidden, n_out)   each weight drawn from N(0, 2 / n_hidden)
        "b2"  (n_out,)            zeros: one bias per class
    N(0, 2 / fan_in) is He initialisation: it keeps the signal the same size from layer to
    layer (docs/math.md#he-initialisation). Draw from rng = np.random.default_rng(seed), so the
    same seed gives the same weights; rng.standard_normal(shape) draws from N(0, 1).
    """
    rng = np.random.default_rng(seed)
    W1 = rng.standard_normal((n_in, n_hidden)) * np.sqrt(2.0 / n_in)  # (n_in, H)
    W2 = rng.standard_normal((n_hidden, n_out)) * np.sqrt(2.0 / n_hidden)  # (H, n_out)
    params = {"W1": W1, "b1": np.zeros(n_hidden), "W2": W2, "b2": np.zeros(n_out)}
    return {name: value.astype(np.float32) for name, value in params.items()}


def softmax(Z: np.ndarray) -> np.ndarray:
    """Each row of Z (m, 10) turned into probabilities: exp(z) / sum(exp(z)), row by row.

    Subtract each row's largest entry first, Z - Z.max(axis=1, keepdims=True): it changes
    nothing mathematically and keeps exp from overflowing to inf (docs/math.md#softmax).
    """
    E = np.exp(Z - Z.max(axis=1, keepdims=True))  # (m, 10): every entry in (0, 1]
    return E / E.sum(axis=1, keepdims=True)  # (m, 10): each row sums to 1


def forward(params: dict[str, np.ndarray], X: np.ndarray) -> dict[str, np.ndarray]:
    """Run a batch X (m, 784) through the network; return what backward needs.

        Z1 = X·W1 + b1      (m, H)    each hidden unit's weighted sum of the pixels
        A1 = max(0, Z1)     (m, H)    ReLU
        Z2 = A1·W2 + b2     (m, 10)   one score per class
        A2 = softmax(Z2)    (m, 10)   probabilities; each row sums to 1

    Return the dict {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2} (docs/math.md#forward-pass).
    Keep the dtype of the inputs: the check runs in float64, training in float32.
    """
    Z1 = X @ params["W1"] + params["b1"]  # (m, H)
    A1 = np.maximum(Z1, 0)  # (m, H)
    Z2 = A1 @ params["W2"] + params["b2"]  # (m, 10)
    A2 = softmax(Z2)  # (m, 10)
    return {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}


def loss(A2: np.ndarray, y: np.ndarray) -> float:
    """Mean cross-entropy: the average over the batch of −log A2[i, y[i]] (docs/math.md#cross-entropy).

    A2 (m, 10) holds probabilities, y (m,) the integer labels 0..9; return one float. Only the
    probability given to the true class counts. A network that gives every class 1/10 scores
    −log(1/10) = ln 10 ≈ 2.303.
    """
    m = len(y)
    p_true = A2[np.arange(m), y]  # (m,): the probability of the right answer, per example
    return float(-np.mean(np.log(np.maximum(p_true, 1e-30))))  # floored: log(0) would be −inf


def backward(
    params: dict[str, np.ndarray], cache: dict[str, np.ndarray], X: np.ndarray, y: np.ndarray
) -> dict[str, np.ndarray]:
    """The gradient of `loss` with respect to every parameter, by the chain rule.

        dZ2 = (A2 − Y) / m         (m, 10)   Y: the one-hot labels   docs/math.md#output-gradient
        dW2 = A1ᵀ · dZ2            (H, 10)
        db2 = dZ2 summed over rows (10,)     docs/math.md#why-db-sums-over-rows
        dA1 = dZ2 · W2ᵀ            (m, H)
        dZ1 = dA1 ⊙ [Z1 > 0]       (m, H)    ReLU passes the error only where the unit fired
        dW1 = Xᵀ · dZ1             (784, H)
        db1 = dZ1 summed over rows (H,)

    Return the dict {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}, each shaped like its
    parameter (docs/math.md#backward-pass). Change nothing in params or cache.
    """
    m = X.shape[0]
    A1, A2 = cache["A1"], cache["A2"]
    Y = np.zeros_like(A2)  # (m, 10): one-hot labels, 1 at each true class
    Y[np.arange(m), y] = 1
    dZ2 = (A2 - Y) / m  # (m, 10)
    dW2 = A1.T @ dZ2  # (H, 10)
    db2 = dZ2.sum(axis=0)  # (10,)
    dA1 = dZ2 @ params["W2"].T  # (m, H)
    dZ1 = dA1 * (cache["Z1"] > 0)  # (m, H)
    dW1 = X.T @ dZ1  # (784, H)
    db1 = dZ1.sum(axis=0)  # (H,)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}


def predict(params: dict[str, np.ndarray], X: np.ndarray) -> np.ndarray:
    """The most likely digit for each row of X (m, 784): (m,) integer labels 0..9.

    The class with the largest probability in A2 is also the one with the largest score in Z2.
    """
    return forward(params, X)["Z2"].argmax(axis=1)

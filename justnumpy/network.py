"""The whole network in one file: a 784-256-10 multilayer perceptron, NumPy only.

    Z1 = X·W1 + b1        A1 = max(0, Z1)           hidden layer, H ReLU units
    Z2 = A1·W2 + b2       A2 = softmax(Z2)          output layer, 10 class probabilities
    loss = mean over the batch of −log A2[i, y_i]   cross-entropy

and, by the chain rule, backwards:

    dZ2 = (A2 − Y) / m    dW2 = A1ᵀ·dZ2    db2 = Σ_rows dZ2
    dA1 = dZ2·W2ᵀ         dZ1 = dA1 ⊙ [Z1 > 0]
    dW1 = Xᵀ·dZ1          db1 = Σ_rows dZ1

Two optional regularizers, off unless asked for: dropout on A1 (forward(..., dropout=p, rng=rng)
multiplies A1 by a random mask of 0 and 1/(1−p), and backward multiplies dA1 by the same mask) and L2
weight decay (backward(..., weight_decay=λ) adds λ·W to dW1 and dW2). Dropout on the input pixels,
the ladder's input-dropout rung, is not in this file: the training loop (train.run_epoch)
multiplies each batch X by a dropout_mask before it calls forward and backward.

Shapes: m examples per batch, X (m, 784) pixels scaled to [0, 1], W1 (784, H), b1 (H,),
W2 (H, 10), b2 (10,), Y the one-hot form of the integer labels y (m,).
Every symbol is derived step by step in docs/math.md.

Usage from a notebook:

    from justnumpy import network
    params = network.init_params(seed=0)                  # He-initialised float32 weights
    cache = network.forward(params, X)                    # Z1, A1, Z2, A2
    print(network.loss(cache["A2"], y))                   # ≈ 2.4 before training; ln 10 ≈ 2.30
    grads = network.backward(params, cache, X, y)         # dW1, db1, dW2, db2
    params["W1"] -= 0.1 * grads["dW1"]                    # one step of gradient descent, etc.
"""

from __future__ import annotations

import numpy as np

Params = dict[str, np.ndarray]


def init_params(
    n_in: int = 784,
    n_hidden: int = 256,
    n_out: int = 10,
    seed: int = 0,
    scale: float | None = None,
    dtype: type = np.float32,
) -> Params:
    """Random weights and zero biases for the two layers (docs/math.md#he-initialisation).

    By default each weight is drawn from N(0, 2 / fan_in) (He initialisation): a ReLU zeroes about
    half of its inputs, so the factor 2 keeps the size of the signal the same from layer to layer,
    and training starts neither saturated nor silent. With `scale` = s every weight is s·N(0, 1)
    instead, to see what a bad start does: s = 0.01 was the project's starting point (the
    scores Z2 come out ~45× smaller than with He, so the first steps crawl), s = 1 makes the
    first logits huge.
    Biases start at zero; the random weights already make the units differ from each other.
    """
    rng = np.random.default_rng(seed)
    # The standard deviation of each layer's weights: He's √(2/fan_in), or the given scale.
    std1 = np.sqrt(2.0 / n_in) if scale is None else scale
    std2 = np.sqrt(2.0 / n_hidden) if scale is None else scale
    return {
        # (784, H): column j holds the 784 pixel weights of hidden unit j
        "W1": (rng.standard_normal((n_in, n_hidden)) * std1).astype(dtype),
        # (H,): one bias per hidden unit, shared by every example (it is not a scalar)
        "b1": np.zeros(n_hidden, dtype=dtype),
        # (H, 10): column k holds how much each hidden unit votes for digit k
        "W2": (rng.standard_normal((n_hidden, n_out)) * std2).astype(dtype),
        # (10,): one bias per class
        "b2": np.zeros(n_out, dtype=dtype),
    }


def softmax(Z2: np.ndarray) -> np.ndarray:
    """Row-wise softmax, computed so that no exp can overflow (docs/math.md#softmax).

    softmax(z) = softmax(z − c) for any constant c, so subtracting each row's largest logit
    changes nothing mathematically but makes every exponent ≤ 0: exp stays in (0, 1].
    """
    Z2_stable = Z2 - Z2.max(axis=1, keepdims=True)  # (m, 10): the largest logit of each row is now 0
    E = np.exp(Z2_stable)  # (m, 10): in (0, 1], and at least one entry per row is exactly 1
    return E / E.sum(axis=1, keepdims=True)  # (m, 10): each row sums to 1; the sum is ≥ 1, never 0


def forward(
    params: Params, X: np.ndarray, dropout: float = 0.0, rng: np.random.Generator | None = None
) -> dict[str, np.ndarray]:
    """Run a batch X (m, 784) through the network; return every intermediate backward needs.

    With dropout p > 0 and a generator `rng` (training only), each hidden activation is zeroed
    with probability p, a fresh random subset per example; the mask goes into the cache so that
    backward sends the error through exactly the units that were kept. Without `rng`
    (evaluation, `predict`) every unit is used and nothing is rescaled.
    """
    Z1 = X @ params["W1"] + params["b1"]  # (m, H): each hidden unit's weighted sum of the 784 pixels
    A1 = np.maximum(0, Z1)  # (m, H): ReLU keeps positive evidence and silences the rest
    cache = {}
    if dropout > 0 and rng is not None:
        mask = dropout_mask(A1.shape, dropout, rng, A1.dtype)  # (m, H): 0 or 1/(1−p)
        A1 = A1 * mask  # (m, H): dropped units output 0, kept ones are boosted
        cache["mask"] = mask
    Z2 = A1 @ params["W2"] + params["b2"]  # (m, 10): each digit's score (logit) from the hidden features
    A2 = softmax(Z2)  # (m, 10): scores → probabilities, row i is the network's belief about example i
    return {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2, **cache}


def dropout_mask(shape: tuple[int, ...], p: float, rng: np.random.Generator, dtype: type) -> np.ndarray:
    """A random mask of 0 (probability p) and 1/(1−p) (probability 1−p) for inverted dropout.

    Scaling the survivors by 1/(1−p) keeps the expected value of every masked entry equal to
    its value without dropout, so evaluation uses the plain network with nothing rescaled.
    """
    keep = rng.random(shape, dtype=dtype) >= p  # True for the ~(1−p) share that is kept
    return keep * np.dtype(dtype).type(1.0 / (1.0 - p))


def loss(A2: np.ndarray, y: np.ndarray) -> float:
    """Mean cross-entropy −log A2[i, y_i] over the batch (docs/math.md#cross-entropy).

    Only the probability given to the true class counts. Because softmax above shifted the
    logits by their maximum, A2 underflows to 0 only for hopelessly wrong answers; flooring at
    the smallest normal number keeps the loss finite (≈ 87 per example in float32) even then.
    """
    m = A2.shape[0]
    p_true = A2[np.arange(m), y]  # (m,): probability of the correct digit for each example
    tiny = np.finfo(A2.dtype).tiny  # log(0) would be −inf; the floor is far below any real answer
    return float(-np.log(np.maximum(p_true, tiny)).mean())  # the mean: independent of the batch size


def l2_penalty(params: Params, weight_decay: float) -> float:
    """The L2 term λ/2·(‖W1‖² + ‖W2‖²) that weight decay adds to `loss`.

    Large weights let a unit react sharply to a few pixels, which fits noise; charging for their
    squared size prefers many small weights. Biases only shift a unit, so they are not charged.
    """
    return 0.5 * weight_decay * float((params["W1"] ** 2).sum() + (params["W2"] ** 2).sum())


def backward(
    params: Params, cache: dict[str, np.ndarray], X: np.ndarray, y: np.ndarray, weight_decay: float = 0.0
) -> dict[str, np.ndarray]:
    """Exact gradients of `loss` (+ `l2_penalty` if weight_decay > 0) for every parameter.

    Derivation: docs/math.md#backward-pass. If forward used dropout, its cached mask is applied
    again here: a dropped unit contributed nothing, so it receives no gradient.
    """
    m = X.shape[0]
    # Softmax followed by cross-entropy has the famously simple gradient dL/dZ2 = A2 − Y
    # (docs/math.md#output-gradient); subtracting 1 at each true class builds A2 − Y without
    # ever materialising the one-hot Y.
    dZ2 = cache["A2"].copy()  # (m, 10): copy, so the cache still holds the probabilities
    dZ2[np.arange(m), y] -= 1  # (m, 10): now A2 − Y
    dZ2 /= m  # (m, 10): the loss is a mean over m examples, so each one's gradient carries 1/m
    dW2 = cache["A1"].T @ dZ2  # (H, 10): weight (j, k) moved activation j into logit k, summed over examples
    db2 = dZ2.sum(axis=0)  # (10,): b2 was added to every row, so its gradient sums over the rows
    dA1 = dZ2 @ params["W2"].T  # (m, H): each hidden unit hears back from all 10 logits it fed
    if "mask" in cache:
        dA1 = dA1 * cache["mask"]  # (m, H): A1 was ReLU(Z1)·mask, so the chain rule multiplies by it
    dZ1 = dA1 * (cache["Z1"] > 0)  # (m, H): ReLU's slope is 1 where the unit fired, 0 where it was cut
    dW1 = X.T @ dZ1  # (784, H): pixel i's share in unit j's error, summed over examples
    db1 = dZ1.sum(axis=0)  # (H,): one value per unit, summed over the rows (not over everything)
    if weight_decay:
        # d/dW of λ/2·‖W‖² is λ·W: every step also shrinks each weight a little towards zero.
        dW1 += weight_decay * params["W1"]  # (784, H); λ is a Python float, so no upcast
        dW2 += weight_decay * params["W2"]  # (H, 10)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}


def predict(params: Params, X: np.ndarray) -> np.ndarray:
    """Most likely digit for each row of X (m, 784) → (m,) integer labels 0..9.

    Softmax never changes which entry of a row is largest, so the argmax of A2 is the argmax of Z2.
    """
    return forward(params, X)["Z2"].argmax(axis=1)

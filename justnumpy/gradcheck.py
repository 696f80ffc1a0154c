"""Gradient check: compare `network.backward` with finite differences of `network.loss`.

For every parameter θ the central difference (L(θ + h) − L(θ − h)) / 2h approximates dL/dθ with
an error of order h²; in float64 with h = 1e-5 that leaves ~1e-10 of relative disagreement for a
correct backward pass, while a wrong one (a missing /m, a transposed product, a summed-away
bias axis) disagrees by 1e-2 or more. Checking every weight costs two forward passes each, so a
small network and batch are used; the formulas do not depend on the sizes.

    from justnumpy import gradcheck
    print(gradcheck.max_relative_error(n_hidden=16, m=8))   # ≈ 1e-10 when backward is right
"""

from __future__ import annotations

import numpy as np

from justnumpy import network


def numerical_gradients(
    params: network.Params, X: np.ndarray, y: np.ndarray, h: float = 1e-5
) -> dict[str, np.ndarray]:
    """dL/dθ for every parameter by central differences (slow: two forward passes per weight)."""
    grads = {}
    for name, theta in params.items():
        g = np.zeros_like(theta)
        for i in np.ndindex(theta.shape):
            original = theta[i]
            theta[i] = original + h
            loss_plus = network.loss(network.forward(params, X)["A2"], y)
            theta[i] = original - h
            loss_minus = network.loss(network.forward(params, X)["A2"], y)
            theta[i] = original  # restore before touching the next weight
            g[i] = (loss_plus - loss_minus) / (2 * h)
        grads["d" + name] = g
    return grads


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """‖a − b‖ / (‖a‖ + ‖b‖): 0 when equal, 1 when unrelated, blind to the gradients' scale.

    Whole-array norms rather than entry by entry: a weight whose gradient is ~1e-6 (a pixel
    that is almost never ink) has a finite difference dominated by rounding noise, which an
    entry-wise ratio would report as a large error in a correct backward pass.
    """
    denominator = np.linalg.norm(a) + np.linalg.norm(b)
    return float(np.linalg.norm(a - b) / denominator) if denominator > 0 else 0.0


def max_relative_error(
    n_in: int = 784, n_hidden: int = 16, n_out: int = 10, m: int = 8, seed: int = 0
) -> dict[str, float]:
    """Relative error between analytic and numerical gradients, per parameter, in float64.

    The inputs are random pixels in [0, 1]; a few hidden units sit near Z1 = 0, where ReLU has
    a kink and the finite difference can straddle it, so the biases b1 get a nudge away from it.
    """
    rng = np.random.default_rng(seed)
    params = network.init_params(n_in, n_hidden, n_out, seed=seed, dtype=np.float64)
    params["b1"] += 0.1  # keep pre-activations off ReLU's kink, where no derivative exists
    X = rng.random((m, n_in))
    y = rng.integers(0, n_out, size=m)
    analytic = network.backward(params, network.forward(params, X), X, y)
    numeric = numerical_gradients(params, X, y)
    return {k: relative_error(analytic[k], numeric[k]) for k in analytic}

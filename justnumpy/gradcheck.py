"""Gradient check: compare a network's `backward` with finite differences of its `loss`.

For every parameter θ the central difference (L(θ + h) − L(θ − h)) / 2h approximates dL/dθ with
an error of order h²; in float64 with h = 1e-5 that leaves ~1e-10 of relative disagreement for a
correct backward pass, while a wrong one (a missing /m, a transposed product, a summed-away
bias axis) disagrees by 1e-2 or more. Checking every weight costs two forward passes each, so a
small network and batch are used; the formulas do not depend on the sizes.

    from justnumpy import gradcheck
    print(gradcheck.max_relative_error(sizes=(784, 16, 10), m=8))   # ≈ 1e-10 when backward is right
    print(gradcheck.max_relative_error(dropout=0.5, weight_decay=0.1))   # the regularized loss too
    print(gradcheck.max_relative_error(sizes=(784, 8, 8, 10), activation="sigmoid", loss="squared-error"))

`net` is network.py by default for one hidden layer of ReLUs, an mlp.Net for anything else
(model.net_for), or any module with the same functions, such as a learner's own.
Dropout is checked with a fixed mask: every forward pass draws it from a generator re-seeded
with the same `mask_seed`, so the finite differences see one fixed function of the weights.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from justnumpy import mlp, model
from justnumpy.model import Net


def objective(
    net: Net,
    params: dict[str, np.ndarray],
    X: np.ndarray,
    y: np.ndarray,
    dropout: float = 0.0,
    weight_decay: float = 0.0,
    mask_seed: int = 0,
) -> float:
    """The training loss as a function of the weights: the net's loss (+ L2), dropout mask fixed."""
    rng = np.random.default_rng(mask_seed) if dropout else None  # same seed → same mask every call
    probabilities = model.output(net.forward(params, X, dropout=dropout, rng=rng))
    return net.loss(probabilities, y) + mlp.l2_penalty(params, weight_decay)


def central_differences(
    f: Callable[[], float], arrays: dict[str, np.ndarray], h: float = 1e-5
) -> dict[str, np.ndarray]:
    """(f(x + h) − f(x − h)) / 2h for every entry x of every array: the slope of f along each.

    f takes no arguments and reads the arrays, which are nudged in place, one entry at a time, and
    restored. Returns one array of slopes per name, shaped like the array.
    """
    slopes = {}
    for name, x in arrays.items():
        g = np.zeros_like(x)
        for i in np.ndindex(x.shape):
            original = x[i]
            x[i] = original + h
            f_plus = f()
            x[i] = original - h
            f_minus = f()
            x[i] = original  # restore before touching the next entry
            g[i] = (f_plus - f_minus) / (2 * h)
        slopes[name] = g
    return slopes


def numerical_gradients(
    net: Net, params: dict[str, np.ndarray], X: np.ndarray, y: np.ndarray, h: float = 1e-5, **regularization
) -> dict[str, np.ndarray]:
    """dL/dθ for every parameter by central differences (slow: two forward passes per weight).

    `regularization` (dropout, weight_decay, mask_seed) is passed on to `objective`.
    """
    slopes = central_differences(lambda: objective(net, params, X, y, **regularization), params, h)
    return {"d" + name: g for name, g in slopes.items()}


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """‖a − b‖ / (‖a‖ + ‖b‖): 0 when equal, 1 when unrelated, blind to the gradients' scale.

    Whole-array norms rather than entry by entry: a weight whose gradient is ~1e-6 (a pixel
    that is almost never ink) has a finite difference dominated by rounding noise, which an
    entry-wise ratio would report as a large error in a correct backward pass.
    """
    denominator = np.linalg.norm(a) + np.linalg.norm(b)
    return float(np.linalg.norm(a - b) / denominator) if denominator > 0 else 0.0


def max_relative_error(
    sizes: Sequence[int] = (784, 16, 10),
    m: int = 8,
    seed: int = 0,
    dropout: float = 0.0,
    weight_decay: float = 0.0,
    activation: str = "relu",
    loss: str = "cross-entropy",
    net: Net | None = None,
) -> dict[str, float]:
    """Relative error between analytic and numerical gradients, per parameter, in float64.

    The inputs are random pixels in [0, 1]; a few hidden units sit near Z = 0, where ReLU has
    a kink and the finite difference can straddle it, so the biases get a nudge away from it.
    With dropout > 0 the mask is drawn once from seed `seed` and reused by every pass.
    """
    net = net or model.net_for(tuple(sizes[1:-1]), activation, loss)
    rng = np.random.default_rng(seed)
    params = model.init_params(net, sizes, seed=seed, dtype=np.float64)
    for name in params:
        if name.startswith("b"):
            params[name] += 0.1  # keep pre-activations off ReLU's kink, where no derivative exists
    X = rng.random((m, sizes[0]))
    y = rng.integers(0, sizes[-1], size=m)
    mask_rng = np.random.default_rng(seed) if dropout else None
    cache = net.forward(params, X, dropout=dropout, rng=mask_rng)
    analytic = net.backward(params, cache, X, y, weight_decay=weight_decay)
    numeric = numerical_gradients(
        net, params, X, y, dropout=dropout, weight_decay=weight_decay, mask_seed=seed
    )
    return {k: relative_error(analytic[k], numeric[k]) for k in numeric}

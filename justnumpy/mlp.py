"""A network of any depth: network.py's lines as a loop over the layers of layers.py.

For sizes (n_0, n_1, ..., n_L), e.g. (784, 512, 256, 10), layer l has weights Wl (n_{l-1}, n_l)
and biases bl (n_l,). With A0 = X:

    Zl = A(l−1)·Wl + bl     Al = f(Zl)          hidden layers l = 1 … L−1, activation f
    ZL = A(L−1)·WL + bL     AL = softmax(ZL)    output layer: class probabilities

and backwards, from the loss's gradient dZL down to layer 1, the chain rule one layer at a time:

    dWl = A(l−1)ᵀ·dZl     dbl = Σ_rows dZl     dA(l−1) = dZl·Wlᵀ     dZ(l−1) = dA(l−1) ⊙ f'(Z(l−1))

With sizes (784, 256, 10), ReLU and cross-entropy these are network.py's lines exactly, and they
give the same bits (tests/test_mlp.py). The names in the cache are network.py's: Z1 A1 Z2 A2 ...

    from justnumpy import mlp
    params = mlp.init_params((784, 128, 64, 10), seed=0)       # W1 b1 W2 b2 W3 b3
    cache = mlp.forward(params, X, activation="tanh")          # Z1 A1 Z2 A2 Z3 A3
    grads = mlp.backward(params, cache, X, y, activation="tanh")   # dW1 db1 ... dW3 db3

`Net` binds the activation, the loss and the start once, so that a Net has the functions of the
network module (init_params, forward, loss, backward, predict) and trains wherever it does.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np

from justnumpy.layers import ACTIVATIONS, LOSSES, linear_backward, linear_forward, softmax
from justnumpy.network import dropout_mask

Params = dict[str, np.ndarray]
INITS = ("he", "xavier")  # the standard deviations of init_std


def init_std(init: str, fan_in: int, fan_out: int) -> float:
    """The standard deviation of a layer's starting weights (docs/math.md#he-initialisation).

    He, √(2/fan_in): a ReLU silences about half of its inputs, and the factor 2 makes up for it.
    Xavier (Glorot), √(2/(fan_in + fan_out)): keeps the signal's size both forwards and backwards
    for activations that pass about all of it near 0, such as tanh and sigmoid.
    """
    if init == "he":
        return float(np.sqrt(2.0 / fan_in))
    if init == "xavier":
        return float(np.sqrt(2.0 / (fan_in + fan_out)))
    raise ValueError(f"unknown initialisation {init!r}; choose one of {', '.join(INITS)}")


def init_params(
    sizes: Sequence[int] = (784, 256, 10),
    seed: int = 0,
    scale: float | None = None,
    init: str = "he",
    dtype: type = np.float32,
) -> Params:
    """Random weights and zero biases for every layer: W1 b1 ... WL bL.

    Each weight is drawn from N(0, std²) with the std of `init` ("he" or "xavier"), or s·N(0, 1)
    with `scale` = s. Drawn layer by layer from one generator: for (784, H, 10) and He these are
    network.init_params's weights.
    """
    rng = np.random.default_rng(seed)
    params = {}
    for l, (n_in, n_out) in enumerate(itertools.pairwise(sizes), 1):
        std = init_std(init, n_in, n_out) if scale is None else scale
        params[f"W{l}"] = (rng.standard_normal((n_in, n_out)) * std).astype(dtype)  # (n_in, n_out)
        params[f"b{l}"] = np.zeros(n_out, dtype=dtype)  # (n_out,): the random W already tell units apart
    return params


def n_layers(params: Params) -> int:
    """L, the number of weight matrices W1 … WL."""
    return sum(1 for k in params if k.startswith("W"))


def forward(
    params: Params,
    X: np.ndarray,
    activation: str = "relu",
    dropout: float = 0.0,
    rng: np.random.Generator | None = None,
) -> dict:
    """Run a batch X (m, n_0) through every layer; return Z1 A1 ... ZL AL and what backward needs.

    With dropout p > 0 and a generator `rng` (training only), every hidden layer's activations are
    multiplied by a fresh mask of 0 and 1/(1−p) (network.dropout_mask), kept in the cache.
    """
    act_forward = ACTIVATIONS[activation][0]
    L = n_layers(params)
    cache: dict = {}
    A = X  # (m, n_0): the input is layer 0's "activation"
    for l in range(1, L + 1):
        Z, cache[f"linear{l}"] = linear_forward(A, params[f"W{l}"], params[f"b{l}"])  # (m, n_l)
        if l < L:
            A, cache[f"act{l}"] = act_forward(Z)  # (m, n_l): the hidden layer's output
            if dropout > 0 and rng is not None:
                cache[f"mask{l}"] = dropout_mask(A.shape, dropout, rng, A.dtype)  # (m, n_l)
                A = A * cache[f"mask{l}"]  # dropped units output 0, kept ones are boosted
        else:
            A = softmax(Z)  # (m, n_L): the last layer's scores become probabilities
        cache[f"Z{l}"], cache[f"A{l}"] = Z, A
    return cache


def loss(AL: np.ndarray, y: np.ndarray, loss: str = "cross-entropy") -> float:
    """The mean loss of the probabilities AL (m, n_L) for the labels y (m,)."""
    return LOSSES[loss][0](AL, y)


def l2_penalty(params: Params, weight_decay: float) -> float:
    """λ/2 · Σ_l ‖Wl‖², the term L2 weight decay adds to the loss (biases are not charged)."""
    return 0.5 * weight_decay * float(sum((W**2).sum() for k, W in params.items() if k.startswith("W")))


def backward(
    params: Params,
    cache: dict,
    X: np.ndarray,
    y: np.ndarray,
    activation: str = "relu",
    loss: str = "cross-entropy",
    weight_decay: float = 0.0,
) -> dict[str, np.ndarray]:
    """Exact gradients dW1 db1 ... dWL dbL of `loss` (+ l2_penalty) by the chain rule, top layer first."""
    act_backward = ACTIVATIONS[activation][1]
    L = n_layers(params)
    grads = {}
    dZ = LOSSES[loss][1](cache[f"A{L}"], y)  # (m, n_L): the loss's gradient w.r.t. the output scores
    for l in range(L, 0, -1):
        # Layer l's weights; and the gradient for the layer below, except below layer 1 (that is X).
        dA, grads[f"dW{l}"], grads[f"db{l}"] = linear_backward(dZ, cache[f"linear{l}"], input_grad=l > 1)
        if l > 1:
            if f"mask{l - 1}" in cache:
                dA = dA * cache[f"mask{l - 1}"]  # a dropped unit contributed nothing: no gradient
            dZ = act_backward(dA, cache[f"act{l - 1}"])  # (m, n_{l−1}): through the activation's slope
    if weight_decay:
        for l in range(1, L + 1):
            grads[f"dW{l}"] += weight_decay * params[f"W{l}"]  # d/dW of λ/2·‖W‖² is λ·W
    return {k: grads[k] for l in range(1, L + 1) for k in (f"dW{l}", f"db{l}")}  # W1's first, as params


def predict(params: Params, X: np.ndarray, activation: str = "relu") -> np.ndarray:
    """Most likely class for each row of X → (m,) labels; the argmax of ZL is the argmax of AL."""
    return forward(params, X, activation)[f"Z{n_layers(params)}"].argmax(axis=1)


class Net:
    """A network of any depth whose activation, loss and start are chosen once.

    It has the network module's functions, so train.train(config, raw, net=Net("tanh")) and
    everything else that takes the network module take it too.
    """

    def __init__(self, activation: str = "relu", loss: str = "cross-entropy", init: str = "he") -> None:
        for name, value, choices in (
            ("activation", activation, ACTIVATIONS),
            ("loss", loss, LOSSES),
            ("initialisation", init, INITS),
        ):
            if value not in choices:
                raise ValueError(f"unknown {name} {value!r}; choose one of {', '.join(choices)}")
        self.activation, self.loss_name, self.init = activation, loss, init

    def __repr__(self) -> str:
        return f"mlp.Net(activation={self.activation!r}, loss={self.loss_name!r}, init={self.init!r})"

    def init_params(
        self,
        n_in: int = 784,
        n_hidden: int | Sequence[int] = 256,
        n_out: int = 10,
        seed: int = 0,
        scale: float | None = None,
        dtype: type = np.float32,
    ) -> Params:
        """init_params for sizes (n_in, *n_hidden, n_out), in the network module's signature."""
        hidden = (n_hidden,) if isinstance(n_hidden, int) else tuple(n_hidden)
        return init_params((n_in, *hidden, n_out), seed=seed, scale=scale, init=self.init, dtype=dtype)

    def forward(self, params: Params, X: np.ndarray, dropout: float = 0.0, rng=None) -> dict:
        """`forward` with this net's activation."""
        return forward(params, X, self.activation, dropout, rng)

    def loss(self, AL: np.ndarray, y: np.ndarray) -> float:
        """`loss` with this net's loss."""
        return loss(AL, y, self.loss_name)

    def l2_penalty(self, params: Params, weight_decay: float) -> float:
        """`l2_penalty`, the same for every net."""
        return l2_penalty(params, weight_decay)

    def backward(
        self, params: Params, cache: dict, X: np.ndarray, y: np.ndarray, weight_decay: float = 0.0
    ) -> dict[str, np.ndarray]:
        """`backward` with this net's activation and loss."""
        return backward(params, cache, X, y, self.activation, self.loss_name, weight_decay)

    def predict(self, params: Params, X: np.ndarray) -> np.ndarray:
        """`predict` with this net's activation."""
        return predict(params, X, self.activation)

"""What a model is, whatever its depth: its sizes, its output, its hidden layers, the math that runs it.

Everything outside the math asks these questions here instead of reading W1 or A2 by name, so
the same code serves network.py's 784-256-10 and mlp.py's networks of any depth:

    sizes(params)        (784, 256, 10): inputs, each hidden layer, outputs; from the weights' shapes
    hidden(cache)        [A1, ..., A(L−1)]: each hidden layer's activations, from a forward pass
    output(cache)        AL, the probabilities;  logits(cache)  ZL, the scores before softmax
    net_for(...)         the module that computes it: network.py when it can, else an mlp.Net
    describe(net)        its activation and loss, as a model file's meta records them
    load(path)           a model file's net, params, meta and extra arrays

Parameters are W1 b1 ... WL bL (Wl of shape (n_{l−1}, n_l)); a forward pass's cache holds
Z1 A1 ... ZL AL, the names of network.py, whatever else it holds.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from justnumpy import mlp, network
from justnumpy.files import modelfile

Net = Any  # the network module, an mlp.Net or a learner's module: init_params forward loss backward predict
# Where "dead" means stuck: a ReLU unit that outputs 0 for every image passes back no gradient,
# so it never learns again. A leaky ReLU, sigmoid or tanh unit always passes some back.
UNITS_CAN_DIE = ("relu",)
TEXTBOOK = {"activation": "relu", "loss": "cross-entropy", "init": "he"}  # what network.py computes


def n_layers(params: Mapping[str, np.ndarray]) -> int:
    """L, the number of weight matrices W1 … WL."""
    return mlp.n_layers(params)


def sizes(params: Mapping[str, np.ndarray]) -> tuple[int, ...]:
    """(n_0, n_1, ..., n_L): the input size, each hidden layer's size and the number of classes."""
    L = n_layers(params)
    return (params["W1"].shape[0], *(params[f"W{l}"].shape[1] for l in range(1, L + 1)))


def depth(cache: Mapping[str, np.ndarray]) -> int:
    """L, the number of layers a forward pass went through (Z1 … ZL)."""
    return sum(1 for k in cache if k.startswith("Z") and k[1:].isdigit())


def output(cache: Mapping[str, np.ndarray]) -> np.ndarray:
    """AL (m, n_L): the probabilities of a forward pass."""
    return cache[f"A{depth(cache)}"]


def logits(cache: Mapping[str, np.ndarray]) -> np.ndarray:
    """ZL (m, n_L): the output layer's scores, before softmax."""
    return cache[f"Z{depth(cache)}"]


def hidden(cache: Mapping[str, np.ndarray]) -> list[np.ndarray]:
    """[A1, ..., A(L−1)]: each hidden layer's activations (m, n_l); empty for a network without one."""
    return [cache[f"A{l}"] for l in range(1, depth(cache))]


def net_for(
    hidden_sizes: Sequence[int] = (256,),
    activation: str = "relu",
    loss: str = "cross-entropy",
    init: str = "he",
) -> Net:
    """network.py for one hidden layer of ReLUs with cross-entropy and He's start; an mlp.Net otherwise."""
    chosen = {"activation": activation, "loss": loss, "init": init}
    if len(hidden_sizes) == 1 and chosen == TEXTBOOK:
        return network  # the textbook computes exactly this network: train it with the textbook
    return mlp.Net(activation, loss, init)


def init_params(net: Net, sizes: Sequence[int], seed: int = 0, **options: Any) -> dict[str, np.ndarray]:
    """net.init_params for these sizes, e.g. (784, 256, 10); `options` such as scale= or dtype= passed on.

    A two-layer module (network.py, a learner's) takes its hidden size as a number, as it always has.
    """
    n_in, *hidden_sizes, n_out = sizes
    hidden_arg = hidden_sizes[0] if len(hidden_sizes) == 1 else tuple(hidden_sizes)
    return net.init_params(n_in, hidden_arg, n_out, seed=seed, **options)


def describe(net: Net) -> dict[str, str]:
    """{"activation": ..., "loss": ...} of a net; network.py and a learner's module: ReLU, cross-entropy."""
    if isinstance(net, mlp.Net):
        return {"activation": net.activation, "loss": net.loss_name}
    return {"activation": TEXTBOOK["activation"], "loss": TEXTBOOK["loss"]}


def can_die(net: Net) -> bool:
    """Whether the net's hidden units can die: only ReLU's slope is 0 wherever a unit is silent."""
    return describe(net)["activation"] in UNITS_CAN_DIE


def net_from_meta(meta: Mapping[str, Any], params: Mapping[str, np.ndarray]) -> Net:
    """The net that computes a loaded model: from its meta's activation and loss (ReLU and cross-entropy
    for files written before they were recorded) and the depth of its weights."""
    hidden_sizes = sizes(params)[1:-1]
    return net_for(hidden_sizes, meta.get("activation", "relu"), meta.get("loss", "cross-entropy"))


def load(path: str | os.PathLike) -> tuple[Net, dict[str, np.ndarray], dict[str, Any], dict[str, np.ndarray]]:
    """(net, params, meta, extra) of a model file (modelfile.load), with the net that computes it."""
    params, meta, extra = modelfile.load(path)
    return net_from_meta(meta, params), params, meta, extra

"""How the gradients move the weights: plain SGD, momentum, Adam, and learning-rate schedules.

Every optimizer updates `params` in place from `grads` (the dict `network.backward` returns,
whose keys are the parameter names with a leading "d"); one whose `scaled_grads` is True wants
them multiplied by the learning rate already, as backward(..., scale=lr) makes them. Its running
state lives in `self.state`, a flat dict of arrays and numbers, so a checkpoint can save it and a
resumed run continues exactly where the old one stopped. Derivations: docs/math.md#optimizers.

    opt = Momentum(params, momentum=0.9)
    grads = network.backward(params, cache, X, y, scale=0.1 if opt.scaled_grads else 1.0)
    opt.step(params, grads, lr=0.1)
"""

from __future__ import annotations

import math

import numpy as np

Params = dict[str, np.ndarray]


class SGD:
    """θ ← θ − lr·g: the starting document's update, one step down the slope."""

    name = "sgd"
    scaled_grads = False  # step() takes the gradients g themselves (see Momentum)

    def __init__(self, params: Params) -> None:
        self.state: dict[str, np.ndarray] = {}

    def step(self, params: Params, grads: Params, lr: float) -> None:
        for k, theta in params.items():
            # lr must be a Python float: a NumPy float64 scalar would upcast float32 weights
            theta -= lr * grads["d" + k]


class Momentum:
    """v ← μ·v + g;  θ ← θ − lr·v (the heavy-ball form PyTorch uses).

    v is a running, exponentially decaying sum of past gradients: directions that agree from
    step to step build up speed (up to 1/(1−μ) = 10× at μ = 0.9), directions that flip sign cancel.

    What is kept is u = lr·v, the step itself, and step() takes G = lr·g instead of g
    (`scaled_grads`: network.backward(..., scale=lr) makes G by scaling an (m, 10) array). Then
    θ ← θ − u needs no multiplication, and the update makes three passes over each weight array
    instead of four (README, Speed). When lr changes, u changes with it: lr·(μ·v + g) is
    μ·(lr/lr_before)·u + G, the same updates as v in exact arithmetic.
    """

    name = "momentum"
    scaled_grads = True

    def __init__(self, params: Params, momentum: float = 0.9) -> None:
        self.momentum = float(momentum)
        # "lr": the learning rate of the last step, which u is measured in (0 before the first one)
        self.state = {"lr": np.zeros(()), **{"u_" + k: np.zeros_like(p) for k, p in params.items()}}

    def step(self, params: Params, grads: Params, lr: float) -> None:
        """One update from `grads` = lr·g (see `scaled_grads`), at learning rate `lr`."""
        lr_before = float(self.state["lr"])
        # u = lr_before·v: rescaled to this step's lr, μ·v is μ·(lr/lr_before)·u. lr_before is 0
        # only before the first step, when u is all zeros (training validates lr > 0, and the
        # cosine schedule reaches 0 only after the last step; a step at lr 0 would reset u here,
        # where PyTorch would keep v).
        decay = self.momentum * (lr / lr_before) if lr_before else 0.0
        self.state["lr"][...] = lr
        for k, theta in params.items():
            u = self.state["u_" + k]
            u *= decay  # forget a little of the old step ...
            u += grads["d" + k]  # ... and add the new one, lr·g (in place: no new arrays per step)
            theta -= u  # θ ← θ − lr·v


class Adam:
    """Adam (Kingma & Ba, 2015): momentum on g, scaled per weight by a running RMS of g.

    m ← β1·m + (1−β1)·g;  s ← β2·s + (1−β2)·g²;  θ ← θ − lr·m̂ / (√ŝ + ε),
    where m̂ = m/(1−β1ᵗ) and ŝ = s/(1−β2ᵗ) undo the bias of starting m and s at zero.
    Weights with consistently large gradients take smaller steps, rare ones larger steps.
    """

    name = "adam"
    scaled_grads = False  # its step is lr·m̂/√ŝ, so it needs g itself: lr·g would change ε's meaning

    def __init__(self, params: Params, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8) -> None:
        self.beta1, self.beta2, self.eps = float(beta1), float(beta2), float(eps)
        self.state: dict[str, np.ndarray] = {"t": np.zeros((), dtype=np.int64)}
        for k, p in params.items():
            self.state["m_" + k] = np.zeros_like(p)
            self.state["s_" + k] = np.zeros_like(p)

    def step(self, params: Params, grads: Params, lr: float) -> None:
        self.state["t"] += 1
        t = int(self.state["t"])
        # Fold both bias corrections into one Python-float step size (keeps the arrays float32).
        step_size = lr * math.sqrt(1 - self.beta2**t) / (1 - self.beta1**t)
        for k, theta in params.items():
            g = grads["d" + k]
            m, s = self.state["m_" + k], self.state["s_" + k]
            m *= self.beta1
            m += (1 - self.beta1) * g  # running mean of the gradient
            s *= self.beta2
            s += (1 - self.beta2) * (g * g)  # running mean of its square
            theta -= step_size * m / (np.sqrt(s) + self.eps)


OPTIMIZERS = {"sgd": SGD, "momentum": Momentum, "adam": Adam}


def make_optimizer(name: str, params: Params, **options: float) -> SGD | Momentum | Adam:
    """Build the optimizer called `name` ("sgd", "momentum" or "adam") for `params`."""
    if name not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {name!r}; choose one of {', '.join(OPTIMIZERS)}")
    return OPTIMIZERS[name](params, **options)


def learning_rate(schedule: str, lr: float, step: int, total_steps: int) -> float:
    """The learning rate for `step` (0-based) out of `total_steps`.

    "constant": lr throughout. "cosine": lr·½(1 + cos(π·step/total)), a smooth glide from lr to 0,
    so early steps explore with large moves and the last ones settle into a minimum.
    """
    if schedule == "constant":
        return float(lr)
    if schedule == "cosine":
        return float(lr * 0.5 * (1.0 + math.cos(math.pi * step / max(total_steps, 1))))
    raise ValueError(f"unknown schedule {schedule!r}; choose constant or cosine")

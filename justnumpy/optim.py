"""How the gradients move the weights: plain SGD, momentum, Adam, and learning-rate schedules.

An optimizer holds the parameters it updates, its learning rate `lr` and whatever running state
it needs (momentum's velocity, Adam's moment estimates). The network knows nothing about it:
`network.backward` returns the plain gradients, and `step` turns them into an update.
Derivations: docs/math.md#optimizers.

    opt = optim.Momentum(params, lr=0.1, momentum=0.9)
    grads = network.backward(params, cache, X, y)        # dW1, db1, dW2, db2
    opt.step(grads)                                      # params change in place
    opt.lr = optim.learning_rate("cosine", 0.1, step, total_steps)   # a schedule sets lr

`state_dict()` returns the running state as named arrays and `load_state_dict` puts it back, so a
checkpoint can save it and a resumed run continues exactly where the old one stopped.
"""

from __future__ import annotations

import math

import numpy as np

from justnumpy.network import Params

SCHEDULES = ("constant", "cosine")


class Optimizer:
    """What every optimizer shares: the parameters, the learning rate, the state in named arrays."""

    def __init__(self, params: Params, lr: float) -> None:
        self.params = params
        self.lr = lr
        self.state: dict[str, np.ndarray] = {}  # running buffers, filled by each optimizer

    @property
    def lr(self) -> float:
        """The learning rate of the next step (a schedule may change it between steps)."""
        return self._lr

    @lr.setter
    def lr(self, value: float) -> None:
        if not (math.isfinite(value) and value >= 0):
            raise ValueError(f"learning rate must be a finite number ≥ 0, got {value}")
        self._lr = float(value)  # a Python float: a NumPy float64 would turn float32 weights into float64

    def step(self, grads: Params) -> None:
        """Update every parameter θ in place from its gradient grads["d" + name]."""
        raise NotImplementedError

    def state_dict(self) -> dict[str, np.ndarray]:
        """The running state as named arrays (for a checkpoint)."""
        return dict(self.state)

    def load_state_dict(self, saved: dict[str, np.ndarray]) -> None:
        """Copy saved buffers into this optimizer's state; they must have the same names and shapes."""
        for name, buffer in self.state.items():
            if name not in saved:
                raise ValueError(f"the saved optimizer state has no {name!r}")
            if np.shape(saved[name]) != buffer.shape:
                raise ValueError(
                    f"optimizer buffer {name} has shape {np.shape(saved[name])}, not {buffer.shape}"
                )
            if not np.isfinite(saved[name]).all():
                raise ValueError(f"optimizer buffer {name} holds NaN or infinite numbers")
            buffer[...] = saved[name]


class SGD(Optimizer):
    """θ ← θ − lr·g: one step down the slope, the update the project started from."""

    name = "sgd"

    def step(self, grads: Params) -> None:
        for k, theta in self.params.items():
            theta -= self.lr * grads["d" + k]


class Momentum(Optimizer):
    """v ← μ·v + g;  θ ← θ − lr·v (heavy-ball momentum, as PyTorch's SGD writes it).

    The velocity v is a running, exponentially decaying sum of past gradients: directions that
    agree from step to step build up speed (up to 1/(1−μ) = 10× at μ = 0.9), directions that flip
    sign cancel out.
    """

    name = "momentum"

    def __init__(self, params: Params, lr: float, momentum: float = 0.9) -> None:
        super().__init__(params, lr)
        if not 0 <= momentum < 1:
            raise ValueError(f"momentum must be in [0, 1), got {momentum}")
        self.momentum = float(momentum)
        self.state = {"v_" + k: np.zeros_like(p) for k, p in params.items()}  # v starts at rest

    def step(self, grads: Params) -> None:
        for k, theta in self.params.items():
            v = self.state["v_" + k]
            v *= self.momentum  # forget a little of the old direction ...
            v += grads["d" + k]  # ... and add the new gradient
            theta -= self.lr * v


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015): momentum on g, scaled per weight by a running RMS of g.

    v ← β1·v + (1−β1)·g;  s ← β2·s + (1−β2)·g²;  θ ← θ − lr·v̂ / (√ŝ + ε),
    where v̂ = v/(1−β1ᵗ) and ŝ = s/(1−β2ᵗ) undo the bias of starting v and s at zero.
    Weights with consistently large gradients take smaller steps; weights whose gradients are small
    or seldom non-zero take relatively larger ones. (Kingma & Ba call v "m"; here m is the batch
    size, so the running mean is v, as momentum's velocity, and its buffers keep the paper's name.)
    """

    name = "adam"

    def __init__(
        self, params: Params, lr: float, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8
    ) -> None:
        super().__init__(params, lr)
        if not (0 <= beta1 < 1 and 0 <= beta2 < 1 and eps > 0):
            raise ValueError(f"Adam needs 0 ≤ beta1, beta2 < 1 and eps > 0, got {beta1}, {beta2}, {eps}")
        self.beta1, self.beta2, self.eps = float(beta1), float(beta2), float(eps)
        self.state = {"t": np.zeros((), dtype=np.int64)}  # steps taken, for the bias correction
        for k, p in params.items():
            self.state["m_" + k] = np.zeros_like(p)  # v: running mean of the gradient
            self.state["s_" + k] = np.zeros_like(p)  # s: running mean of its square

    def step(self, grads: Params) -> None:
        self.state["t"] += 1
        t = int(self.state["t"])
        for k, theta in self.params.items():
            g = grads["d" + k]
            v, s = self.state["m_" + k], self.state["s_" + k]
            v *= self.beta1
            v += (1 - self.beta1) * g
            s *= self.beta2
            s += (1 - self.beta2) * (g * g)
            v_hat = v / (1 - self.beta1**t)  # early on v is biased towards its zero start; undo that
            s_hat = s / (1 - self.beta2**t)
            theta -= self.lr * v_hat / (np.sqrt(s_hat) + self.eps)


OPTIMIZERS: dict[str, type[Optimizer]] = {"sgd": SGD, "momentum": Momentum, "adam": Adam}


def make_optimizer(name: str, params: Params, lr: float, **options: float) -> Optimizer:
    """Build the optimizer called `name` ("sgd", "momentum" or "adam") for `params`."""
    if name not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {name!r}; choose one of {', '.join(OPTIMIZERS)}")
    return OPTIMIZERS[name](params, lr, **options)


def learning_rate(schedule: str, lr: float, step: int, total_steps: int) -> float:
    """The learning rate for `step` (0-based) out of `total_steps`.

    "constant": lr throughout. "cosine": lr·½(1 + cos(π·step/total)), a smooth glide from lr to 0,
    so early steps explore with large moves and the last ones settle into a minimum.
    """
    if schedule == "constant":
        return float(lr)
    if schedule == "cosine":
        return float(lr * 0.5 * (1.0 + math.cos(math.pi * step / max(total_steps, 1))))
    raise ValueError(f"unknown schedule {schedule!r}; choose one of {', '.join(SCHEDULES)}")

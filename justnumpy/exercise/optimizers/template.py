"""The exercise's optimizers, written out: what my_optimizers.py looks like once every TODO is done.

`justnumpy exercise start --kind optimizers` writes this file with the method bodies cut out
(skeleton.py), and `justnumpy exercise bugs --kind optimizers` writes copies of it with one
classic bug each (zoo.py), so the docstrings below are what a learner reads at level 1. It is
written plainly from docs/math.md#optimizers, apart from justnumpy/optim.py; `justnumpy check`
passes it.
"""

import numpy as np


class SGD:
    """Plain gradient descent: every parameter takes a step down its own gradient.

    The training loop uses an optimizer like this (docs/math.md#optimizers):
        opt = SGD(params, lr=0.1)    # params: the dict of arrays W1, b1, W2, b2
        opt.lr = 0.05                # a schedule may change the learning rate before any step
        opt.step(grads)              # grads["dW1"] is the gradient of params["W1"], and so on
    """

    def __init__(self, params: dict[str, np.ndarray], lr: float) -> None:
        """Keep `params`, the dict whose arrays step will change, and the learning rate `lr`."""
        self.params = params
        self.lr = lr

    def step(self, grads: dict[str, np.ndarray]) -> None:
        """For every parameter θ = params[k], with its gradient g = grads["d" + k]:

            θ ← θ − lr·g

        Change each array in place (theta -= ...): the caller holds the same arrays. Read self.lr
        at every step: a schedule changes it between steps.
        """
        for k, theta in self.params.items():
            theta -= self.lr * grads["d" + k]


class Momentum:
    """Gradient descent with a velocity: steps that keep the same direction build up speed."""

    def __init__(self, params: dict[str, np.ndarray], lr: float, momentum: float = 0.9) -> None:
        """Keep `params`, `lr` and the momentum μ, and start one velocity per parameter at zero.

        self.v[k] has the shape of params[k] and starts at rest: np.zeros_like(params[k]).
        """
        self.params = params
        self.lr = lr
        self.momentum = momentum
        self.v = {k: np.zeros_like(theta) for k, theta in params.items()}

    def step(self, grads: dict[str, np.ndarray]) -> None:
        """For every parameter θ = params[k], with its gradient g = grads["d" + k]:

            v ← μ·v + g        the velocity: a running sum of past gradients, forgetting 1 − μ a step
            θ ← θ − lr·v

        The velocity lives on from one step to the next, in self.v (docs/math.md#momentum).
        Change θ in place.
        """
        for k, theta in self.params.items():
            self.v[k] = self.momentum * self.v[k] + grads["d" + k]
            theta -= self.lr * self.v[k]


class Adam:
    """Momentum on the gradient, with every weight's step divided by the typical size of its gradient."""

    def __init__(
        self,
        params: dict[str, np.ndarray],
        lr: float,
        beta1: float = 0.9,
        beta2: float = 0.999,
        eps: float = 1e-8,
    ) -> None:
        """Keep the settings; count the steps in t, from 0; start v and s at zero for every parameter.

        self.v[k] and self.s[k] have the shape of params[k].
        """
        self.params = params
        self.lr = lr
        self.beta1, self.beta2, self.eps = beta1, beta2, eps
        self.t = 0
        self.v = {k: np.zeros_like(theta) for k, theta in params.items()}
        self.s = {k: np.zeros_like(theta) for k, theta in params.items()}

    def step(self, grads: dict[str, np.ndarray]) -> None:
        """Count this step, t ← t + 1 (1 at the first step); then for every parameter θ and its g:

            v ← β1·v + (1 − β1)·g      the running mean of the gradient
            s ← β2·s + (1 − β2)·g²     the running mean of its square
            v̂ = v / (1 − β1ᵗ)          v and s started at 0: dividing undoes that pull towards 0
            ŝ = s / (1 − β2ᵗ)
            θ ← θ − lr·v̂ / (√ŝ + ε)

        (docs/math.md#adam). Change θ in place.
        """
        self.t += 1
        for k, theta in self.params.items():
            g = grads["d" + k]
            self.v[k] = self.beta1 * self.v[k] + (1 - self.beta1) * g
            self.s[k] = self.beta2 * self.s[k] + (1 - self.beta2) * g**2
            v_hat = self.v[k] / (1 - self.beta1**self.t)
            s_hat = self.s[k] / (1 - self.beta2**self.t)
            theta -= self.lr * v_hat / (np.sqrt(s_hat) + self.eps)

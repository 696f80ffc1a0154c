"""The classic mistakes in an optimizer, written out, so that the check can recognise them by their steps.

Each model is one optimizer's step with one mistake: `update(params, grads, lr, state)` replaces
the arrays of `params` (float64) and keeps what it carries between steps in `state`. The check
runs every model of the learner's optimizer through the same gradients and learning rates as the
learner's; a model whose parameters match the learner's after every step names the mistake.
Nothing here reads the learner's source.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

Arrays = dict[str, np.ndarray]
MU, BETA1, BETA2, EPS = 0.9, 0.9, 0.999, 1e-8  # the settings the check passes to the learner's classes


@dataclass(frozen=True)
class Model:
    """One mistake: its bug id, what the learner's steps then are, and the update that makes them."""

    bug: str
    fact: str
    update: Callable[[Arrays, Arrays, float, dict], None]
    first_lr_only: bool = False  # the mistake ignores the schedule: every step uses the first lr


def sgd(variant: str = "") -> Callable[[Arrays, Arrays, float, dict], None]:
    """θ ← θ − lr·g, or one of its mistakes."""

    def update(params: Arrays, grads: Arrays, lr: float, state: dict) -> None:
        for k, theta in params.items():
            move = lr * grads["d" + k]
            if variant == "lr-twice":
                move = lr * move
            params[k] = theta + move if variant == "sign" else theta - move

    return update


def momentum(variant: str = "") -> Callable[[Arrays, Arrays, float, dict], None]:
    """v ← μ·v + g; θ ← θ − lr·v, or one of its mistakes."""

    def update(params: Arrays, grads: Arrays, lr: float, state: dict) -> None:
        for k, theta in params.items():
            g, v = grads["d" + k], state.get(k, np.zeros_like(theta))
            if variant == "stale":  # the step with the velocity of the step before
                params[k] = theta - lr * v
            if variant == "reset":
                v = np.zeros_like(v)
            if variant in ("lr-in-velocity", "lr-twice"):
                v = MU * v + lr * g
            elif variant == "averaged":
                v = MU * v + (1 - MU) * g
            else:
                v = MU * v + g
            state[k] = v
            if variant == "stale":
                continue
            move = {"lr-in-velocity": v, "lr-squared": lr * lr * v}.get(variant, lr * v)
            params[k] = theta + move if variant == "sign" else theta - move

    return update


def adam(variant: str = "") -> Callable[[Arrays, Arrays, float, dict], None]:
    """Adam as docs/math.md#adam writes it, or one of its mistakes."""
    b1, b2 = (BETA2, BETA1) if variant == "betas-swapped" else (BETA1, BETA2)

    def update(params: Arrays, grads: Arrays, lr: float, state: dict) -> None:
        t = state.get("t", 0)
        if variant not in ("from-zero", "per-parameter"):
            t += 1
        for k, theta in params.items():
            if variant == "per-parameter":
                t += 1
            g = grads["d" + k]
            v, s = state.get("v" + k, np.zeros_like(theta)), state.get("s" + k, np.zeros_like(theta))
            if variant == "no-one-minus":
                v, s = b1 * v + g, b2 * s + g * g
            else:
                v = b1 * v + (1 - b1) * g
                s = b2 * s + (1 - b2) * (g if variant == "s-of-g" else g * g)
            state["v" + k], state["s" + k] = v, s
            with np.errstate(divide="ignore", invalid="ignore"):
                if variant == "no-correction":
                    v_hat, s_hat = v, s
                else:
                    v_hat, s_hat = v / (1 - b1**t), s / (1 - b2**t)
                if variant == "folded":  # Kingma & Ba's "more efficient" order: ε not corrected
                    move = lr * np.sqrt(1 - b2**t) / (1 - b1**t) * v / (np.sqrt(s) + EPS)
                elif variant == "no-sqrt":
                    move = lr * v_hat / (s_hat + EPS)
                elif variant == "eps-inside":
                    move = lr * v_hat / np.sqrt(s_hat + EPS)
                else:
                    move = lr * v_hat / (np.sqrt(s_hat) + EPS)
            params[k] = theta + move if variant == "sign" else theta - move
        state["t"] = t + 1 if variant == "from-zero" else t

    return update


UPDATE = {"SGD": sgd(), "Momentum": momentum(), "Adam": adam()}  # the right ones, for the tests

MODELS: dict[str, list[Model]] = {
    "SGD": [
        Model(
            "lr-twice", "Your steps are exactly lr² · g: the learning rate multiplies twice.", sgd("lr-twice")
        ),
        Model("sign-step", "Your steps are exactly θ + lr·g: up the slope.", sgd("sign")),
        Model(
            "lr-ignored", "Your steps all use the first learning rate, whatever lr is set to.", sgd(), True
        ),
    ],
    "Momentum": [
        Model(
            "velocity-reset",
            "Your steps are exactly plain SGD's, θ ← θ − lr·g: the velocity does not carry over.",
            momentum("reset"),
        ),
        Model(
            "lr-in-velocity",
            "Your steps are exactly those of v ← μ·v + lr·g; θ ← θ − v.",
            momentum("lr-in-velocity"),
        ),
        Model(
            "lr-twice",
            "Your steps are exactly those of v ← μ·v + lr·g; θ ← θ − lr·v: lr multiplies twice.",
            momentum("lr-twice"),
        ),
        Model(
            "lr-twice",
            "Your steps are exactly those of θ ← θ − lr²·v: lr multiplies twice.",
            momentum("lr-squared"),
        ),
        Model(
            "velocity-averaged",
            "Your steps are exactly those of v ← μ·v + (1 − μ)·g: 1 − μ = 0.1 times the right ones.",
            momentum("averaged"),
        ),
        Model(
            "stale-velocity",
            "Your steps are exactly those of θ ← θ − lr·v before v ← μ·v + g: the first step does not move.",
            momentum("stale"),
        ),
        Model("sign-step", "Your steps are exactly θ + lr·v: up the slope.", momentum("sign")),
        Model(
            "lr-ignored",
            "Your steps all use the first learning rate, whatever lr is set to.",
            momentum(),
            True,
        ),
    ],
    "Adam": [
        Model(
            "no-bias-correction",
            "Your steps are exactly those of θ ← θ − lr·v / (√s + ε), with v and s not divided by "
            "1 − β1ᵗ and 1 − β2ᵗ.",
            adam("no-correction"),
        ),
        Model(
            "bias-from-zero",
            "Your first step divides by 1 − β1⁰ = 0: the bias correction used t = 0.",
            adam("from-zero"),
        ),
        Model(
            "t-per-parameter",
            "Your steps are exactly those of a t that grows by one for every parameter, four a step.",
            adam("per-parameter"),
        ),
        Model("missing-sqrt", "Your steps are exactly those of θ ← θ − lr·v̂ / (ŝ + ε).", adam("no-sqrt")),
        Model(
            "eps-inside-sqrt", "Your steps are exactly those of θ ← θ − lr·v̂ / √(ŝ + ε).", adam("eps-inside")
        ),
        Model(
            "adam-folded",
            "Your steps are exactly those of θ ← θ − lr·√(1 − β2ᵗ) / (1 − β1ᵗ) · v / (√s + ε).",
            adam("folded"),
        ),
        Model(
            "betas-swapped", "Your steps are exactly those of β1 = 0.999 and β2 = 0.9.", adam("betas-swapped")
        ),
        Model(
            "no-one-minus-beta",
            "Your steps are exactly those of v ← β1·v + g and s ← β2·s + g², without the (1 − β).",
            adam("no-one-minus"),
        ),
        Model(
            "s-of-g", "Your steps are exactly those of s ← β2·s + (1 − β2)·g, g not squared.", adam("s-of-g")
        ),
        Model(
            "sign-step", "Your steps are exactly those of θ + lr·v̂ / (√ŝ + ε): up the slope.", adam("sign")
        ),
        Model(
            "lr-ignored", "Your steps all use the first learning rate, whatever lr is set to.", adam(), True
        ),
    ],
}


def trajectory(
    update: Callable[[Arrays, Arrays, float, dict], None],
    start: Arrays,
    grads: list[Arrays],
    lrs: list[float],
) -> list[Arrays]:
    """The parameters after each step of `update`, from `start`, with these gradients and learning rates."""
    params, state, out = {k: v.copy() for k, v in start.items()}, {}, []
    for g, lr in zip(grads, lrs, strict=True):
        update(params, g, lr, state)
        out.append({k: v.copy() for k, v in params.items()})
    return out

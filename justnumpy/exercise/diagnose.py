"""Name the bug from the numbers: what a wrong set of gradients has in common with a classic mistake.

Nothing here reads the learner's source. A missing / m makes every gradient exactly m times the
right one; a flipped sign makes it exactly −1 times; a bias summed over everything has all its
entries equal; a missing ReLU mask leaves dW2 and db2 right and makes dW1 and db1 exactly what
backprop without the mask gives. Each signature is tested on the check's float64 batch, where a
correct backward agrees with the truth to ~1e-10 and a classic bug misses by far more.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from justnumpy.exercise.report import Failed
from justnumpy.gradcheck import relative_error

Grads = dict[str, np.ndarray]
NAMES = ("dW1", "db1", "dW2", "db2")
TOLERANCE = 1e-6  # right gradients agree to ~1e-10 in float64; every classic bug misses by 1e-2 or more
MATCH = 1e-6  # how closely a wrong gradient must fit a bug's signature to be named after it


def one_hot(y: np.ndarray, n_out: int, dtype: type = np.float64) -> np.ndarray:
    """(m, n_out) with a 1 at each true class and 0 elsewhere: the Y of docs/math.md."""
    Y = np.zeros((len(y), n_out), dtype=dtype)
    Y[np.arange(len(y)), y] = 1
    return Y


def chain(params: Grads, X: np.ndarray, cache: Grads, dZ2: np.ndarray, relu_mask: bool = True) -> Grads:
    """The backward pass from a given dZ2 down to the weights, as classic bugs would run it.

    With the right dZ2 = (A2 − Y) / m and the mask this is backprop itself (the tests compare it
    with justnumpy.network); with a wrong dZ2 or no mask it is what a particular mistake computes.
    """
    dZ1 = dZ2 @ params["W2"].T  # (m, H): dA1
    if relu_mask:
        dZ1 = dZ1 * (cache["Z1"] > 0)  # (m, H)
    return {"dW1": X.T @ dZ1, "db1": dZ1.sum(axis=0), "dW2": cache["A1"].T @ dZ2, "db2": dZ2.sum(axis=0)}


def signatures(params: Grads, X: np.ndarray, y: np.ndarray, cache: Grads) -> list[tuple[str, str, Grads]]:
    """(bug id, what the learner's gradients are then, the gradients it gives) for each modelled bug."""
    m, n_out = cache["A2"].shape
    A2, Y = cache["A2"], one_hot(y, n_out)
    dZ2 = (A2 - Y) / m  # (m, 10): the right output gradient
    fired = cache["Z2"] > 0  # (m, 10): a ReLU mask of the output scores, which have no ReLU
    return [
        (
            "missing-relu-mask",
            "dW2 and db2 are right; dW1 and db1 are exactly what backprop gives without the mask [Z1 > 0].",
            chain(params, X, cache, dZ2, relu_mask=False),
        ),
        (
            "mask-wrong-layer",
            "Your gradients are exactly those of dZ2 = (A2 − Y) / m multiplied by [Z2 > 0]: "
            "a ReLU mask at the output layer.",
            chain(params, X, cache, dZ2 * fired),
        ),
        (
            "mask-wrong-layer",
            "Your gradients are exactly those of a ReLU mask [Z2 > 0] at the output layer "
            "instead of [Z1 > 0] at the hidden layer.",
            chain(params, X, cache, dZ2 * fired, relu_mask=False),
        ),
        (
            "y-not-subtracted",
            "Your gradients are exactly those of dZ2 = A2 / m.",
            chain(params, X, cache, A2 / m),
        ),
    ]


def fit(G: Grads, R: Grads, names: tuple[str, ...]) -> tuple[float, float]:
    """The one factor c with G ≈ c·R over `names`, and how far off the best such fit still is (relative)."""
    dot = sum(float(np.vdot(G[k], R[k])) for k in names)
    norm = sum(float(np.vdot(R[k], R[k])) for k in names)
    c = dot / norm if norm > 0 else 0.0
    residual = np.sqrt(sum(float(np.sum((G[k] - c * R[k]) ** 2)) for k in names))
    size = np.sqrt(sum(float(np.sum(G[k] ** 2)) for k in names))
    return c, float(residual / size) if size > 0 else float("inf")


def near(a: float, b: float) -> bool:
    """a equals b to a relative 1e-6."""
    return abs(a - b) <= MATCH * max(abs(b), 1.0)


def error_table(errors: dict[str, tuple[float, float]], against: str = "justnumpy.network") -> list[str]:
    """One line per gradient: relative error against finite differences and against the reference."""
    lines = [f"relative error   vs finite differences   vs {against}"]
    for k, (fd, ref) in errors.items():
        flag = "   wrong" if max(fd, ref) > TOLERANCE else "   right"
        lines.append(f"  {k:<14} {fd:>21.1e}   {ref:>{len(against) + 3}.1e}{flag}")
    lines.append(
        f"(0 = equal, 1 = unrelated; right gradients are below {TOLERANCE:g} here, typically ~1e-10)"
    )
    return lines


def gradients(
    G: Grads,
    R: Grads,
    errors: dict[str, tuple[float, float]],
    problem: tuple[Grads, np.ndarray, np.ndarray, Grads],
    loss_after: Callable[[Grads], tuple[float, float]],
) -> Failed:
    """The failure to report for gradients G that disagree with the right ones R, named when recognisable.

    `problem` is (params, X, y, the reference cache); `loss_after(G)` gives the loss before and
    after one gradient-descent step along G, to show a sign error climbing.
    """
    params, X, y, cache = problem
    m = len(y)
    wrong = [k for k in NAMES if max(errors[k]) > TOLERANCE]
    table = error_table(errors)
    names = wrong[0] if len(wrong) == 1 else f"{', '.join(wrong[:-1])} and {wrong[-1]}"
    what = (
        f"{names} {'does' if len(wrong) == 1 else 'do'} not match the true gradient{'s' * (len(wrong) > 1)}."
    )

    c, residual = fit(G, R, NAMES)
    if residual < MATCH:
        if near(c, m):
            return Failed(
                what,
                [
                    f"Every gradient is {c:.6g} times the right one, and the batch has m = {m} examples.",
                    *table,
                ],
                bug="missing-mean",
            )
        if near(c, -1) or near(c, -m):
            before, after = loss_after(G)
            extra = f", and {m} = m times too big: / m is missing as well" if near(c, -m) else ""
            return Failed(
                what,
                [
                    f"Every gradient is exactly {c:.6g} times the right one{extra}.",
                    f"One step of gradient descent along them takes the loss from {before:.4f} "
                    f"to {after:.4f}: up, not down.",
                    *table,
                ],
                bug="sign",
            )
        if near(c, 1 / m):
            return Failed(
                what,
                [f"Every gradient is 1/{m} of the right one, and the batch has m = {m} examples.", *table],
                bug="double-mean",
            )
        return Failed(
            what,
            [f"Every gradient is {c:.6g} times the right one: a constant factor crept in.", *table],
            section="output-gradient",
        )

    for bug, fact, model in signatures(params, X, y, cache):
        if all(relative_error(G[k], model[k]) < MATCH for k in NAMES):
            return Failed(what, [fact, *table], bug=bug)

    for k in (k for k in ("db2", "db1") if k in wrong):
        layer = k[-1]
        if np.ptp(G[k]) <= MATCH * np.abs(R[k]).max():
            return Failed(
                what,
                [
                    f"All {G[k].size} entries of {k} are the same number, {G[k].flat[0]:.3g}, "
                    f"but the right ones differ: b{layer}'s units do not all share one "
                    "gradient.",
                    *table,
                ],
                bug="bias-summed-all",
            )
        if relative_error(G[k], R[k] / m) < MATCH:
            return Failed(
                what,
                [
                    f"{k} is 1/{m} of the right one (m = {m}); the other gradients are right."
                    if wrong == [k]
                    else f"{k} is 1/{m} of the right one (m = {m}).",
                    *table,
                ],
                bug="bias-mean",
            )

    facts = []
    for k in wrong:
        ck, rk = fit(G, R, (k,))
        if rk < MATCH:
            facts.append(f"{k} is {ck:.6g} times the right value.")
    facts.append(_where(wrong))
    section = "backward-pass" if not {"dW2", "db2"} & set(wrong) else "output-gradient"
    if set(wrong) <= {"db1", "db2"}:
        section = "why-db-sums-over-rows"
    return Failed(what, [*facts, *table], section=section)


def _where(wrong: list[str]) -> str:
    """Which part of backward the pattern of wrong gradients points to."""
    w = set(wrong)
    if w <= {"db1", "db2"}:
        return "Only the bias gradients are off, so dZ1 and dZ2 are right: look at how db is summed."
    if w <= {"dW1", "dW2"}:
        return "Only the weight gradients are off: look at the products dW2 = A1ᵀ·dZ2 and dW1 = Xᵀ·dZ1."
    if w <= {"dW1", "db1"}:
        return (
            "dW2 and db2 are right, so dZ2 is right: the mistake is on the way down, in dA1 = dZ2·W2ᵀ, "
            "the ReLU mask, or dW1 and db1."
        )
    return "dW2 or db2 is off as well, so start at the top: dZ2 = (A2 − Y) / m."

"""The steps of `justnumpy check`, in the order a learner writes the network.

Each step calls the learner's functions on a fixed random problem in float64 and compares what
comes back with justnumpy.network (the reference) and with finite differences. A step returns a
short note when it passes and raises Failed, naming a classic bug where the numbers show one,
when it does not. The steps run in a worker process (runner.py); only the first failure is
reported, because everything after it builds on what failed.

The file is longer than the others because every step carries, next to its check, the words a
learner reads when it fails; the steps are short functions, one per step, in order.

The reference is called only as init_params(n_in, n_hidden, n_out, seed=...), forward(params, X),
loss(A2, y), backward(params, cache, X, y) and predict(params, X).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from justnumpy import network as reference
from justnumpy.exercise import diagnose, learner
from justnumpy.exercise.report import Failed
from justnumpy.exercise.verify import Step, as_array, as_dict, changed, check_dtype, copy, returned, unchanged
from justnumpy.gradcheck import relative_error

PARAMS = ("W1", "b1", "W2", "b2")
SAME = 1e-8  # two float64 computations of the same formula agree far closer than this
H_STEP = 1e-5  # finite-difference step: error ~h² ≈ 1e-10, far above float64 rounding
W1_SAMPLES = 400  # entries of W1 checked by finite differences (all of b1, W2 and b2 are)
BIG = 1e4  # the logits of the stability check


@dataclass
class Problem:
    """The check's fixed batch, float64: m = 8 random images through a 784-16-10 network.

    The sizes differ from each other (m = 8, H = 16, 10 classes, 784 pixels), so a shape names
    the array it came from. The hidden sums keep at least 0.01 away from ReLU's kink at 0, where
    finite differences would straddle the corner and disagree with any backward pass.
    """

    params: dict[str, np.ndarray]
    X: np.ndarray
    y: np.ndarray
    m: int = 8
    H: int = 16

    @classmethod
    def make(cls, seed: int = 0) -> Problem:
        """Draw weights, pixels and labels from `seed`, re-drawing until no hidden sum is near 0."""
        m, n_in, H, n_out = 8, 784, 16, 10
        while True:
            rng = np.random.default_rng([seed, 14])
            params = {
                "W1": rng.standard_normal((n_in, H)) * np.sqrt(2 / n_in),
                "b1": rng.normal(0, 0.5, H),
                "W2": rng.standard_normal((H, n_out)) * np.sqrt(2 / H),
                "b2": rng.normal(0, 0.5, n_out),
            }
            X, y = rng.random((m, n_in)), rng.permutation(n_out)[:m]
            if np.abs(X @ params["W1"] + params["b1"]).min() > 0.01:
                return cls(params, X, y, m, H)
            seed += 1

    def shapes(self) -> str:
        """The shapes of this check, for messages about arrays that do not fit."""
        m, H = self.m, self.H
        return (
            f"Shapes in this check (m = {m} examples, H = {H} hidden units): X ({m}, 784), W1 (784, {H}), "
            f"b1 ({H},), Z1 A1 dA1 dZ1 ({m}, {H}), W2 ({H}, 10), b2 (10,), Z2 A2 dZ2 ({m}, 10)."
        )


@dataclass
class Context:
    """What the steps share: the learner's file and module, the problem, and results of earlier steps."""

    path: Path
    net: learner.Learner | None = None
    problem: Problem = field(default_factory=Problem.make)
    cache: dict[str, np.ndarray] | None = None  # the learner's forward on the problem
    grads: dict[str, np.ndarray] | None = None  # the learner's backward on the problem
    changed: list[str] = field(default_factory=list)  # inputs the learner's backward changed

    def shapes(self) -> str:
        """The shapes of this check, for messages about arrays that do not fit."""
        return self.problem.shapes()


REQUIRED = learner.REQUIRED  # the functions a network file defines, and how they are called
DONE = "Train it: justnumpy train --network {file} --epochs 2"  # the checklist's last line when all pass
# Where docs/math.md derives what each function of the skeleton computes.
SECTIONS = {
    "init_params": "he-initialisation",
    "softmax": "softmax",
    "forward": "forward-pass",
    "loss": "cross-entropy",
    "backward": "backward-pass",
    "predict": "forward-pass",
}


# ---------------------------------------------------------------- the steps


def step_functions(ctx: Context) -> str:
    assert ctx.net is not None
    try:
        learner.check_functions(ctx.net.module, ctx.path)
    except learner.LearnerError as e:
        raise Failed(e.summary, e.details) from None
    return ""


def step_init(ctx: Context) -> str:
    net = ctx.net
    assert net is not None
    params = as_dict(net.call("init_params", 784, 256, 10, seed=0), "init_params", PARAMS)
    want = {"W1": (784, 256), "b1": (256,), "W2": (256, 10), "b2": (10,)}
    arrays = {k: as_array(params[k], f"init_params(784, 256, 10)[{k!r}]") for k in PARAMS}
    for k, shape in want.items():
        got = arrays[k].shape
        if got == shape:
            continue
        if k.startswith("b") and got == (1, *shape):
            raise Failed(
                f"{k} has shape {got}; a bias is a vector {shape}: one number per unit, np.zeros(n)."
            )
        if got == shape[::-1]:
            raise Failed(
                f"{k} has shape {got}, the transpose of {shape}.",
                ["With Z1 = X·W1, X being (m, n_in), W1 must be (n_in, n_hidden) and W2 (n_hidden, n_out)."],
                section="notation-and-shapes",
            )
        raise Failed(
            f"init_params(784, 256, 10)[{k!r}] has shape {got}; expected {shape}.",
            section="notation-and-shapes",
        )
    for k in PARAMS:
        if arrays[k].dtype != np.float32:
            raise Failed(
                f"{k} is {arrays[k].dtype}; training runs in float32 (half the memory, twice the speed).",
                ["Convert at the end: .astype(np.float32)."],
            )
        if not np.isfinite(arrays[k]).all():
            raise Failed(f"{k} holds NaN or infinite numbers.")
    small = as_dict(net.call("init_params", 784, 32, 10, seed=0), "init_params", PARAMS)
    got = {k: np.shape(small[k]) for k in PARAMS}
    if got != {"W1": (784, 32), "b1": (32,), "W2": (32, 10), "b2": (10,)}:
        raise Failed(
            f"init_params(784, 32, 10) gave shapes {got}: use the arguments n_in, n_hidden, n_out, "
            "not fixed numbers."
        )
    notes = []
    for k, fan_in in (("W1", 784), ("W2", 256)):
        W = arrays[k].astype(np.float64)
        he, std = math.sqrt(2 / fan_in), float(W.std())
        if np.ptp(W) == 0:
            raise Failed(f"Every entry of {k} is {W.flat[0]:g}.", bug="init-symmetric")
        fact = f"{k}'s entries have standard deviation {std:.4g}; He's is √(2/{fan_in}) = {he:.4f}"
        if std > 2 * he:
            raise Failed(
                f"{k} starts {std / he:.3g} times larger than He initialisation.",
                [fact + "."],
                bug="init-too-large",
            )
        if std < 0.5 * he:
            raise Failed(
                f"{k} starts {he / std:.3g} times smaller than He initialisation.",
                [fact + "."],
                bug="init-too-small",
            )
        if abs(float(W.mean())) > 0.25 * he:
            raise Failed(
                f"{k}'s entries have mean {W.mean():.3g}; random weights should be centred on 0.",
                section="he-initialisation",
            )
        notes.append(f"{k} std {std:.4f}")
    for k in ("b1", "b2"):
        if np.abs(arrays[k]).max() > 0.1:
            raise Failed(
                f"{k} starts with entries up to {np.abs(arrays[k]).max():.3g}; start the biases at zero.",
                section="he-initialisation",
            )
    again = as_dict(net.call("init_params", 784, 256, 10, seed=0), "init_params", PARAMS)
    if not all(np.array_equal(np.asarray(again[k]), arrays[k]) for k in PARAMS):
        raise Failed(
            "init_params(seed=0) gave different weights on a second call: draw them from "
            "np.random.default_rng(seed), so that a run can be repeated."
        )
    other = as_dict(net.call("init_params", 784, 256, 10, seed=1), "init_params", PARAMS)
    if np.array_equal(np.asarray(other["W1"]), arrays["W1"]):
        raise Failed(
            "init_params(seed=0) and init_params(seed=1) gave the same W1: the seed is not used.",
            ["Draw from rng = np.random.default_rng(seed)."],
        )
    return ", ".join(notes)


def step_forward(ctx: Context) -> str:
    net, pb = ctx.net, ctx.problem
    assert net is not None
    params, X = copy(pb.params), pb.X.copy()
    cache = as_dict(net.call("forward", params, X), "forward", ("Z1", "A1", "Z2", "A2"))
    m, H = pb.m, pb.H
    want = {"Z1": (m, H), "A1": (m, H), "Z2": (m, 10), "A2": (m, 10)}
    got = {k: as_array(cache[k], f"forward's {k}") for k in want}
    for k, shape in want.items():
        if got[k].shape != shape:
            bug = "transposed" if got[k].shape == shape[::-1] else None
            raise Failed(
                f"{k} has shape {got[k].shape}; expected {shape}.",
                [pb.shapes()],
                bug=bug,
                section="forward-pass",
            )
        check_dtype(got[k], f"forward's {k}")
    ref = reference.forward(copy(pb.params), pb.X.copy())
    Z1 = pb.X @ pb.params["W1"]
    if relative_error(got["Z1"], ref["Z1"]) > SAME:
        if relative_error(got["Z1"], Z1) < SAME:
            raise Failed("Z1 is X·W1, without + b1.", bug="bias-missing")
        raise Failed(
            f"Z1 is not X·W1 + b1 (relative error {relative_error(got['Z1'], ref['Z1']):.2g}).",
            section="forward-pass",
        )
    if relative_error(got["A1"], ref["A1"]) > SAME:
        if relative_error(got["A1"], got["Z1"]) < SAME:
            raise Failed("A1 equals Z1: the negative sums were not set to 0.", bug="relu-missing")
        raise Failed(
            f"A1 is not max(0, Z1) (relative error {relative_error(got['A1'], ref['A1']):.2g}).",
            section="forward-pass",
        )
    if relative_error(got["Z2"], ref["Z2"]) > SAME:
        if relative_error(got["Z2"], ref["A1"] @ pb.params["W2"]) < SAME:
            raise Failed("Z2 is A1·W2, without + b2.", bug="bias-missing")
        raise Failed(
            f"Z2 is not A1·W2 + b2 (relative error {relative_error(got['Z2'], ref['Z2']):.2g}).",
            section="forward-pass",
        )
    A2 = got["A2"]
    rows = A2.sum(axis=1)
    if not np.isfinite(A2).all():
        raise Failed(
            "A2 holds NaN or infinite numbers for ordinary scores (all within ±10).", section="softmax"
        )
    if not np.allclose(rows, 1, atol=1e-9):
        if np.allclose(A2.sum(axis=0), 1, atol=1e-9):
            raise Failed("Each column of A2 sums to 1, not each row.", bug="softmax-wrong-axis")
        if np.isclose(A2.sum(), 1, atol=1e-9):
            raise Failed(
                "The whole of A2 sums to 1, not each row: it was divided by the sum over the batch.",
                bug="softmax-wrong-axis",
            )
        raise Failed(f"The rows of A2 sum to {np.array2string(rows, precision=4)}, not 1.", section="softmax")
    if relative_error(A2, ref["A2"]) > SAME:
        raise Failed(
            f"A2 is not softmax(Z2) (relative error {relative_error(A2, ref['A2']):.2g}).", section="softmax"
        )
    touched = changed(copy(pb.params), params, "params") + ([] if np.array_equal(X, pb.X) else ["X"])
    if touched:
        raise Failed(f"forward changed {', '.join(touched)}.", bug="changes-inputs")
    ctx.cache = dict(cache)
    return ""


def step_softmax(ctx: Context) -> str:
    net, pb = ctx.net, ctx.problem
    assert net is not None
    if not callable(getattr(net.module, "softmax", None)):
        return "no softmax function of its own: forward's softmax is checked next"
    rng = np.random.default_rng(6)
    cases = {
        "ordinary scores (within ±10)": rng.normal(0, 3, (pb.m, 10)),
        "scores of +1e4 and −1e4 in every row": np.tile(
            [BIG, -BIG, 0, BIG - 1, 5, -5, 0, 0, 0, 0], (pb.m, 1)
        ),
        "every score near −1e4": np.full((pb.m, 10), -BIG) + np.arange(10),
    }
    for label, Z in cases.items():
        given = Z.copy()
        value = net.call("softmax", given)
        returned(value, "softmax", f"the probabilities, shape ({pb.m}, 10)")
        A = as_array(value, "softmax's result")
        if A.shape != Z.shape:
            raise Failed(
                f"softmax of scores of shape {Z.shape} returned shape {A.shape}; expected {Z.shape}.",
                ["One row of 10 probabilities per example: the same shape as the scores."],
                section="softmax",
            )
        check_dtype(A, "softmax's result")
        if not np.array_equal(given, Z):
            raise Failed("softmax changed the scores it was given.", bug="changes-inputs")
        expected = reference.softmax(Z)
        if not np.isfinite(A).all():
            bad = "NaN" if np.isnan(A).any() else "inf"
            raise Failed(
                f"With {label}, softmax gave {bad}.",
                [f"{int((~np.isfinite(A)).sum())} of its {A.size} entries are not finite numbers."],
                bug="unstable-softmax" if label != next(iter(cases)) else None,
                section="softmax",
            )
        if not np.allclose(A.sum(axis=1), 1, atol=1e-9):
            if np.allclose(A.sum(axis=0), 1, atol=1e-9):
                raise Failed(
                    "Each column of softmax's result sums to 1, not each row.", bug="softmax-wrong-axis"
                )
            if np.isclose(A.sum(), 1, atol=1e-9):
                raise Failed(
                    "The whole of softmax's result sums to 1, not each row: it was divided by the sum "
                    "over the batch.",
                    bug="softmax-wrong-axis",
                )
            rows = np.array2string(A.sum(axis=1), precision=4)
            raise Failed(
                f"With {label}, the rows of softmax's result sum to {rows}, not 1.",
                bug="unstable-softmax" if label != next(iter(cases)) else None,
                section="softmax",
            )
        if relative_error(A, expected) > SAME:
            raise Failed(
                f"With {label}, softmax's rows sum to 1 but are not exp(z) / Σ exp(z) "
                f"(relative error {relative_error(A, expected):.2g}).",
                section="softmax",
            )
    return ""


def step_stable(ctx: Context) -> str:
    net, pb = ctx.net, ctx.problem
    assert net is not None
    cases = {
        "scores of +1e4 and −1e4 in every row": np.array([BIG, -BIG, 0, BIG - 1, 5, -5, 0, 0, 0, 0]),
        "every score near −1e4": np.full(10, -BIG) + np.arange(10),
    }
    for label, b2 in cases.items():
        params = copy(pb.params)
        params["b2"] = b2.astype(np.float64)
        cache = as_dict(net.call("forward", params, pb.X.copy()), "forward", ("A2",))
        A2 = as_array(cache["A2"], "forward's A2")
        if not np.isfinite(A2).all():
            bad = "NaN" if np.isnan(A2).any() else "inf"
            raise Failed(
                f"With {label}, A2 holds {bad}.",
                [f"{int((~np.isfinite(A2)).sum())} of its {A2.size} entries are not finite numbers."],
                bug="unstable-softmax",
            )
        expected = reference.forward(params, pb.X.copy())["A2"]
        if not np.allclose(A2.sum(axis=1), 1) or relative_error(A2, expected) > SAME:
            raise Failed(
                f"With {label}, A2 is finite but not softmax(Z2): its rows sum to "
                f"{np.array2string(A2.sum(axis=1), precision=4)}.",
                bug="unstable-softmax",
            )
    return ""


def step_loss(ctx: Context) -> str:
    net, pb = ctx.net, ctx.problem
    assert net is not None
    rng = np.random.default_rng(3)
    A2 = np.exp(rng.normal(0, 2, (pb.m, 10)))
    A2 /= A2.sum(axis=1, keepdims=True)  # (m, 10) random probabilities, far from uniform
    value = net.call("loss", A2.copy(), pb.y.copy())
    returned(value, "loss", "one float, the mean cross-entropy")
    array = as_array(value, "loss's result")
    if array.size != 1:
        raise Failed(
            f"loss returned {array.size} numbers (shape {array.shape}); return their mean, one float.",
            ["One number per example is −log A2[i, y[i]]; the loss of the batch is their mean."],
            section="cross-entropy",
        )
    L, R = float(array.reshape(())), float(reference.loss(A2, pb.y))
    m = pb.m
    if not abs(L - R) <= SAME * abs(R):
        fact = [f"loss gave {L:.6g}; the mean cross-entropy of this batch is {R:.6g}."]
        p_all = -np.log(A2)
        if math.isclose(L, m * R, rel_tol=1e-6):
            raise Failed(f"loss is {m} times too big (m = {m}).", fact, bug="loss-sum")
        if math.isclose(L, -R, rel_tol=1e-6):
            raise Failed("loss has the right size and the wrong sign.", fact, bug="loss-sign")
        if any(math.isclose(L, v, rel_tol=1e-6) for v in (p_all.mean(), p_all.sum() / m, p_all.sum())):
            raise Failed(
                "loss averaged −log A2 over every class, not only the true one.", fact, bug="loss-all-classes"
            )
        raise Failed(f"loss is {L / R:.4g} times the mean cross-entropy.", fact, section="cross-entropy")
    rng = np.random.default_rng(4)
    tiny = {
        k: (rng.standard_normal(v.shape) * 1e-8 if k.startswith("W") else np.zeros_like(v))
        for k, v in pb.params.items()
    }
    cache = as_dict(net.call("forward", tiny, pb.X.copy()), "forward", ("A2",))
    L0 = net.call("loss", as_array(cache["A2"], "forward's A2"), pb.y.copy())
    L0 = float(as_array(L0, "loss's result").reshape(()))
    if not abs(L0 - math.log(10)) < 1e-6:
        raise Failed(
            f"With near-zero weights every class gets 1/10, so the loss must be ln 10 = 2.302585; "
            f"forward and loss gave {L0:.6f}.",
            section="cross-entropy",
        )
    return ""


def step_backward(ctx: Context) -> str:
    net, pb = ctx.net, ctx.problem
    assert net is not None and ctx.cache is not None
    params, X, y = copy(pb.params), pb.X.copy(), pb.y.copy()
    cache = copy(ctx.cache)
    before_cache = copy(cache)
    grads = as_dict(net.call("backward", params, cache, X, y), "backward", diagnose.NAMES)
    ctx.changed = (
        changed(copy(pb.params), params, "params")
        + changed(before_cache, cache, "cache")
        + [name for name, a, b in (("X", X, pb.X), ("y", y, pb.y)) if not np.array_equal(a, b)]
    )
    m, H = pb.m, pb.H
    want = {"dW1": (784, H), "db1": (H,), "dW2": (H, 10), "db2": (10,)}
    arrays = {k: as_array(grads[k], f"backward's {k}") for k in diagnose.NAMES}
    for k, shape in want.items():
        got, p = arrays[k].shape, k[1:]
        if got == shape:
            check_dtype(arrays[k], f"backward's {k}")
            continue
        size = f"{p} has {shape[0]} entries"
        if k.startswith("db") and arrays[k].size == 1:
            raise Failed(
                f"{k} is a single number ({float(arrays[k].reshape(())):.3g}), where {size}, one per unit.",
                bug="bias-summed-all",
            )
        if k.startswith("db") and got == (1, *shape):
            raise Failed(f"{k} has shape {got}; {p} has shape {shape}.", bug="bias-keepdims")
        if k.startswith("db") and got == (m,):
            raise Failed(
                f"{k} has shape {got}: one number per example (m = {m}), where {size}, one per unit.",
                bug="bias-wrong-axis",
            )
        if got == shape[::-1]:
            raise Failed(
                f"{k} has shape {got}, the transpose of {p}'s {shape}.", [pb.shapes()], bug="transposed"
            )
        raise Failed(
            f"{k} has shape {got}; it must have the shape of {p}, {shape}.",
            [pb.shapes()],
            section="backward-pass",
        )
    for k in diagnose.NAMES:
        if not np.isfinite(arrays[k]).all():
            raise Failed(f"{k} holds NaN or infinite numbers.", section="backward-pass")
    ctx.grads = arrays
    return ""


def step_gradients(ctx: Context) -> str:
    net, pb = ctx.net, ctx.problem
    assert net is not None and ctx.grads is not None
    G = ctx.grads
    ref_cache = reference.forward(copy(pb.params), pb.X)
    R = reference.backward(copy(pb.params), ref_cache, pb.X, pb.y)
    numeric = finite_differences(lambda p: _learner_loss(net, p, pb), pb.params)
    errors = {}
    for k in diagnose.NAMES:
        idx = numeric[k][0]
        errors[k] = (relative_error(G[k][idx], numeric[k][1]), relative_error(G[k], R[k]))
    if max(max(e) for e in errors.values()) <= diagnose.TOLERANCE:
        worst = max(max(e) for e in errors.values())
        return f"largest relative error {worst:.1e}"

    def loss_after(g: dict[str, np.ndarray]) -> tuple[float, float]:
        stepped = {k: pb.params[k] - 0.1 * g["d" + k] for k in PARAMS}
        after = reference.loss(reference.forward(stepped, pb.X)["A2"], pb.y)
        return float(reference.loss(ref_cache["A2"], pb.y)), float(after)

    raise diagnose.gradients(G, R, errors, (pb.params, pb.X, pb.y, ref_cache), loss_after)


def step_inputs(ctx: Context) -> str:
    unchanged(ctx.changed, "backward")
    return ""


def step_predict(ctx: Context) -> str:
    net, pb = ctx.net, ctx.problem
    assert net is not None
    labels = net.call("predict", copy(pb.params), pb.X.copy())
    returned(labels, "predict", "one label per example")
    got = as_array(labels, "predict's result")
    m = pb.m
    if got.shape == (m, 10):
        raise Failed(
            f"predict returned shape {got.shape}, a row of 10 numbers per example.",
            bug="predict-probabilities",
        )
    if got.shape != (m,):
        hint = (
            ["argmax(axis=0) gives one index per class (column); argmax(axis=1) one per example (row)."]
            if got.shape == (10,)
            else []
        )
        raise Failed(
            f"predict returned shape {got.shape}; expected ({m},), one label per example.",
            hint,
            section="forward-pass",
        )
    if got.dtype.kind not in "iu":
        raise Failed(f"predict returned {got.dtype} numbers; labels are integers, as argmax gives them.")
    expected = reference.predict(copy(pb.params), pb.X)
    if not np.array_equal(got, expected):
        raise Failed(
            f"predict gave {got.tolist()}; the most probable classes are {expected.tolist()}.",
            section="forward-pass",
        )
    return ""


def _learner_loss(net: learner.Learner, params: dict[str, np.ndarray], pb: Problem) -> float:
    """The learner's loss of the problem's batch at `params`, through the learner's forward."""
    cache = net.call("forward", params, pb.X)
    return float(np.asarray(net.call("loss", np.asarray(cache["A2"]), pb.y)).reshape(()))


def finite_differences(
    f: Callable[[dict[str, np.ndarray]], float], params: dict[str, np.ndarray]
) -> dict[str, tuple[tuple[np.ndarray, ...], np.ndarray]]:
    """(indices, central differences (f(θ + h) − f(θ − h)) / 2h there) for each parameter.

    Every entry of b1, W2 and b2; W1_SAMPLES random entries of W1, which has 12,544, so that a
    learner's slower forward still finishes in a second or two.
    """
    rng = np.random.default_rng(5)
    p = copy(params)
    out = {}
    for k in PARAMS:
        theta = p[k]
        flat = np.arange(theta.size) if k != "W1" else rng.choice(theta.size, W1_SAMPLES, replace=False)
        idx = np.unravel_index(flat, theta.shape)
        numeric = np.empty(len(flat))
        for n, i in enumerate(zip(*idx, strict=True)):
            original = theta[i]
            theta[i] = original + H_STEP
            plus = f(p)
            theta[i] = original - H_STEP
            minus = f(p)
            theta[i] = original
            numeric[n] = (plus - minus) / (2 * H_STEP)
        out["d" + k] = (idx, numeric)
    return out


STEPS = [
    Step("loads", "the file parses and its top-level code runs", None),
    Step(
        "functions",
        "init_params, forward, loss, backward, predict exist and take the right arguments",
        step_functions,
    ),
    Step("init_params", "init_params: shapes, float32, a sensible scale, seeded", step_init),
    Step(
        "softmax",
        "softmax: each row sums to 1, matches the reference, no NaN or inf for scores of ±1e4",
        step_softmax,
    ),
    Step(
        "forward",
        "forward: Z1 A1 Z2 A2 of the right shapes and values; each row of A2 sums to 1",
        step_forward,
    ),
    Step("stable", "forward: logits of ±1e4 give no NaN or inf", step_stable),
    Step("loss", "loss: matches the reference; ≈ ln 10 for near-zero weights", step_loss),
    Step("backward", "backward: dW1 db1 dW2 db2, each shaped like its parameter", step_backward),
    Step(
        "gradients",
        "gradients: each against finite differences and the reference, in float64",
        step_gradients,
    ),
    Step("inputs", "backward leaves params and cache unchanged", step_inputs),
    Step("predict", "predict: the most probable digit for each row", step_predict),
]

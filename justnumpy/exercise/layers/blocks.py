"""The steps of `justnumpy check` for each block of a layers file on its own: linear, ReLU, sigmoid, tanh.

Each block's forward is compared with justnumpy/layers.py's, and its backward with layers.py's
and with finite differences of the learner's own forward, in float64: the gradient of the
scalar Σ G ⊙ forward(...) for a fixed random G, which makes G the gradient from above. A
backward that misses has its result compared with what each classic mistake gives, exactly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from justnumpy import layers as reference
from justnumpy.exercise.diagnose import TOLERANCE, error_table
from justnumpy.exercise.report import Failed
from justnumpy.exercise.verify import as_array, check_dtype, returned
from justnumpy.gradcheck import central_differences, relative_error

SAME = 1e-8  # two float64 computations of the same formula agree far closer than this
AGAINST = "justnumpy.layers"


@dataclass
class Blocks:
    """One layer's inputs and gradients, float64: m = 8 examples, 5 inputs, 3 units; all sizes differ."""

    A: np.ndarray  # (8, 5) the layer's inputs
    W: np.ndarray  # (5, 3)
    b: np.ndarray  # (3,)
    G: np.ndarray  # (8, 3) the gradient from above: dZ for linear, dA for an activation
    Z: np.ndarray  # (8, 3) an activation's input, every entry at least 0.05 away from ReLU's kink

    @classmethod
    def make(cls, seed: int = 31) -> Blocks:
        rng = np.random.default_rng(seed)
        Z = rng.normal(0, 1.5, (8, 3))
        Z = np.where(np.abs(Z) < 0.05, 0.05 * np.sign(Z + 1e-12), Z)
        return cls(
            rng.random((8, 5)), rng.normal(0, 0.5, (5, 3)), rng.normal(0, 0.5, 3), rng.normal(0, 1, (8, 3)), Z
        )

    @staticmethod
    def shapes() -> str:
        return "Shapes in this check: A and dA (8, 5) with m = 8, W (5, 3), b (3,), Z and dZ (8, 3)."


def pair(value: Any, function: str, what: str) -> tuple[Any, Any]:
    """The (output, cache) a forward returns, or Failed saying what it returned instead."""
    returned(value, function, what)
    if not isinstance(value, tuple) or len(value) != 2:
        raise Failed(f"{function} returned {type(value).__name__}; return the pair {what}.")
    return value


def slopes(f: Callable[..., float], arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Central differences of f(**arrays) for every entry of every array (on copies: nothing is changed)."""
    arrays = {k: v.copy() for k, v in arrays.items()}
    return central_differences(lambda: f(**arrays), arrays)


def step_linear(ctx: Any) -> str:
    net, pb = ctx.net, ctx.blocks
    A, W, b = pb.A.copy(), pb.W.copy(), pb.b.copy()
    Z, cache = pair(net.call("linear_forward", A, W, b), "linear_forward", "(Z, cache)")
    Z = as_array(Z, "linear_forward's Z")
    if Z.shape != (8, 3):
        raise Failed(
            f"linear_forward's Z has shape {Z.shape}; expected (8, 3).", [pb.shapes()], section="any-depth"
        )
    check_dtype(Z, "linear_forward's Z")
    if relative_error(Z, pb.A @ pb.W + pb.b) > SAME:
        if relative_error(Z, pb.A @ pb.W) < SAME:
            raise Failed("linear_forward's Z is A·W, without + b.", bug="bias-missing")
        raise Failed(
            f"linear_forward's Z is not A·W + b (relative error {relative_error(Z, pb.A @ pb.W + pb.b):.2g})",
            section="any-depth",
        )
    if not (np.array_equal(A, pb.A) and np.array_equal(W, pb.W) and np.array_equal(b, pb.b)):
        raise Failed("linear_forward changed its inputs.", bug="changes-inputs")
    out = net.call("linear_backward", pb.G.copy(), cache)
    returned(out, "linear_backward", "(dA, dW, db)")
    if not isinstance(out, tuple) or len(out) != 3:
        raise Failed(f"linear_backward returned {type(out).__name__}; return the three (dA, dW, db).")
    if out[0] is None:
        raise Failed("linear_backward returned None for dA.", bug="not-passed-down")
    got = {k: as_array(v, f"linear_backward's {k}") for k, v in zip(("dA", "dW", "db"), out, strict=True)}
    want = {"dA": (8, 5), "dW": (5, 3), "db": (3,)}
    for k, shape in want.items():
        g = got[k]
        if g.shape == shape:
            check_dtype(g, f"linear_backward's {k}")
            continue
        if k == "db" and g.size == 1:
            raise Failed("db is a single number, where b has 3 entries, one per unit.", bug="bias-summed-all")
        if k == "db" and g.shape == (1, 3):
            raise Failed("db has shape (1, 3); b has shape (3,).", bug="bias-keepdims")
        if k == "db" and g.shape == (8,):
            raise Failed(
                "db has shape (8,): one number per example, where b has one per unit.", bug="bias-wrong-axis"
            )
        bug = "layers-transposed" if g.shape == shape[::-1] else None
        raise Failed(
            f"{k} has shape {g.shape}; expected {shape}.", [pb.shapes()], bug=bug, section="any-depth"
        )
    ref = dict(zip(("dA", "dW", "db"), reference.linear_backward(pb.G, (pb.A, pb.W)), strict=True))

    def f(A: np.ndarray, W: np.ndarray, b: np.ndarray) -> float:
        Z, _ = net.call("linear_forward", A, W, b)
        return float(np.sum(pb.G * np.asarray(Z)))

    fd = slopes(f, {"A": pb.A, "W": pb.W, "b": pb.b})
    errors = {k: (relative_error(got[k], fd[k[1:]]), relative_error(got[k], ref[k])) for k in want}
    if max(max(e) for e in errors.values()) <= TOLERANCE:
        return ""
    table = error_table(errors, AGAINST)
    wrong = [k for k in want if max(errors[k]) > TOLERANCE]
    verb = "does" if len(wrong) == 1 else "do"
    what = f"linear_backward's {', '.join(wrong)} {verb} not match the true gradient."
    if "dA" in wrong and not np.any(got["dA"]):
        raise Failed(what, ["dA is all zeros.", *table], bug="not-passed-down")
    if "db" in wrong and relative_error(got["db"], ref["db"] / 8) < SAME:
        raise Failed(what, ["db is 1/8 of the right one (m = 8).", *table], bug="bias-mean")
    if "db" in wrong and np.ptp(got["db"]) == 0:
        raise Failed(
            what,
            [f"All 3 entries of db are the same number, {got['db'][0]:.3g}.", *table],
            bug="bias-summed-all",
        )
    section = "why-db-sums-over-rows" if wrong == ["db"] else "any-depth"
    raise Failed(what, table, section=section)


# Each activation: its name, and the classic mistakes of its backward as (bug, what dZ then is, dZ).
MISTAKES: dict[str, Callable[[np.ndarray, np.ndarray, np.ndarray], list[tuple[str, str, np.ndarray]]]] = {
    "relu": lambda Z, A, G: [
        ("missing-relu-mask", "dA: no mask at all", G),
        ("relu-mask-from-dA", "dA ⊙ [dA > 0]: the mask of dA's sign", G * (G > 0)),
    ],
    "sigmoid": lambda Z, A, G: [
        ("sigmoid-slope-from-Z", "dA ⊙ Z ⊙ (1 − Z)", G * Z * (1 - Z)),
        ("sigmoid-slope-sigma", "dA ⊙ σ(Z)", G * A),
    ],
    "tanh": lambda Z, A, G: [
        ("tanh-slope-from-Z", "dA ⊙ (1 − Z²)", G * (1 - Z * Z)),
        ("tanh-slope-no-square", "dA ⊙ (1 − tanh(Z))", G * (1 - A)),
    ],
}


def activation_step(name: str) -> Callable[[Any], str]:
    """The step that checks one activation's forward and backward."""
    ref_forward, ref_backward = reference.ACTIVATIONS[name]

    def run(ctx: Any) -> str:
        net, pb = ctx.net, ctx.blocks
        cases = [pb.Z]
        if name == "sigmoid":  # e^800 is inf: only a form that never divides inf by inf stays finite
            cases.append(np.array([[800.0, -800.0, 0.0]] * 8))
        for Z in cases:
            given = Z.copy()
            A, cache = pair(net.call(f"{name}_forward", given), f"{name}_forward", "(A, cache)")
            A = as_array(A, f"{name}_forward's A")
            if A.shape != Z.shape:
                raise Failed(
                    f"{name}_forward of shape {Z.shape} returned A of shape {A.shape}.", section="any-depth"
                )
            check_dtype(A, f"{name}_forward's A")
            if not np.array_equal(given, Z):
                raise Failed(f"{name}_forward changed the Z it was given.", bug="changes-inputs")
            expected = ref_forward(Z)[0]
            if Z is not pb.Z and not np.isfinite(A).all():
                raise Failed(f"For Z = ±800, {name}_forward gave NaN or inf.", bug="sigmoid-overflow")
            if relative_error(A, expected) > SAME:
                if name == "relu" and relative_error(A, Z) < SAME:
                    raise Failed(
                        "relu_forward's A equals Z: the negative entries were not set to 0.",
                        bug="relu-missing",
                    )
                raise Failed(
                    f"{name}_forward's A is not {name}(Z) (relative error {relative_error(A, expected):.2g})",
                    section="the-activations-slopes",
                )
        A, cache = net.call(f"{name}_forward", pb.Z.copy())
        dZ = net.call(f"{name}_backward", pb.G.copy(), cache)
        returned(dZ, f"{name}_backward", "dZ")
        dZ = as_array(dZ, f"{name}_backward's dZ")
        if dZ.shape != pb.Z.shape:
            raise Failed(
                f"{name}_backward returned dZ of shape {dZ.shape}; expected {pb.Z.shape}, Z's.",
                section="any-depth",
            )
        check_dtype(dZ, f"{name}_backward's dZ")
        true = ref_backward(pb.G, ref_forward(pb.Z)[1])

        def f(Z: np.ndarray) -> float:
            return float(np.sum(pb.G * np.asarray(net.call(f"{name}_forward", Z)[0])))

        errors = {"dZ": (relative_error(dZ, slopes(f, {"Z": pb.Z})["Z"]), relative_error(dZ, true))}
        if max(errors["dZ"]) <= TOLERANCE:
            return ""
        table = error_table(errors, AGAINST)
        what = f"{name}_backward's dZ does not match the true gradient."
        for bug, fact, model in MISTAKES[name](pb.Z, ref_forward(pb.Z)[0], pb.G):
            if relative_error(dZ, model) < SAME:
                raise Failed(what, [f"Your dZ is exactly {fact}.", *table], bug=bug)
        raise Failed(what, table, section="the-activations-slopes")

    return run

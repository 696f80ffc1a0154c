"""The steps of `justnumpy check` for a layers file: each block on its own, then the stacked network.

The blocks (blocks.py) are checked first, against justnumpy/layers.py and finite differences.
Then the stack: init_params for any sizes, and forward, backward and predict on a 30-10-10-10
network of float64 weights, with each of ReLU, sigmoid and tanh, against justnumpy/mlp.py and
finite differences of the learner's own loss(forward(...)). The hidden layers and the output have
the same width, 10, so that a mistake of the loop (a gradient not handed down, a cache from the
layer above) gives wrong numbers, which can be recognised, rather than a shape error.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from justnumpy import mlp
from justnumpy.exercise import learner
from justnumpy.exercise.diagnose import TOLERANCE, error_table
from justnumpy.exercise.layers import stack
from justnumpy.exercise.layers.blocks import SAME, Blocks, activation_step, slopes, step_linear
from justnumpy.exercise.report import Failed
from justnumpy.exercise.verify import Step, as_array, as_dict, changed, check_dtype, copy, returned, unchanged
from justnumpy.gradcheck import relative_error

ACTIVATIONS = ("relu", "sigmoid", "tanh")
SIZES = (30, 10, 10, 10)
REQUIRED = {  # the functions a layers file defines: how they are called, and stand-in arguments
    "linear_forward": ("linear_forward(A, W, b)", (None, None, None), {}),
    "linear_backward": ("linear_backward(dZ, cache)", (None, None), {}),
    **{
        f"{a}_{way}": (f"{a}_{way}({args})", (None,) * len(args.split(", ")), {})
        for a in ACTIVATIONS
        for way, args in (("forward", "Z"), ("backward", "dA, cache"))
    },
    "init_params": ("init_params(sizes, seed=seed)", ((784, 10),), {"seed": 0}),
    "forward": ("forward(params, X, activation=activation)", (None, None), {"activation": "relu"}),
    "loss": ("loss(AL, y)", (None, None), {}),
    "backward": (
        "backward(params, cache, X, y, activation=activation)",
        (None, None, None, None),
        {"activation": "relu"},
    ),
    "predict": ("predict(params, X, activation=activation)", (None, None), {"activation": "relu"}),
}
DONE = "Train it: justnumpy train --network {file} --hidden 128,64 --epochs 2"
SECTIONS = {name: "any-depth" for name in REQUIRED} | {"init_params": "he-initialisation"}
TRANSPOSED = "layers-transposed"  # the bug a matrix product whose shapes do not fit is reported as


@dataclass
class Stack:
    """A 30-10-10-10 network and a batch of 8, float64; no hidden sum within 0.01 of ReLU's kink."""

    params: dict[str, np.ndarray]
    X: np.ndarray
    y: np.ndarray

    @classmethod
    def make(cls, seed: int = 41) -> Stack:
        while True:
            rng = np.random.default_rng([seed, 41])
            params = {}
            for l in range(1, len(SIZES)):
                params[f"W{l}"] = rng.normal(0, math.sqrt(2 / SIZES[l - 1]), (SIZES[l - 1], SIZES[l]))
                params[f"b{l}"] = rng.normal(0, 0.3, SIZES[l])
            X, y = rng.random((8, SIZES[0])), rng.integers(0, SIZES[-1], 8)
            cache = mlp.forward(params, X, "relu")
            if all(np.abs(cache[f"Z{l}"]).min() > 0.01 for l in range(1, len(SIZES) - 1)):
                return cls(params, X, y)
            seed += 1


@dataclass
class Context:
    """What the steps share: the learner's file and module, the problems, results of earlier steps."""

    path: Path
    net: learner.Learner | None = None
    blocks: Blocks = field(default_factory=Blocks.make)
    stack: Stack = field(default_factory=Stack.make)
    changed: list[str] = field(default_factory=list)  # inputs the learner's backward changed

    def shapes(self) -> str:
        layers = ", ".join(f"W{l} {(SIZES[l - 1], SIZES[l])}" for l in range(1, len(SIZES)))
        return f"{Blocks.shapes()} The stacked network: X (8, 30), {layers}, every Z and A (8, 10)."


def step_functions(ctx: Context) -> str:
    assert ctx.net is not None
    try:
        learner.check_functions(ctx.net.module, ctx.path, REQUIRED)
    except learner.LearnerError as e:
        raise Failed(e.summary, e.details) from None
    return ""


def step_init(ctx: Context) -> str:
    net = ctx.net
    assert net is not None
    notes = []
    for sizes in ((784, 16, 8, 10), (20, 7, 3)):
        keys = tuple(f"{p}{l}" for l in range(1, len(sizes)) for p in ("W", "b"))
        params = as_dict(net.call("init_params", sizes, seed=0), "init_params", keys)
        for l in range(1, len(sizes)):
            W = as_array(params[f"W{l}"], f"init_params({sizes})['W{l}']")
            b = as_array(params[f"b{l}"], f"init_params({sizes})['b{l}']")
            want = {"W": (sizes[l - 1], sizes[l]), "b": (sizes[l],)}
            for name, array in (("W", W), ("b", b)):
                if array.shape != want[name]:
                    raise Failed(
                        f"init_params({sizes}) gave {name}{l} of shape {array.shape}; expected {want[name]}.",
                        ["Layer l has W of shape (sizes[l − 1], sizes[l]) and b of shape (sizes[l],)."],
                        section="any-depth",
                    )
                if array.dtype != np.float32:
                    raise Failed(
                        f"{name}{l} is {array.dtype}; training runs in float32.",
                        ["Convert: .astype(np.float32)."],
                    )
            he, std = math.sqrt(2 / sizes[l - 1]), float(W.astype(np.float64).std())
            fact = [
                f"W{l}'s entries have standard deviation {std:.4g}; He's is √(2/{sizes[l - 1]}) = {he:.4f}."
            ]
            if np.ptp(W) == 0:
                raise Failed(f"Every entry of W{l} is {W.flat[0]:g}.", bug="init-symmetric")
            if std > 2 * he:
                raise Failed(
                    f"W{l} starts {std / he:.3g} times larger than He initialisation.",
                    fact,
                    bug="init-too-large",
                )
            if std < 0.5 * he:
                raise Failed(
                    f"W{l} starts {he / std:.3g} times smaller than He initialisation.",
                    fact,
                    bug="init-too-small",
                )
            if np.abs(b).max() > 0.1:
                raise Failed(
                    f"b{l} starts with entries up to {np.abs(b).max():.3g}; start the biases at zero.",
                    section="he-initialisation",
                )
            if sizes[0] == 784:
                notes.append(f"W{l} std {std:.4f}")
    again = net.call("init_params", (784, 16, 8, 10), seed=0)
    other = net.call("init_params", (784, 16, 8, 10), seed=1)
    if not np.array_equal(
        np.asarray(again["W2"]), np.asarray(net.call("init_params", (784, 16, 8, 10), seed=0)["W2"])
    ):
        raise Failed(
            "init_params(seed=0) gave different weights on a second call: draw them from "
            "np.random.default_rng(seed)."
        )
    if np.array_equal(np.asarray(again["W1"]), np.asarray(other["W1"])):
        raise Failed("init_params with seed 0 and seed 1 gave the same W1: the seed is not used.")
    return ", ".join(notes)


def keys(L: int, prefix: str = "") -> tuple[str, ...]:
    """Z1 A1 ... ZL AL, or with prefix "d": dW1 db1 ... dWL dbL."""
    names = ("W", "b") if prefix else ("Z", "A")
    return tuple(f"{prefix}{n}{l}" for l in range(1, L + 1) for n in names)


def step_forward(ctx: Context) -> str:
    net, pb = ctx.net, ctx.stack
    assert net is not None
    L = len(SIZES) - 1
    for activation in ACTIVATIONS:
        params, X = copy(pb.params), pb.X.copy()
        cache = as_dict(net.call("forward", params, X, activation=activation), "forward", keys(L))
        got = {k: as_array(cache[k], f"forward's {k}") for k in keys(L)}
        ref = mlp.forward(pb.params, pb.X, activation)
        f = mlp.ACTIVATIONS[activation][0]
        for k in keys(L):
            if got[k].shape != ref[k].shape:
                raise Failed(
                    f"forward's {k} has shape {got[k].shape}; expected {ref[k].shape}.",
                    [ctx.shapes()],
                    section="any-depth",
                )
            check_dtype(got[k], f"forward's {k}")
        for k in keys(L):
            if relative_error(got[k], ref[k]) <= SAME:
                continue
            with_act = mlp.softmax(f(ref[f"Z{L}"])[0])
            if k in (f"Z{L}", f"A{L}") and relative_error(got[f"A{L}"], with_act) < SAME:
                raise Failed(
                    f"With {activation}, A{L} is softmax({activation}(Z{L})).", bug="activation-after-last"
                )
            l = int(k[1:])
            if k.startswith("A") and l < L and relative_error(got[k], got[f"Z{l}"]) < SAME:
                raise Failed(f"With {activation}, A{l} equals Z{l}.", bug="hidden-activation-missing")
            raise Failed(
                f"With {activation}, forward's {k} is not what layers.py's blocks give "
                f"(relative error {relative_error(got[k], ref[k]):.2g}); the earlier ones are right.",
                section="any-depth",
            )
        if changed(copy(pb.params), params, "params") or not np.array_equal(X, pb.X):
            raise Failed("forward changed params or X.", bug="changes-inputs")
    return ""


def step_backward(ctx: Context) -> str:
    net, pb = ctx.net, ctx.stack
    assert net is not None
    L = len(SIZES) - 1
    shapes = {f"d{k}": v.shape for k, v in pb.params.items()}
    worst = 0.0
    for activation in ACTIVATIONS:
        params, X, y = copy(pb.params), pb.X.copy(), pb.y.copy()
        cache = dict(net.call("forward", params, X, activation=activation))
        before = copy(cache)
        try:
            result = net.call("backward", params, cache, X, y, activation=activation)
        except learner.LearnerRaised as e:
            raise cache_key_error(e, before, activation) or e from None
        grads = as_dict(result, "backward", keys(L, "d"))
        if not ctx.changed:
            ctx.changed = changed(copy(pb.params), params, "params") + changed(before, cache, "cache")
        got = {k: as_array(grads[k], f"backward's {k}") for k in keys(L, "d")}
        for k, shape in shapes.items():
            if got[k].shape == shape:
                check_dtype(got[k], f"backward's {k}")
                continue
            if k.startswith("db") and got[k].size == 1:
                raise Failed(f"{k} is a single number.", bug="bias-summed-all")
            other = [o for o, s in shapes.items() if s == got[k].shape and o[:2] == k[:2] and o != k]
            raise Failed(
                f"{k} has shape {got[k].shape}; {k[1:]} has shape {shape}"
                + (f", as {other[0][1:]} has." if other else "."),
                [ctx.shapes()],
                bug="grads-misnumbered" if other else None,
                section="any-depth",
            )
        ref = mlp.backward(pb.params, mlp.forward(pb.params, pb.X, activation), pb.X, pb.y, activation)

        def loss(activation: str = activation, **p: np.ndarray) -> float:
            c = net.call("forward", p, pb.X, activation=activation)
            return float(np.asarray(net.call("loss", np.asarray(c[f"A{L}"]), pb.y)))

        fd = slopes(loss, pb.params)
        errors = {k: (relative_error(got[k], fd[k[1:]]), relative_error(got[k], ref[k])) for k in shapes}
        worst = max(worst, *(max(e) for e in errors.values()))
        if max(max(e) for e in errors.values()) <= TOLERANCE:
            continue
        wrong = [k for k in shapes if max(errors[k]) > TOLERANCE]
        verb = "does" if len(wrong) == 1 else "do"
        what = f"With {activation}, {', '.join(wrong)} {verb} not match the true gradient."
        table = error_table(errors, "justnumpy.mlp")
        for variant, (bug, fact) in stack.VARIANTS.items():
            model = stack.gradients(pb.params, pb.X, pb.y, activation, variant)
            if all(relative_error(got[k], model[k]) < SAME for k in shapes):
                raise Failed(
                    what, [f"Your gradients are exactly those of a backward where {fact}.", *table], bug=bug
                )
        where = (
            "dW3 and db3 are right, so the output layer is; look at the way down."
            if "dW3" not in wrong
            else ("The output layer's gradients are off: start at dZ3 = (A3 − Y) / m.")
        )
        raise Failed(what, [where, *table], section="any-depth")
    return f"largest relative error {worst:.1e}"


def cache_key_error(e: learner.LearnerRaised, cache: dict, activation: str) -> Failed | None:
    """A KeyError for a layer's entry that forward never stored, named when it is a layer off by one."""
    if not isinstance(e.error, KeyError) or not e.error.args:
        return None
    key = str(e.error.args[0])
    match = re.fullmatch(r"([A-Za-z_]+?)(\d+)", key)
    if match is None or key in cache:
        return None
    stored = sorted(k for k in cache if re.fullmatch(rf"{re.escape(match[1])}\d+", k))
    return Failed(
        f"With {activation}, backward raised KeyError: {key!r}; forward stored "
        f"{', '.join(stored) or 'none of those'}.",
        [*e.frames, "The layer number is one off: the layer below takes the cache of its own number."],
        bug="wrong-layer-cache" if stored else None,
        section="any-depth",
    )


def step_inputs(ctx: Context) -> str:
    unchanged(ctx.changed, "backward")
    return ""


def step_predict(ctx: Context) -> str:
    net, pb = ctx.net, ctx.stack
    assert net is not None
    for activation in ("relu", "tanh"):
        labels = net.call("predict", copy(pb.params), pb.X.copy(), activation=activation)
        returned(labels, "predict", "one label per example")
        got = as_array(labels, "predict's result")
        if got.shape == (8, SIZES[-1]):
            raise Failed(
                f"predict returned shape {got.shape}, a row of numbers per example.",
                bug="predict-probabilities",
            )
        expected = mlp.predict(pb.params, pb.X, activation)
        if got.shape != (8,) or got.dtype.kind not in "iu" or not np.array_equal(got, expected):
            raise Failed(
                f"With {activation}, predict gave {got.tolist()}; the most probable classes are "
                f"{expected.tolist()}.",
                section="any-depth",
            )
    return ""


STEPS = [
    Step("loads", "the file parses and its top-level code runs", None),
    Step(
        "functions",
        "the blocks and the network's functions exist and take the right arguments",
        step_functions,
    ),
    Step("linear", "linear block: Z = A·W + b, and dA dW db against finite differences", step_linear),
    Step("relu", "ReLU block: forward, and backward against finite differences", activation_step("relu")),
    Step(
        "sigmoid",
        "sigmoid block: forward (no NaN for Z = ±800), backward against finite differences",
        activation_step("sigmoid"),
    ),
    Step("tanh", "tanh block: forward, and backward against finite differences", activation_step("tanh")),
    Step(
        "init_params",
        "init_params: a W and b per layer for any sizes, float32, He's scale, seeded",
        step_init,
    ),
    Step(
        "forward",
        "forward: Z1 A1 ... ZL AL with ReLU, sigmoid and tanh, as layers.py's blocks give",
        step_forward,
    ),
    Step(
        "backward",
        "backward: every dW and db against finite differences, with each activation",
        step_backward,
    ),
    Step("inputs", "backward leaves params and cache unchanged", step_inputs),
    Step("predict", "predict: the most probable class for each row", step_predict),
]

"""The steps of `justnumpy check` for a file of optimizers: SGD, Momentum and Adam against justnumpy/optim.py.

Each optimizer of the learner and the same optimizer of justnumpy.optim start from the same
float64 parameters and take N_STEPS steps with the same gradients, the learning rate set before
every step as a cosine schedule sets it (so it changes every time). After every step the
learner's parameters must equal the reference's, in the same arrays (updated in place), and the
gradients handed in must be unchanged. When they differ, the learner's steps are compared with
those of each classic mistake (models.py); one that matches at every step is named.
"""

from __future__ import annotations

import inspect
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from justnumpy import optim
from justnumpy.exercise import learner
from justnumpy.exercise.optimizers import models
from justnumpy.exercise.report import Failed
from justnumpy.exercise.verify import Step, as_array, changed, copy
from justnumpy.gradcheck import relative_error

NAMES = ("SGD", "Momentum", "Adam")
OPTIONS = {
    "SGD": {},
    "Momentum": {"momentum": models.MU},
    "Adam": {"beta1": models.BETA1, "beta2": models.BETA2, "eps": models.EPS},
}
FIRST_LR = {"SGD": 0.1, "Momentum": 0.1, "Adam": 0.01}
N_STEPS = 30  # steps of each optimizer: enough for a velocity or a running mean to build up
SAME = 1e-9  # float64 steps of the same formula agree far closer than this after N_STEPS steps
SHAPES = {"W1": (6, 4), "b1": (4,), "W2": (4, 3), "b2": (3,)}
# Each parameter's gradients have their own size, as in a real network: the tiny ones of b1
# (like a pixel that is seldom ink) are where Adam's ε matters, the large ones of W2 where it does not.
SIZES = {"W1": 1.0, "b1": 1e-4, "W2": 10.0, "b2": 0.1}
DONE = "Your SGD, Momentum and Adam take the same steps as justnumpy/optim.py."
SECTIONS = {f"{name}{part}": name.lower() for name in NAMES for part in ("", ".__init__", ".step")}


@dataclass
class Problem:
    """Starting parameters, N_STEPS gradients each and the learning rates, float64 throughout."""

    params: dict[str, np.ndarray]
    grads: list[dict[str, np.ndarray]]

    @classmethod
    def make(cls, seed: int = 21) -> Problem:
        """Parameters from N(0, 1); gradients that keep a direction (a drift) and add noise around it."""
        rng = np.random.default_rng(seed)
        params = {k: rng.standard_normal(shape) for k, shape in SHAPES.items()}
        drift = {k: rng.standard_normal(shape) * SIZES[k] for k, shape in SHAPES.items()}
        grads = [
            {"d" + k: drift[k] + SIZES[k] * rng.standard_normal(shape) for k, shape in SHAPES.items()}
            for _ in range(N_STEPS)
        ]
        return cls(params, grads)

    @staticmethod
    def lrs(name: str) -> list[float]:
        """The learning rate before each step: a cosine from FIRST_LR that never reaches 0."""
        return [optim.learning_rate("cosine", FIRST_LR[name], t, N_STEPS + 10) for t in range(N_STEPS)]

    @staticmethod
    def shapes() -> str:
        """The shapes of this check, for messages about arrays that do not fit."""
        listed = ", ".join(f"{k} {shape}" for k, shape in SHAPES.items())
        return f"Shapes in this check: {listed}; each gradient dW1, db1, ... has its parameter's shape."


@dataclass
class Context:
    """What the steps share: the learner's file and module, and the problem."""

    path: Path
    net: learner.Learner | None = None
    problem: Problem = field(default_factory=Problem.make)

    def shapes(self) -> str:
        return self.problem.shapes()


def step_classes(ctx: Context) -> str:
    assert ctx.net is not None
    name = ctx.path.name
    for cls in NAMES:
        found = getattr(ctx.net.module, cls, None)
        call = f"{cls}(params, lr{''.join(f', {k}={v}' for k, v in OPTIONS[cls].items())})"
        if found is None:
            raise Failed(
                f"{name} has no {cls}.",
                [f"The file defines the classes {', '.join(NAMES)}; the check makes each as {call}."],
            )
        if not inspect.isclass(found):
            raise Failed(f"{name}: {cls} is a {type(found).__name__}, not a class; define class {cls}:")
        if not callable(getattr(found, "step", None)):
            raise Failed(f"{name}: {cls} has no method step; define def step(self, grads):")
        for what, fn, args, kwargs in (
            (call, found, (None, 0.1), OPTIONS[cls]),
            (f"{cls}.step(grads)", found.step, (None, None), {}),
        ):
            try:
                inspect.signature(fn).bind(*args, **kwargs)
            except TypeError as e:
                raise Failed(f"{name}: {what} cannot be called that way ({e}).") from None
            except ValueError:  # no signature to inspect: trust it
                pass
    return ""


def run_learner(ctx: Context, name: str) -> tuple[list[dict[str, np.ndarray]], list[str]]:
    """The learner's parameters after each step, and the names whose arrays were replaced, not updated."""
    net, pb = ctx.net, ctx.problem
    assert net is not None
    params = copy(pb.params)
    arrays = dict(params)  # the very arrays handed in: step must change these
    opt = net.call(name, params, FIRST_LR[name], **OPTIONS[name])
    out: list[dict[str, np.ndarray]] = []
    for g, lr in zip(pb.grads, pb.lrs(name), strict=True):
        net.run(f"setting {name}'s lr", setattr, opt, "lr", lr)  # as the training loop's schedule does
        given = copy(g)
        net.run(f"{name}.step", opt.step, given)
        touched = changed(g, given, "grads")
        if touched:
            raise Failed(f"{name}.step changed {', '.join(touched)}.", bug="changes-grads")
        missing = [k for k in SHAPES if k not in params]
        if missing:
            raise Failed(f"After {name}.step, params has no {', '.join(missing)}: the dict lost them.")
        out.append({k: as_array(params[k], f"params[{k!r}] after {name}.step").copy() for k in SHAPES})
    return out, [k for k in SHAPES if params[k] is not arrays[k]]


def reference(name: str, pb: Problem) -> list[dict[str, np.ndarray]]:
    """justnumpy.optim's parameters after each step."""
    params = copy(pb.params)
    opt = optim.make_optimizer(name.lower(), params, FIRST_LR[name], **OPTIONS[name])
    out = []
    for g, lr in zip(pb.grads, pb.lrs(name), strict=True):
        opt.lr = lr
        opt.step(copy(g))
        out.append(copy(params))
    return out


def distance(a: dict[str, np.ndarray], b: dict[str, np.ndarray], start: dict[str, np.ndarray]) -> float:
    """Relative error between how far a and b moved from `start`; inf if either holds NaN or inf."""
    moved_a = np.concatenate([(a[k] - start[k]).ravel() for k in SHAPES])
    moved_b = np.concatenate([(b[k] - start[k]).ravel() for k in SHAPES])
    if not (np.isfinite(moved_a).all() and np.isfinite(moved_b).all()):
        same = np.array_equal(moved_a, moved_b, equal_nan=True)
        return 0.0 if same else math.inf
    return relative_error(moved_a, moved_b)


def matches(mine: list[dict[str, np.ndarray]], other: list[dict[str, np.ndarray]], start: Any) -> bool:
    """True if two runs are at the same place after every step (NaN where the other has NaN)."""
    return all(distance(a, b, start) <= SAME for a, b in zip(mine, other, strict=True))


def check(name: str) -> Step:
    """The step that checks one optimizer of the learner against justnumpy.optim's."""

    def run(ctx: Context) -> str:
        pb = ctx.problem
        mine, replaced = run_learner(ctx, name)
        ref = reference(name, pb)
        errors = [distance(a, b, pb.params) for a, b in zip(mine, ref, strict=True)]
        if max(errors) <= SAME:
            if replaced:
                raise Failed(
                    f"{name}'s steps are right, but step put new arrays into params for "
                    f"{', '.join(replaced)} instead of changing the arrays it was given.",
                    bug="not-in-place",
                )
            return f"largest relative error {max(errors):.1e}"
        raise diagnose(name, pb, mine, ref, errors)

    return Step(
        name.lower(),
        f"{name}: {N_STEPS} steps with a changing learning rate, in place, against justnumpy.optim.{name}",
        run,
    )


def diagnose(name: str, pb: Problem, mine: list, ref: list, errors: list[float]) -> Failed:
    """The failure to report for steps that differ from the reference, named when recognisable."""
    first = next(i for i, e in enumerate(errors) if e > SAME)
    what = f"{name}'s parameters differ from justnumpy.optim.{name}'s from step {first + 1} on."
    facts = timeline(mine, errors)
    if all(all(np.array_equal(p[k], pb.params[k]) for k in SHAPES) for p in mine):
        return Failed(
            f"After {N_STEPS} steps of {name}, every parameter still holds its starting values.",
            [
                f"justnumpy.optim.{name} moved them {moved(ref[-1], pb.params):.3g} away from where they "
                "started (the length of the whole move)."
            ],
            bug="not-in-place",
        )
    bad = [(i, k) for i, p in enumerate(mine) for k in SHAPES if not np.isfinite(p[k]).all()]
    if bad:
        i, k = bad[0]
        facts.insert(0, f"After step {i + 1}, {k} holds NaN or inf.")
    lrs = pb.lrs(name)
    for model in models.MODELS[name]:
        rates = [lrs[0]] * N_STEPS if model.first_lr_only else lrs
        if matches(mine, models.trajectory(model.update, pb.params, pb.grads, rates), pb.params):
            return Failed(what, [model.fact, *facts], bug=model.bug)
    wrong = [
        k
        for k in SHAPES
        if relative_error(mine[first][k] - pb.params[k], ref[first][k] - pb.params[k]) > SAME
    ]
    facts.append(f"At step {first + 1} these are off: {', '.join(wrong)}.")
    if first == 0:
        facts.append("The very first step is off already: look at the update itself.")
    else:
        facts.append(
            "The first steps are right and a later one is not: look at what carries over from one "
            "step to the next (a velocity, a running mean, a step count) and at how lr is read."
        )
    return Failed(what, facts, section=name.lower())


def timeline(mine: list[dict[str, np.ndarray]], errors: list[float]) -> list[str]:
    """How far off the parameters are after a few of the steps, as lines of a small table."""
    shown = sorted({1, 2, 3, 10, len(errors)})
    finite = [all(np.isfinite(p[k]).all() for k in SHAPES) for p in mine]
    cells = "   ".join(f"step {s}: {errors[s - 1]:.2g}" if finite[s - 1] else f"step {s}: NaN" for s in shown)
    return [
        "Relative error of how far your parameters moved (0 = the same, 1 = unrelated):",
        f"  {cells}",
    ]


def moved(params: dict[str, np.ndarray], start: dict[str, np.ndarray]) -> float:
    """The length of the move from `start` to `params`, all parameters together."""
    return float(np.sqrt(sum(np.sum((params[k] - start[k]) ** 2) for k in SHAPES)))


STEPS = [
    Step("loads", "the file parses and its top-level code runs", None),
    Step(
        "classes", "SGD, Momentum and Adam exist, take (params, lr, ...) and have step(grads)", step_classes
    ),
    *(check(name) for name in NAMES),
]

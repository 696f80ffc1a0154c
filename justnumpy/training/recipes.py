"""Named training recipes: the accuracy ladder from the starting document's ~87% to ≥99%.

Each recipe is a complete `train.Config` for the same 784-256-10 network. The ladder climbs one
idea per rung, so the difference between two neighbouring rungs is what that idea buys:

    seed → minibatch → he-init → momentum → cosine → longer → best-plain → best

    from justnumpy import train
    from justnumpy.training import recipes
    config = recipes.config("best-plain", seed=1)      # any field can be overridden
    `justnumpy train --recipe best`                     # the same from the command line
    `justnumpy ladder`                                  # train every rung, table and plot
"""

from __future__ import annotations

import dataclasses
from typing import Any, NamedTuple

from justnumpy.errors import JustNumpyError
from justnumpy.training.config import Config

FULL_BATCH = 60_000  # all of MNIST's training images in one step (validation_fraction=0)


class Recipe(NamedTuple):
    """A rung of the ladder: what it changes (one line) and its complete settings."""

    change: str
    settings: dict[str, Any]


# Each rung is the rung below it plus the changes listed: the code shows exactly one idea per step.
STEPS: list[tuple[str, str, dict[str, Any]]] = [
    # The starting document, as literally as it reads: the gradient of the whole training set per
    # step (60,000 images), weights from 0.01·N(0, 1), a fixed learning rate, a few hundred steps.
    # Small weights make small signals, so early steps crawl, and one step per pass is slow going.
    (
        "seed",
        "full-batch gradient descent, 0.01·N(0,1) init, fixed lr (the starting document)",
        dict(
            epochs=200,
            batch_size=FULL_BATCH,
            validation_fraction=0.0,
            optimizer="sgd",
            schedule="constant",
            lr=0.1,
            init_scale=0.01,
        ),
    ),
    # Mini-batches: 128 images give a good-enough estimate of the gradient, so one pass over the
    # data makes ~450 steps instead of 1; the noise of small batches even helps escape flat spots.
    # 5% of the images are held out from here on, to watch for overfitting.
    (
        "minibatch",
        "mini-batches of 128 reshuffled each epoch, 5 epochs",
        dict(batch_size=128, epochs=5, validation_fraction=0.05, lr=0.2),
    ),
    # He initialisation: weights of std √(2/fan_in) keep the signal's size through each ReLU
    # layer, so every unit learns from the first step instead of waking up slowly.
    ("he-init", "He initialisation, std √(2/fan_in)", dict(init_scale=None)),
    # Momentum: a running sum of gradients, so steady directions speed up and zig-zags cancel.
    ("momentum", "momentum 0.9", dict(optimizer="momentum")),
    # Cosine schedule: big steps early to travel, tiny steps at the end to settle into the minimum
    # instead of bouncing around it. This is `justnumpy train`'s default (≥98% in 5 epochs).
    ("cosine", "learning rate decays along a cosine to 0 (the default recipe)", dict(schedule="cosine")),
    # Longer: more passes over the data, with the cosine stretched over all of them. Alone it
    # buys little: the network already fits the training set, so it needs regularization next.
    ("longer", "30 epochs instead of 5", dict(epochs=30)),
    # Dropout: each hidden unit is silenced with probability 0.2 on every example, and so is each
    # input pixel, so no unit can rely on a few others or on a few pixels; the network learns
    # redundant features and overfits less. The noisier gradients want a gentler learning rate
    # (0.1) and more epochs; with a fixed cosine schedule there is nothing to stop early, so all
    # 60,000 images train. (Measured over seeds 0-2 with the default BLAS threads: hidden dropout
    # alone 98.44%, adding input dropout 0.2 98.61%; hidden p = 0.3 alone 98.47% on one thread,
    # 0.4–0.5 underfit 256 units at 98.0–98.4%; L2 decay added nothing.)
    (
        "best-plain",
        "dropout 0.2 on hidden units and input pixels (lr 0.1, 40 epochs, all 60,000 images)",
        dict(dropout=0.2, input_dropout=0.2, lr=0.1, epochs=40, validation_fraction=0.0),
    ),
    # Augmentation: every epoch sees freshly shifted (±2 px), rotated (±12°) and scaled (±12%)
    # digits (augment.py), so the network must learn what stays the same under these changes:
    # the digit's shape, not its exact pixels. This is a stronger regularizer than dropout, and
    # both together leave 256 units too little capacity (measured: 98.98% with dropout 0.2 vs
    # 99.02% without at 60 epochs; elastic distortions: 98.85% at 40 epochs vs affine 98.94%).
    (
        "best",
        "random affine distortions of every image each epoch, no dropout (lr 0.2, 80 epochs)",
        dict(augment="affine", dropout=0.0, input_dropout=0.0, lr=0.2, epochs=80),
    ),
]


def _climb(steps: list[tuple[str, str, dict[str, Any]]]) -> dict[str, Recipe]:
    """Accumulate the steps: each recipe holds every setting, not just its change."""
    recipes, settings = {}, dataclasses.asdict(Config())
    for name, change, updates in steps:
        settings = {**settings, **updates}
        recipes[name] = Recipe(change, settings)
    return recipes


RECIPES: dict[str, Recipe] = _climb(STEPS)
LADDER = list(RECIPES)  # the rungs, bottom to top


def config(name: str, **overrides: Any) -> Config:
    """The Config of recipe `name`, with `overrides` (e.g. seed=1, epochs=2) applied on top."""
    if name not in RECIPES:
        raise JustNumpyError(f"unknown recipe {name!r}; choose one of {', '.join(RECIPES)}")
    return Config(**{**RECIPES[name].settings, **overrides})

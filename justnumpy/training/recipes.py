"""Named training recipes: the accuracy ladder, from where this project started (~87%) to >99.3%.

Each recipe is a complete `train.Config`, and each rung changes one setting of the rung it builds
on (the elastic rung: the distortions and the passes to fit them), so the difference between the
two is what that one idea buys (docs/ladder.md has the measured table). Up to `best` it is the
same 784-256-10 network; the two rungs above it give the network more capacity, then harder images:

    seed → minibatch → shorter → he-init → momentum → cosine → longer → input-dropout → best-plain
                                                                     ↘ best → deep → elastic

Every rung holds out the same share of the training images (5%, the default; which images
depends on the seed) and every setting below was chosen on held-out accuracy over several seeds,
never on the test set, which only reports the outcome. The settings of the two top rungs were
chosen on a larger hold-out, 10,000 images (docs/ladder.md says why).

    from justnumpy.training import recipes
    config = recipes.config("best-plain", seed=1)      # any field can be overridden
    `justnumpy train --recipe best`                     # the same from the command line
    `justnumpy ladder`                                  # train every rung with 3 seeds, table and figure
"""

from __future__ import annotations

import dataclasses
from typing import Any, NamedTuple

from justnumpy.errors import JustNumpyError
from justnumpy.training.config import Config

FULL_BATCH = 57_000  # every training image MNIST leaves after the 5% hold-out: one step per pass
LONG_EPOCHS = 40  # the budget of `longer` and of the rungs built on it, up to `deep`


class Recipe(NamedTuple):
    """A rung of the ladder: what it changes (one line), its complete settings, the rung it builds on."""

    change: str
    settings: dict[str, Any]
    parent: str | None  # the rung whose settings this one changes (None for the first)


# Each rung is the rung before it (or the rung named last in its tuple) plus one change (`elastic`:
# its distortions and the epochs to fit them): the code shows one idea per step.
STEPS: list[tuple] = [
    # The network this project started from: every step follows the gradient of the whole
    # training set, from weights drawn as 0.01·N(0, 1), with the plain update θ ← θ − η·g. It
    # summed the gradient over the m images; the sum with rate η is the same step as the mean
    # with rate η·m, so this rung's mean at 0.2 is the sum at 0.2/57,000. That rate and the
    # number of steps of the original are not known: the rung uses the rate every rung shares,
    # and 100 steps, which land near the starting point's ~87%. Small weights make small signals
    # (the softmax starts flat and W1 hears almost nothing), so the first steps crawl.
    (
        "seed",
        "full-batch gradient descent from 0.01·N(0, 1) weights, lr 0.2, 100 steps (the starting point)",
        dict(epochs=100, batch_size=FULL_BATCH, optimizer="sgd", schedule="constant", init_scale=0.01),
    ),
    # Mini-batches: 128 images give a good-enough estimate of the gradient, so one pass over the
    # data makes ~445 steps instead of 1 for the same arithmetic, and the noise of small batches
    # helps more than it hurts. Same 100 passes as the seed rung.
    ("minibatch", "mini-batches of 128, reshuffled every epoch", dict(batch_size=128)),
    # Most of that is reached long before 100 passes. The rungs above learn more per step, and
    # they start from 5 passes: 20 times less work.
    ("shorter", "5 epochs instead of 100", dict(epochs=5)),
    # He initialisation: weights of std √(2/fan_in) keep the signal's size through each ReLU
    # layer, so every unit learns from the first step instead of waking up slowly.
    ("he-init", "He initialisation, std √(2/fan_in), instead of 0.01", dict(init_scale=None)),
    # Momentum: a running sum of gradients, so steady directions speed up and zig-zags cancel.
    ("momentum", "momentum 0.9", dict(optimizer="momentum")),
    # Cosine schedule: big steps early to travel, tiny steps at the end to settle into the minimum
    # instead of bouncing around it. This is `justnumpy train`'s default recipe.
    ("cosine", "learning rate glides along a cosine to 0 (the default recipe)", dict(schedule="cosine")),
    # Longer: more passes, with the cosine stretched over all of them. Alone it buys little: the
    # network soon fits its training images perfectly, and then it needs regularization.
    ("longer", f"{LONG_EPOCHS} epochs instead of 5", dict(epochs=LONG_EPOCHS)),
    # Input dropout: each pixel of each training image is hidden with probability 0.2, afresh
    # every time, so the network cannot rely on a few pixels and must read the whole stroke.
    # (Dropout on the hidden units added nothing, alone or on top of it: docs/ladder.md.)
    ("input-dropout", "dropout 0.2 on the input pixels", dict(input_dropout=0.2)),
    # Weight decay: the loss also charges λ/2·‖W‖², so every step shrinks each weight a little
    # and the network prefers many small weights to a few large ones that fit noise. Alone it
    # buys almost nothing; on top of input dropout a little (docs/ladder.md).
    ("best-plain", "L2 weight decay λ = 10⁻⁴", dict(weight_decay=1e-4)),
    # Augmentation, built on `longer`: every epoch sees freshly shifted (±2 px),
    # rotated (±12°) and scaled (±12%) digits (augment.py), so the network must learn what stays
    # the same under these changes, the digit's shape, not its exact pixels. It does not stack
    # with input dropout or weight decay: together they ask more than 256 units can fit.
    (
        "best",
        "random affine distortions of every image, every epoch (built on longer)",
        dict(augment="affine"),
        "longer",
    ),
    # More capacity: with distortions 256 units no longer fit their own training images, so the
    # network gets two hidden layers of 800 (Simard et al. 2003 used one of 800). On validation two
    # layers of 800 beat one of 800, and matched one of 1,600, which has as many weights.
    ("deep", "two hidden layers of 800 units instead of one of 256", dict(hidden=(800, 800))),
    # Elastic distortions: every image is also bent by a smooth random field, the way a hand
    # wobbles (Simard's σ = 4, and α = 17, half his 34, which was too much to fit even here).
    # Harder images take more passes to fit: 60 epochs instead of 40.
    (
        "elastic",
        "elastic distortions at half Simard's strength on top, 60 epochs instead of 40",
        dict(augment="affine+mild-elastic", epochs=60),
    ),
]


def _climb(steps: list[tuple]) -> dict[str, Recipe]:
    """Accumulate the steps: each recipe holds every setting, not just its change."""
    recipes: dict[str, Recipe] = {}
    for i, (name, change, updates, *parent) in enumerate(steps):
        below = parent[0] if parent else steps[i - 1][0] if i else None
        settings = recipes[below].settings if below else dataclasses.asdict(Config())
        recipes[name] = Recipe(change, {**settings, **updates}, below)
    return recipes


RECIPES: dict[str, Recipe] = _climb(STEPS)
LADDER = list(RECIPES)  # the rungs, bottom to top
# `justnumpy bench --time-to-99` times this recipe: the fastest whose mean test accuracy over seeds
# 0-2 is at least 99.0%, chosen on validation.
TIME_TO_99 = "best"


def config(name: str, **overrides: Any) -> Config:
    """The Config of recipe `name`, with `overrides` (e.g. seed=1, epochs=2) applied on top."""
    if name not in RECIPES:
        raise JustNumpyError(f"unknown recipe {name!r}; choose one of {', '.join(RECIPES)}")
    return Config(**{**RECIPES[name].settings, **overrides})

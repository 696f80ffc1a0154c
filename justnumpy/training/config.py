"""The settings of a training run: one dataclass, its defaults, and the checks on its values.

    config = Config(epochs=10, lr=0.1)          # everything else keeps its default
    config.validate()                           # JustNumpyError naming the first bad value

The defaults are the default recipe: 784-256-10, He initialisation, mini-batches of 128,
momentum 0.9 and a learning rate of 0.2 that glides along a cosine to 0 over 5 epochs.
A Config is saved in every model file, so a run can be resumed or repeated exactly.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

from justnumpy import augment, optim
from justnumpy.data import DATASETS
from justnumpy.errors import JustNumpyError

# 784·H float32 weights plus optimizer buffers: 10^5 units is ~1 GB with Adam, and far past any use.
MAX_HIDDEN = 100_000


@dataclass
class Config:
    """Every setting that determines a training run."""

    dataset: str = "mnist"  # which images: a key of data.DATASETS
    hidden: int = 256  # H, the number of hidden ReLU units
    epochs: int = 5  # passes over the training images
    batch_size: int = 128  # examples per optimizer step
    lr: float = 0.2  # learning rate at the start (the schedule may lower it)
    optimizer: str = "momentum"  # a key of optim.OPTIMIZERS
    momentum: float = 0.9  # μ of the momentum optimizer
    schedule: str = "cosine"  # one of optim.SCHEDULES
    seed: int = 0  # the weights, the validation split, the order of the batches, every random draw
    validation_fraction: float = 0.05  # share of the training images held out to choose settings on
    init_scale: float | None = None  # None: He initialisation; s: every weight drawn as s·N(0, 1)
    weight_decay: float = 0.0  # L2 strength λ: the loss gains λ/2·(‖W1‖² + ‖W2‖²)
    dropout: float = 0.0  # probability of silencing each hidden unit, per example, while training
    input_dropout: float = 0.0  # probability of hiding each input pixel, per example, while training
    augment: str = "none"  # one of augment.KINDS: distort the training images afresh every epoch
    n_iter_no_change: int | None = None  # stop after this many epochs without a better val accuracy

    def validate(self) -> None:
        """Raise JustNumpyError naming the first setting that cannot work."""
        for f in dataclasses.fields(self):  # values can come from a hand-edited model file
            value = getattr(self, f.name)
            optional = f.type.endswith("| None")
            kind = {"int": int, "float": (int, float), "str": str}[f.type.removesuffix(" | None")]
            if not (optional and value is None) and (isinstance(value, bool) or not isinstance(value, kind)):
                raise JustNumpyError(f"setting {f.name} must be of type {f.type}, got {value!r}")
        checks = [
            (self.dataset in DATASETS, f"unknown dataset {self.dataset!r}"),
            (1 <= self.hidden <= MAX_HIDDEN, f"hidden must be 1 to {MAX_HIDDEN}, got {self.hidden}"),
            (self.epochs >= 1, f"epochs must be at least 1, got {self.epochs}"),
            (self.batch_size >= 1, f"batch size must be at least 1, got {self.batch_size}"),
            (math.isfinite(self.lr) and self.lr > 0, f"learning rate must be > 0, got {self.lr}"),
            (self.optimizer in optim.OPTIMIZERS, f"unknown optimizer {self.optimizer!r}"),
            (0 <= self.momentum < 1, f"momentum must be in [0, 1), got {self.momentum}"),
            (self.schedule in optim.SCHEDULES, f"unknown schedule {self.schedule!r}"),
            (self.seed >= 0, f"seed must be 0 or more, got {self.seed}"),
            (
                0 <= self.validation_fraction < 1,
                f"validation fraction must be in [0, 1), got {self.validation_fraction}",
            ),
            (
                self.init_scale is None or (math.isfinite(self.init_scale) and self.init_scale > 0),
                f"init scale must be > 0, got {self.init_scale}",
            ),
            (
                math.isfinite(self.weight_decay) and self.weight_decay >= 0,
                f"weight decay must be ≥ 0, got {self.weight_decay}",
            ),
            (0 <= self.dropout < 1, f"dropout must be in [0, 1), got {self.dropout}"),
            (0 <= self.input_dropout < 1, f"input dropout must be in [0, 1), got {self.input_dropout}"),
            (self.augment in augment.KINDS, f"unknown augmentation {self.augment!r}"),
            (
                self.n_iter_no_change is None or self.n_iter_no_change >= 1,
                f"n_iter_no_change must be at least 1, got {self.n_iter_no_change}",
            ),
            (
                self.n_iter_no_change is None or self.validation_fraction > 0,
                "early stopping (n_iter_no_change) needs a validation split (validation fraction > 0)",
            ),
        ]
        for ok, message in checks:
            if not ok:
                raise JustNumpyError(message)

"""The settings of a training run: one dataclass, its defaults, and the checks on its values.

    config = Config(epochs=10, lr=0.1)          # everything else keeps its default
    config.validate()                           # SettingsError naming the first bad value

The defaults are the default recipe: 784-256-10 (`hidden` lists the sizes of the hidden layers,
so (512, 256) is 784-512-256-10), ReLU, cross-entropy, He initialisation, mini-batches of 128,
momentum 0.9 and a learning rate of 0.2 that glides along a cosine to 0 over 5 epochs.
A Config is saved in every model file, so a run can be resumed or repeated exactly.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from dataclasses import dataclass

from justnumpy import augment, layers, mlp, optim
from justnumpy.data import DATASETS
from justnumpy.errors import SettingsError

# 784·H float32 weights plus optimizer buffers: 10^5 units is ~1 GB with Adam, and far past any use.
MAX_HIDDEN = 100_000
MAX_HIDDEN_LAYERS = 10  # deeper plain networks do not train from these starts (docs/why.md)
MAX_WEIGHTS = 100_000_000  # all layers together: 400 MB of float32 weights, 1.2 GB with Adam's buffers

# The type each setting must have (values can come from a hand-edited model file or a web page).
TYPES = {int: "a whole number", float: "a number", str: "a text", tuple: "a list of whole numbers"}
TYPE_OF = {"init_scale": float, "n_iter_no_change": int}  # their default, None, says nothing of their type


@dataclass
class Config:
    """Every setting that determines a training run."""

    dataset: str = "mnist"  # which images: a key of data.DATASETS
    hidden: tuple[int, ...] = (256,)  # the size of each hidden layer: (256,) is 784-256-10
    epochs: int = 5  # passes over the training images
    batch_size: int = 128  # examples per optimizer step
    lr: float = 0.2  # learning rate at the start (the schedule may lower it)
    optimizer: str = "momentum"  # a key of optim.OPTIMIZERS
    momentum: float = 0.9  # μ of the momentum optimizer
    schedule: str = "cosine"  # one of optim.SCHEDULES
    seed: int = 0  # the weights, the validation split, the order of the batches, every random draw
    validation_fraction: float = 0.05  # share of the training images held out to choose settings on
    activation: str = "relu"  # the hidden layers' activation: a key of layers.ACTIVATIONS
    loss: str = "cross-entropy"  # the output's loss: a key of layers.LOSSES
    init: str = "he"  # the starting weights' std, one of mlp.INITS ("he": √(2/fan_in))
    init_scale: float | None = None  # None: `init`; s: every weight drawn as s·N(0, 1)
    weight_decay: float = 0.0  # L2 strength λ: the loss gains λ/2·(‖W1‖² + ‖W2‖²)
    dropout: float = 0.0  # probability of silencing each hidden unit, per example, while training
    input_dropout: float = 0.0  # probability of hiding each input pixel, per example, while training
    augment: str = "none"  # one of augment.KINDS: distort the training images afresh every epoch
    n_iter_no_change: int | None = None  # stop after this many epochs without a better val accuracy

    def __post_init__(self) -> None:
        # One hidden layer may be given as a number; a model file's JSON gives the layers as a list.
        if isinstance(self.hidden, int) and not isinstance(self.hidden, bool):
            self.hidden = (self.hidden,)
        elif isinstance(self.hidden, list):
            self.hidden = tuple(self.hidden)

    def validate(self) -> None:
        """Raise SettingsError naming the first setting that cannot work."""
        for f in dataclasses.fields(self):  # values can come from a hand-edited model file or a page
            value, kind = getattr(self, f.name), TYPE_OF.get(f.name, type(f.default))
            if value is None and f.default is None:
                continue  # None means "off" (or "He") for the settings that allow it
            ok = isinstance(value, (int, float) if kind is float else kind) and not isinstance(value, bool)
            if ok and kind is tuple:
                ok = all(isinstance(v, int) and not isinstance(v, bool) for v in value)
            if not ok:
                raise SettingsError(f"setting {f.name} must be {TYPES[kind]}, got {value!r}")
        weights = sum(a * b for a, b in itertools.pairwise(self.sizes))
        checks = [
            (self.dataset in DATASETS, f"unknown dataset {self.dataset!r}"),
            (len(self.hidden) >= 1, "hidden needs at least one layer, e.g. (256,)"),
            (
                all(1 <= h <= MAX_HIDDEN for h in self.hidden),
                f"each hidden layer must have 1 to {MAX_HIDDEN} units, got {self.hidden_text}",
            ),
            (
                len(self.hidden) <= MAX_HIDDEN_LAYERS,
                f"at most {MAX_HIDDEN_LAYERS} hidden layers, got {len(self.hidden)}",
            ),
            (
                weights <= MAX_WEIGHTS,
                f"{self.hidden_text} makes {weights:,} weights, more than {MAX_WEIGHTS:,}",
            ),
            (self.activation in layers.ACTIVATIONS, f"unknown activation {self.activation!r}"),
            (self.loss in layers.LOSSES, f"unknown loss {self.loss!r}"),
            (self.init in mlp.INITS, f"unknown initialisation {self.init!r}"),
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
                raise SettingsError(message)

    @property
    def hidden_text(self) -> str:
        """The hidden layers as the command line writes them: "256", "512,256"."""
        return ",".join(map(str, self.hidden))

    @property
    def sizes(self) -> tuple[int, ...]:
        """Every layer's size, inputs to outputs: (784, 256, 10)."""
        return (784, *self.hidden, 10)

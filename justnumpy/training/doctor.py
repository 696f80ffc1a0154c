"""The training doctor: it watches the numbers and names the symptoms of a run going wrong.

A run that is merely bad gives no error: the loss is finite, the epochs tick by, and the
accuracy just stays low. The doctor looks at what the loop measures anyway (the loss of every
batch, the accuracies, the hidden units that never fired) and, when it recognises a symptom,
says in one line what it sees, the likely cause and what to try:

    the loss rose instead of falling: 2.42 at the first batch, a median of 5.13 over batches 9
    to 13; each step overshoots the minimum, so the learning rate is too high: lower it, e.g. ten
    times

What it looks for, and when (each symptom is reported at most once per run):

    before the first batch   inputs outside [0, 1], or scaled twice (near 0)
    the first batch          a loss far above ln 10: the initial weights are too large
    the first EARLY steps    a loss that rises above where it started: the learning rate is too high;
                             a loss that has not even halved and hardly moves from batch to batch:
                             the learning rate or the initial weights are too small
    after the first epoch    an accuracy near chance (1 in 10)
    after every epoch        many dead hidden units; validation accuracy stuck while the training
                             loss keeps falling, well below training accuracy: overfitting

Every threshold below was set from real runs on MNIST: healthy runs (the default recipe over
several seeds, Adam at lr 0.001, the best recipes) stay clear of each one, and the runs made to go
wrong on purpose cross it (docs/learn.md#7-break-it-on-purpose lists them). Hints never stop
training; the divergence guard in train.py does that. The loop prints them, stores them in the
history and hands them to its callbacks.
"""

from __future__ import annotations

import math

import numpy as np

CHANCE = 0.1  # ten classes: a blind guess is right one time in ten
LN10 = math.log(10)  # the loss of a blind guess, −log(1/10)
START_LOSS = 2 * LN10  # a first loss above this: the network starts out confidently wrong
EARLY = 100  # the first optimizer steps of a run, where a bad learning rate or start shows
RISE = 1.5  # the recent loss above 1.5× the first batch's: the steps overshoot
RISE_BATCHES = 5  # the median of this many batches: one unlucky batch is not a rise
SLOW = 0.5  # after EARLY steps the loss has not even halved (healthy runs: to 0.1–0.4 of it) ...
SMOOTH = 0.05  # ... and moves < 5% from batch to batch (tiny steps: ≤ 2%; learning ones: > 9%)
DEAD_SHARE = 0.2  # more dead hidden units than this share is worth a hint (healthy runs: ≤ 3%)
STALL_EPOCHS = 3  # validation accuracy no better for this many epochs has stopped improving ...
STALL_GAIN = 0.001  # ... "better" meaning by more than 1 image in 1,000 ...
FITTING = 0.8  # ... while the training loss fell by a fifth or more: it fits its images ever closer ...
GAP = 0.02  # ... and training accuracy is this far above validation: the network is memorising

# The likely causes, named the same way by every hint that points to them.
INPUTS_CAUSE = "the inputs are not on the scale the network expects (see the hint on the inputs)"
TOO_LARGE = (
    "the initial weights are too large; start from He initialisation (leave the init scale unset) "
    "or a smaller init scale"
)
TOO_SMALL = (
    "the steps are too small: raise the learning rate, or start from He initialisation (leave the "
    "init scale unset) if the initial weights are tiny"
)


class Doctor:
    """Looks at one run's numbers; every method returns the new hints (usually none)."""

    def __init__(self) -> None:
        self.said: set[str] = set()  # symptoms already reported: each is said once per run
        self.first_loss: float | None = None  # the loss of the run's first batch, before any step
        self.early_losses: list[float] = []  # the loss of each of the first EARLY steps

    def _say(self, symptom: str, text: str) -> list[str]:
        if symptom in self.said:
            return []
        self.said.add(symptom)
        return [text]

    def check_inputs(self, X: np.ndarray) -> list[str]:
        """Before training: are the network's inputs on the [0, 1] scale the weights expect?"""
        if X.dtype == np.uint8 or len(X) == 0:
            return []  # raw pixels: training scales them by 1/255 itself
        low, high = float(X.min()), float(X.max())
        unscaled = "pass the uint8 images as data.load returns them, or divide the pixels by 255 once"
        if high > 1.0:
            return self._say(
                "inputs",
                f"the inputs go up to {high:.4g}, not 1: the pixels (0 to 255) were not divided by 255, so "
                f"every weighted sum Z1 starts up to {high:.3g} times too large; {unscaled}",
            )
        if low < 0.0:
            return self._say(
                "inputs",
                f"the inputs go down to {low:.3g}: the network expects pixels in [0, 1], 0 for no ink and 1 "
                f"for full ink; {unscaled}",
            )
        if high < 0.1:
            return self._say(
                "inputs",
                f"the inputs are at most {high:.3g} where full ink should be 1: were the pixels divided by "
                f"255 twice? The network then sees almost blank images; {unscaled}",
            )
        return []

    def after_batch(self, step: int, loss: float) -> list[str]:
        """After each optimizer step (1 = the run's first): a start far off, a loss that rises or crawls."""
        if step == 1:
            self.first_loss = loss
            if loss > START_LOSS:
                cause = INPUTS_CAUSE if "inputs" in self.said else TOO_LARGE
                return self._say(
                    "start",
                    f"the first batch's loss is {loss:.3g}, far above ln 10 ≈ 2.30, the loss of a blind "
                    f"guess: the network starts out confidently wrong because its first scores Z2 are huge; "
                    f"{cause}",
                )
        if self.first_loss is None or step > EARLY:
            return []  # the doctor did not see this run start (a resumed run), or the start is over
        self.early_losses.append(loss)
        recent = self.early_losses[-RISE_BATCHES:]
        if len(recent) == RISE_BATCHES and np.median(recent) > RISE * self.first_loss:
            return self._say(
                "rising",
                f"the loss rose instead of falling: {self.first_loss:.3g} at the first batch, a median of "
                f"{np.median(recent):.3g} over batches {step - RISE_BATCHES + 1} to {step}; each step "
                "overshoots the minimum, so the learning rate is too high: lower it, e.g. ten times",
            )
        if step == EARLY and "rising" not in self.said:
            first, last = np.median(self.early_losses[:10]), np.median(self.early_losses[-10:])
            # A loss stuck high that bounces from batch to batch is a step too large, not too small.
            # (A network killed by huge steps has a smooth loss too, but its loss rose first.)
            jitter = np.median(np.abs(np.diff(np.log(self.early_losses[-EARLY // 2 :]))))
            if last > SLOW * first and jitter < SMOOTH:
                cause = INPUTS_CAUSE if "inputs" in self.said else TOO_SMALL
                return self._say(
                    "slow",
                    f"the loss fell only from {first:.3f} to {last:.3f} (medians of 10 batches) in the first "
                    f"{EARLY} steps, not even by half as a healthy start does, and it moves by a median of "
                    f"{100 * jitter:.2g}% from one batch to the next; {cause}",
                )
        return []

    def after_epoch(self, record: dict, history: dict[str, list], hidden: int) -> list[str]:
        """After each epoch: accuracy at chance, dead hidden units, a growing train–validation gap.

        `record` is this epoch's entry (not yet in `history`), `hidden` the number of hidden units.
        """
        hints = []
        accuracy = record["val_acc"] if record["val_acc"] is not None else record["train_acc"]
        if record["epoch"] == 1 and accuracy < 2 * CHANCE:
            which = "validation" if record["val_acc"] is not None else "training"
            hints += self._say(
                "chance",
                f"{which} accuracy is {accuracy:.1%} after the first epoch, about what guessing gives "
                f"(10%), and the loss is {record['loss']:.2f} (ln 10 ≈ 2.30): the network has not learned; "
                + self._likely_cause(),
            )
        dead = record["dead_units"]
        if dead > DEAD_SHARE * hidden:
            also = " and start from smaller weights (He initialisation)" if "start" in self.said else ""
            hints += self._say(
                "dead",
                f"{dead} of {hidden} hidden units ({dead / hidden:.0%}) output 0 for every training image in "
                "this epoch: they are dead, ReLU passes them no gradient, so they never learn again; large "
                f"steps push units there, so lower the learning rate{also}",
            )
        hints += self._overfitting(record, history)
        return hints

    def _likely_cause(self) -> str:
        """What the earlier symptoms of this run point to, for the hint on chance-level accuracy."""
        if "inputs" in self.said:
            return INPUTS_CAUSE
        if "rising" in self.said:
            return "the learning rate is too high (see the hint on the rising loss): lower it, e.g. ten times"
        if "slow" in self.said:
            return TOO_SMALL
        return "check the learning rate (too high or too low), the initial weights and the inputs' scale"

    def _overfitting(self, record: dict, history: dict[str, list]) -> list[str]:
        """Validation accuracy stuck for STALL_EPOCHS epochs while the training loss keeps falling."""
        if record["val_acc"] is None:
            return []  # no validation split: nothing to compare the training accuracy with
        val = [*history.get("val_acc", []), record["val_acc"]]
        loss = [*history.get("loss", []), record["loss"]]
        if len(val) <= STALL_EPOCHS:
            return []
        before, since, then = max(val[:-STALL_EPOCHS]), max(val[-STALL_EPOCHS:]), loss[-STALL_EPOCHS - 1]
        gap = record["train_acc"] - record["val_acc"]
        if not (since <= before + STALL_GAIN and loss[-1] < FITTING * then and gap > GAP):
            return []
        return self._say(
            "overfitting",
            f"the training loss fell from {then:.3g} to {loss[-1]:.3g} in the last {STALL_EPOCHS} epochs, "
            f"but validation accuracy stayed put (best {before:.2%} before them, {since:.2%} in them) and "
            f"is {100 * gap:.1f} points below training accuracy: the network is memorising its training "
            "images instead of learning digits; try dropout, augmentation or fewer epochs",
        )

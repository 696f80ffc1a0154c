"""The training doctor: it watches the numbers and names the symptoms of a run going wrong.

A run that is merely bad gives no error: the loss is finite, the epochs tick by, and the
accuracy just stays low. The doctor looks at what the loop measures anyway (the loss of every
batch, the accuracies, the hidden units that never fired) and, when it recognises a symptom,
says what it sees, the likely cause and what to try:

    hint: the loss barely moved in the first 100 batches (2.31 → 2.30): the learning rate or the
          initial weights are too small ...

Hints never stop training (the divergence guard in train.py does that); each is said once per run.
The loop prints them, stores them in the history and hands them to its callbacks.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

CHANCE = 0.1  # ten classes: a blind guess is right one time in ten
LN10 = math.log(10)  # the loss of a blind guess, −log(1/10)
EARLY = 100  # the first batches, where a bad learning rate or start shows
DEAD_SHARE = 0.25  # more dead hidden units than this is a waste worth a hint
GAP_EPOCHS = 3  # a train–validation gap that grows this many epochs in a row is overfitting


class Doctor:
    """Looks at one run's numbers; every method returns the new hints (usually none)."""

    def __init__(self) -> None:
        self.said: set[str] = set()  # symptoms already reported: each is said once per run
        self.early_losses: list[float] = []  # the loss of each of the first EARLY batches

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
        if high > 1.0 or low < 0.0:
            return self._say(
                "inputs",
                f"the inputs range over [{low:.3g}, {high:.3g}], not [0, 1]: pixels must be divided by 255 "
                "(data.to_inputs), or every weighted sum starts far too large",
            )
        if high < 0.1:
            return self._say(
                "inputs",
                f"the inputs are at most {high:.3g}: were the pixels divided by 255 twice? "
                "The network then sees almost black images",
            )
        return []

    def after_batch(self, epoch: int, batch: int, loss: float) -> list[str]:
        """During the first batches of the run: a start far off, a loss that rises or does not move."""
        if epoch != 1 or batch > EARLY:
            return []
        self.early_losses.append(loss)
        if batch == 1 and loss > 3 * LN10:
            return self._say(
                "start",
                f"the first batch's loss is {loss:.3g}, far above ln 10 ≈ 2.30 (a blind guess): the "
                "initial weights are too large, so the first logits are huge; use He initialisation "
                "(init scale unset) or a smaller init scale",
            )
        if batch < EARLY:
            return []
        first, last = np.median(self.early_losses[:10]), np.median(self.early_losses[-10:])
        if last > first:
            return self._say(
                "rising",
                f"the loss rose over the first {EARLY} batches ({first:.3f} → {last:.3f}): the steps "
                "overshoot the minimum; lower the learning rate, e.g. ten times",
            )
        if last > 0.95 * first:
            return self._say(
                "flat",
                f"the loss barely moved in the first {EARLY} batches ({first:.3f} → {last:.3f}): the "
                "learning rate or the initial weights are too small; raise the learning rate, or use "
                "He initialisation (init scale unset)",
            )
        return []

    def after_epoch(self, record: dict, history: dict[str, list], hidden: int) -> list[str]:
        """After each epoch: accuracy at chance, dead hidden units, a growing train–validation gap."""
        hints = []
        if record["epoch"] == 1 and record["train_acc"] < 2 * CHANCE:
            hints += self._say(
                "chance",
                f"training accuracy is {record['train_acc']:.1%} after the first epoch, about what "
                "guessing gives: the network is not learning; check the learning rate (too high or too "
                "low), the initial weights and that the inputs are scaled to [0, 1]",
            )
        if record["dead_units"] > DEAD_SHARE * hidden:
            hints += self._say(
                "dead",
                f"{record['dead_units']} of {hidden} hidden units ({record['dead_units'] / hidden:.0%}) "
                "output 0 for every training image: they are dead, and ReLU passes them no gradient, so "
                "they never recover; a lower learning rate or a smaller init scale keeps them alive",
            )
        if record["val_acc"] is None:
            return hints  # no validation split: nothing to compare the training accuracy with
        gaps = [t - v for t, v in zip(history.get("train_acc", []), history.get("val_acc", []), strict=True)]
        gaps.append(record["train_acc"] - record["val_acc"])
        recent = gaps[-GAP_EPOCHS - 1 :]  # the last GAP_EPOCHS changes of the gap
        growing = len(recent) == GAP_EPOCHS + 1 and all(b > a for a, b in itertools.pairwise(recent))
        if growing and recent[-1] > 0.01 and record["val_acc"] <= max(history.get("val_acc") or [0.0]):
            hints += self._say(
                "overfitting",
                f"the gap between training and validation accuracy grew for {GAP_EPOCHS} epochs in a "
                f"row (now {recent[-1]:.1%}) while validation stopped improving: the network is "
                "memorising the training images; try dropout, augmentation or fewer epochs",
            )
        return hints

"""Listening to training: the loop hands every event to its callbacks, and they decide what to show.

A callback is any function (or object with `__call__`) that takes one event, a dict:

    {"kind": "start", "epochs", "hints"}
    {"kind": "batch", "epoch", "epochs", "batch", "batches", "loss", "train_acc", "lr", "hints"}
    {"kind": "epoch", "epoch", "epochs", "loss", "train_acc", "val_acc", "test_acc", "lr",
     "seconds", "dead_units", "dead_per_layer", "hints"}
    {"kind": "end", "epoch", "epochs", "reason", "note"}     reason: "done", "stopped" or "early stop"

A batch event's loss and train_acc are that batch's; an epoch event's are the averages over the
epoch. `hints` are the doctor's diagnoses (training/doctor.py), usually none. A callback may raise
StopTraining to end training at once: `train` then returns the state as it is.

    def watch(event):
        if event["kind"] == "epoch":
            print(event["epoch"], event["val_acc"])
    train.train(config, raw, callbacks=[watch])
"""

from __future__ import annotations

from typing import Any

Event = dict[str, Any]


class StopTraining(Exception):
    """Raised by a callback to end training now; `train` returns the state as it is."""


class Printer:
    """One line per epoch, each hint as a line of its own, and why training ended early.

    An epoch's line shows the validation accuracy, the one to choose settings on, and not the
    test accuracy: the test images are the outcome, read once when training is done.
    """

    def __init__(self, say=print) -> None:
        self.say = say

    def __call__(self, event: Event) -> None:
        for hint in event.get("hints", []):
            self.say(f"hint: {hint}")
        if event["kind"] == "epoch":
            val = f"val {event['val_acc']:.2%}  " if event["val_acc"] is not None else ""
            self.say(
                f"epoch {event['epoch']:>3}/{event['epochs']}  loss {event['loss']:.4f}  "
                f"train {event['train_acc']:.2%}  {val}({event['seconds']:.1f} s)"
            )
        elif event["kind"] == "end" and event.get("note"):
            self.say(event["note"])


class ProgressBar:
    """A tqdm progress bar for the batches of each epoch, with the recent loss and accuracy."""

    def __init__(self, every: int = 50) -> None:
        self.every = every  # batches between updates of the loss and accuracy shown
        self.bar = None
        self.recent: list[tuple[float, float]] = []

    def __call__(self, event: Event) -> None:
        from tqdm.auto import tqdm

        if event["kind"] != "batch":
            return
        if self.bar is None:
            desc = f"epoch {event['epoch']}/{event['epochs']}"
            self.bar = tqdm(total=event["batches"], desc=desc, unit="batch", leave=False)
        self.recent = [*self.recent[-self.every + 1 :], (event["loss"], event["train_acc"])]
        self.bar.update(1)
        if event["batch"] % self.every == 1:
            losses, accs = zip(*self.recent, strict=True)
            self.bar.set_postfix(loss=f"{sum(losses) / len(losses):.4f}", acc=f"{sum(accs) / len(accs):.2%}")
        if event["batch"] == event["batches"]:
            self.bar.close()
            self.bar, self.recent = None, []

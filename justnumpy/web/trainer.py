"""Training from the page: one run at a time in a background thread, its progress as events.

The run is `train.train` itself, the loop the command line uses; a callback (`Run.listen`) turns
the loop's events into the page's, and raises StopTraining when the user asks to stop. Every
event is one JSON object, streamed as Server-Sent Events by GET /api/train/events:

    kind        "start" (with "hidden": each hidden layer's size, "activation", and "can_die": whether
                its units can die, model.can_die), "batch" (after the first batch, every UPDATE_EVERY
                batches and at the end of each epoch), "epoch" or "end"
    epoch, epochs, batch, batches           where the run is (epoch counts from 1)
    loss, train_acc     batch: the mean over the batches since the last update; epoch: over the epoch
    val_acc             batch: on PROBE_IMAGES validation images; epoch: on all of them
    test_acc            epoch and end only
    dead_units          hidden units that never fired: batch: on the probe images; epoch: on
                        every training image of the epoch
    dead_per_layer      the same, one count per hidden layer (all 0 where units cannot die)
    hints               the training doctor's new hints (training/doctor.py)
    tiles               batch and epoch: the input weights W1[:, j] of the first hidden layer's first
                        TILES units as a PNG data URL, 28×28 tiles (red +, blue −, each tile scaled
                        to its own max); the run keeps them on its newest such event only, so its
                        events stay small
    done                true on the last event: "end", with "reason" (done, stopped, early stop,
                        diverged, failed), "error" when it failed, and "model" (GET /api/model)

Settings, the JSON of POST /api/train (`parse_settings`): hidden (a list, one size per hidden layer,
or one number for one layer), activation, loss, lr, epochs, optimizer, augment (true: affine
distortions), seed, train_images (a seeded subset of the training images; null: all).
"""

from __future__ import annotations

import logging
import reprlib
import threading
from collections.abc import Callable
from typing import Any

import numpy as np

from justnumpy import layers, model, optim, train
from justnumpy.errors import JustNumpyError
from justnumpy.see.mosaic import tiles_png
from justnumpy.training.batches import split
from justnumpy.training.config import MAX_HIDDEN_LAYERS

MAX_HIDDEN = 1024  # the page's limits: runs small enough to sit and watch (the command line takes more)
MAX_HIDDEN_UNITS = 2048  # all layers together: a 10,000-row pass (train.accuracy) keeps Z, A in ≤ 164 MB
MAX_EPOCHS = 20
MIN_TRAIN_IMAGES = 1000  # enough for a validation split and whole batches of 128
UPDATE_EVERY = 25  # batches between updates of the curves and the tiles
PROBE_IMAGES = 500  # validation images scored at each update: a quick, noisier estimate
TILES = 64  # hidden units shown as tiles (8 × 8)
DEFAULTS = train.Config()
SETTINGS = {  # name → (type, default): the command line's defaults (Config), augmentation off, all images
    "hidden": (list, list(DEFAULTS.hidden)),  # one size per hidden layer; a number alone is one layer
    "activation": (str, DEFAULTS.activation),
    "loss": (str, DEFAULTS.loss),
    "lr": (float, DEFAULTS.lr),
    "epochs": (int, DEFAULTS.epochs),
    "optimizer": (str, DEFAULTS.optimizer),
    "augment": (bool, False),
    "seed": (int, DEFAULTS.seed),
    "train_images": (int, None),
}
KINDS = {  # the JSON type each setting needs, as an error names it
    int: "a whole number",
    float: "a number",
    str: "a text",
    bool: "true or false",
    list: "a list of whole numbers, one per hidden layer",
}
log = logging.getLogger(__name__)


class SettingsError(ValueError):
    """Settings the page cannot train with; `status` is the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.status = status


def parse_settings(body: Any) -> tuple[train.Config, int | None]:
    """The JSON body of POST /api/train → (Config, train_images), or SettingsError saying what is wrong."""
    if not isinstance(body, dict):
        raise SettingsError(
            'send the settings as a JSON object, e.g. {"hidden": [128, 64], "epochs": 1}', 400
        )
    unknown = sorted(set(body) - set(SETTINGS))
    if unknown:
        raise SettingsError(f"unknown setting {unknown[0]!r}; the settings are {', '.join(SETTINGS)}")
    values = {}
    for name, (kind, default) in SETTINGS.items():
        value = body.get(name, default)
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if kind is list and type(value) is int:  # "hidden": 64 is one hidden layer of 64
            value = [value]
        if type(value) is not kind and not (value is None and default is None):  # bool is no int here
            raise SettingsError(f"{name} must be {KINDS[kind]}, got {reprlib.repr(value)}")
        values[name] = value
    config = train.Config(
        hidden=tuple(values["hidden"]),  # its sizes' types are Config.validate's to check
        activation=values["activation"],
        loss=values["loss"],
        lr=values["lr"],
        epochs=values["epochs"],
        optimizer=values["optimizer"],
        augment="affine" if values["augment"] else "none",
        seed=values["seed"],
    )
    try:
        config.validate()
    except JustNumpyError as e:  # it may quote the value: keep the answer short whatever was sent
        message = str(e)
        raise SettingsError(message if len(message) <= 300 else message[:299] + "…") from None
    too_big = max(config.hidden) > MAX_HIDDEN or sum(config.hidden) > MAX_HIDDEN_UNITS
    if too_big or config.epochs > MAX_EPOCHS:
        limits = f"up to {MAX_HIDDEN} units in a hidden layer, {MAX_HIDDEN_UNITS} in all, {MAX_EPOCHS} epochs"
        raise SettingsError(f"the page trains {limits}; `justnumpy train` takes more")
    n = values["train_images"]
    if n is not None and n < MIN_TRAIN_IMAGES:
        raise SettingsError(f"train_images must be at least {MIN_TRAIN_IMAGES}, got {n}")
    return config, n


def subset(raw: tuple[np.ndarray, ...], n: int | None, seed: int) -> tuple[np.ndarray, ...]:
    """The first n training images of a seeded shuffle (all of them for None); the test set stays whole."""
    X_train, y_train, X_test, y_test = raw
    if n is None or n >= len(X_train):
        return raw
    rows = np.sort(np.random.default_rng([seed, 4]).permutation(len(X_train))[:n])
    return X_train[rows], y_train[rows], X_test, y_test


class Run:
    """One training run in a background thread; its events, in order, for any number of listeners."""

    def __init__(
        self,
        config: train.Config,
        raw: tuple[np.ndarray, ...],
        n_images: int | None,
        on_end: Callable[[Run], dict[str, Any]],
    ) -> None:
        self.config = config
        self.raw = subset(raw, n_images, config.seed)
        self.on_end = on_end  # called with the finished run; returns what the "end" event adds
        self.net = train.net_for(config)  # the math: network.py for 784-256-10 with ReLU, else an mlp.Net
        # the loop updates these params in place: the tiles read them
        self.state = train.new_state(config, self.net)
        self.events: list[dict[str, Any]] = []
        self.latest_tiles = -1  # the number of the newest event with tiles
        self.changed = threading.Condition()
        self.stop_asked = threading.Event()
        self.finished = False
        self.reason = "done"
        self.error: str | None = None
        data = split(self.raw, config.validation_fraction, config.seed)  # the loop's own validation rows
        self.probe = (data.X_val[:PROBE_IMAGES], data.y_val[:PROBE_IMAGES])
        self.recent: list[tuple[float, float]] = []  # (loss, accuracy) of the batches since the last update
        self.batches = 0  # batches per epoch, as the loop counts them
        self.hints: list[str] = []  # the doctor's hints since the last update
        self.thread = threading.Thread(target=self._run, name="justnumpy-train", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        """Ask the loop to stop at its next batch (the listener raises StopTraining)."""
        self.stop_asked.set()

    def events_from(self, first: int, timeout: float) -> tuple[list[dict[str, Any]], bool]:
        """Events from number `first` on, waiting up to `timeout` s for one; and whether the run is over."""
        with self.changed:
            self.changed.wait_for(lambda: len(self.events) > first or self.finished, timeout)
            return self.events[first:], self.finished

    def _publish(self, event: dict[str, Any]) -> None:
        with self.changed:
            if "tiles" in event:
                if (
                    self.latest_tiles >= 0
                ):  # only the newest tiles are kept: a page catching up needs no others
                    older = self.events[self.latest_tiles]  # replaced, not changed: a reader may hold it
                    self.events[self.latest_tiles] = {k: v for k, v in older.items() if k != "tiles"}
                self.latest_tiles = len(self.events)
            self.events.append({"done": False, **event})
            self.changed.notify_all()

    def _run(self) -> None:
        try:
            train.train(self.config, self.raw, net=self.net, state=self.state, callbacks=[self.listen])
        except train.StopTraining:  # asked to stop before the loop began (train.train stops it inside)
            self.reason = "stopped"
        except train.TrainingDiverged as e:
            self.reason, self.error = "diverged", str(e)
        except JustNumpyError as e:  # settings that cannot work with these images
            self.reason, self.error = "failed", str(e)
        except Exception as e:  # a bug: the page says so, the log has the traceback
            log.exception("training failed")
            self.reason, self.error = "failed", f"training failed ({type(e).__name__}: {e})"
        end = {"kind": "end", "epoch": self.state.epoch, "epochs": self.config.epochs, "reason": self.reason}
        if self.error:
            end["error"] = self.error
        try:
            end.update(self.on_end(self))
        except Exception:
            log.exception("could not serve the trained model")
        self.raw = self.probe = None  # what is left is the summary (events) and the model (state)
        with self.changed:
            self.events.append({**end, "done": True})
            self.finished = True
            self.changed.notify_all()

    def listen(self, event: dict[str, Any]) -> None:
        """The loop's callback: turn its events into the page's; stop when asked."""
        kind = event["kind"]
        if self.stop_asked.is_set() and kind != "end":
            raise train.StopTraining
        if kind == "start":
            where = {"epoch": 0, "epochs": event["epochs"], "hidden": list(self.config.hidden)}
            where |= {"activation": self.config.activation, "can_die": model.can_die(self.net)}
            self._publish({"kind": "start", **where, "hints": event["hints"]})
        elif kind == "batch":
            self.recent.append((event["loss"], event["train_acc"]))
            self.hints += event["hints"]  # said at any batch, shown with the next update
            self.batches = event["batches"]
            first = event["epoch"] == 1 and event["batch"] == 1  # where the curves start: the untrained loss
            if first or event["batch"] % UPDATE_EVERY == 0 or event["batch"] == event["batches"]:
                self._publish(self._update(event))
        elif kind == "epoch":
            keep = ("epoch", "epochs", "loss", "train_acc", "val_acc", "test_acc", "hints")
            keep += ("dead_units", "dead_per_layer")
            where = {"batch": self.batches, "batches": self.batches}  # the epoch's last batch
            tiles = tiles_png(self.state.params["W1"], TILES)
            self._publish({"kind": "epoch", **{k: event[k] for k in keep}, **where, "tiles": tiles})
        elif kind == "end":
            self.reason = event["reason"]

    def _update(self, event: dict[str, Any]) -> dict[str, Any]:
        """A "batch" event: the recent batches' mean loss and accuracy, and the probe's view."""
        losses, accs = zip(*self.recent, strict=True)
        hints, self.recent, self.hints = self.hints, [], []
        X, y = self.probe
        cache = self.net.forward(self.state.params, X) if len(y) else None  # Z1 A1 ... ZL AL of the probe
        val_acc = float((model.output(cache).argmax(axis=1) == y).mean()) if cache is not None else None
        can_die = model.can_die(self.net)  # counted as the loop counts them: none where units always learn
        hidden = model.hidden(cache) if cache is not None else None
        dead = None if hidden is None else [int((A.max(axis=0) <= 0).sum()) if can_die else 0 for A in hidden]
        return {
            "kind": "batch",
            "epoch": event["epoch"],
            "epochs": event["epochs"],
            "batch": event["batch"],
            "batches": event["batches"],
            "loss": float(np.mean(losses)),
            "train_acc": float(np.mean(accs)),
            "val_acc": val_acc,
            "dead_units": None if dead is None else sum(dead),
            "dead_per_layer": dead,
            "hints": hints,
            "tiles": tiles_png(self.state.params["W1"], TILES),
        }


def settings_help() -> dict[str, Any]:
    """What the page's form offers: defaults, limits and choices (GET /api/train)."""
    defaults = {name: default for name, (_, default) in SETTINGS.items()}
    limits = {
        "max_hidden": MAX_HIDDEN,
        "max_hidden_units": MAX_HIDDEN_UNITS,
        "max_hidden_layers": MAX_HIDDEN_LAYERS,
        "max_epochs": MAX_EPOCHS,
        "min_train_images": MIN_TRAIN_IMAGES,
    }
    choices = {"activations": list(layers.ACTIVATIONS), "losses": list(layers.LOSSES)}
    return {"defaults": defaults, **limits, "optimizers": list(optim.OPTIMIZERS), **choices}

"""The training loop, top to bottom: settings, data, model, optimizer, loop.

    from justnumpy import data, train
    state = train.train(train.Config(epochs=5), data.load("mnist"), out="model.npz")
    print(state.history["test_acc"][-1])

One epoch is one pass over the shuffled training images in mini-batches; for each batch:
forward, loss, backward, one optimizer step (network.py holds the math, optim.py the steps).
After each epoch the held-out validation images and the test images are scored for the history,
the doctor (training/doctor.py) looks for symptoms of a run going wrong, and the model with all
it needs to resume is saved to `out`. Callbacks (training/callbacks.py) hear about every batch
and epoch: the command line prints from them, the web page streams them.

`net` is what holds the math: by default justnumpy.network for the textbook's 784-256-10, an
mlp.Net for any other depth, activation or loss (training/state.py `net_for`), or any module with
the same functions (init_params, forward, loss, backward, predict), such as your own (`justnumpy
exercise`). The same Config on the same machine gives the same bits; a run stopped after epoch k
and resumed (training/checkpoint.py) ends with exactly the bits of the uninterrupted run.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from justnumpy import model, network, novelty, optim
from justnumpy.errors import JustNumpyError
from justnumpy.files import modelfile
from justnumpy.model import Net
from justnumpy.training import checkpoint
from justnumpy.training.batches import Split, batches, split
from justnumpy.training.callbacks import Event, Printer, StopTraining
from justnumpy.training.config import Config
from justnumpy.training.denormals import flushed_to_zero
from justnumpy.training.doctor import Doctor
from justnumpy.training.state import State, net_for, new_state
from justnumpy.training.threads import one_blas_thread

__all__ = [
    "Config",
    "State",
    "StopTraining",
    "TrainingDiverged",
    "TrainingInterrupted",
    "net_for",
    "new_state",
    "train",
]

# Logits of a few hundred happen on a bad but healthy start (weights of scale 1 give ~100) and
# training recovers from them; logits of ten thousand only come from weights that are exploding.
LOGIT_LIMIT = 1e4
Callback = Callable[[Event], Any]


class TrainingDiverged(JustNumpyError):
    """The logits or the weights became NaN, infinite or absurdly large; `lr` is the rate that did it."""

    def __init__(self, message: str, lr: float) -> None:
        super().__init__(message)
        self.lr = lr


class TrainingInterrupted(KeyboardInterrupt):
    """Ctrl-C during training; str(error) says where it stopped and what the model file holds."""


def train(
    config: Config,
    raw: tuple[np.ndarray, ...],
    *,
    net: Net | None = None,
    out: str | None = None,
    state: State | None = None,
    callbacks: Iterable[Callback] | None = None,
) -> State:
    """Train until config.epochs epochs are complete; return the final state.

    `raw` is (X_train, y_train, X_test, y_test) as data.load returns it. With `out`, the model is
    saved there after every epoch (and a file that is not a justnumpy model is never overwritten).
    Pass the `state` of checkpoint.load to resume. At the end, state.detector is the not-a-digit
    detector fitted for the final weights (novelty.py), and `out` holds it too when it holds those
    weights (not after a stop in the middle of an epoch). `callbacks` hear every event; None prints one
    line per epoch and the doctor's hints, [] is silent. Raises TrainingDiverged (weights blew
    up) or TrainingInterrupted (Ctrl-C); `out` then holds the last completed epoch.
    """
    # Settings: every choice of the run, checked before anything is spent on it.
    config.validate()
    listeners = [Printer()] if callbacks is None else list(callbacks)
    if out is not None:
        modelfile.check_writable(out)  # never overwrite a file that is not a justnumpy model
    # Data: a held-out validation set to choose settings on; the test set is only ever scored.
    data = split(raw, config.validation_fraction, config.seed)
    if config.batch_size > len(data.y_train):
        raise JustNumpyError(
            f"batch size {config.batch_size} is larger than the {len(data.y_train)} training images"
        )
    # Model and optimizer: fresh, or as the checkpoint being resumed left them.
    net = net or net_for(config)
    state = state or new_state(config, net)
    state.detector = None  # a detector fitted for earlier weights would judge these wrongly
    doctor = Doctor()
    opening = doctor.check_inputs(data.X_train)  # said now, kept in the history with the next epoch's
    notify(listeners, {"kind": "start", "epochs": config.epochs, "hints": opening})
    total_steps = config.epochs * math.ceil(len(data.y_train) / config.batch_size)
    saved, reason = None, "done"  # the epoch `out` holds, once this call has saved one
    done = state.epoch  # the last epoch trained, scored, saved and announced
    try:
        while state.epoch < config.epochs:
            start = time.perf_counter()
            # NumPy's overflow warnings would print raw; the guard below says what happened instead.
            with (
                np.errstate(over="ignore", invalid="ignore", divide="ignore"),
                flushed_to_zero(),  # tiny velocities become 0, not slow denormals (denormals.py)
            ):
                record = run_epoch(config, state, data, total_steps, net, listeners, doctor)
                record["val_acc"] = accuracy(net, state.params, data.X_val, data.y_val)
                record["test_acc"] = accuracy(net, state.params, data.X_test, data.y_test)
            record["seconds"] = time.perf_counter() - start
            news = doctor.after_epoch(record, state.history, sum(model.sizes(state.params)[1:-1]))
            # The history keeps all of the epoch's hints: the opening ones, the batches', the epoch's.
            record["hints"] = opening + record["hints"] + news
            opening = []
            for k, v in record.items():
                state.history.setdefault(k, []).append(v)
            with checkpoint.ctrl_c_deferred():  # the file, `saved` and the printed lines always agree
                if out is not None:
                    checkpoint.save(out, config, state)
                    saved = state.epoch
                notify(listeners, {"kind": "epoch", "epochs": config.epochs, **record, "hints": news})
                done = state.epoch
            if config.n_iter_no_change and stalled(state.history["val_acc"], config.n_iter_no_change):
                reason = "early stop"
                break
    except StopTraining:
        reason = "stopped"
    except TrainingDiverged as e:
        raise TrainingDiverged(f"{e}; {kept(out, saved)}", e.lr) from None
    except KeyboardInterrupt:
        steps = math.ceil(len(data.y_train) / config.batch_size)
        where = f"after epoch {done} of {config.epochs}" if done else "before the first batch"
        if state.batch or state.epoch > done:  # in an epoch's batches, or scoring and saving it
            where = f"in epoch {done + 1} of {config.epochs}, after batch {state.batch or steps} of {steps}"
        raise TrainingInterrupted(f"interrupted {where}; {kept(out, saved)}") from None
    # The not-a-digit detector (novelty.py) belongs to the finished weights: fit it once, at the end.
    state.detector = fit_detector(net, state.params, data)
    if out is not None and saved == state.epoch and state.batch == 0:
        checkpoint.save(out, config, state)  # the weights `out` holds, now with their detector
    note = f"early stop: no better validation accuracy in the last {config.n_iter_no_change} epochs"
    notify(
        listeners,
        {
            "kind": "end",
            "epoch": state.epoch,
            "epochs": config.epochs,
            "reason": reason,
            "note": note if reason == "early stop" else "",
        },
    )
    return state


def run_epoch(
    config: Config,
    state: State,
    data: Split,
    total_steps: int,
    net: Net = network,
    listeners: Iterable[Callback] = (),
    doctor: Doctor | None = None,
) -> dict[str, Any]:
    """One pass over the shuffled training set, one optimizer step per mini-batch.

    Returns the epoch's record for the history: mean loss and accuracy over its batches, the
    last learning rate, the dead hidden units (in all, and per hidden layer) and the doctor's hints.
    `total_steps` is the length of the whole run, which the learning-rate schedule needs.
    Raises TrainingDiverged as soon as a batch's logits are NaN or pass LOGIT_LIMIT, naming the
    epoch and the batch.
    """
    epoch, n = state.epoch + 1, len(data.y_train)
    n_batches = math.ceil(n / config.batch_size)
    dropout = {"dropout": config.dropout, "rng": state.rng} if config.dropout else {}
    decay = {"weight_decay": config.weight_decay} if config.weight_decay else {}
    total_loss, correct, hints = 0.0, 0, []
    # (n_l,) per hidden layer: the units that output > 0 at least once in this epoch
    fired = [np.zeros(n, dtype=bool) for n in model.sizes(state.params)[1:-1]]
    can_die = model.can_die(net)  # only a ReLU that never fires gets no gradient; tanh's units always do
    state.batch = 0
    for b, (X, y) in enumerate(
        batches(data.X_train, data.y_train, config.batch_size, state.rng, config.augment), 1
    ):
        if config.input_dropout:  # hide a random share of the pixels, a fresh share for every image
            X = X * network.dropout_mask(X.shape, config.input_dropout, state.rng, X.dtype)
        lr = state.optimizer.lr = optim.learning_rate(config.schedule, config.lr, state.step, total_steps)
        cache = net.forward(state.params, X, **dropout)  # Z1, A1, Z2, A2 (... ZL, AL)
        check_logits(model.logits(cache), f"epoch {epoch}, batch {b} of {n_batches}", config.lr)
        probabilities = model.output(cache)  # (m, 10): A2, or AL of a deeper network
        loss = net.loss(probabilities, y)
        grads = net.backward(state.params, cache, X, y, **decay)  # dW1, db1, dW2, db2 (... dWL, dbL)
        state.optimizer.step(grads)  # the weights move downhill
        state.step, state.batch = state.step + 1, b
        # What the history, the doctor and the listeners want to know about this batch.
        right = int((probabilities.argmax(axis=1) == y).sum())
        total_loss, correct = total_loss + loss * len(y), correct + right
        for layer_fired, A in zip(fired, model.hidden(cache) if can_die else [], strict=False):
            layer_fired |= A.max(axis=0) > 0
        news = doctor.after_batch(state.step, loss) if doctor else []
        hints += news
        notify(
            listeners,
            {
                "kind": "batch",
                "epoch": epoch,
                "epochs": config.epochs,
                "batch": b,
                "batches": n_batches,
                "loss": loss,
                "train_acc": right / len(y),
                "lr": lr,
                "hints": news,
            },
        )
    if not all(np.isfinite(p).all() for p in state.params.values()):
        raise TrainingDiverged(
            f"training diverged in epoch {epoch}: a weight became NaN or infinite, so the learning rate "
            f"{config.lr:g} is too high",
            config.lr,
        )
    state.epoch, state.batch = epoch, 0
    return {
        "epoch": epoch,
        "loss": total_loss / n,
        "train_acc": correct / n,
        "lr": lr,
        "dead_units": sum(int((~f).sum()) for f in fired) if can_die else 0,
        "dead_per_layer": [int((~f).sum()) if can_die else 0 for f in fired],
        "hints": hints,
    }


def fit_detector(net: Net, params: network.Params, data: Split) -> dict[str, np.ndarray]:
    """novelty.fit on the training images, with the threshold chosen on the validation images."""
    with one_blas_thread():  # small eigenproblems: threads only wait for each other (threads.py)
        return novelty.fit(params, data.X_train, data.y_train, data.X_val, net=net)


def check_logits(Z2: np.ndarray, where: str, lr: float) -> None:
    """The divergence guard: raise TrainingDiverged if a logit is NaN or beyond LOGIT_LIMIT.

    The loss alone would not tell: it is floored (network.loss), so exploding weights give a
    large but finite number, and training would run to its end at chance level.
    """
    largest = float(np.abs(Z2).max())
    if not largest <= LOGIT_LIMIT:  # `not <=` catches NaN too
        what = "the logits are NaN" if math.isnan(largest) else f"a logit reached {largest:.3g}"
        message = f"training diverged at {where}: {what}, so the learning rate {lr:g} is too high"
        raise TrainingDiverged(message, lr)


def accuracy(net: Net, params: network.Params, X: np.ndarray, y: np.ndarray, chunk: int = 10_000):
    """Fraction of the rows of X that `net` classifies as y (None for no rows), in chunks of rows."""
    if len(y) == 0:
        return None
    correct = sum(
        int((net.predict(params, X[i : i + chunk]) == y[i : i + chunk]).sum())
        for i in range(0, len(y), chunk)
    )
    return correct / len(y)


def dead_units(net: Net, params: network.Params, X: np.ndarray, chunk: int = 10_000) -> list[np.ndarray]:
    """For each hidden layer, the indices of its units that output 0 for every row of X: dead on these inputs.

    A ReLU unit whose Z ≤ 0 for every training example gets no gradient through the ReLU
    (docs/math.md#backward-pass), so training cannot bring it back: its weights do nothing. Units
    of other activations (tanh, sigmoid, leaky ReLU) always have a slope: none of them is dead.
    """
    fired = [np.zeros(n, dtype=bool) for n in model.sizes(params)[1:-1]]  # (n_l,) per hidden layer
    if not model.can_die(net):
        return [np.flatnonzero(~f)[:0] for f in fired]
    for i in range(0, len(X), chunk):
        for layer_fired, A in zip(fired, model.hidden(net.forward(params, X[i : i + chunk])), strict=True):
            layer_fired |= A.max(axis=0, initial=0) > 0
    return [np.flatnonzero(~f) for f in fired]


def notify(listeners: list[Callback], event: Event) -> None:
    """Hand one event to every callback, in order."""
    for listener in listeners:
        listener(event)


def stalled(val_acc: list[float], n_iter_no_change: int) -> bool:
    """True when the best validation accuracy is `n_iter_no_change` or more epochs old (sklearn's rule).

    Early stopping ends training once the held-out examples stop improving: further epochs
    would fit the training set ever closer without reading new digits any better.
    """
    return len(val_acc) - 1 - int(np.argmax(val_acc)) >= n_iter_no_change


def kept(out: str | None, saved: int | None) -> str:
    """What the model file holds after training stopped early, for the message."""
    if out is None:
        return "nothing was saved"
    if saved is not None:
        return f"{out} holds epoch {saved}, the last one completed"
    if os.path.exists(out):
        return f"{out} was not changed"
    return f"no epoch was completed, so {out} was not written"

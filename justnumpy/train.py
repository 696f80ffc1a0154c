"""The training loop: mini-batches, the optimizer, a validation split, history, checkpoints.

    from justnumpy import data, train
    result = train.train(train.Config(epochs=5), data.load("mnist"), out="model.npz")
    print(result.history["test_acc"][-1])

One epoch = one pass over the shuffled training examples in mini-batches of `batch_size`:
forward, backward, one optimizer step per batch (network.py holds the math). After every epoch
the model, the optimizer's buffers and the random generator's state are saved to `out`, so
`resume` continues bit for bit where an interrupted run stopped.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from justnumpy import augment, modelfile, network, optim
from justnumpy.data import to_inputs
from justnumpy.errors import JustNumpyError


class TrainingDiverged(JustNumpyError):
    """The loss or the weights became NaN or infinite."""


@dataclass
class Config:
    """Every setting that determines a training run; saved in the model file's meta."""

    dataset: str = "mnist"
    hidden: int = 256
    epochs: int = 5
    batch_size: int = 128
    lr: float = 0.2
    optimizer: str = "momentum"
    momentum: float = 0.9
    schedule: str = "cosine"
    seed: int = 0
    validation_fraction: float = 0.05
    # Added for the accuracy ladder (recipes.py); the defaults change nothing above.
    init: str = "he"  # "he" or "small" (0.01·N(0, 1), the starting document's)
    weight_decay: float = 0.0  # L2 strength λ: the loss gains λ/2·(‖W1‖² + ‖W2‖²)
    dropout: float = 0.0  # probability of zeroing each hidden unit during training
    augment: str = "none"  # see augment.KINDS: distort the training images afresh every epoch
    n_iter_no_change: int | None = None  # stop after this many epochs without a better val accuracy

    def validate(self) -> None:
        """Raise JustNumpyError naming the first setting that cannot work."""
        checks = [
            (self.hidden >= 1, f"hidden must be at least 1, got {self.hidden}"),
            (self.epochs >= 1, f"epochs must be at least 1, got {self.epochs}"),
            (self.batch_size >= 1, f"batch size must be at least 1, got {self.batch_size}"),
            (math.isfinite(self.lr) and self.lr > 0, f"learning rate must be > 0, got {self.lr}"),
            (0 <= self.momentum < 1, f"momentum must be in [0, 1), got {self.momentum}"),
            (0 <= self.validation_fraction < 1,
             f"validation fraction must be in [0, 1), got {self.validation_fraction}"),
            (self.optimizer in optim.OPTIMIZERS, f"unknown optimizer {self.optimizer!r}"),
            (self.schedule in ("constant", "cosine"), f"unknown schedule {self.schedule!r}"),
            (self.init in network.INITS, f"unknown init {self.init!r}"),
            (math.isfinite(self.weight_decay) and self.weight_decay >= 0,
             f"weight decay must be ≥ 0, got {self.weight_decay}"),
            (0 <= self.dropout < 1, f"dropout must be in [0, 1), got {self.dropout}"),
            (self.augment in augment.KINDS, f"unknown augmentation {self.augment!r}"),
            (self.n_iter_no_change is None or self.n_iter_no_change >= 1,
             f"n_iter_no_change must be at least 1, got {self.n_iter_no_change}"),
            (self.n_iter_no_change is None or self.validation_fraction > 0,
             "early stopping (n_iter_no_change) needs a validation split (validation fraction > 0)"),
        ]  # fmt: skip
        for ok, message in checks:
            if not ok:
                raise JustNumpyError(message)


@dataclass
class Split:
    """The float32 input rows and integer labels the loop works on."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray


def split(config: Config, raw: tuple[np.ndarray, ...]) -> Split:
    """Scale pixels to [0, 1] and hold out a seeded validation set from the training images."""
    X_train_u8, y_train, X_test_u8, y_test = raw
    X_all, y_all = to_inputs(X_train_u8), y_train.astype(np.intp)
    # A generator of its own, so the split is the same however the training generator is used.
    order = np.random.default_rng([config.seed, 1]).permutation(len(X_all))
    n_val = round(config.validation_fraction * len(X_all))
    val, tr = order[:n_val], np.sort(order[n_val:])
    if config.batch_size > len(tr):
        raise JustNumpyError(f"batch size {config.batch_size} is larger than the {len(tr)} training examples")
    return Split(X_all[tr], y_all[tr], X_all[val], y_all[val], to_inputs(X_test_u8), y_test.astype(np.intp))


def accuracy(params: network.Params, X: np.ndarray, y: np.ndarray, batch: int = 10_000) -> float:
    """Fraction of rows of X classified as y, in chunks of `batch` rows to bound memory."""
    correct = sum(int((network.predict(params, X[i : i + batch]) == y[i : i + batch]).sum())
                  for i in range(0, len(X), batch))  # fmt: skip
    return correct / len(X)


@dataclass
class State:
    """Everything that changes during training; together with Config it determines the future."""

    params: network.Params
    optimizer: Any
    rng: np.random.Generator
    epoch: int = 0  # epochs completed
    step: int = 0  # optimizer steps taken
    history: dict[str, list] = field(default_factory=dict)


def new_state(config: Config) -> State:
    """Fresh weights, a fresh optimizer and a generator seeded from config.seed."""
    params = network.init_params(n_hidden=config.hidden, seed=config.seed, init=config.init)
    options = {"momentum": config.momentum} if config.optimizer == "momentum" else {}
    return State(
        params=params,
        optimizer=optim.make_optimizer(config.optimizer, params, **options),
        rng=np.random.default_rng([config.seed, 2]),
    )


def save_checkpoint(path: str, config: Config, state: State) -> None:
    """Write the model and all training state to `path` (atomically, see modelfile.save)."""
    last = {k: v[-1] for k, v in state.history.items() if v}
    meta = {
        "dataset": config.dataset,
        "hidden": config.hidden,
        "config": dataclasses.asdict(config),
        "epoch": state.epoch,
        "step": state.step,
        "history": state.history,
        "final": last,
        "rng_state": state.rng.bit_generator.state,
    }
    extra = {modelfile.OPT_PREFIX + k: np.asarray(v) for k, v in state.optimizer.state.items()}
    modelfile.save(path, state.params, meta, extra)


def load_checkpoint(path: str, **overrides: Any) -> tuple[Config, State]:
    """Rebuild (config, state) from a file written by `save_checkpoint`; `overrides` change config."""
    params, meta, extra = modelfile.load(path)
    try:
        config = Config(**{**meta["config"], **overrides})
        state = new_state(config)
        state.params = params
        for k, buffer in state.optimizer.state.items():
            saved = extra[modelfile.OPT_PREFIX + k]
            if saved.shape != buffer.shape:
                raise ValueError(f"optimizer buffer {k} has shape {saved.shape}")
            buffer[...] = saved
        state.rng.bit_generator.state = meta["rng_state"]
        state.epoch, state.step, state.history = int(meta["epoch"]), int(meta["step"]), meta["history"]
    except (KeyError, TypeError, ValueError) as e:
        raise JustNumpyError(f"{path}: cannot resume from this file ({e})") from None
    return config, state


def run_epoch(
    config: Config, state: State, data: Split, total_steps: int, progress: bool = False
) -> dict[str, Any]:
    """One pass over the shuffled training set, one optimizer step per mini-batch.

    Returns the epoch's record for the history. Raises TrainingDiverged as soon as a batch's
    loss is NaN or infinite, naming the epoch and the batch.
    """
    from tqdm.auto import tqdm  # progress bars are the loop's only non-NumPy helper

    epoch, n, B = state.epoch + 1, len(data.X_train), config.batch_size
    steps = math.ceil(n / B)
    start = time.perf_counter()
    # Shuffle once per epoch with a single gather, so that every batch below is a contiguous
    # slice (a view, no copy) instead of a fresh fancy-indexed copy per step.
    order = state.rng.permutation(n)
    X_shuf, y_shuf = np.take(data.X_train, order, axis=0), np.take(data.y_train, order)
    # A fresh random distortion of every image each epoch (no-op and no random draws for "none").
    X_shuf = augment.augment_in_chunks(X_shuf, state.rng, config.augment)
    loss_sum, correct = 0.0, 0
    bar = tqdm(total=steps, desc=f"epoch {epoch}/{config.epochs}", unit="batch", leave=False,
               disable=not progress)  # fmt: skip
    for b in range(steps):
        Xb, yb = X_shuf[b * B : (b + 1) * B], y_shuf[b * B : (b + 1) * B]
        lr = optim.learning_rate(config.schedule, config.lr, state.step, total_steps)
        cache = network.forward(state.params, Xb, config.dropout, state.rng)  # rng only used if dropout > 0
        batch_loss = network.loss(cache["A2"], yb)
        if not math.isfinite(batch_loss):
            bar.close()
            raise TrainingDiverged(
                f"training diverged at epoch {epoch}, batch {b + 1} of {steps}: the loss became "
                f"{batch_loss}; try a lower learning rate than {config.lr}"
            )
        grads = network.backward(state.params, cache, Xb, yb, config.weight_decay)
        state.optimizer.step(state.params, grads, lr)
        state.step += 1
        loss_sum += batch_loss * len(yb)
        correct += int((cache["A2"].argmax(axis=1) == yb).sum())
        bar.update(1)
        if progress and b % 50 == 0:
            seen = min((b + 1) * B, n)
            bar.set_postfix(loss=f"{loss_sum / seen:.4f}", acc=f"{correct / seen:.2%}", refresh=False)
    bar.close()
    if not all(np.isfinite(p).all() for p in state.params.values()):
        raise TrainingDiverged(
            f"training diverged in epoch {epoch}: the weights became NaN or infinite; "
            f"try a lower learning rate than {config.lr}"
        )
    state.epoch = epoch
    # Train loss and accuracy are running averages over the epoch's batches: free to compute,
    # and slightly pessimistic because the weights kept improving during the epoch.
    return {
        "epoch": epoch,
        "loss": loss_sum / n,
        "train_acc": correct / n,
        "val_acc": accuracy(state.params, data.X_val, data.y_val) if len(data.y_val) else None,
        "test_acc": accuracy(state.params, data.X_test, data.y_test),
        "lr": lr,
        "seconds": time.perf_counter() - start,
    }


def train(
    config: Config,
    raw: tuple[np.ndarray, ...],
    out: str | None = None,
    state: State | None = None,
    progress: bool = False,
    log: Callable[[str], None] = print,
) -> State:
    """Train until config.epochs epochs are complete; checkpoint to `out` after each one.

    `raw` is (X_train, y_train, X_test, y_test) as `data.load` returns it. Pass the `state`
    from `load_checkpoint` to resume. Returns the final state; its history holds per-epoch
    loss, train/validation/test accuracy, learning rate and seconds.
    """
    config.validate()
    data = split(config, raw)
    state = state or new_state(config)
    total_steps = config.epochs * math.ceil(len(data.X_train) / config.batch_size)
    while state.epoch < config.epochs:
        # NumPy's overflow warnings would print raw in the middle of the progress bar; the
        # epoch checks every loss and the final weights for NaN/inf and says where it happened.
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            record = run_epoch(config, state, data, total_steps, progress)
        for k, v in record.items():
            state.history.setdefault(k, []).append(v)
        if out is not None:
            save_checkpoint(out, config, state)
        val = f"val {record['val_acc']:.2%}  " if record["val_acc"] is not None else ""
        log(
            f"epoch {record['epoch']:>3}/{config.epochs}  loss {record['loss']:.4f}  "
            f"train {record['train_acc']:.2%}  {val}test {record['test_acc']:.2%}  "
            f"({record['seconds']:.1f} s)"
        )
        if config.n_iter_no_change and stalled(state.history["val_acc"], config.n_iter_no_change):
            log(f"early stop: no better validation accuracy in the last {config.n_iter_no_change} epochs")
            break
    return state


def stalled(val_acc: list[float], n_iter_no_change: int) -> bool:
    """True when the best validation accuracy is `n_iter_no_change` or more epochs old (sklearn's rule).

    Early stopping ends training once the held-out examples stop improving: further epochs
    would fit the training set ever closer without reading new digits any better.
    """
    return len(val_acc) - 1 - int(np.argmax(val_acc)) >= n_iter_no_change

"""The training loop: mini-batches, the optimizer, a validation split, history, checkpoints.

    from justnumpy import data, train
    result = train.train(train.Config(epochs=5), data.load("mnist"), out="model.npz")
    print(result.history["test_acc"][-1])

One epoch = one pass over the shuffled training examples in mini-batches of `batch_size`:
forward, backward, one optimizer step per batch (network.py holds the math). After every epoch
the model, the optimizer's buffers and the random generator's state are saved to `out`, so
`resume` continues bit for bit where an interrupted run stopped.

Reproducibility: the same Config on the same machine and software gives the same bits, and a
run of N epochs interrupted after epoch k and resumed to N ends with exactly the weights of the
uninterrupted run (the cosine schedule depends on N, so resuming to a different total continues
on the new total's curve and matches neither run). Across machines the bits may differ: BLAS
picks kernels and thread splits per CPU, which changes the order of float32 sums.

Safety: training stops with TrainingDiverged when the loss or the logits blow up, and with
TrainingInterrupted on Ctrl-C; both messages say where, and the file keeps the last good epoch.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from justnumpy import augment, modelfile, network, optim
from justnumpy.data import DATASETS, to_inputs
from justnumpy.errors import JustNumpyError
from justnumpy.threads import blas_threads

# float32 softmax saturates once two logits differ by ~88 (exp underflows to 0). Healthy runs
# stay far below this limit (measured peak: ~33 for the default recipe, ~540 for Adam at lr 0.1,
# which recovers); only exploding weights reach it, e.g. --lr 50 at its second or third batch.
LOGIT_LIMIT = 1e4
# 784·H float32 weights plus optimizer buffers: 10^5 units is ~1 GB with Adam, and far past any use.
MAX_HIDDEN = 100_000
# Settings that fix the network or the data split: a resumed run cannot change them.
FIXED_ON_RESUME = ("dataset", "hidden", "optimizer", "seed", "validation_fraction")


class TrainingDiverged(JustNumpyError):
    """The loss, the logits or the weights became NaN, infinite or absurdly large."""


class TrainingInterrupted(KeyboardInterrupt):
    """Ctrl-C during training; str(error) says where it stopped and what the model file holds."""


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
    input_dropout: float = 0.0  # probability of zeroing each input pixel during training
    augment: str = "none"  # see augment.KINDS: distort the training images afresh every epoch
    n_iter_no_change: int | None = None  # stop after this many epochs without a better val accuracy

    def validate(self) -> None:
        """Raise JustNumpyError naming the first setting that cannot work."""
        for f in dataclasses.fields(self):  # values can come from a (hand-edited) model file
            value, kind = getattr(self, f.name), {"int": int, "float": (int, float), "str": str}.get(f.type)
            if kind and (isinstance(value, bool) or not isinstance(value, kind)):
                raise JustNumpyError(f"setting {f.name} must be of type {f.type}, got {value!r}")
        checks = [
            (self.dataset in DATASETS, f"unknown dataset {self.dataset!r}"),
            (1 <= self.hidden <= MAX_HIDDEN, f"hidden must be 1 to {MAX_HIDDEN}, got {self.hidden}"),
            (self.epochs >= 1, f"epochs must be at least 1, got {self.epochs}"),
            (self.batch_size >= 1, f"batch size must be at least 1, got {self.batch_size}"),
            (math.isfinite(self.lr) and self.lr > 0, f"learning rate must be > 0, got {self.lr}"),
            (self.seed >= 0, f"seed must be 0 or more, got {self.seed}"),
            (0 <= self.momentum < 1, f"momentum must be in [0, 1), got {self.momentum}"),
            (0 <= self.validation_fraction < 1,
             f"validation fraction must be in [0, 1), got {self.validation_fraction}"),
            (self.optimizer in optim.OPTIMIZERS, f"unknown optimizer {self.optimizer!r}"),
            (self.schedule in ("constant", "cosine"), f"unknown schedule {self.schedule!r}"),
            (self.init in network.INITS, f"unknown init {self.init!r}"),
            (math.isfinite(self.weight_decay) and self.weight_decay >= 0,
             f"weight decay must be ≥ 0, got {self.weight_decay}"),
            (0 <= self.dropout < 1, f"dropout must be in [0, 1), got {self.dropout}"),
            (0 <= self.input_dropout < 1, f"input dropout must be in [0, 1), got {self.input_dropout}"),
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
    """The rows and integer labels the loop works on.

    X_train keeps the raw uint8 pixels, one row of 784 per image: a quarter of the memory of
    float32, and each batch is scaled to [0, 1] as it is gathered (see `batches`). X_val and
    X_test are float32 rows in [0, 1], ready for `accuracy`.
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray

    def __post_init__(self) -> None:
        # Scaled float rows here would be divided by 255 a second time in `batches`, silently.
        if self.X_train.dtype != np.uint8 or self.X_train.ndim != 2:
            raise TypeError(f"Split.X_train must be uint8 pixel rows (n, 784), got {self.X_train.dtype} "
                            f"{self.X_train.shape}")  # fmt: skip


def split(config: Config, raw: tuple[np.ndarray, ...]) -> Split:
    """Hold out a seeded validation set from the training images; scale the held-out pixels to [0, 1]."""
    X_train_u8, y_train, X_test_u8, y_test = raw
    X_all, y_all = X_train_u8.reshape(len(X_train_u8), -1), y_train.astype(np.intp)  # (n, 784) uint8
    # A generator of its own, so the split is the same however the training generator is used.
    order = np.random.default_rng([config.seed, 1]).permutation(len(X_all))
    n_val = round(config.validation_fraction * len(X_all))
    val, tr = order[:n_val], np.sort(order[n_val:])
    if config.batch_size > len(tr):
        raise JustNumpyError(f"batch size {config.batch_size} is larger than the {len(tr)} training examples")
    X_val, X_test = to_inputs(X_all[val]), to_inputs(X_test_u8)  # float32 (·, 784) in [0, 1]
    return Split(X_all[tr], y_all[tr], X_val, y_all[val], X_test, y_test.astype(np.intp))


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
    batch: int = 0  # batches done in the epoch in progress (not saved: a checkpoint ends an epoch)
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
        settings = meta["config"]
        if not isinstance(settings, dict):
            raise ValueError(f"its settings are {type(settings).__name__}, not a table")
        unknown = set(settings) - {f.name for f in dataclasses.fields(Config)}
        if unknown:
            raise ValueError(f"unknown settings {', '.join(sorted(map(str, unknown)))}")
        for k in FIXED_ON_RESUME:
            if k in overrides and overrides[k] != settings[k]:
                raise JustNumpyError(
                    f"{path}: cannot change {k} when resuming (the file was trained with "
                    f"{k} = {settings[k]!r}); start a new run with another --out instead"
                )
        config = Config(**{**settings, **overrides})
        try:
            config.validate()
        except JustNumpyError as e:
            raise JustNumpyError(f"{path}: cannot resume from this file ({e})") from None
        if params["W1"].shape[1] != config.hidden:  # checked before new_state allocates anything
            raise ValueError(
                f"W1 has shape {params['W1'].shape} but the settings say hidden = {config.hidden}"
            )
        state = new_state(config)
        for k, p in state.params.items():
            p[...] = params[k]  # into the fresh float32 arrays: training stays float32
        if config.optimizer == "momentum":
            extra = _momentum_from_velocity(extra, meta["history"])
        for k, buffer in state.optimizer.state.items():
            saved = extra[modelfile.OPT_PREFIX + k]
            if saved.shape != buffer.shape:
                raise ValueError(f"optimizer buffer {k} has shape {saved.shape}")
            buffer[...] = saved
        if not all(np.isfinite(buffer).all() for buffer in state.optimizer.state.values()):
            raise ValueError("its optimizer state holds NaN or infinite numbers")
        lr_before = float(state.optimizer.state.get("lr", 1.0))  # momentum's u is in units of it
        if not lr_before > 0 and any(buffer.any() for buffer in state.optimizer.state.values()):
            raise ValueError(f"momentum's last learning rate is {lr_before}, not > 0")
        try:
            state.rng.bit_generator.state = meta["rng_state"]
        except (TypeError, ValueError, OverflowError, KeyError) as e:
            raise ValueError(f"its random generator state is unusable: {e!r}") from None
        state.epoch, state.step, state.history = meta["epoch"], meta["step"], meta["history"]
        if not all(
            isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in (state.epoch, state.step)
        ):
            raise ValueError(f"epoch {state.epoch!r} and step {state.step!r} must be whole numbers ≥ 0")
    except KeyError as e:
        raise JustNumpyError(f"{path}: cannot resume from this file (it has no {e})") from None
    except (TypeError, ValueError, OverflowError, AttributeError, IndexError) as e:
        raise JustNumpyError(f"{path}: cannot resume from this file ({e})") from None
    return config, state


def _momentum_from_velocity(extra: dict[str, np.ndarray], history: dict[str, list]) -> dict[str, np.ndarray]:
    """Momentum buffers of a file saved before momentum kept u = lr·v (27 Nov 2026), converted.

    Those files hold v itself ("opt_v_W1", ...) and no "opt_lr". A checkpoint ends an epoch, and
    the history's last "lr" is the learning rate of that epoch's last step, so u = lr·v exactly
    as the current code would hold it (up to rounding). Newer files are returned unchanged.
    """
    prefix = modelfile.OPT_PREFIX
    if prefix + "lr" in extra or prefix + "v_W1" not in extra:
        return extra
    lr = float(history["lr"][-1])
    if not (math.isfinite(lr) and lr > 0):
        raise ValueError(f"its last learning rate is {lr}, not > 0")
    upgraded = {prefix + "lr": np.asarray(lr)}
    for name, v in extra.items():
        if name.startswith(prefix + "v_"):
            upgraded[prefix + "u_" + name[len(prefix + "v_") :]] = v * np.asarray(lr, v.dtype)
    return {**extra, **upgraded}


def batches(config: Config, rng: np.random.Generator, data: Split) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """One epoch of mini-batches (Xb float32 (≤B, 784) in [0, 1], yb (≤B,)) in a fresh random order.

    Shuffling means visiting the rows in a random order; each batch's rows are gathered into the
    same small buffers, which are still in the CPU cache when forward reads them. Gathering the
    uint8 pixels and scaling them there reads a quarter of the bytes a gather of float32 rows
    would (measured alone: ≈ 45 µs per batch of 128 instead of ≈ 95).

    The permutation (and the augmentation) is drawn from `rng` at the first next(), before any
    dropout mask of the first batch: the order of random draws that a bit-for-bit resume relies on.
    Each Xb is a view of a reused buffer, overwritten two batches later: use it, do not keep it.
    """
    n, B = len(data.X_train), config.batch_size
    order = rng.permutation(n)  # (n,) this epoch's order of the training rows
    if config.augment != "none":
        # A fresh random distortion of every image each epoch, made for the whole shuffled epoch
        # at once (vectorised over chunks of images); the batches then read it front to back.
        X_epoch = to_inputs(np.take(data.X_train, order, axis=0))  # (n, 784) float32, shuffled
        X_epoch = augment.augment_in_chunks(X_epoch, rng, config.augment)
        for i in range(0, n, B):
            yield X_epoch[i : i + B], data.y_train[order[i : i + B]]
        return
    pixels = np.empty((B, data.X_train.shape[1]), dtype=data.X_train.dtype)  # (B, 784) uint8, reused
    # Two float32 buffers used in turn: writing into the one the last step's products (on both
    # cores) have just read is slower than into the one from two steps back (measured in the
    # training loop: 30 µs per batch of 128 with two buffers, 44 µs with one).
    X_buffers = [np.empty(pixels.shape, dtype=np.float32) for _ in range(2)]  # (B, 784) each
    for b, i in enumerate(range(0, n, B)):
        rows = order[i : i + B]  # (≤B,) which training examples this batch holds; the last may be short
        m = len(rows)
        # mode="clip": the rows come from a permutation, so they are valid, and the default
        # mode="raise" would gather into a temporary array first and then copy it into `out`.
        u8 = np.take(data.X_train, rows, axis=0, out=pixels[:m], mode="clip")
        yield to_inputs(u8, out=X_buffers[b % 2][:m]), data.y_train[rows]


def run_epoch(
    config: Config, state: State, data: Split, total_steps: int, progress: bool = False
) -> dict[str, Any]:
    """One pass over the shuffled training set, one optimizer step per mini-batch.

    Returns the epoch's record for the history. Raises TrainingDiverged as soon as a batch's
    logits are NaN or one passes LOGIT_LIMIT, naming the epoch and the batch.
    """
    from tqdm.auto import tqdm  # progress bars are the loop's only non-NumPy helper

    epoch, n, B = state.epoch + 1, len(data.X_train), config.batch_size
    steps = math.ceil(n / B)
    start = time.perf_counter()
    # Every batch's probabilities and labels, kept for the epoch's train loss and accuracy: one
    # vectorised call at the end instead of ~8 small NumPy calls per batch (measured: 1.6% of a step).
    A2_epoch, y_epoch = np.empty((n, len(state.params["b2"])), np.float32), np.empty(n, np.intp)
    lower = f"try a lower learning rate than {config.lr:g}, e.g. --lr {config.lr / 10:g}"
    # Momentum only ever uses lr·g, so backward folds lr into its small dZ2 (optim.Momentum).
    scaled = state.optimizer.scaled_grads
    state.batch = 0
    with tqdm(total=steps, desc=f"epoch {epoch}/{config.epochs}", unit="batch", leave=False,
              disable=not progress) as bar:  # fmt: skip
        for b, (Xb, yb) in enumerate(batches(config, state.rng, data)):
            if config.input_dropout > 0:  # dropout on the input layer: hide a random share of pixels
                Xb = Xb * network.dropout_mask(Xb.shape, config.input_dropout, state.rng, Xb.dtype)
            lr = optim.learning_rate(config.schedule, config.lr, state.step, total_steps)
            cache = network.forward(state.params, Xb, config.dropout, state.rng)  # rng used if dropout > 0
            # The logits are a free early warning: finite logits below the limit also mean a finite
            # loss (softmax shifted them, and `loss` floors the probabilities), so this is the check.
            largest = float(np.abs(cache["Z2"]).max())  # (m, 10) logits
            if not largest <= LOGIT_LIMIT:  # `not <=` catches NaN too
                what = "the logits are NaN" if math.isnan(largest) else f"a logit reached {largest:.3g}"
                raise TrainingDiverged(f"training diverged at epoch {epoch}, batch {b + 1} of {steps}: "
                                       f"{what}; {lower}")  # fmt: skip
            grads = network.backward(state.params, cache, Xb, yb, weight_decay=config.weight_decay,
                                     scale=lr if scaled else 1.0)  # fmt: skip
            state.optimizer.step(state.params, grads, lr)
            state.step += 1
            state.batch = b + 1
            seen = min((b + 1) * B, n)
            A2_epoch[b * B : seen], y_epoch[b * B : seen] = cache["A2"], yb
            bar.update(1)
            if progress and b % 50 == 0:  # loss and accuracy of the last (up to) 50 batches
                recent = slice(max(0, seen - 50 * B), seen)
                bar.set_postfix(loss=f"{network.loss(A2_epoch[recent], y_epoch[recent]):.4f}",
                                acc=f"{np.mean(A2_epoch[recent].argmax(axis=1) == y_epoch[recent]):.2%}",
                                refresh=False)  # fmt: skip
    if not all(np.isfinite(p).all() for p in state.params.values()):
        raise TrainingDiverged(
            f"training diverged in epoch {epoch}: a weight became NaN or infinite; {lower}"
        )
    # Train loss and accuracy are averages over the epoch's batches, each scored by the weights of
    # its own step: one pass over the kept probabilities, and slightly pessimistic because the
    # weights kept improving during the epoch.
    record = {
        "epoch": epoch,
        "loss": network.loss(A2_epoch, y_epoch),
        "train_acc": float(np.mean(A2_epoch.argmax(axis=1) == y_epoch)),
        "val_acc": accuracy(state.params, data.X_val, data.y_val) if len(data.y_val) else None,
        "test_acc": accuracy(state.params, data.X_test, data.y_test),
        "lr": lr,
        "seconds": time.perf_counter() - start,
    }
    state.epoch, state.batch = epoch, 0
    return record


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
    loss, train/validation/test accuracy, learning rate and seconds. Raises TrainingDiverged
    (weights blew up) or TrainingInterrupted (Ctrl-C); `out` then holds the last completed epoch.
    """
    config.validate()
    if out is not None:
        modelfile.check_writable(out)  # never overwrite a file that is not a justnumpy model
    data = split(config, raw)
    state = state or new_state(config)
    steps = math.ceil(len(data.X_train) / config.batch_size)
    saved = None  # the epoch `out` holds, once this call has saved one
    try:
        while state.epoch < config.epochs:
            # NumPy's overflow warnings would print raw in the middle of the progress bar; the
            # epoch checks every loss and logit and the final weights, and says where it happened.
            threads = blas_threads(config.batch_size)  # 1 for small batches, else all cores (threads.py)
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"), threads:
                record = run_epoch(config, state, data, config.epochs * steps, progress)
            for k, v in record.items():
                state.history.setdefault(k, []).append(v)
            val = f"val {record['val_acc']:.2%}  " if record["val_acc"] is not None else ""
            with _ctrl_c_deferred():  # the file, `saved` and the printed lines always agree
                if out is not None:
                    save_checkpoint(out, config, state)
                    saved = state.epoch
                log(
                    f"epoch {record['epoch']:>3}/{config.epochs}  loss {record['loss']:.4f}  "
                    f"train {record['train_acc']:.2%}  {val}test {record['test_acc']:.2%}  "
                    f"({record['seconds']:.1f} s)"
                )
            if config.n_iter_no_change and stalled(state.history["val_acc"], config.n_iter_no_change):
                log(f"early stop: no better validation accuracy in the last {config.n_iter_no_change} epochs")
                break
    except TrainingDiverged as e:
        raise TrainingDiverged(f"{e}; {_kept(out, saved)}") from None
    except KeyboardInterrupt:
        where = f"after epoch {state.epoch} of {config.epochs}" if state.epoch else "before the first batch"
        if state.batch:
            where = f"in epoch {state.epoch + 1} of {config.epochs}, after batch {state.batch} of {steps}"
        raise TrainingInterrupted(f"interrupted {where}; {_kept(out, saved)}") from None
    return state


def stalled(val_acc: list[float], n_iter_no_change: int) -> bool:
    """True when the best validation accuracy is `n_iter_no_change` or more epochs old (sklearn's rule).

    Early stopping ends training once the held-out examples stop improving: further epochs
    would fit the training set ever closer without reading new digits any better.
    """
    return len(val_acc) - 1 - int(np.argmax(val_acc)) >= n_iter_no_change


def _kept(out: str | None, saved: int | None) -> str:
    """What the model file holds after training stopped early, for the message."""
    if out is None:
        return "nothing was saved"
    if saved is not None:
        return f"{out} holds epoch {saved}, the last one completed"
    if os.path.exists(out):
        return f"{out} was not changed"
    return f"no epoch was completed, so {out} was not written"


@contextlib.contextmanager
def _ctrl_c_deferred() -> Iterator[None]:
    """Hold back Ctrl-C for the duration of the block, then deliver it (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread receives signals; elsewhere there is nothing to defer
        return
    pending: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: pending.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if pending and callable(previous):
            previous(signal.SIGINT, None)  # the default handler raises KeyboardInterrupt here

"""Checkpoints: the model plus everything needed to continue training exactly where it stopped.

A checkpoint is an ordinary model file (files/modelfile.py) that also holds the optimizer's
buffers (`opt_*` arrays), the random generator's state, the settings, the epoch and step counts
and the history. `load` rebuilds the (config, state) pair from it, so that

    config, state = checkpoint.load("model.npz", epochs=8)
    train.train(config, raw, out="model.npz", state=state)

continues the run. Resumed to the same total of epochs, it ends with exactly the bits of a run
that was never interrupted.
"""

from __future__ import annotations

import contextlib
import dataclasses
import signal
import threading
from collections.abc import Iterator
from typing import Any

import numpy as np

from justnumpy import model
from justnumpy.errors import JustNumpyError
from justnumpy.files import modelfile
from justnumpy.training.config import Config
from justnumpy.training.state import State, new_state

# Settings that fix the network or the data split: a resumed run cannot change them.
FIXED_ON_RESUME = ("dataset", "hidden", "activation", "loss", "optimizer", "seed", "validation_fraction")
RESUMABLE_FORMAT = 2  # files of format 1 kept a different momentum buffer; they still load as models


def save(path: str, config: Config, state: State) -> None:
    """Write the model and all training state to `path` (atomically, see modelfile.save)."""
    meta = {
        "dataset": config.dataset,
        "sizes": list(model.sizes(state.params)),
        "activation": config.activation,
        "loss": config.loss,
        "config": dataclasses.asdict(config),
        "epoch": state.epoch,
        "step": state.step,
        "history": state.history,
        "final": {k: v[-1] for k, v in state.history.items() if v},
        "rng_state": state.rng.bit_generator.state,
    }
    extra = {modelfile.OPT_PREFIX + k: np.asarray(v) for k, v in state.optimizer.state_dict().items()}
    if state.detector is not None:  # the not-a-digit detector, once training has fitted one
        arrays, meta["novelty"] = modelfile.detector_entries(state.detector)
        extra.update(arrays)
    modelfile.save(path, state.params, meta, extra)


def load(path: str, **overrides: Any) -> tuple[Config, State]:
    """Rebuild (config, state) from a file written by `save`; `overrides` change single settings.

    The settings in FIXED_ON_RESUME cannot change; `epochs` can (a larger total trains further).
    Anything missing, inconsistent or unusable raises JustNumpyError naming the file.
    """
    params, meta, extra = modelfile.load(path)
    if meta["format_version"] < RESUMABLE_FORMAT:
        raise JustNumpyError(
            f"{path}: written by an older justnumpy (format {meta['format_version']}); it still works as a "
            "model, but training cannot be resumed from it"
        )
    try:
        settings = meta["config"]
        if not isinstance(settings, dict):
            raise ValueError(f"its settings are {type(settings).__name__}, not a table")
        unknown = set(settings) - {f.name for f in dataclasses.fields(Config)}
        if unknown:
            raise ValueError(f"unknown settings {', '.join(sorted(map(str, unknown)))}")
        for k in FIXED_ON_RESUME:
            was = Config(**{k: settings.get(k, getattr(Config, k))})  # JSON's list [256] reads as (256,)
            if k in overrides and Config(**{k: overrides[k]}) != was:
                raise JustNumpyError(
                    f"{path}: cannot change {k} when resuming "
                    f"(the file was trained with {k} = {getattr(was, k)!r})"
                )
        config = Config(**{**settings, **overrides})
        try:
            config.validate()
        except JustNumpyError as e:
            raise JustNumpyError(f"{path}: cannot resume from this file ({e})") from None
        if model.sizes(params) != config.sizes:  # checked before new_state allocates anything
            raise ValueError(
                f"its weights are {'-'.join(map(str, model.sizes(params)))} but the settings say "
                f"{'-'.join(map(str, config.sizes))}"
            )
        state = new_state(config)
        for k, p in state.params.items():
            p[...] = params[k]  # into the fresh float32 arrays: training stays float32
        state.optimizer.load_state_dict(
            {
                k.removeprefix(modelfile.OPT_PREFIX): v
                for k, v in extra.items()
                if k.startswith(modelfile.OPT_PREFIX)
            }
        )
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


@contextlib.contextmanager
def ctrl_c_deferred() -> Iterator[None]:
    """Hold back Ctrl-C for the duration of the block, then deliver it (main thread only).

    A save interrupted half-way would leave the file and the message about it disagreeing.
    """
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

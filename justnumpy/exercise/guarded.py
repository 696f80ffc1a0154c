"""A learner's network or layers file guarded for the training loop and the gradient check.

`load_network(path)` gives an object with the network module's functions (init_params, forward,
loss, backward, predict), called as train.py and gradcheck.py call them, whatever the learner's
file is: the two-layer network of `justnumpy exercise start`, whose init_params takes
(n_in, n_hidden, n_out), or the layers of `--kind layers`, whose init_params takes the sizes of
any depth and whose forward, backward and predict take the activation.

An exception inside the learner's code comes out as a LearnerError with their frames only; a
result the loop cannot use (a gradient of the wrong shape, forward without A2, ...) is stopped
here, where it can be named, and not a few lines later inside the optimizer, where it could not.
The checks are on shapes and keys only: a few microseconds per batch. `gradient_error` is the
quick gradient check that `justnumpy train --network` runs before it trains.
"""

from __future__ import annotations

import inspect
import types
from pathlib import Path
from typing import Any

import numpy as np

from justnumpy.errors import SettingsError
from justnumpy.exercise import kinds
from justnumpy.exercise.learner import LearnerError, check_functions, describe, innermost, load, own_frames

ACTIVATIONS = ("relu", "sigmoid", "tanh")  # what a learner's layers file computes


class Network:
    """A learner's module with the network module's functions, problems as LearnerError."""

    def __init__(
        self, module: types.ModuleType, path: Path, kind: kinds.Kind, activation: str = "relu"
    ) -> None:
        self.module, self.path, self.kind, self.activation = module, Path(path), kind, activation
        self.name = self.path.name
        # The layers take the activation as an argument; the network always computes ReLU.
        self.bound = {"activation": activation} if kind is kinds.LAYERS else {}

    def init_params(
        self, n_in: int, n_hidden: int | tuple[int, ...], n_out: int, seed: int = 0, **options: Any
    ) -> dict[str, Any]:
        dtype = options.pop("dtype", None)  # the learner's draws float32; the gradient check wants float64
        hidden = (n_hidden,) if isinstance(n_hidden, (int, np.integer)) else tuple(n_hidden)
        sizes = (n_in, *hidden, n_out)
        if self.kind is kinds.LAYERS:
            params = self._call("init_params", sizes, seed=seed, **options)
        else:
            params = self._call("init_params", n_in, hidden[0], n_out, seed=seed, **options)
        shapes = {}
        for l in range(1, len(sizes)):
            shapes[f"W{l}"], shapes[f"b{l}"] = (sizes[l - 1], sizes[l]), (sizes[l],)
        self._expect("init_params", params, shapes)
        return {k: (np.asarray(params[k], dtype=dtype) if dtype else params[k]) for k in shapes}

    def forward(self, params: dict[str, Any], X: Any, **options: Any) -> dict[str, Any]:
        cache = self._call("forward", params, X, **self.bound, **_asked(options))
        L = len(params) // 2
        shapes = {}
        for l in range(1, L + 1):
            shapes[f"Z{l}"] = shapes[f"A{l}"] = (X.shape[0], params[f"b{l}"].shape[0])
        self._expect("forward", cache, shapes)
        return cache

    def loss(self, A: Any, y: Any) -> float:
        value = self._call("loss", A, y)
        try:
            return float(value)
        except (TypeError, ValueError):
            raise LearnerError(f"{self.name}: loss returned {type(value).__name__}, not one number") from None

    def backward(self, params: dict[str, Any], cache: dict[str, Any], X: Any, y: Any, **options: Any) -> dict:
        grads = self._call("backward", params, cache, X, y, **self.bound, **_asked(options))
        # A gradient that broadcasts onto its parameter (a scalar db, say) is wrong but usable: the
        # learner sees what it does to training. One that would change the parameter's shape or
        # cannot meet it at all would only fail inside the optimizer.
        self._expect("backward", grads, {"d" + k: v.shape for k, v in params.items()}, broadcast=True)
        return grads

    def predict(self, params: dict[str, Any], X: Any) -> Any:
        labels = self._call("predict", params, X, **self.bound)
        if getattr(labels, "shape", None) != (X.shape[0],):
            got = getattr(labels, "shape", type(labels).__name__)
            raise LearnerError(f"{self.name}: predict returned {got}, not one label per row ({X.shape[0]},)")
        return labels

    def _call(self, function: str, *args: Any, **options: Any) -> Any:
        fn = getattr(self.module, function)
        if options:
            try:
                inspect.signature(fn).bind(*args, **options)
            except TypeError:
                raise LearnerError(
                    f"{self.name}: {function} takes no {' or '.join(options)} argument, which these "
                    "settings need; train it with the default settings"
                ) from None
            except ValueError:  # no signature to inspect: just call it
                pass
        try:
            return fn(*args, **options)
        except (Exception, SystemExit) as e:  # KeyboardInterrupt is the user's and goes on
            where = innermost(e.__traceback__, self.path) or function
            frames = own_frames(e.__traceback__, self.path)
            raise LearnerError(f"{self.name}: {where} raised {describe(e)}", frames) from None

    def _expect(
        self, function: str, result: Any, shapes: dict[str, tuple[int, ...]], broadcast: bool = False
    ) -> None:
        """LearnerError unless `result` is a dict of arrays of these shapes (`broadcast`: or onto them)."""
        if not hasattr(result, "keys"):
            raise LearnerError(f"{self.name}: {function} returned {type(result).__name__}, not a dict")
        for key, shape in shapes.items():
            if key not in result:
                raise LearnerError(f"{self.name}: {function}'s dict has no {key!r}")
            got = np.shape(result[key])
            if broadcast and _broadcasts(got, shape):
                continue
            if got != shape:
                raise LearnerError(
                    f"{self.name}: {function} returned {key} of shape {got}, where {shape} is needed"
                )


def _asked(options: dict[str, Any]) -> dict[str, Any]:
    """The options that ask for something: dropout=0.0, rng=None and weight_decay=0.0 ask for nothing."""
    return {k: v for k, v in options.items() if v is not None and not (isinstance(v, float) and v == 0)}


def _broadcasts(shape: tuple[int, ...], onto: tuple[int, ...]) -> bool:
    """True if an array of `shape` can be added to one of shape `onto` without changing its shape."""
    try:
        return np.broadcast_shapes(shape, onto) == onto
    except ValueError:
        return False


def load_network(
    path: str | Path, hidden: tuple[int, ...] = (256,), activation: str = "relu", loss: str = "cross-entropy"
) -> Network:
    """The learner's network, ready to train or check: it parses, runs, and has the right functions.

    `hidden`, `activation` and `loss` are the settings it is asked to compute; SettingsError when
    the file cannot (a two-layer network asked for two hidden layers, say). Raises LearnerError
    (a JustNumpyError: one clear message) for a file that cannot be used.
    """
    path = Path(path)
    kind = kinds.recognise(path)
    if kind is kinds.OPTIMIZERS:
        raise SettingsError(
            f"{path.name} holds optimizers, not a network: `justnumpy check {path}` checks them"
        )
    if loss != "cross-entropy":
        raise SettingsError(f"{path.name} learns with its own loss, the cross-entropy: leave --loss out")
    if kind is kinds.NETWORK and (len(hidden) != 1 or activation != "relu"):
        raise SettingsError(
            f"{path.name} is a network of one hidden layer of ReLUs: give --hidden one number and no "
            "--activation (the layers exercise, `justnumpy exercise start --kind layers`, stacks any depth)"
        )
    if activation not in ACTIVATIONS:
        raise SettingsError(
            f"{path.name} computes the activations {', '.join(ACTIVATIONS)}, not {activation}"
        )
    module = load(path)
    check_functions(module, path, kind.module("checks").REQUIRED)
    return Network(module, path, kind, activation)


def gradient_error(net: Network, sizes: tuple[int, ...], seed: int = 0) -> dict[str, float]:
    """The relative error of each of the learner's gradients against finite differences, on a tiny batch.

    A quick check before training: a small network of the same depth (20 inputs, layers of 6,
    4 classes), 4 examples, float64; a right backward pass agrees to ~1e-10.
    """
    from justnumpy import gradcheck  # the finite differences

    small = (20, *(6 for _ in sizes[1:-1]), 4)
    return gradcheck.max_relative_error(small, m=4, seed=seed, net=net)

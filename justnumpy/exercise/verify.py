"""What every exercise's check does with what the learner's code returns: copy, compare, insist on types.

Each helper raises Failed with a sentence a learner can act on when the value is not what the
step needs (None, a tuple where a dict belongs, a float32 result of float64 inputs, ...).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from justnumpy.exercise.report import Failed


def copy(arrays: Mapping[str, Any]) -> dict[str, Any]:
    """The dict with a copy of each of its arrays: what was passed in, to see later whether it changed."""
    return {k: np.array(v, copy=True) if isinstance(v, np.ndarray) else v for k, v in arrays.items()}


def changed(before: dict[str, np.ndarray], after: Mapping[str, Any], name: str) -> list[str]:
    """`name['key']` for every array of `after` that no longer equals its copy in `before`."""
    out = []
    for k, old in before.items():
        if not isinstance(old, np.ndarray):
            continue
        new = after.get(k) if isinstance(after, Mapping) else None
        if (
            not isinstance(new, np.ndarray)
            or new.shape != old.shape
            or not np.array_equal(new, old, equal_nan=True)
        ):
            out.append(f"{name}[{k!r}]")
    return out


def unchanged(changed: list[str], function: str) -> None:
    """Failed when `function` changed its caller's arrays (`changed`, as found by changed())."""
    if changed:
        raise Failed(
            f"{function} changed {', '.join(changed)}.",
            ["Its gradients are right, but the caller's arrays are not what they were."],
            bug="changes-inputs",
        )


def returned(value: Any, function: str, what: str) -> None:
    """Failed with a plain explanation when a function returned None."""
    if value is None:
        raise Failed(
            f"{function} returned None instead of {what}.",
            ["A Python function without `return` gives None: end it with `return ...`."],
        )


def as_array(value: Any, label: str) -> np.ndarray:
    """value as a NumPy array of numbers, or Failed saying what it was instead."""
    try:
        array = np.asarray(value)
    except Exception as e:  # ragged lists and the like
        raise Failed(f"{label} is not an array of numbers ({type(value).__name__}: {e}).") from None
    if array.dtype.kind not in "biuf":
        raise Failed(
            f"{label} is not an array of numbers: it is {type(value).__name__} of dtype {array.dtype}."
        )
    return array


def as_dict(value: Any, function: str, keys: tuple[str, ...]) -> Mapping[str, Any]:
    """The dict a function must return, or Failed saying how it differs."""
    wanted = "{" + ", ".join(f'"{k}": {k}' for k in keys) + "}"
    returned(value, function, f"the dict {wanted}")
    if isinstance(value, (tuple, list)):
        raise Failed(
            f"{function} returned a {type(value).__name__} of {len(value)} items; return the dict {wanted}.",
            ['The arrays are looked up by name, e.g. cache["A2"].'],
        )
    if not isinstance(value, Mapping):
        raise Failed(f"{function} returned {type(value).__name__}; return the dict {wanted}.")
    missing = [k for k in keys if k not in value]
    if missing:
        have = ", ".join(map(repr, value)) or "none"
        hint = []
        if all(k[1:] in value for k in missing if k.startswith("d")):
            hint = ["Gradients are named after their parameter with a d in front: dW1 is the gradient of W1."]
        raise Failed(f"{function}'s dict has no {', '.join(missing)} (its keys: {have}).", hint)
    return value


def check_dtype(array: np.ndarray, label: str) -> None:
    """Failed unless a result computed from float64 inputs is float64."""
    if array.dtype != np.float64:
        raise Failed(f"{label} is {array.dtype}, but every input was float64.", bug="float32-inside")


@dataclass(frozen=True)
class Step:
    """One line of the checklist: an id for tools, what it checks, and the function that checks it."""

    id: str
    title: str
    run: Callable[[Any], str] | None  # None: the worker does it itself (loading the file)

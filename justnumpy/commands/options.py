"""What several subcommands share: argument types and options, loading data and models.

Shared so that a bad value gets the same clear message in every command.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable
from typing import Any

import numpy as np

from justnumpy.data import DATASETS


def whole_number(text: str, at_least: int) -> int:
    """An integer ≥ `at_least` from `text`, or argparse's error saying what is wrong."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < at_least:
        raise argparse.ArgumentTypeError(f"must be at least {at_least}, got {value}")
    return value


def positive_int(text: str) -> int:
    """argparse type: an integer ≥ 1."""
    return whole_number(text, 1)


def non_negative_int(text: str) -> int:
    """argparse type: an integer ≥ 0 (random seeds)."""
    return whole_number(text, 0)


def layer_sizes(text: str) -> tuple[int, ...]:
    """argparse type: hidden layer sizes, "256" or "512,256" (each a whole number ≥ 1)."""
    parts = [part.strip() for part in text.split(",")]
    try:
        return tuple(whole_number(part, 1) for part in parts)
    except argparse.ArgumentTypeError as e:
        raise argparse.ArgumentTypeError(f"{e}; give each hidden layer's size, e.g. 256 or 512,256") from None


def number(text: str, ok: Callable[[float], bool], rule: str) -> float:
    """A float from `text` for which `ok` holds, or argparse's error naming the `rule`."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not ok(value):  # NaN fails every comparison, so it never passes
        raise argparse.ArgumentTypeError(f"must be {rule}, got {text}")
    return value


def positive_float(text: str) -> float:
    """argparse type: a finite number > 0."""
    return number(text, lambda v: math.isfinite(v) and v > 0, "a finite number > 0")


def non_negative_float(text: str) -> float:
    """argparse type: a finite number ≥ 0 (0 turns the setting off)."""
    return number(text, lambda v: math.isfinite(v) and v >= 0, "a finite number ≥ 0")


def fraction(text: str) -> float:
    """argparse type: a number in [0, 1)."""
    return number(text, lambda v: 0 <= v < 1, "in [0, 1)")


def add_data_options(
    parser: argparse.ArgumentParser, dataset_default: str | None = "mnist", with_dataset: bool = True
) -> None:
    """--dataset and --data-dir, as every command that reads images takes them."""
    if with_dataset:
        shown = dataset_default or "the model's own"
        parser.add_argument(
            "--dataset",
            choices=sorted(DATASETS),
            default=dataset_default,
            help=f"which dataset (default: {shown})",
        )
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        help="folder holding the four IDX .gz files (default: $JUSTNUMPY_DATA/<dataset>, "
        "else a per-user cache filled by download)",
    )


def scheduler_address(text: str) -> str:
    """argparse type: a Dask scheduler's HOST:PORT."""
    from justnumpy.measure import parallel

    try:
        return parallel.check_address(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def add_parallel_options(parser: argparse.ArgumentParser) -> None:
    """--jobs N or --scheduler ADDRESS: where a command's independent runs go (measure/parallel.py)."""
    where = parser.add_mutually_exclusive_group()  # here, or on a Dask scheduler's workers
    where.add_argument(
        "--jobs",
        type=positive_int,
        metavar="N",
        help="train N runs at once in processes, each on its share of the cores (default: one per core)",
    )
    where.add_argument(
        "--scheduler",
        type=scheduler_address,
        metavar="ADDRESS",
        help="instead: send the runs to the Dask scheduler at ADDRESS (pip install 'justnumpy[dask]')",
    )


def load_data(dataset: str, args: argparse.Namespace) -> tuple[np.ndarray, ...]:
    """data.load for a command: --data-dir, a progress bar on a terminal, and the command line's hint."""
    from justnumpy import data
    from justnumpy.errors import DataNotFound

    try:
        return data.load(dataset, args.data_dir, progress=show_progress(args))
    except DataNotFound as e:
        raise DataNotFound(
            f"{e}; run `justnumpy download --dataset {dataset}` or pass --data-dir FOLDER"
        ) from None


def load_model_and_test_set(args: argparse.Namespace) -> tuple[Any, dict, dict, str, np.ndarray, np.ndarray]:
    """The model file args.model and the test images of its dataset (or of --dataset).

    Returns (net, params, meta, dataset, X_test uint8 (n, 28, 28), y_test (n,)).
    """
    from justnumpy import model

    net, params, meta, _ = model.load(args.model)
    dataset = args.dataset or meta.get("dataset", "mnist")
    _, _, X_test, y_test = load_data(dataset, args)
    return net, params, meta, dataset, X_test, y_test


def show_progress(args: argparse.Namespace) -> bool:
    """Progress bars only for a person watching a terminal, and never with --quiet."""
    return not getattr(args, "quiet", False) and sys.stderr.isatty()

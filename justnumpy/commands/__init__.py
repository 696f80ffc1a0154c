"""One module per `justnumpy` subcommand, each with HELP, add_arguments(parser) and run(args).

The helpers below are the argument types and options several commands share, so that a bad
value gets the same clear message everywhere.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable

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


def add_data_options(parser: argparse.ArgumentParser, dataset_default: str | None = "mnist") -> None:
    """--dataset and --data-dir, as every command that reads images takes them."""
    parser.add_argument("--dataset", choices=sorted(DATASETS), default=dataset_default,
                        help="which dataset (default: %(default)s)")  # fmt: skip
    parser.add_argument("--data-dir", metavar="DIR",
                        help="folder holding the four IDX .gz files (default: $JUSTNUMPY_DATA/<dataset>, "
                             "else a per-user cache filled by download)")  # fmt: skip


def show_progress(args: argparse.Namespace) -> bool:
    """Progress bars only for a person watching a terminal, and never with --quiet."""
    return not getattr(args, "quiet", False) and sys.stderr.isatty()

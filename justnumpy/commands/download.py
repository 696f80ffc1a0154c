"""Download a dataset's four IDX files into the per-user cache and verify their SHA-256.

examples:
  justnumpy download
  justnumpy download --dataset fashion-mnist
"""

from __future__ import annotations

import argparse

from justnumpy.commands.options import show_progress

HELP = "fetch MNIST or Fashion-MNIST and verify it"


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Options of `justnumpy download`."""
    from justnumpy.data import DATASETS

    p.add_argument("--dataset", choices=sorted(DATASETS), default="mnist", help="default: %(default)s")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    """Download (or find already verified) files and check that they parse."""
    from justnumpy import data

    folder = data.download(args.dataset, progress=show_progress(args))
    X_train, _, X_test, _ = data.load(args.dataset, folder)
    print(f"{args.dataset}: {len(X_train)} training and {len(X_test)} test images verified in {folder}")
    return 0

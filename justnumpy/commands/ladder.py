"""Train every rung of the accuracy ladder and show what each idea buys.

The rungs (see justnumpy/recipes.py) go from the starting document's method, full-batch
gradient descent from tiny random weights (~87%), one idea at a time to the best recipe with
augmentation (~99%). Prints a table (rung, what changed, epochs, test accuracy, seconds) and
writes it to OUT/ladder.md and OUT/ladder.csv, with a plot in OUT/ladder.png.

examples:
  justnumpy ladder                          # every rung on full MNIST, several minutes
  justnumpy ladder --quick                  # a small version that runs in seconds
  justnumpy ladder --rungs seed,best-plain --seed 1 --out ladder-seed1
"""

from __future__ import annotations

import argparse

from justnumpy.commands.options import add_data_options, show_progress

HELP = "train every recipe of the accuracy ladder; table and plot of what each step buys"


def rung_list(text: str) -> list[str]:
    """argparse type: comma-separated recipe names."""
    from justnumpy.training import recipes

    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in recipes.RECIPES]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown rung {', '.join(unknown) or repr(text)}; choose from {', '.join(recipes.LADDER)}"
        )
    return names


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Options of `justnumpy ladder`."""
    add_data_options(p)
    p.add_argument(
        "--quick",
        action="store_true",
        help="10,000 training images, 2 epochs a rung (seed: 150): a check only",
    )
    p.add_argument("--rungs", type=rung_list, help="comma-separated subset of the rungs (default: all)")
    p.add_argument("--seed", type=int, default=0, help="random seed of every rung (default 0)")
    p.add_argument(
        "--out", default="ladder-out", help="folder for ladder.md, .csv, .png (default: %(default)s)"
    )
    p.add_argument("--save-models", action="store_true", help="also save each rung's model as OUT/<rung>.npz")
    p.add_argument("--quiet", action="store_true", help="no progress bars or per-rung lines")


def run(args: argparse.Namespace) -> int:
    """Train the rungs, print the table, save table and plot."""
    from pathlib import Path

    from justnumpy import data
    from justnumpy.measure import ladder

    models = Path(args.out) if args.save_models else None
    if models is not None:
        models.mkdir(parents=True, exist_ok=True)
    raw = data.load(args.dataset, args.data_dir, progress=show_progress(args))
    log = (lambda line: None) if args.quiet else print
    results = ladder.run(
        raw,
        args.rungs,
        quick=args.quick,
        seed=args.seed,
        dataset=args.dataset,
        progress=show_progress(args),
        log=log,
        models=models,
    )
    print(ladder.table(results), end="")
    paths = ladder.save(results, args.out)
    print("saved " + ", ".join(str(p) for p in paths))
    return 0

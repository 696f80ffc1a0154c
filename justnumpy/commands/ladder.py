"""Train every rung of the accuracy ladder with several seeds and show what each idea buys.

The rungs (justnumpy/training/recipes.py) go from the method of the network this project started
from, full-batch gradient descent from tiny random weights (~87%), one idea at a time to the best
recipe for its network with augmentation (~99%), then to a larger network with elastic
distortions (>99.3%). Every rung is trained with seeds 0 to N−1 and reported as mean ±
standard deviation: validation accuracy (the held-out images the settings were chosen on) and
test accuracy (the outcome). Prints the table and writes OUT/ladder.json (every number),
OUT/ladder.md (the table) and OUT/ladder.png (the figure).

examples:
  justnumpy ladder                          # every rung, 3 seeds, full MNIST: tens of minutes
  justnumpy ladder --quick                  # a small version (10,000 images, few epochs) for CI
  justnumpy ladder --rungs seed,best-plain --seeds 5 --out ladder-five
  justnumpy ladder --jobs 1                 # one run at a time, on every core
  justnumpy ladder --scheduler tcp://10.0.0.5:8786    # on the workers of a Dask scheduler
"""

from __future__ import annotations

import argparse

from justnumpy.commands.options import add_data_options, add_parallel_options, load_data, positive_int

HELP = "train every recipe of the accuracy ladder with several seeds; table and figure of what each step buys"


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
    from justnumpy.measure import ladder

    add_data_options(p)
    p.add_argument(
        "--seeds",
        type=positive_int,
        default=3,
        metavar="N",
        help="train every rung with seeds 0 to N−1 (default: %(default)s)",
    )
    p.add_argument(
        "--quick",
        action="store_true",
        help=f"{ladder.QUICK_TRAIN_IMAGES:,} training images, a few epochs a rung: a check, not the result",
    )
    p.add_argument("--rungs", type=rung_list, help="comma-separated subset of the rungs (default: all)")
    p.add_argument(
        "--out", default="ladder-out", help="folder for ladder.json, .md, .png (default: %(default)s)"
    )
    p.add_argument(
        "--save-models", action="store_true", help="also save every run's model as OUT/<rung>-seed<S>.npz"
    )
    add_parallel_options(p)
    p.add_argument("--quiet", action="store_true", help="no progress bars or per-run lines")


def run(args: argparse.Namespace) -> int:
    """Train the rungs, print the table, save the results, table and figure."""
    from pathlib import Path

    from justnumpy.measure import ladder, parallel

    models = Path(args.out) if args.save_models else None
    if models is not None:
        models.mkdir(parents=True, exist_ok=True)
    raw = load_data(args.dataset, args)
    log = (lambda line: None) if args.quiet else print
    results = ladder.run(
        raw,
        args.rungs,
        seeds=args.seeds,
        quick=args.quick,
        dataset=args.dataset,
        log=log,
        models=models,
        jobs=args.jobs or parallel.cores(),  # one run per core, one BLAS thread each (docs/ladder.md)
        scheduler=args.scheduler,
    )
    print(ladder.table(results), end="")
    paths = ladder.save(results, args.out)
    print("saved " + ", ".join(str(p) for p in paths))
    return 0

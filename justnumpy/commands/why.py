"""Run the experiments that answer "why": why He and ReLU, why cross-entropy, why one hidden layer.

    gradients     each layer's gradient size at depth 2, 4 and 8, with sigmoid, tanh and ReLU,
                  from He, Xavier and 0.01 starts, at the start and through the first epoch
    losses        cross-entropy vs squared error from the same start, and one confidently wrong image
    depth-width   784-256-10, 784-512-10, 784-256-256-10, 784-128-128-128-10 over 3 seeds

Each writes OUT/why-NAME.json (every number), OUT/why-NAME.md (the tables) and its figures
(OUT/why-NAME*.png), and prints its tables. What they measured: docs/why.md.

examples:
  justnumpy why                        # all three on the full MNIST, one run per core: a few minutes
  justnumpy why gradients              # one of them
  justnumpy why --quick --out why-quick   # small versions (2,000 training images) in seconds
  justnumpy why --scheduler tcp://10.0.0.5:8786   # the runs on the workers of a Dask scheduler
"""

from __future__ import annotations

import argparse

from justnumpy.commands.options import add_data_options, add_parallel_options, load_data

HELP = "run the experiments behind the choices: vanishing gradients, cross-entropy, depth vs width"


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Options of `justnumpy why`."""
    from justnumpy.measure import why
    from justnumpy.measure.why.runs import QUICK_TRAIN_IMAGES

    names = list(why.EXPERIMENTS)
    p.add_argument(
        "name", nargs="?", choices=names, metavar="NAME", help=f"one of {', '.join(names)} (default: all)"
    )
    p.add_argument(
        "--quick",
        action="store_true",
        help=f"{QUICK_TRAIN_IMAGES:,} training images and shorter runs: a check, not the result",
    )
    p.add_argument(
        "--out", default="why-out", help="folder for the JSON, tables and figures (default: %(default)s)"
    )
    add_data_options(p)
    add_parallel_options(p)
    p.add_argument("--quiet", action="store_true", help="no per-run lines")


def run(args: argparse.Namespace) -> int:
    """Run the experiments, print their tables, save everything."""
    from justnumpy.measure import parallel, why

    why.prepare(args.out)  # a folder that cannot be written to is said now, not after the runs
    raw = load_data(args.dataset, args)
    log = (lambda line: None) if args.quiet else print
    jobs = args.jobs or parallel.cores()  # one run per core, each on its share of the BLAS threads
    for name in [args.name] if args.name else why.EXPERIMENTS:
        results = why.run(name, raw, quick=args.quick, log=log, jobs=jobs, scheduler=args.scheduler)
        paths = why.save(name, results, args.out)
        print(f"\n{name}:\n\n{why.EXPERIMENTS[name].table(results)}")
        took = f"{results['seconds']:.0f} s, {results['cpu_seconds']:.0f} s of CPU in its runs"
        print(f"saved {', '.join(str(p) for p in paths)} ({took})")
    return 0

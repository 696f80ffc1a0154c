"""Write it yourself: a skeleton to fill in, and a zoo of files with one classic bug each.

  justnumpy exercise start [DIR]   my_network.py, every function body a TODO, and EXERCISE.md
                                   (DIR defaults to the current folder)
  justnumpy exercise bugs [DIR]    ten networks with exactly one classic bug each, and BUGS.md
                                   (DIR defaults to bug-zoo)

--level chooses how much the skeleton gives away: 1, the shapes and the formulas; 2, the names
and shapes only (derive the formulas with docs/math.md); 3, what each function returns and
nothing else. --kind chooses the exercise: the two-layer network (the default), the layers of a
network of any depth (my_layers.py: linear, ReLU, sigmoid and tanh blocks and the loop that
stacks them; its zoo goes to layer-zoo) or the optimizers SGD, Momentum and Adam
(my_optimizers.py; its zoo goes to optimizer-zoo).

Neither ever overwrites a file: if any of the files is there already, nothing is written. Then
`justnumpy check FILE.py` checks your work step by step (docs/exercise.md).

examples:
  justnumpy exercise start
  justnumpy exercise start --level 2 ~/backprop
  justnumpy exercise start --kind layers
  justnumpy exercise start --kind optimizers --level 3
  justnumpy exercise bugs
  justnumpy exercise bugs --kind optimizers
"""

from __future__ import annotations

import argparse

HELP = "write it yourself: a skeleton to fill in, or files with one classic bug each"


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Subcommands of `justnumpy exercise`: start and bugs."""
    from justnumpy.exercise.kinds import KINDS
    from justnumpy.exercise.skeleton import LEVELS

    sub = p.add_subparsers(dest="action", metavar="ACTION")
    sub.required = True
    start = sub.add_parser(
        "start",
        help="write the file to fill in, and its instructions",
        description="Write my_network.py (my_layers.py, my_optimizers.py: --kind), every function "
        "body a TODO, and its instructions into DIR; never overwrites a file.",
    )
    start.add_argument("dir", nargs="?", default=".", metavar="DIR", help="where to write (default: here)")
    start.add_argument(
        "--level",
        type=int,
        choices=LEVELS,
        default=1,
        help="1: shapes and formulas given; 2: names and shapes only; 3: signatures alone (default 1)",
    )
    bugs = sub.add_parser(
        "bugs",
        help="write files with one classic bug each",
        description="Write copies of the exercise's file with exactly one classic bug each, and "
        "BUGS.md, into DIR; never overwrites a file.",
    )
    bugs.add_argument(
        "dir",
        nargs="?",
        default=None,
        metavar="DIR",
        help="where to write (default: bug-zoo, layer-zoo, optimizer-zoo)",
    )
    for parser in (start, bugs):
        parser.add_argument(
            "--kind", choices=list(KINDS), default="network", help="which exercise (default: network)"
        )


def run(args: argparse.Namespace) -> int:
    """Write the files and say what to do next."""
    from justnumpy.exercise import kinds, skeleton, zoo

    kind = kinds.KINDS[args.kind]
    if args.action == "start":
        mine, readme = skeleton.start(args.dir, kind, args.level)
        print(f"wrote {mine} (level {args.level}) and {readme}")
        print(f"next: write {kind.module('levels').FIRST} in {mine}, then run: justnumpy check {mine}")
    else:
        written = zoo.write(args.dir, kind)
        files = [p for p in written if p.suffix == ".py"]
        print(f"wrote {len(files)} files with one bug each, and {written[0]}:")
        print("  " + "  ".join(p.name for p in files))
        print(f"next: read one, find its bug, then run: justnumpy check {files[0]}")
    return 0

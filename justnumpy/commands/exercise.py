"""Write the network yourself: a skeleton to fill in, and a zoo of networks with one bug each.

  justnumpy exercise start [DIR]   my_network.py, every function body a TODO, and EXERCISE.md
                                   (DIR defaults to the current folder)
  justnumpy exercise bugs [DIR]    ten networks with exactly one classic bug each, and BUGS.md
                                   (DIR defaults to bug-zoo)

Neither ever overwrites a file: if any of the files is there already, nothing is written. Then
`justnumpy check my_network.py` checks your work step by step (docs/exercise.md).

examples:
  justnumpy exercise start
  justnumpy exercise start ~/backprop
  justnumpy exercise bugs
"""

from __future__ import annotations

import argparse

HELP = "write the network yourself: a skeleton to fill in, or networks with one bug each"


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Subcommands of `justnumpy exercise`: start and bugs."""
    sub = p.add_subparsers(dest="action", metavar="ACTION")
    sub.required = True
    start = sub.add_parser(
        "start",
        help="write my_network.py to fill in, and EXERCISE.md",
        description="Write my_network.py (every function body a TODO) and EXERCISE.md into "
        "DIR; never overwrites a file.",
    )
    start.add_argument("dir", nargs="?", default=".", metavar="DIR", help="where to write (default: here)")
    bugs = sub.add_parser(
        "bugs",
        help="write ten networks with one classic bug each",
        description="Write ten networks with exactly one classic bug each, and BUGS.md, into "
        "DIR; never overwrites a file.",
    )
    bugs.add_argument(
        "dir", nargs="?", default="bug-zoo", metavar="DIR", help="where to write (default: bug-zoo)"
    )


def run(args: argparse.Namespace) -> int:
    """Write the files and say what to do next."""
    from justnumpy.exercise import skeleton, zoo

    if args.action == "start":
        network, readme = skeleton.start(args.dir)
        print(f"wrote {network} and {readme}")
        print(f"next: write init_params in {network}, then run: justnumpy check {network}")
    else:
        written = zoo.write(args.dir)
        networks = [p for p in written if p.suffix == ".py"]
        print(f"wrote {len(networks)} networks with one bug each, and {written[0]}:")
        print("  " + "  ".join(p.name for p in networks))
        print(f"next: read one, find its bug, then run: justnumpy check {networks[0]}")
    return 0

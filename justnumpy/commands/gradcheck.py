"""Check the hand-written backward pass against finite differences, in float64.

Every weight of a small network (784-H-10, default H = 16) is nudged by ±h and the change of the
loss is compared with what `network.backward` says. A correct backward pass agrees to ~1e-10.

examples:
  justnumpy gradcheck
  justnumpy gradcheck --hidden 32 --batch 16
"""

from __future__ import annotations

import argparse

from justnumpy.commands.options import positive_int

HELP = "verify backprop against finite differences"
TOLERANCE = 1e-6


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Options of `justnumpy gradcheck`."""
    p.add_argument("--hidden", type=positive_int, default=16, help="hidden units (default %(default)s)")
    p.add_argument("--batch", type=positive_int, default=8, help="examples (default %(default)s)")
    p.add_argument("--seed", type=int, default=0, help="default %(default)s")


def run(args: argparse.Namespace) -> int:
    """Print the relative error per gradient; exit 1 if any exceeds the tolerance."""
    from justnumpy import gradcheck

    errors = gradcheck.max_relative_error(n_hidden=args.hidden, m=args.batch, seed=args.seed)
    for name, err in errors.items():
        print(f"{name:>4}: relative error {err:.2e}")
    worst = max(errors.values())
    ok = worst < TOLERANCE
    print(f"max relative error {worst:.2e} {'<' if ok else '>='} {TOLERANCE:g}: {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1

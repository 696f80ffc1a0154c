"""Check a file you wrote step by step; when it is wrong, say which classic bug it looks like.

The file is recognised by what it defines. A network (init_params, softmax, forward, loss,
backward, predict, as `justnumpy exercise start` writes them): the steps run in the order you
write the functions and stop at the first that fails: the file loads; the functions exist with
the right arguments; init_params gives the right shapes, float32 and a sensible scale; softmax
and forward give the right values, and no NaN for logits of ±1e4; loss matches the reference;
every gradient matches finite differences and the reference in float64 (a mismatch with the
signature of a classic bug is named: a missing / m, a bias gradient summed over everything, a
missing ReLU mask, a sign error, ...); backward changes none of its inputs; predict gives labels.
Layers (linear_forward, relu_backward, ..., as `exercise start --kind layers` writes them): each
block on its own against justnumpy/layers.py and finite differences, then the stacked network with
ReLU, sigmoid and tanh against justnumpy/mlp.py (sigmoid's slope from Z, a transposed dW, a
gradient not passed down, an activation after the last layer, ... are named).
Optimizers (classes SGD, Momentum, Adam, as `exercise start --kind optimizers` writes them): each
takes 30 steps next to justnumpy/optim.py's with the same gradients and a learning rate that
changes every step, and must stay on the same path, updating in place (a velocity reset every
step, the learning rate applied twice, Adam without bias correction, ... are named).

Your code runs in a separate process: a step that runs longer than --timeout seconds is stopped,
and an error is shown with the lines of your own file only. Exit status 0 when every step
passes, 1 otherwise. docs/exercise.md explains each step.

examples:
  justnumpy check my_network.py
  justnumpy check bug-zoo/otter.py --json
  justnumpy check my_layers.py
  justnumpy check my_optimizers.py
"""

from __future__ import annotations

import argparse

from justnumpy.commands.options import positive_float

HELP = "check the network, layers or optimizers you wrote, step by step, and name the bug"


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Options of `justnumpy check`."""
    from justnumpy.exercise.checker import DEFAULT_TIMEOUT

    p.add_argument("file", metavar="FILE.py", help="your network, layers or optimizers")
    p.add_argument("--json", action="store_true", help="print the checklist as JSON, for tools")
    p.add_argument(
        "--timeout",
        type=positive_float,
        default=DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help="time limit for each step (default %(default)g)",
    )


def run(args: argparse.Namespace) -> int:
    """Print the checklist (or JSON); exit status 0 when every step passes, else 1."""
    from justnumpy.exercise import checker

    report = checker.check_file(args.file, timeout=args.timeout)
    print(report.to_json() if args.json else report.to_text())
    return 0 if report.passed else 1

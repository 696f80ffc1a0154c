"""Draw pictures of a saved model: training curves, confusion matrix, hidden units, mistakes.

Writes into --out (default: plots/):
  training-curves.png      loss, train/validation/test accuracy and, for ReLU networks, the dead
                           units of each hidden layer per epoch
  confusion-matrix.png     test images counted by (true class, predicted class)
  hidden-units.png         each unit of the first hidden layer: its 784 input weights (a column
                           of W1) as a 28×28 image, the dead ones (0 for every test image) framed
  confident-mistakes.png   the wrong answers the network was most sure of
  sample-predictions.png   random test images with the ten probabilities the network gives them

examples:
  justnumpy plot model.npz
  justnumpy plot model.npz --out slides/
"""

from __future__ import annotations

import argparse
from typing import Any

from justnumpy.commands.options import add_data_options, load_model_and_test_set

HELP = "draw training curves, confusion matrix, hidden units and mistakes as PNGs"


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Options of `justnumpy plot`."""
    p.add_argument("model", help="a .npz model file written by `justnumpy train`")
    p.add_argument("--out", default="plots", metavar="DIR", help="folder for the PNGs (default: %(default)s)")
    add_data_options(p, dataset_default=None)


def write_plots(
    net: Any, params: dict, history: dict | None, raw_test: tuple, dataset: str, out: str
) -> None:
    """Draw every picture of the model (net, params) into `out` and print each file's path.

    Shared with `train --plots`; `net` is the module or mlp.Net that computes the model.
    """
    from justnumpy.see import plots

    X_test, y_test = raw_test
    for path in plots.write_all(net, params, history, X_test, y_test, dataset, out).values():
        print(f"wrote {path}")


def run(args: argparse.Namespace) -> int:
    """Load the model and the test set it belongs to; write the PNGs and print their paths."""
    net, params, meta, dataset, X_test, y_test = load_model_and_test_set(args)
    write_plots(net, params, meta.get("history"), (X_test, y_test), dataset, args.out)
    return 0

"""Walk one test image through the network in the terminal, step by step.

Shows the input X as characters, the hidden layer Z1/A1 (how many units fired, the strongest,
which are dead: 0 for every test image), the scores Z2, the stable softmax one step at a time,
the probabilities A2 as bars, the loss, then every gradient of the backward pass (dZ2 dW2 db2
dA1 dZ1 dW1 db1) with its shape and size, and what one SGD step on this example alone would do to
the loss. The names are network.py's.

examples:
  justnumpy explain model.npz
  justnumpy explain model.npz --index 8 --lr 0.5
  justnumpy explain model.npz | less       # plain text when not a terminal
"""

from __future__ import annotations

import argparse

from justnumpy.commands.options import add_data_options, load_model_and_test_set, positive_float

HELP = "show one test example going through the network, forward and backward"


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Options of `justnumpy explain`."""
    p.add_argument("model", help="a .npz model file written by `justnumpy train`")
    p.add_argument("--index", type=int, default=0, help="which test image (default: %(default)s)")
    p.add_argument(
        "--lr",
        type=positive_float,
        help="learning rate of the illustrated SGD step (default: the model's own)",
    )
    add_data_options(p, dataset_default=None)


def run(args: argparse.Namespace) -> int:
    """Load the model and one test image; print the trace."""
    from justnumpy import data, train
    from justnumpy.errors import JustNumpyError
    from justnumpy.see import explain

    net, params, meta, dataset, X_test, y_test = load_model_and_test_set(args)
    if not 0 <= args.index < len(y_test):
        raise JustNumpyError(f"--index {args.index} is outside the test set (0 to {len(y_test) - 1})")
    lr = args.lr or float(meta.get("config", {}).get("lr", 0.1))
    steps = explain.trace(params, X_test[args.index], int(y_test[args.index]), lr)
    dead = train.dead_units(net, params, data.to_inputs(X_test, dtype=params["W1"].dtype))[0]
    print(f"{args.model}, {dataset} test image #{args.index}")
    explain.render(steps, data.class_names(dataset), dead=(dead, len(y_test)))
    return 0

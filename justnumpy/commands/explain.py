"""Walk one test image through the network in the terminal, step by step, at any depth.

Shows the input X as characters; each hidden layer's Zl and Al (its activation named: how many
ReLUs fired, how many tanh or sigmoid units saturated, the strongest units, and for ReLU the dead
ones: 0 for every test image); the scores ZL and the stable softmax one step at a time; the
probabilities AL as bars and the loss; then every gradient of the backward pass (dZL dWL dbL
dA(L−1) dZ(L−1) ... dW1 db1) with its shape and size; and what one SGD step on this example alone
does to its loss and to the accuracy on the whole test set. The names are network.py's (Z1 A1 Z2
A2 for one hidden layer) and the numbers come from the model's own forward and backward.

Without --index it starts at the first test image the network gets wrong: a confident right
answer has a loss near 0 and every gradient near 0 with it, so nothing would show.

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
    p.add_argument(
        "--index",
        type=int,
        help="which test image (default: the first one the network gets wrong)",
    )
    p.add_argument(
        "--lr",
        type=positive_float,
        help="learning rate of the illustrated SGD step (default: the model's own)",
    )
    add_data_options(p, dataset_default=None)


def run(args: argparse.Namespace) -> int:
    """Load the model and the test set; choose the image; print the trace."""
    import numpy as np

    from justnumpy import data, model, train
    from justnumpy.errors import JustNumpyError
    from justnumpy.see import explain

    net, params, meta, dataset, X_test, y_test = load_model_and_test_set(args)
    if args.index is not None and not 0 <= args.index < len(y_test):
        raise JustNumpyError(f"--index {args.index} is outside the test set (0 to {len(y_test) - 1})")
    X = data.to_inputs(X_test, dtype=params["W1"].dtype)
    y = y_test.astype(np.intp)
    if args.index is None:
        index, why = explain.choose(net, params, X, y)
        why += ":\na wrong or unsure answer has gradients large enough to see (--index N shows another)"
    else:
        index, why = args.index, "chosen with --index"
    config = meta.get("config", {})
    lr = args.lr or float(config.get("lr", 0.1))
    steps = explain.trace(
        params, X_test[index], int(y[index]), lr, net=net, batch_size=config.get("batch_size"), test=(X, y)
    )
    can_die = model.can_die(net)
    dead = (train.dead_units(net, params, X), len(y)) if can_die else None
    print(f"{args.model}, {dataset} test image #{index}, {why}")
    explain.render(steps, data.class_names(dataset), dead=dead)
    return 0

"""Measure a saved model on a test set: overall and per-class accuracy.

examples:
  justnumpy evaluate model.npz
  justnumpy evaluate model.npz --dataset fashion-mnist --data-dir ~/data/fashion
"""

from __future__ import annotations

import argparse

from justnumpy.commands.options import add_data_options, load_model_and_test_set

HELP = "test accuracy of a saved model, overall and per class"


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Options of `justnumpy evaluate`."""
    p.add_argument("model", help="a .npz model file written by `justnumpy train`")
    add_data_options(p, dataset_default=None)


def run(args: argparse.Namespace) -> int:
    """Print test accuracy and a per-class table."""
    import numpy as np

    from justnumpy import data, network

    params, _, dataset, X_test, y_test = load_model_and_test_set(args)
    predicted = network.predict(params, data.to_inputs(X_test, dtype=params["W1"].dtype))
    correct = predicted == y_test
    print(f"{args.model}: test accuracy {correct.mean():.2%} on {len(y_test)} {dataset} images")
    for k, name in enumerate(data.class_names(dataset)):
        mask = y_test == k
        print(f"  {k} {name:<12} {correct[mask].mean():7.2%}  ({int(correct[mask].sum())}/{int(mask.sum())})")
    return 0 if np.isfinite(correct.mean()) else 1

"""The promise of the README: the default recipe reaches ≥98% on the real MNIST test set."""

from __future__ import annotations

import numpy as np
import pytest

from justnumpy import train
from justnumpy.files import modelfile


def independent_accuracy(path, X_test_u8, y_test) -> float:
    """Evaluate a model file with nothing but np.load and the formulas (no justnumpy code)."""
    with np.load(path, allow_pickle=False) as f:
        W1, b1, W2, b2 = f["W1"], f["b1"], f["W2"], f["b2"]
    X = X_test_u8.reshape(len(X_test_u8), 784) / 255.0
    Z2 = np.maximum(0, X @ W1 + b1) @ W2 + b2
    return float((Z2.argmax(axis=1) == y_test).mean())


@pytest.mark.slow
def test_default_recipe_reaches_98_percent(mnist_raw, default_model):
    params, meta, _ = modelfile.load(default_model)
    history = meta["history"]
    assert meta["epoch"] == 5 and train.Config(**meta["config"]) == train.Config()
    assert meta["sizes"] == [784, 256, 10] and (meta["activation"], meta["loss"]) == ("relu", "cross-entropy")
    test_acc = history["test_acc"][-1]
    assert test_acc >= 0.98, f"default recipe reached only {test_acc:.2%}"
    assert history["loss"][-1] < history["loss"][0]
    assert all(p.dtype == np.float32 for p in params.values())  # trained in float32 throughout
    _, _, X_test, y_test = mnist_raw
    assert independent_accuracy(default_model, X_test, y_test) == pytest.approx(test_acc, abs=2e-4)

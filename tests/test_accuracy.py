"""The promise of the README: the default recipe reaches ≥98% on the real MNIST test set."""

from __future__ import annotations

import numpy as np
import pytest

from justnumpy import data, train


def independent_accuracy(path, X_test_u8, y_test) -> float:
    """Evaluate a model file with nothing but np.load and the formulas (no justnumpy code)."""
    with np.load(path, allow_pickle=False) as f:
        W1, b1, W2, b2 = f["W1"], f["b1"], f["W2"], f["b2"]
    X = X_test_u8.reshape(len(X_test_u8), 784) / 255.0
    Z2 = np.maximum(0, X @ W1 + b1) @ W2 + b2
    return float((Z2.argmax(axis=1) == y_test).mean())


@pytest.mark.slow
def test_default_recipe_reaches_98_percent(mnist_raw, tmp_path):
    out = tmp_path / "model.npz"
    state = train.train(train.Config(), mnist_raw, out=str(out), log=lambda line: None)
    assert state.epoch == 5
    test_acc = state.history["test_acc"][-1]
    assert test_acc >= 0.98, f"default recipe reached only {test_acc:.2%}"
    assert state.history["loss"][-1] < state.history["loss"][0]
    _, _, X_test, y_test = mnist_raw
    assert independent_accuracy(out, X_test, y_test) == pytest.approx(test_acc, abs=2e-4)
    assert data.to_inputs(X_test[:1]).dtype == np.float32

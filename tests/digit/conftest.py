"""Fixtures for the "your own digit" tests: models, drawings, and MNIST digits turned into photos."""

from __future__ import annotations

from pathlib import Path

import pytest

from justnumpy import modelfile, network, train


@pytest.fixture(scope="session")
def digit_model(mnist_raw, tmp_path_factory) -> Path:
    """The default recipe trained on the real MNIST (~5 s on an idle machine), saved as a file."""
    out = tmp_path_factory.mktemp("digit-model") / "model.npz"
    train.train(train.Config(), mnist_raw, out=str(out), log=lambda line: None)
    return out


@pytest.fixture(scope="session")
def random_model(tmp_path_factory) -> Path:
    """An untrained model: enough for tests of formats and errors, which need no real answers."""
    out = tmp_path_factory.mktemp("random-model") / "random.npz"
    modelfile.save(out, network.init_params(n_hidden=32, seed=0), {"dataset": "mnist", "hidden": 32})
    return out

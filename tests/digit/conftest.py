"""Fixtures for the "your own digit" tests: models, drawings, and MNIST digits turned into photos."""

from __future__ import annotations

from pathlib import Path

import pytest

from justnumpy import network
from justnumpy.files import modelfile


@pytest.fixture(scope="session")
def random_model(tmp_path_factory) -> Path:
    """An untrained model: enough for tests of formats and errors, which need no real answers."""
    out = tmp_path_factory.mktemp("random-model") / "random.npz"
    modelfile.save(out, network.init_params(n_hidden=32, seed=0), {"dataset": "mnist", "hidden": 32})
    return out

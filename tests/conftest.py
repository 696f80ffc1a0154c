"""Shared fixtures: the real MNIST (from $JUSTNUMPY_DATA), tiny synthetic IDX datasets, the CLI."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parent.parent


def write_idx(path: Path, array: np.ndarray, magic: int | None = None) -> Path:
    """Write `array` (uint8) as a gzip-compressed IDX file, the format MNIST ships in."""
    magic = magic if magic is not None else (2051 if array.ndim == 3 else 2049)
    header = magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in array.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + array.astype(np.uint8).tobytes())
    return path


def make_dataset(folder: Path, n_train: int = 600, n_test: int = 200, seed: int = 0) -> Path:
    """A tiny learnable MNIST-shaped dataset: digit k lights up a bright block at row 2k."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    names = {"train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
             "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")}  # fmt: skip
    for split, n in (("train", n_train), ("test", n_test)):
        y = rng.integers(0, 10, size=n).astype(np.uint8)
        X = rng.integers(0, 60, size=(n, 28, 28)).astype(np.uint8)
        for i, k in enumerate(y):
            X[i, 2 * k + 3 : 2 * k + 6, 4:24] = 255
        write_idx(folder / names[split][0], X)
        write_idx(folder / names[split][1], y)
    return folder


@pytest.fixture
def tiny_data(tmp_path: Path) -> Path:
    """Folder with a small synthetic dataset in the four standard file names."""
    return make_dataset(tmp_path / "tiny")


@pytest.fixture(scope="session")
def mnist_raw():
    """The real MNIST as uint8 arrays. In CI it must be there: a skip would hide a broken setup."""
    from justnumpy import data
    from justnumpy.errors import DataError

    if not os.environ.get("JUSTNUMPY_DATA"):
        if os.environ.get("CI"):
            pytest.fail("JUSTNUMPY_DATA is not set in CI; .ci/run must point it at the datasets")
        pytest.skip("set JUSTNUMPY_DATA to a folder holding mnist/ to run tests on real data")
    try:
        return data.load("mnist", allow_download=False)
    except DataError as e:
        pytest.fail(f"JUSTNUMPY_DATA is set but MNIST cannot be read: {e}")


@pytest.fixture(scope="session")
def default_model(mnist_raw, tmp_path_factory) -> Path:
    """`justnumpy train` with no options on the real MNIST, saved once per test session (~5 s)."""
    from justnumpy import train

    out = tmp_path_factory.mktemp("default-model") / "model.npz"
    state = train.train(train.Config(), mnist_raw, out=str(out), log=lambda line: None)
    _add_detector(out, state, mnist_raw)
    return out


def _add_detector(path, state, raw) -> None:
    """Fit the not-a-digit detector on the training rows and add it to the file, as serve needs it."""
    from justnumpy import modelfile, novelty, train
    from justnumpy.threads import CONTROLLER

    params, meta, extra = modelfile.load(path)
    split = train.split(train.Config(**meta["config"]), raw)
    with CONTROLLER.limit(limits=1, user_api="blas"):
        detector = novelty.fit(state.params, split.X_train, split.y_train, split.X_val)
    arrays, meta["novelty"] = modelfile.detector_entries(detector)
    modelfile.save(path, params, meta, {**extra, **arrays})


@pytest.fixture(scope="session")
def default_detector(default_model):
    """(params, detector) of the default model."""
    from justnumpy import modelfile

    params, meta, extra = modelfile.load(default_model)
    return params, modelfile.read_detector(meta, extra, str(default_model))


def run_cli(*args: str, cwd: Path | None = None, env: dict | None = None, timeout: float = 600):
    """Run `python -m justnumpy ARGS` from this checkout; return the CompletedProcess."""
    full_env = {**os.environ, "PYTHONPATH": str(REPO), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "justnumpy", *args],
        cwd=cwd, env=full_env, capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip


@pytest.fixture
def cli():
    """The `run_cli` helper as a fixture."""
    return run_cli

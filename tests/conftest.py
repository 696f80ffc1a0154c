"""Shared fixtures: the real MNIST (from $JUSTNUMPY_DATA), tiny synthetic IDX datasets, the CLI."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

from tests.helpers import make_dataset, run_cli

# In CI the fuzz tests try the same examples on every run, and keep none: a run that passes passes
# again. Elsewhere each run draws new ones, and Hypothesis replays any that failed before.
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    settings.load_profile("ci")

# In CI (.ci/run sets CI=1) every test must run: a skipped oracle test (PyTorch, SciPy, Chromium)
# would let a broken setup pass as green. Only these reasons may skip there, and those CI names in
# CI_ALLOWED_SKIPS ("|" between them: on a Python that PyTorch has no wheel for here, its tests).
ALLOWED_SKIPS_IN_CI = ("running as root", *filter(None, os.environ.get("CI_ALLOWED_SKIPS", "").split("|")))
REAL_DATA = {"mnist_raw", "default_model", "default_detector"}  # fixtures that read the real MNIST
_skipped: list[str] = []


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests on the real MNIST are marked `mnist`: `-m "not mnist"` leaves them out."""
    for item in items:
        if REAL_DATA & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.mnist)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped and not hasattr(report, "wasxfail"):
        reason = str(report.longrepr[2]) if isinstance(report.longrepr, tuple) else str(report.longrepr)
        if not any(allowed in reason for allowed in ALLOWED_SKIPS_IN_CI):
            _skipped.append(f"{report.nodeid}: {reason}")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if os.environ.get("CI") and _skipped and exitstatus == 0:
        print("\nCI: these tests were skipped, and in CI every oracle must run:\n  " + "\n  ".join(_skipped))
        session.exitstatus = 1


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
    train.train(train.Config(), mnist_raw, out=str(out), callbacks=[])
    return out


@pytest.fixture(scope="session")
def default_detector(default_model):
    """(params, detector) of the default model: training fits the not-a-digit detector at its end."""
    from justnumpy.files import modelfile

    params, meta, extra = modelfile.load(default_model)
    return params, modelfile.read_detector(meta, extra, str(default_model))


@pytest.fixture
def cli():
    """The `run_cli` helper as a fixture."""
    return run_cli

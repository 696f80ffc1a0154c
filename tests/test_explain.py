"""`explain`, `plot` and `train --plots` end to end, and the progress bar only on a terminal."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from justnumpy import data, network, train
from justnumpy.see import explain, plots
from tests.helpers import REPO, make_dataset


@pytest.fixture(scope="module")
def saved_model(tmp_path_factory):
    """(model path, data folder): a small model trained on the synthetic digits by the CLI's code."""
    folder = tmp_path_factory.mktemp("explain")
    tiny = make_dataset(folder / "tiny")
    config = train.Config(epochs=2, hidden=16, batch_size=50)
    train.train(config, data.load("mnist", tiny), out=str(folder / "m.npz"), callbacks=[])
    return folder / "m.npz", tiny


def test_trace_agrees_with_network_py():
    rng = np.random.default_rng(0)
    params = network.init_params(n_hidden=12, seed=1)
    image = rng.integers(0, 256, size=(28, 28)).astype(np.uint8)
    image[rng.random((28, 28)) < 0.6] = 0  # some blank pixels, as in a digit
    steps = explain.trace(params, image, y=3, lr=0.05)
    np.testing.assert_array_equal(steps["softmax_steps"], steps["A2"])  # the shown steps are forward's A2
    np.testing.assert_allclose(steps["A2"], network.softmax(steps["Z2"]), rtol=1e-6)
    Y = np.eye(10, dtype=np.float32)[[3]]
    np.testing.assert_allclose(steps["dZ2"], steps["A2"] - Y, rtol=1e-6)  # m = 1: dZ2 = A2 − Y
    np.testing.assert_allclose(steps["dZ1"], steps["dA1"] * (steps["Z1"] > 0), rtol=1e-5, atol=1e-9)
    ink, fired = int((image > 0).sum()), int((steps["A1"] > 0).sum())
    assert int((steps["dW1"] != 0).sum()) == ink * fired  # dW1 = Xᵀ·dZ1 is an outer product for m = 1
    assert steps["loss"] == pytest.approx(-np.log(steps["A2"][0, 3]), rel=1e-5)
    assert steps["loss_after"] < steps["loss"]  # a small step downhill lowers this example's loss
    np.testing.assert_array_equal(params["b1"], 0)  # the step was taken on a copy


def test_ascii_digit_shape_and_ink():
    image = np.zeros((28, 28), dtype=np.uint8)
    image[10:12, 5:9] = 255
    art = explain.ascii_digit(image).splitlines()
    assert len(art) == 14 and all(len(line) == 28 for line in art)
    assert art[5][5:9] == "@@@@" and art[5][:5].strip() == "" and art[0].strip() == ""


def test_explain_prints_every_step_as_plain_text(cli, saved_model):
    model, tiny = saved_model
    r = cli("explain", str(model), "--data-dir", str(tiny), "--index", "7")
    assert r.returncode == 0, r.stderr
    assert "\x1b[" not in r.stdout  # not a terminal: no colour codes
    for step in (
        "X (1, 784)",
        "Z1 = X·W1 + b1",
        "A1 = max(0, Z1)",
        "units fired",
        "Z2 = A1·W2 + b2",
        "Z2 − max",
        "exp",
        "sum of exp",
        "÷ sum = A2",
        "loss",
        "dZ2",
        "dW2",
        "db2",
        "dA1",
        "dZ1",
        "dW1",
        "db1",
        "(784, 16)",
        "one SGD step",
        "test image #7",
    ):
        assert step in r.stdout, step
    assert "max |above − A2 of network.forward| = 0" in r.stdout


def test_explain_bad_index_is_one_line(cli, saved_model):
    model, tiny = saved_model
    r = cli("explain", str(model), "--data-dir", str(tiny), "--index", "200")
    assert r.returncode == 1 and r.stderr.strip() == (
        "justnumpy: error: --index 200 is outside the test set (0 to 199)"
    )


def test_plot_command_and_train_plots(cli, saved_model, tmp_path):
    model, tiny = saved_model
    r = cli("plot", str(model), "--data-dir", str(tiny), "--out", str(tmp_path / "a"))
    assert r.returncode == 0, r.stderr
    assert r.stdout.count("wrote ") == 5
    r = cli(
        "train",
        "--data-dir",
        str(tiny),
        "--epochs",
        "1",
        "--hidden",
        "8",
        "--validation-fraction",
        "0",
        "--out",
        str(tmp_path / "m.npz"),
        "--plots",
        str(tmp_path / "b"),
        "--quiet",
    )
    assert r.returncode == 0, r.stderr
    for name in plots.FILES.values():
        for folder in ("a", "b"):
            with Image.open(tmp_path / folder / name) as image:
                assert image.format == "PNG"


def run_in_terminal(*args: str) -> str:
    """Run `python -m justnumpy ARGS` attached to a pseudo-terminal; return everything it wrote.

    A subprocess on a pty from os.openpty, not pty.fork: forking a process that runs threads (the
    test session may) can deadlock the child, and Python 3.12+ warns about it.
    """
    import fcntl
    import struct
    import termios

    terminal, child_end = os.openpty()
    fcntl.ioctl(child_end, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))  # 100 columns
    env = {**os.environ, "PYTHONPATH": str(REPO), "TQDM_MININTERVAL": "0"}  # every update drawn
    command = [sys.executable, "-m", "justnumpy", *args]
    ends = {"stdin": child_end, "stdout": child_end, "stderr": child_end}
    with subprocess.Popen(command, env=env, start_new_session=True, **ends):  # waits for it at the end
        os.close(child_end)  # the child holds it now: reading ends when the child closes it
        out = b""
        while True:
            try:
                chunk = os.read(terminal, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            out += chunk
    os.close(terminal)
    return out.decode(errors="replace")


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
def test_progress_bar_only_on_a_terminal(saved_model, tmp_path, cli):
    _, tiny = saved_model
    args = [
        "train",
        "--data-dir",
        str(tiny),
        "--epochs",
        "1",
        "--hidden",
        "8",
        "--batch-size",
        "20",
        "--out",
        str(tmp_path / "m.npz"),
    ]
    shown = run_in_terminal(*args)
    assert "epoch 1/1:" in shown and "batch/s" in shown and "loss=" in shown and "acc=" in shown, shown
    assert "batch/s" not in run_in_terminal(*args, "--quiet")
    piped = cli(*args)
    assert piped.returncode == 0 and "batch/s" not in piped.stderr + piped.stdout

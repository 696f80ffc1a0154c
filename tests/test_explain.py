"""`explain`, `plot` and `train --plots` end to end, and the progress bar only on a terminal."""

from __future__ import annotations

import os
import re
import select
import subprocess
import sys
import time

import numpy as np
import pytest
from PIL import Image

from justnumpy import data, mlp, model, network, train
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
        "8,6",  # train --plots hands plot the net it trained, here an mlp.Net
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
    deadline = time.monotonic() + 300  # a child that hangs fails this test, not the whole session
    with subprocess.Popen(command, env=env, start_new_session=True, **ends) as child:  # waited for at the end
        os.close(child_end)  # the child holds it now: reading ends when the child closes it
        out = b""
        while True:
            if not select.select([terminal], [], [], max(0.0, deadline - time.monotonic()))[0]:
                child.kill()
                raise AssertionError(f"justnumpy {' '.join(args)} did not finish in 300 s: {out[-500:]!r}")
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


@pytest.fixture(scope="module")
def deep_tanh(tmp_path_factory):
    """(model path, data folder): a 784-16-12-10 tanh network trained on the synthetic digits."""
    folder = tmp_path_factory.mktemp("deep")
    tiny = make_dataset(folder / "tiny")
    config = train.Config(epochs=2, hidden=(16, 12), activation="tanh", batch_size=50)
    train.train(config, data.load("mnist", tiny), out=str(folder / "deep.npz"), callbacks=[])
    return folder / "deep.npz", tiny


def hidden_gradients(params: dict, grads: dict, L: int) -> dict[str, np.ndarray]:
    """dZl and dA(l−1) of one example, from backward's db (m = 1: db = dZ) and the chain rule in float64."""
    out = {}
    for l in range(L, 0, -1):
        out[f"dZ{l}"] = grads[f"db{l}"][None].astype(np.float64)
        if l > 1:
            out[f"dA{l - 1}"] = out[f"dZ{l}"] @ params[f"W{l}"].T.astype(np.float64)
    return out


def test_trace_of_a_deep_tanh_network_is_its_own_forward_and_backward(deep_tanh):
    path, tiny = deep_tanh
    net, params, _, _ = model.load(path)
    assert isinstance(net, mlp.Net) and net.activation == "tanh"
    _, _, X_test, y_test = data.load("mnist", tiny)
    X, y = data.to_inputs(X_test[5:6]), y_test[5:6].astype(np.intp)
    steps = explain.trace(params, X_test[5], int(y[0]), lr=0.1, net=net, batch_size=50)
    cache = net.forward(params, X)
    grads = net.backward(params, cache, X, y)
    for l in (1, 2, 3):
        for name in (f"Z{l}", f"A{l}", f"dW{l}", f"db{l}"):
            np.testing.assert_array_equal(steps[name], {**cache, **grads}[name], err_msg=name)
    for name, value in hidden_gradients(params, grads, 3).items():
        np.testing.assert_allclose(steps[name], value, rtol=1e-5, atol=1e-7, err_msg=name)
    for l in (1, 2):  # through tanh's slope 1 − A², written independently of layers.py
        expected = steps[f"dA{l}"].astype(np.float64) * (1 - cache[f"A{l}"].astype(np.float64) ** 2)
        np.testing.assert_allclose(steps[f"dZ{l}"], expected, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(steps["dZ3"], cache["A3"] - np.eye(10)[y], rtol=1e-5, atol=1e-7)
    for what, lr in (("share", 0.1 / 50), ("step", 0.1)):
        stepped = next(s for s in steps["steps"] if s["what"] == what)["params"]
        for k in params:  # θ − lr·dθ
            np.testing.assert_allclose(stepped[k], params[k] - lr * grads["d" + k], rtol=1e-6, atol=1e-7)
    np.testing.assert_array_equal(steps["A3_after"], steps["AL_after"])


def test_explain_a_deep_tanh_network_shows_every_layer(cli, deep_tanh):
    path, tiny = deep_tanh
    r = cli("explain", str(path), "--data-dir", str(tiny), "--index", "5")
    assert r.returncode == 0, r.stderr
    for text in (
        "forward pass (mlp.forward): X → Z1 → A1 → Z2 → A2 → Z3 → A3",
        "Z1 = X·W1 + b1 (1, 16)",
        "A1 = tanh(Z1) (1, 16)",
        "Z2 = A1·W2 + b2 (1, 12)",
        "A2 = tanh(Z2) (1, 12)",
        "Z3 = A2·W3 + b3 (1, 10)",
        "÷ sum = A3",
        "max |above − A3 of mlp.forward| = 0",
        "loss = −log A3[",
        "backward pass (mlp.backward)",
        "dA2 ⊙ (1 − A2²)",
        "dA1 ⊙ (1 − A1²)",
        "its share in a batch",
        "test image #5, chosen with --index",
    ):
        assert text in r.stdout, text
    assert "dead units" not in r.stdout  # a tanh unit below 0 still passes gradient back: none is dead
    net, params, _, _ = model.load(path)
    _, _, X_test, y_test = data.load("mnist", tiny)
    X, y = data.to_inputs(X_test[5:6]), y_test[5:6].astype(np.intp)
    grads = net.backward(params, net.forward(params, X), X, y)
    shown = {**grads, **hidden_gradients(params, grads, 3)}
    assert len(shown) == 3 * 2 + 3 + 2  # dW db for each layer, dZ1 dZ2 dZ3, dA1 dA2
    rows = {
        line.split()[0]: line
        for line in r.stdout.splitlines()
        if line.split()[:1] and line.split()[0] in shown
    }
    assert set(rows) == set(shown)  # a row for every gradient, forward to backward
    for name, value in shown.items():
        assert f" {float(np.linalg.norm(value)):.4g} " in rows[name], (name, rows[name])


class GivenProbabilities:
    """A stand-in net whose forward pass hands back fixed probabilities, to test the choice alone."""

    def __init__(self, P: np.ndarray) -> None:
        self.P = np.asarray(P)

    def forward(self, params, X):
        return {"Z1": np.log(self.P), "A1": self.P}


def test_choose_the_first_mistake_else_the_least_sure():
    P = [[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.5, 0.4, 0.1], [0.3, 0.1, 0.6], [0.2, 0.1, 0.7]]
    X = np.zeros((5, 1))
    index, why = explain.choose(GivenProbabilities(P), {}, X, np.array([0, 1, 1, 0, 2]))
    assert index == 2 and "gets wrong (it says 0, the label is 1)" in why  # #3 is wrong too, but later
    index, why = explain.choose(GivenProbabilities(P), {}, X, np.array([0, 1, 0, 2, 2]))
    assert index == 2 and "least sure of (50.00%)" in why  # right everywhere: the lowest true-class share


def test_explain_starts_where_the_gradients_show(cli, default_model, mnist_raw):
    r = cli("explain", str(default_model))
    assert r.returncode == 0, r.stderr
    index = int(re.search(r"test image #(\d+)", r.stdout)[1])
    net, params, meta, _ = model.load(default_model)
    X, y = data.to_inputs(mnist_raw[2]), mnist_raw[3].astype(np.intp)
    wrong = np.flatnonzero(net.predict(params, X) != y)
    assert index == wrong[0] and "the first test image the network gets wrong" in r.stdout

    def gradients(i: int) -> dict[str, np.ndarray]:
        return net.backward(params, net.forward(params, X[i : i + 1]), X[i : i + 1], y[i : i + 1])

    typical = np.median([np.linalg.norm(gradients(i)["dW1"]) for i in range(50)])
    grads = gradients(index)
    assert np.linalg.norm(grads["dW1"]) > 100 * typical  # the first 50 are mostly answered with certainty
    assert np.linalg.norm(grads["db2"]) > 0.5  # wrong: the true class has less than ½, so |dZ2| > ½ there
    # The illustrated step, with the run's learning rate and as this image's share in a batch.
    lr, batch = meta["config"]["lr"], meta["config"]["batch_size"]
    assert f"{lr:g}/{batch}" in r.stdout
    before = float((net.predict(params, X) == y).mean())
    after = float((net.predict({k: v - lr * grads["d" + k] for k, v in params.items()}, X) == y).mean())
    assert f"falls {before:.2%} → {after:.2%}" in r.stdout and "overshoots" in r.stdout

"""A learner's own network or layers in `justnumpy train --network` and `justnumpy gradcheck --network`.

gradcheck passes a right file and fails a wrong one; train checks the gradients on a tiny batch
first and, when they are wrong, says to run `justnumpy check` before anything else, also when
the run diverges (a smaller learning rate would only hide the bug). A layers file trains at any
depth and with each of its activations, and its model file is an ordinary one.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from justnumpy.exercise import kinds, zoo
from justnumpy.files import modelfile
from tests.helpers import REPO

NETWORK = REPO / "tests" / "fixtures" / "exercise_solution.py"
LAYERS = REPO / "tests" / "fixtures" / "layers_solution.py"


def animal(tmp_path, kind, bug):
    """The zoo file of `kind` with `bug`, written to tmp_path."""
    found = next(a for a in kind.module("zoo").ZOO if a.bug == bug)
    path = tmp_path / found.file
    path.write_text(zoo.source(found, kind), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("right", "options"), [(NETWORK, []), (LAYERS, ["--hidden", "8,8", "--activation", "sigmoid"])]
)
def test_gradcheck_passes_a_right_file(cli, right, options):
    r = cli("gradcheck", "--network", str(right), *options)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.strip().endswith("PASS")


@pytest.mark.parametrize(
    ("kind", "bug", "options"),
    [
        (kinds.NETWORK, "missing-relu-mask", []),
        (kinds.LAYERS, "sigmoid-slope-from-Z", ["--hidden", "8,8", "--activation", "sigmoid"]),
    ],
)
def test_gradcheck_fails_a_wrong_file_and_points_at_check(cli, tmp_path, kind, bug, options):
    path = animal(tmp_path, kind, bug)
    r = cli("gradcheck", "--network", str(path), *options)
    assert r.returncode == 1 and "FAIL" in r.stdout and f"justnumpy check {path}" in r.stdout


def test_gradcheck_refuses_settings_a_file_cannot_compute(cli):
    r = cli("gradcheck", "--network", str(NETWORK), "--hidden", "8,8")
    assert r.returncode == 2 and r.stderr.startswith("justnumpy: error:") and "one hidden layer" in r.stderr


def train(cli, tiny_data, tmp_path, network, *options):
    out = tmp_path / "m.npz"
    args = ["--data-dir", str(tiny_data), "--epochs", "1", "--out", str(out), "--quiet"]
    return cli("train", "--network", str(network), *args, *options), out


def test_train_says_to_check_a_file_with_wrong_gradients_first(cli, tiny_data, tmp_path):
    path = animal(tmp_path, kinds.NETWORK, "missing-relu-mask")
    r, out = train(cli, tiny_data, tmp_path, path)
    assert r.returncode == 0, r.stderr  # it trains, so that the learner sees what the bug does
    assert r.stderr.startswith(
        "justnumpy: warning: the gradients of marten.py do not match finite differences"
    )
    assert f"run `justnumpy check {path}` first" in r.stderr and out.exists()


def test_train_says_nothing_about_right_gradients(cli, tiny_data, tmp_path):
    r, _ = train(cli, tiny_data, tmp_path, NETWORK)
    assert r.returncode == 0 and r.stderr == "", r.stderr


def test_a_divergence_from_wrong_gradients_sends_the_learner_to_check_not_to_a_smaller_lr(
    cli, tiny_data, tmp_path
):
    path = animal(tmp_path, kinds.NETWORK, "missing-mean")  # gradients 128 times too big
    r, out = train(cli, tiny_data, tmp_path, path)
    assert r.returncode == 1
    last = r.stderr.strip().splitlines()[-1]
    assert last.startswith("justnumpy: error: training diverged") and "try --lr" not in last
    assert f"run `justnumpy check {path}` first (a smaller --lr would only hide the bug)" in last
    assert not out.exists()


def test_a_layers_file_trains_at_any_depth_and_saves_an_ordinary_model(cli, tiny_data, tmp_path):
    r, out = train(
        cli, tiny_data, tmp_path, LAYERS, "--hidden", "32,16", "--activation", "tanh", "--epochs", "2"
    )
    assert r.returncode == 0 and r.stderr == "", r.stderr
    params, meta, _ = modelfile.load(out)
    assert [params[f"W{l}"].shape for l in (1, 2, 3)] == [(784, 32), (32, 16), (16, 10)]
    assert meta["activation"] == "tanh"
    reported = float(re.search(r"test accuracy ([\d.]+)%", r.stdout)[1]) / 100
    assert reported > 0.9  # the synthetic digits are easy
    e = cli("evaluate", str(out), "--data-dir", str(tiny_data))  # justnumpy's own tanh network reads it
    assert e.returncode == 0 and f"{reported:.2%}" in e.stdout


@pytest.mark.parametrize(
    ("file", "options", "says"),
    [
        (NETWORK, ["--hidden", "32,16"], "one hidden layer"),
        (LAYERS, ["--activation", "leaky-relu"], "relu, sigmoid, tanh"),
        (LAYERS, ["--loss", "squared-error"], "cross-entropy"),
        (LAYERS, ["--init", "xavier"], "its own starting weights"),
        (REPO / "justnumpy" / "exercise" / "optimizers" / "template.py", [], "optimizers, not a network"),
    ],
)
def test_settings_a_file_cannot_compute_exit_2(cli, tiny_data, tmp_path, file, options, says):
    r, out = train(cli, tiny_data, tmp_path, file, *options)
    assert r.returncode == 2 and r.stderr.startswith("justnumpy: error:") and says in r.stderr, r.stderr
    assert not out.exists()


def test_a_layers_bug_that_raises_is_reported_with_the_learners_lines(cli, tiny_data, tmp_path):
    path = animal(tmp_path, kinds.LAYERS, "wrong-layer-cache")  # KeyError: 'act3'
    r, _ = train(cli, tiny_data, tmp_path, path, "--hidden", "32,16")
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert f'File "{path}"' in r.stderr and "KeyError" in r.stderr and f"justnumpy check {path}" in r.stderr


@pytest.mark.slow
def test_a_learners_layers_train_a_deep_network_on_mnist(cli, tmp_path, mnist_raw):
    out = tmp_path / "deep.npz"
    r = cli(
        "train", "--network", str(LAYERS), "--hidden", "128,64", "--epochs", "2", "--out", str(out), "--quiet"
    )
    assert r.returncode == 0 and r.stderr == "", r.stderr
    reported = float(re.search(r"test accuracy ([\d.]+)% after 2 epochs", r.stdout)[1]) / 100
    assert reported >= 0.97
    params = modelfile.load(out)[0]
    assert np.asarray(params["W3"]).shape == (64, 10)

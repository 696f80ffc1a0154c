"""`justnumpy why`: the experiments run in their quick forms and show what they are meant to show.

The checks are properties of the measurements (a first layer's gradient orders of magnitude below
the last's, squared error's gradient far below cross-entropy's on a confident mistake), never
numbers copied from a run.
"""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest

from justnumpy import data, mlp, train
from justnumpy.measure import parallel, why
from justnumpy.measure.why import depth_width, gradients, losses
from justnumpy.measure.why.probe import Probe, gradient_norms, steps, steps_per_epoch
from justnumpy.measure.why.runs import QUICK_TRAIN_IMAGES
from justnumpy.training.threads import limit_blas


def silent(line: str) -> None:
    """A log that keeps quiet."""


def tiny_raw(folder):
    return data.load("mnist", folder, allow_download=False)


@pytest.fixture(scope="module")
def gradient_results(mnist_raw):
    return gradients.run(mnist_raw, quick=True, log=silent)


@pytest.fixture(scope="module")
def loss_results(mnist_raw):
    return losses.run(mnist_raw, quick=True, log=silent)


def test_steps_are_log_spaced_from_the_start_to_the_end_of_the_epoch():
    s = steps(446, 15)
    assert s[0] == 0 and s[-1] == 446 and s == sorted(set(s)) and len(s) <= 16
    assert s[1:4] == [1, 2, 3]  # dense where the weights change fastest, sparse later
    assert steps_per_epoch(60_000, 0.05, 128) == 446  # 57,000 training images in batches of 128


def test_a_probe_reads_the_weights_without_changing_the_run(tiny_data):
    raw = tiny_raw(tiny_data)
    config = train.Config(hidden=(16, 16), activation="tanh", epochs=2, batch_size=64)
    plain = train.train(config, raw, callbacks=[])
    net = train.net_for(config)
    state = train.new_state(config, net)
    X, y = data.to_inputs(raw[0][:50]), raw[1][:50].astype(np.intp)
    probe = Probe(state.params, [0, 1, 5, 18], lambda p: {"norms": gradient_norms(net, p, X, y)})
    probed = train.train(config, raw, net=net, state=state, callbacks=[probe])
    for k, value in plain.params.items():
        assert np.array_equal(value, probed.params[k]), k  # bit for bit
    assert [r["step"] for r in probe.records] == [0, 1, 5, 18]  # 570 images: 9 steps an epoch
    assert probe.records[0]["norms"] != probe.records[-1]["norms"]
    start = train.new_state(config, net).params  # the start, measured independently
    assert probe.records[0]["norms"] == gradient_norms(net, start, X, y)


def test_gradient_norms_are_the_norms_of_backward(tiny_data):
    raw = tiny_raw(tiny_data)
    X, y = data.to_inputs(raw[0][:40]), raw[1][:40].astype(np.intp)
    params = mlp.init_params((784, 8, 6, 10), seed=3, dtype=np.float64)
    net = mlp.Net("sigmoid")
    grads = mlp.backward(params, mlp.forward(params, X, "sigmoid"), X, y, "sigmoid")
    expected = [np.sqrt((grads[f"dW{l}"] ** 2).sum()) for l in (1, 2, 3)]
    assert gradient_norms(net, params, X, y) == pytest.approx(expected, rel=1e-12)


def test_every_depth_activation_and_start_is_run(gradient_results):
    runs = gradient_results["runs"]
    assert len(runs) == len(gradients.DEPTHS) * len(gradients.ACTIVATIONS) * len(gradients.STARTS)
    total = steps_per_epoch(QUICK_TRAIN_IMAGES, 0.05, 128)
    for r in runs:
        assert r["steps"][0] == 0 and r["steps"][-1] == total  # from the start to the end of the epoch
        assert all(len(n) == r["depth"] for n in r["norms"])  # one size per layer, at every step


def test_sigmoid_gradients_shrink_layer_by_layer(gradient_results):
    for start in gradients.STARTS:
        norms = gradients.find(gradient_results, 8, "sigmoid", start)["norms"][0]
        assert all(a < b for a, b in itertools.pairwise(norms)), (start, norms)  # every layer below: smaller
    tiny = gradients.find(gradient_results, 8, "sigmoid", "0.01")["norms"][0]
    assert tiny[0] < 1e-6 * tiny[-1]  # the first layer's gradient: over six orders of magnitude smaller
    # The deeper the sigmoid network, the smaller its first layer's share.
    ratios = [
        gradients.ratio(gradients.find(gradient_results, d, "sigmoid", "Xavier")["norms"][0])
        for d in (2, 4, 8)
    ]
    assert ratios[0] > 10 * ratios[1] > 100 * ratios[2]


def test_he_keeps_relu_gradients_level(gradient_results):
    norms = gradients.find(gradient_results, 8, "relu", "He")["norms"][0]
    assert max(norms) < 5 * min(norms)
    # From a 0.01 start the whole signal is tiny, in every layer alike.
    small = gradients.find(gradient_results, 8, "relu", "0.01")["norms"][0]
    assert max(small) < 1e-4 * min(norms) and max(small) < 5 * min(small)


def test_cross_entropy_and_squared_error_start_alike_and_part(loss_results):
    runs = loss_results["runs"]
    for seed in losses.SEEDS:
        ce, se = (next(r for r in runs if (r["loss"], r["seed"]) == (loss, seed)) for loss in losses.LOSSES)
        assert ce["step"] == se["step"]
        assert ce["accuracy"][0] == se["accuracy"][0]  # the same start: the same weights, the same scores
        assert ce["cross_entropy"][0] == se["cross_entropy"][0]
        assert ce["cross_entropy"][-1] < ce["cross_entropy"][0]  # both learn
        assert se["squared_error"][-1] < se["squared_error"][0]


def test_squared_error_hardly_moves_a_confident_mistake(mnist_raw):
    """From weights that read an image wrongly with probability ~0.999, both losses train on it alone."""
    X, y = data.to_inputs(mnist_raw[0][:1]), mnist_raw[1][:1].astype(np.intp)
    params = mlp.init_params((784, 64, 10), seed=0)
    wrong = (int(y[0]) + 1) % 10
    params["b2"][wrong] = 10.0  # the scores of a fresh network are small: this one wins by far
    found = losses.confidently_wrong(params, X, y)
    assert found["label"] == y[0] and found["predicted"] == wrong and found["p_predicted"] > 0.99
    ce, se = found["cross-entropy"], found["squared-error"]
    assert se["output_gradient"] < ce["output_gradient"] / 100
    assert all(s < c / 100 for s, c in zip(se["weight_gradients"], ce["weight_gradients"], strict=True))
    assert ce["right_at"] is not None
    assert se["right_at"] is None or se["right_at"] > 10 * ce["right_at"]
    assert se["p_true"][ce["right_at"]] < 0.01  # when cross-entropy has it right, squared error has not moved


def test_depth_width_runs_every_network_with_every_seed(tiny_data):
    raw = tiny_raw(tiny_data)
    results = depth_width.run(raw, quick=True, log=silent)
    nets = results["networks"]
    assert [n["network"] for n in nets] == [depth_width.name(h) for h in depth_width.SHAPES]
    for n, hidden in zip(nets, depth_width.SHAPES, strict=True):
        sizes = (784, *hidden, 10)
        assert n["parameters"] == sum(a * b + b for a, b in itertools.pairwise(sizes))
        assert len(n["val_acc"]) == len(depth_width.SEEDS) and n["val_std"] is not None
        assert all(len(c) == depth_width.QUICK_EPOCHS for c in n["val_curves"])
        assert n["seconds_per_epoch"] > 0 and n["cpu_seconds_per_epoch"] > 0
    table = depth_width.table(results)
    assert all(n["network"] in table for n in nets) and "±" in table


def without_times(value):
    """The results with every clock reading left out: what the same seed must give again."""
    if isinstance(value, dict):
        return {k: without_times(v) for k, v in value.items() if "seconds" not in k}
    if isinstance(value, list):
        return [without_times(v) for v in value]
    return value


def test_same_seed_same_numbers(tiny_data, monkeypatch):
    raw = tiny_raw(tiny_data)
    first, again = (losses.run(raw, quick=True, log=silent) for _ in range(2))
    assert first["cpu_seconds"] > 0 and all(r["cpu_seconds"] > 0 for r in first["runs"])
    assert without_times(first) == without_times(again)
    monkeypatch.setattr(losses, "SEEDS", (1, 2, 3))  # other seeds: other numbers, so the check can fail
    assert without_times(first) != without_times(losses.run(raw, quick=True, log=silent))


def test_runs_side_by_side_give_the_numbers_of_runs_one_after_another(tiny_data):
    raw = tiny_raw(tiny_data)
    with limit_blas(parallel.share(2)):  # here, one run at a time, on the threads each of two workers has
        here = losses.run(raw, quick=True, log=silent, jobs=1)
    there = losses.run(raw, quick=True, log=silent, jobs=2)  # two worker processes
    assert [r["blas_threads"] for r in here["runs"]] == [r["blas_threads"] for r in there["runs"]]
    assert without_times(here) == without_times(there)


def test_command_writes_tables_numbers_and_figures(cli, tiny_data, tmp_path):
    out = tmp_path / "why"
    r = cli("why", "--quick", "--quiet", "--out", str(out), "--data-dir", str(tiny_data))
    assert r.returncode == 0, r.stderr
    for name, experiment in why.EXPERIMENTS.items():
        saved = json.loads((out / f"why-{name}.json").read_text())
        assert saved["experiment"] == name and saved["quick"] is True
        assert (out / f"why-{name}.md").read_text() == experiment.table(saved)
        assert experiment.table(saved) in r.stdout
    pictures = sorted(p.name for p in out.glob("*.png"))
    assert pictures == [
        "why-depth-width.png",
        "why-gradients-epoch.png",
        "why-gradients.png",
        "why-losses.png",
    ]
    assert all((out / p).read_bytes().startswith(b"\x89PNG") for p in pictures)


def test_command_runs_one_experiment(cli, tiny_data, tmp_path):
    out = tmp_path / "one"
    r = cli("why", "losses", "--quick", "--quiet", "--out", str(out), "--data-dir", str(tiny_data))
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "why-losses.json",
        "why-losses.md",
        "why-losses.png",
    ]


def test_command_errors_are_one_line(cli, tiny_data, tmp_path):
    r = cli("why", "nonsense")
    assert r.returncode == 2 and r.stderr.startswith("justnumpy: error:") and len(r.stderr.splitlines()) == 1
    blocker = tmp_path / "a-file"
    blocker.write_text("mine")
    r = cli("why", "losses", "--quick", "--out", str(blocker), "--data-dir", str(tiny_data))
    assert r.returncode == 1 and r.stderr.startswith("justnumpy: error:") and len(r.stderr.splitlines()) == 1
    assert blocker.read_text() == "mine"  # nothing the user had is overwritten

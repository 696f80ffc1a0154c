"""The network's math: gradients, numerical stability, dtypes, and that it can learn."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

from justnumpy import gradcheck, network


@pytest.mark.parametrize(("n_hidden", "m"), [(1, 1), (7, 5), (16, 8), (33, 3)])
def test_backward_matches_finite_differences(n_hidden, m):
    errors = gradcheck.max_relative_error((784, n_hidden, 10), m=m, seed=n_hidden)
    assert max(errors.values()) < 1e-6, errors


def test_gradcheck_catches_a_missing_division_by_m(monkeypatch):
    original = network.backward

    def forgot_m(
        params, cache, X, y, **options
    ):  # the sum, not the mean: as the network this project started from wrote it
        return {k: v * X.shape[0] for k, v in original(params, cache, X, y, **options).items()}

    monkeypatch.setattr(network, "backward", forgot_m)
    errors = gradcheck.max_relative_error((784, 8, 10), m=4)
    assert min(errors.values()) > 0.5


def test_backward_matches_torch_autograd():
    torch = pytest.importorskip("torch")  # an independent oracle, when installed
    rng = np.random.default_rng(1)
    params = network.init_params(n_hidden=32, seed=1, dtype=np.float64)
    params["b1"] += rng.normal(0, 0.1, 32)
    X, y = rng.random((20, 784)), rng.integers(0, 10, 20)
    grads = network.backward(params, network.forward(params, X), X, y)
    t = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    logits = torch.relu(torch.tensor(X) @ t["W1"] + t["b1"]) @ t["W2"] + t["b2"]
    torch.nn.functional.cross_entropy(logits, torch.tensor(y)).backward()
    for k in params:
        np.testing.assert_allclose(grads["d" + k], t[k].grad.numpy(), rtol=1e-10, atol=1e-12)


def test_backward_knows_nothing_of_optimizers():
    """backward's only knobs are the data and the loss's own weight decay: no learning rate, no scale."""
    names = list(inspect.signature(network.backward).parameters)
    assert names == ["params", "cache", "X", "y", "weight_decay"]


def test_softmax_is_finite_and_normalised_for_huge_logits():
    Z = np.array([[1e4, -1e4, 0.0] + [0.0] * 7, [-1e4] * 10, [5e3] * 9 + [1e4]], dtype=np.float32)
    A = network.softmax(Z)
    assert np.isfinite(A).all()
    np.testing.assert_allclose(A.sum(axis=1), 1.0, rtol=1e-6)
    assert A[0, 0] == pytest.approx(1.0) and A[2, 9] == pytest.approx(1.0)
    np.testing.assert_allclose(A[1], 0.1, rtol=1e-6)


def test_loss_is_mean_negative_log_probability_of_true_class():
    A2 = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]])
    assert network.loss(A2, np.array([0, 1])) == pytest.approx(-(np.log(0.7) + np.log(0.1)) / 2)
    assert np.isfinite(network.loss(np.array([[1.0, 0.0]], dtype=np.float32), np.array([1])))


def test_init_shapes_dtypes_and_he_scale():
    p = network.init_params(n_hidden=300, seed=3)
    assert {k: v.shape for k, v in p.items()} == {
        "W1": (784, 300),
        "b1": (300,),
        "W2": (300, 10),
        "b2": (10,),
    }
    assert all(v.dtype == np.float32 for v in p.values())
    assert p["W1"].std() == pytest.approx(np.sqrt(2 / 784), rel=0.02)
    assert not p["b1"].any() and not p["b2"].any()
    np.testing.assert_array_equal(p["W1"], network.init_params(n_hidden=300, seed=3)["W1"])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_no_silent_upcast(dtype):
    p = network.init_params(n_hidden=8, dtype=dtype)
    X = np.random.default_rng(0).random((4, 784)).astype(dtype)
    cache = network.forward(p, X)
    grads = network.backward(p, cache, X, np.array([0, 1, 2, 3]))
    assert all(v.dtype == dtype for v in [*cache.values(), *grads.values()])


def test_predict_is_argmax_of_probabilities():
    p = network.init_params(n_hidden=16, seed=2)
    X = np.random.default_rng(2).random((50, 784)).astype(np.float32)
    np.testing.assert_array_equal(network.predict(p, X), network.forward(p, X)["A2"].argmax(axis=1))


def test_overfits_100_examples():
    rng = np.random.default_rng(0)
    # sparse binary "images" (about 20% ink, like MNIST) with random labels: pure memorisation
    X, y = (rng.random((100, 784)) < 0.2).astype(np.float32), rng.integers(0, 10, 100)
    p = network.init_params(n_hidden=64, seed=0)
    losses = []
    for _ in range(200):
        cache = network.forward(p, X)
        losses.append(network.loss(cache["A2"], y))
        grads = network.backward(p, cache, X, y)
        for k in p:
            p[k] -= 0.1 * grads["d" + k]
    assert losses[-1] < losses[0] / 20
    assert (network.predict(p, X) == y).mean() == 1.0

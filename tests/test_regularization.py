"""Dropout and L2 weight decay: off at evaluation, exact gradients, unchanged defaults."""

from __future__ import annotations

import numpy as np
import pytest

from justnumpy import gradcheck, network


def setup(n_hidden=32, m=64, seed=0, dtype=np.float32, n_in=784):
    rng = np.random.default_rng(seed)
    params = network.init_params(n_in, n_hidden, seed=seed, dtype=dtype)
    params["b1"] += dtype(0.1)  # most units active, so dropout visibly matters
    return params, rng.random((m, n_in)).astype(dtype), rng.integers(0, 10, m)


def test_dropout_is_off_at_evaluation():
    params, X, _ = setup()
    plain = network.forward(params, X)
    # No generator means evaluation: the same numbers as without dropout, whatever p says.
    for k, v in network.forward(params, X, dropout=0.5).items():
        np.testing.assert_array_equal(v, plain[k])
    assert "mask" not in plain
    np.testing.assert_array_equal(network.predict(params, X), plain["Z2"].argmax(axis=1))
    trained = network.forward(params, X, dropout=0.5, rng=np.random.default_rng(0))
    assert not np.array_equal(trained["A2"], plain["A2"])


def test_inverted_dropout_keeps_the_expected_activation():
    params, X, _ = setup(m=2000)
    p = 0.3
    plain_A1 = network.forward(params, X)["A1"]
    cache = network.forward(params, X, dropout=p, rng=np.random.default_rng(1))
    mask = cache["mask"]
    assert mask.dtype == np.float32 and set(np.unique(mask)) == {0.0, np.float32(1 / (1 - p))}
    assert (mask == 0).mean() == pytest.approx(p, abs=0.01)  # each unit dropped with probability p
    np.testing.assert_array_equal(cache["A1"], plain_A1 * mask)
    # Scaling survivors by 1/(1−p) keeps each unit's mean: that is why evaluation needs no change.
    assert cache["A1"].mean() == pytest.approx(plain_A1.mean(), rel=0.02)


@pytest.mark.parametrize(("dropout", "weight_decay"), [(0.5, 0.0), (0.0, 0.1), (0.3, 0.01)])
def test_regularized_backward_matches_finite_differences(dropout, weight_decay):
    # 100 inputs instead of 784: the same formulas, 8× fewer finite differences to take
    errors = gradcheck.max_relative_error((100, 12, 10), m=6, dropout=dropout, weight_decay=weight_decay)
    assert max(errors.values()) < 1e-6, errors


def test_gradcheck_catches_a_backward_that_forgets_the_mask():
    params, X, y = setup(n_hidden=6, m=5, dtype=np.float64, n_in=50)
    cache = network.forward(params, X, dropout=0.5, rng=np.random.default_rng(0))
    del cache["mask"]  # backward no longer knows which units were dropped
    wrong = network.backward(params, cache, X, y)
    numeric = gradcheck.numerical_gradients(network, params, X, y, dropout=0.5, mask_seed=0)
    assert gradcheck.relative_error(wrong["dW1"], numeric["dW1"]) > 0.1


def test_l2_gradient_is_weight_decay_times_weights():
    params, X, y = setup(dtype=np.float64)
    cache = network.forward(params, X)
    plain = network.backward(params, cache, X, y)
    decayed = network.backward(params, cache, X, y, weight_decay=0.01)
    np.testing.assert_allclose(decayed["dW1"] - plain["dW1"], 0.01 * params["W1"], atol=1e-15)
    np.testing.assert_allclose(decayed["dW2"] - plain["dW2"], 0.01 * params["W2"], atol=1e-15)
    np.testing.assert_array_equal(decayed["db1"], plain["db1"])  # biases are not decayed
    expected = 0.005 * ((params["W1"] ** 2).sum() + (params["W2"] ** 2).sum())
    assert network.l2_penalty(params, 0.01) == pytest.approx(expected)


def test_regularized_training_keeps_float32():
    params, X, y = setup()
    cache = network.forward(params, X, dropout=0.2, rng=np.random.default_rng(0))
    grads = network.backward(params, cache, X, y, weight_decay=1e-4)
    assert all(v.dtype == np.float32 for v in [*cache.values(), *grads.values()])


@pytest.mark.parametrize("scale", [1.0, 0.01, 1e-4])
def test_init_scale_draws_scale_times_a_standard_normal(scale):
    scaled = network.init_params(n_hidden=300, seed=3, scale=scale)
    he = network.init_params(n_hidden=300, seed=3)
    assert scaled["W1"].std() == pytest.approx(scale, rel=0.02)
    assert scaled["W2"].std() == pytest.approx(scale, rel=0.1)
    # The same random draws, only scaled: the scale changes the size, not the seed's stream.
    np.testing.assert_allclose(scaled["W1"] / scale, he["W1"] / np.sqrt(2 / 784), rtol=1e-5)
    np.testing.assert_allclose(scaled["W2"] / scale, he["W2"] / np.sqrt(2 / 300), rtol=1e-5)


def test_input_dropout_hides_pixels_reproducibly(tmp_path):
    from justnumpy import data, train
    from tests.helpers import make_dataset

    mask = network.dropout_mask((400, 784), 0.2, np.random.default_rng(0), np.float64)
    assert mask.dtype == np.float64 and set(np.unique(mask)) == {0.0, 1.25}
    assert (mask == 0).mean() == pytest.approx(0.2, abs=0.01)
    raw = data.load("mnist", make_dataset(tmp_path / "d", n_train=300, n_test=50))

    def weights(input_dropout: float) -> np.ndarray:
        config = train.Config(epochs=1, batch_size=50, hidden=16, input_dropout=input_dropout)
        return train.train(config, raw, callbacks=[]).params["W1"]

    with_dropout = weights(0.2)
    np.testing.assert_array_equal(with_dropout, weights(0.2))  # same seed, same masks, same bits
    assert not np.array_equal(with_dropout, weights(0.0))  # the masks did reach the training step

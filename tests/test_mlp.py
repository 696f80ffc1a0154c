"""Networks of any depth: mlp.py ≡ network.py at 784-256-10, and every depth, activation and loss
against finite differences (float64) and PyTorch autograd."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from justnumpy import gradcheck, layers, mlp, network, train
from tests.test_layers import torch_activation

DEPTHS = {1: (30, 10), 2: (30, 7, 10), 3: (30, 7, 6, 10), 4: (30, 7, 6, 5, 10)}


def test_mlp_and_network_train_to_the_same_bits(mnist_raw):
    # One epoch of the default recipe on 6,000 real images, once with each module: the same
    # operations in the same order, so the same weights, bit for bit.
    X, y, X_test, y_test = mnist_raw
    raw = (X[:6000], y[:6000], X_test[:500], y_test[:500])
    config = train.Config(epochs=1)
    by_network = train.train(config, raw, net=network, callbacks=[])
    by_mlp = train.train(config, raw, net=mlp.Net(), callbacks=[])
    assert list(by_mlp.params) == ["W1", "b1", "W2", "b2"]
    for k in by_network.params:
        np.testing.assert_array_equal(by_mlp.params[k], by_network.params[k], err_msg=k)
    for k in by_network.history.keys() - {"seconds"}:
        assert by_mlp.history[k] == by_network.history[k], k


def test_the_textbook_shape_trains_with_network_py_and_any_other_with_mlp():
    assert train.net_for(train.Config()) is network
    for other in (
        {"hidden": (64, 32)},
        {"activation": "tanh"},
        {"loss": "squared-error"},
        {"init": "xavier"},
    ):
        assert isinstance(train.net_for(train.Config(**other)), mlp.Net), other


@pytest.mark.parametrize(
    ("depth", "activation", "loss"),
    list(itertools.product(DEPTHS, layers.ACTIVATIONS, layers.LOSSES)),
)
def test_backward_matches_finite_differences(depth, activation, loss):
    errors = gradcheck.max_relative_error(
        DEPTHS[depth],
        m=5,
        seed=depth,
        weight_decay=0.01,
        activation=activation,
        loss=loss,
        net=mlp.Net(activation, loss),
    )
    assert max(errors.values()) < 1e-7, errors


@pytest.mark.parametrize("dropout", [0.3])
def test_dropout_in_every_hidden_layer_matches_finite_differences(dropout):
    errors = gradcheck.max_relative_error(DEPTHS[3], m=6, dropout=dropout, activation="tanh")
    assert max(errors.values()) < 1e-7, errors


def torch_gradients(params, X, y, activation, loss, weight_decay):
    """The same network in PyTorch; its autograd's gradients for every parameter."""
    torch = pytest.importorskip("torch")
    f = torch_activation(activation)
    tensors = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    L = len(params) // 2
    A = torch.tensor(X)
    for l in range(1, L + 1):
        Z = A @ tensors[f"W{l}"] + tensors[f"b{l}"]
        A = f(Z) if l < L else Z
    target = torch.tensor(y)
    if loss == "cross-entropy":
        value = torch.nn.functional.cross_entropy(A, target)
    else:
        P = torch.softmax(A, dim=1)
        Y = torch.nn.functional.one_hot(target, P.shape[1]).double()
        value = 0.5 * ((P - Y) ** 2).sum(dim=1).mean()
    value = value + 0.5 * weight_decay * sum((tensors[f"W{l}"] ** 2).sum() for l in range(1, L + 1))
    value.backward()
    return {"d" + k: t.grad.numpy() for k, t in tensors.items()}


@pytest.mark.parametrize(
    ("depth", "activation", "loss"),
    list(itertools.product(DEPTHS, layers.ACTIVATIONS, layers.LOSSES)),
)
def test_backward_matches_torch_autograd(depth, activation, loss):
    rng = np.random.default_rng(depth)
    params = mlp.init_params(DEPTHS[depth], seed=depth, dtype=np.float64)
    X, y = rng.random((9, DEPTHS[depth][0])), rng.integers(0, 10, 9)
    cache = mlp.forward(params, X, activation)
    ours = mlp.backward(params, cache, X, y, activation, loss, weight_decay=0.01)
    theirs = torch_gradients(params, X, y, activation, loss, 0.01)
    assert list(ours) == list(theirs)
    for k in ours:
        np.testing.assert_allclose(ours[k], theirs[k], rtol=1e-9, atol=1e-12, err_msg=k)


def test_init_he_and_xavier_have_their_standard_deviations():
    sizes = (784, 512, 256, 10)
    he, xavier = mlp.init_params(sizes, init="he"), mlp.init_params(sizes, init="xavier")
    for l, (n_in, n_out) in enumerate(itertools.pairwise(sizes), 1):
        assert he[f"W{l}"].std() == pytest.approx(np.sqrt(2 / n_in), rel=0.05)
        assert xavier[f"W{l}"].std() == pytest.approx(np.sqrt(2 / (n_in + n_out)), rel=0.05)
        assert he[f"W{l}"].dtype == np.float32 and not he[f"b{l}"].any()


def test_a_deep_network_learns(tiny_data):
    from justnumpy import data

    raw = data.load("mnist", tiny_data)
    state = train.train(
        train.Config(hidden=(32, 16), activation="tanh", epochs=3, batch_size=50, lr=0.1), raw, callbacks=[]
    )
    assert state.history["train_acc"][-1] > 0.9 and state.history["loss"][-1] < state.history["loss"][0]
    # tanh's units always have a slope, so none is dead, whatever it outputs (only ReLUs can die)
    assert state.history["dead_per_layer"][-1] == [0, 0] and state.history["dead_units"][-1] == 0
    never_positive = mlp.init_params((784, 4, 10), seed=0)
    never_positive["b1"][:] = -1e3
    X = data.to_inputs(raw[0][:50])
    assert [len(d) for d in train.dead_units(mlp.Net("tanh"), never_positive, X)] == [0]
    assert [len(d) for d in train.dead_units(network, never_positive, X)] == [4]

"""Every building block of layers.py against finite differences (float64) and PyTorch autograd."""

from __future__ import annotations

import numpy as np
import pytest

from justnumpy import layers
from justnumpy.gradcheck import central_differences, relative_error


def numerical(f, x: np.ndarray) -> np.ndarray:
    """d f() / dx by central differences, f a scalar function that reads the array x."""
    return central_differences(f, {"x": x}, h=1e-6)["x"]


@pytest.mark.parametrize("name", list(layers.ACTIVATIONS))
def test_activation_backward_matches_finite_differences(name):
    forward, backward = layers.ACTIVATIONS[name]
    rng = np.random.default_rng(0)
    Z = rng.normal(0, 2, (5, 7))
    Z[np.abs(Z) < 0.05] += 0.1  # off the kink of ReLU and leaky ReLU at 0, where no slope exists
    dA = rng.normal(size=Z.shape)  # the gradient arriving from above: L = Σ dA ⊙ f(Z)
    analytic = backward(dA, forward(Z)[1])
    assert relative_error(analytic, numerical(lambda: float((dA * forward(Z)[0]).sum()), Z)) < 1e-8


def test_linear_backward_matches_finite_differences():
    rng = np.random.default_rng(1)
    A, W, b = rng.normal(size=(4, 6)), rng.normal(size=(6, 3)), rng.normal(size=3)
    dZ = rng.normal(size=(4, 3))
    dA, dW, db = layers.linear_backward(dZ, layers.linear_forward(A, W, b)[1])

    def upstream() -> float:
        return float((dZ * layers.linear_forward(A, W, b)[0]).sum())

    for analytic, x in ((dA, A), (dW, W), (db, b)):
        assert relative_error(analytic, numerical(upstream, x)) < 1e-8
    assert layers.linear_backward(dZ, (A, W), input_grad=False)[0] is None


@pytest.mark.parametrize("loss", list(layers.LOSSES))
def test_loss_backward_is_the_gradient_through_softmax(loss):
    value, backward = layers.LOSSES[loss]
    rng = np.random.default_rng(2)
    Z, y = rng.normal(0, 3, (6, 10)), rng.integers(0, 10, 6)
    analytic = backward(layers.softmax(Z), y)
    assert relative_error(analytic, numerical(lambda: value(layers.softmax(Z), y), Z)) < 1e-8


def test_squared_error_learns_slowly_when_confidently_wrong():
    # The network is sure of class 0 while the answer is 1: cross-entropy's gradient is large, the
    # squared error's is multiplied by softmax's slope, which is almost 0 there (docs/math.md).
    Z, y = np.array([[12.0, 0.0, 0, 0, 0, 0, 0, 0, 0, 0]]), np.array([1])
    A = layers.softmax(Z)
    ce = np.abs(layers.cross_entropy_backward(A, y)).max()
    se = np.abs(layers.squared_error_backward(A, y)).max()
    assert ce > 0.9 and se < 1e-4


def torch_activation(name: str):
    """PyTorch's own function for each of layers.ACTIVATIONS: the oracle."""
    torch = pytest.importorskip("torch")
    return {
        "relu": torch.relu,
        "leaky-relu": lambda z: torch.nn.functional.leaky_relu(z, layers.LEAKY_SLOPE),
        "sigmoid": torch.sigmoid,
        "tanh": torch.tanh,
    }[name]


@pytest.mark.parametrize("name", list(layers.ACTIVATIONS))
def test_activations_match_torch(name):
    torch = pytest.importorskip("torch")
    forward, backward = layers.ACTIVATIONS[name]
    rng = np.random.default_rng(3)
    Z, dA = rng.normal(0, 3, (8, 5)), rng.normal(size=(8, 5))
    Zt = torch.tensor(Z, requires_grad=True)
    At = torch_activation(name)(Zt)
    (At * torch.tensor(dA)).sum().backward()
    A, cache = forward(Z)
    np.testing.assert_allclose(A, At.detach().numpy(), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(backward(dA, cache), Zt.grad.numpy(), rtol=1e-10, atol=1e-15)


def test_sigmoid_never_overflows():
    with np.errstate(all="raise"):
        A, _ = layers.sigmoid_forward(np.array([-1e4, -100.0, 0.0, 100.0, 1e4], dtype=np.float32))
    np.testing.assert_array_equal(A, np.array([0, 0, 0.5, 1, 1], dtype=np.float32))

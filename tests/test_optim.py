"""Optimizers against steps worked out by hand, and the learning-rate schedules."""

from __future__ import annotations

import math

import numpy as np
import pytest

from justnumpy import optim


def one_param(value: float = 1.0) -> dict[str, np.ndarray]:
    return {"w": np.array([value], dtype=np.float32)}


def test_sgd_step():
    p = one_param(1.0)
    optim.SGD(p).step(p, {"dw": np.array([2.0], dtype=np.float32)}, lr=0.1)
    assert p["w"][0] == pytest.approx(0.8)


def test_momentum_accumulates_velocity():
    p = one_param(1.0)
    opt = optim.Momentum(p, momentum=0.9)
    assert opt.scaled_grads  # it takes lr·g
    G = {"dw": np.array([0.1], dtype=np.float32)}  # g = 1 at lr = 0.1
    opt.step(p, G, lr=0.1)  # v = 1,    w = 1 - 0.1
    opt.step(p, G, lr=0.1)  # v = 1.9,  w = 0.9 - 0.19
    assert opt.state["u_w"][0] == pytest.approx(0.1 * 1.9)  # it keeps u = lr·v
    assert p["w"][0] == pytest.approx(0.71)


@pytest.mark.parametrize("lrs", [[0.05] * 6, [0.3, 0.2, 0.1, 0.05, 0.01, 0.4]])
def test_momentum_matches_pytorch_sgd_even_when_lr_changes(lrs):
    """PyTorch's v ← μv + g, θ ← θ − lr·v, step by step: u = lr·v must follow every change of lr."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    w0, grads = rng.standard_normal(5), rng.standard_normal((len(lrs), 5))
    p = {"w": w0.copy()}
    opt = optim.Momentum(p, momentum=0.9)
    t = torch.tensor(w0, requires_grad=True)
    t_opt = torch.optim.SGD([t], lr=lrs[0], momentum=0.9)
    for lr, g in zip(lrs, grads, strict=True):
        opt.step(p, {"dw": lr * g}, lr=lr)
        t_opt.param_groups[0]["lr"] = lr
        t.grad = torch.tensor(g)
        t_opt.step()
        np.testing.assert_allclose(p["w"], t.detach().numpy(), rtol=1e-12, atol=1e-14)


def test_adam_first_steps():
    p = one_param(1.0)
    opt = optim.Adam(p)
    opt.step(p, {"dw": np.array([4.0], dtype=np.float32)}, lr=0.01)
    # after bias correction m̂ = g and ŝ = g², so the first step is lr·g/|g| = lr, whatever g is
    assert p["w"][0] == pytest.approx(0.99, abs=1e-6)
    opt.step(p, {"dw": np.array([-2.0], dtype=np.float32)}, lr=0.01)
    m = 0.9 * 0.4 + 0.1 * -2.0
    s = 0.999 * 0.001 * 16 + 0.001 * 4
    m_hat, s_hat = m / (1 - 0.9**2), s / (1 - 0.999**2)
    assert p["w"][0] == pytest.approx(0.99 - 0.01 * m_hat / (math.sqrt(s_hat) + 1e-8), abs=1e-6)
    assert int(opt.state["t"]) == 2


@pytest.mark.parametrize("name", ["sgd", "momentum", "adam"])
def test_optimizers_keep_float32(name):
    p = {"w": np.ones((3, 3), dtype=np.float32)}
    opt = optim.make_optimizer(name, p)
    opt.step(p, {"dw": np.ones((3, 3), dtype=np.float32)}, lr=0.1)
    assert p["w"].dtype == np.float32
    # the buffers are float32 like the weights; 0-d numbers (Adam's t, momentum's last lr) may be wider
    assert all(v.dtype == np.float32 for v in opt.state.values() if v.ndim)


def test_unknown_optimizer():
    with pytest.raises(ValueError, match="unknown optimizer"):
        optim.make_optimizer("rmsprop", one_param())


def test_schedules():
    assert optim.learning_rate("constant", 0.1, 50, 100) == 0.1
    assert optim.learning_rate("cosine", 0.1, 0, 100) == pytest.approx(0.1)
    assert optim.learning_rate("cosine", 0.1, 50, 100) == pytest.approx(0.05)
    assert optim.learning_rate("cosine", 0.1, 100, 100) == pytest.approx(0.0)
    assert isinstance(optim.learning_rate("cosine", 0.1, 3, 100), float)

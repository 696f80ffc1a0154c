"""Optimizers against steps worked out by hand and against PyTorch's, and the learning-rate schedules."""

from __future__ import annotations

import math

import numpy as np
import pytest

from justnumpy import optim


def one_param(value: float = 1.0) -> dict[str, np.ndarray]:
    return {"w": np.array([value], dtype=np.float32)}


def test_sgd_step():
    p = one_param(1.0)
    optim.SGD(p, lr=0.1).step({"dw": np.array([2.0], dtype=np.float32)})
    assert p["w"][0] == pytest.approx(0.8)


def test_momentum_accumulates_velocity():
    p = one_param(1.0)
    opt = optim.Momentum(p, lr=0.1, momentum=0.9)
    g = {"dw": np.array([1.0], dtype=np.float32)}
    opt.step(g)  # v = 1,    w = 1 − 0.1·1
    opt.step(g)  # v = 1.9,  w = 0.9 − 0.1·1.9
    assert p["w"][0] == pytest.approx(0.71)


@pytest.mark.parametrize("lrs", [[0.05] * 6, [0.3, 0.2, 0.1, 0.05, 0.01, 0.4]])
@pytest.mark.parametrize("name", ["sgd", "momentum", "adam"])
def test_every_optimizer_matches_pytorch_step_for_step(name, lrs):
    """The same gradients and learning rates into ours and into torch.optim: the same weights."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    w0, grads = rng.standard_normal(5), rng.standard_normal((len(lrs), 5))
    p = {"w": w0.copy()}
    opt = optim.make_optimizer(name, p, lrs[0], **({"momentum": 0.9} if name == "momentum" else {}))
    t = torch.tensor(w0, requires_grad=True)
    t_opt = {
        "sgd": lambda: torch.optim.SGD([t], lr=lrs[0]),
        "momentum": lambda: torch.optim.SGD([t], lr=lrs[0], momentum=0.9),
        "adam": lambda: torch.optim.Adam([t], lr=lrs[0]),
    }[name]()
    for lr, g in zip(lrs, grads, strict=True):
        opt.lr = lr
        opt.step({"dw": g})
        t_opt.param_groups[0]["lr"] = lr
        t.grad = torch.tensor(g)
        t_opt.step()
        np.testing.assert_allclose(p["w"], t.detach().numpy(), rtol=1e-12, atol=1e-14)


def test_adam_first_steps():
    p = one_param(1.0)
    opt = optim.Adam(p, lr=0.01)
    opt.step({"dw": np.array([4.0], dtype=np.float32)})
    # after bias correction m̂ = g and ŝ = g², so the first step is lr·g/|g| = lr, whatever g is
    assert p["w"][0] == pytest.approx(0.99, abs=1e-6)
    opt.step({"dw": np.array([-2.0], dtype=np.float32)})
    m = 0.9 * 0.4 + 0.1 * -2.0
    s = 0.999 * 0.001 * 16 + 0.001 * 4
    m_hat, s_hat = m / (1 - 0.9**2), s / (1 - 0.999**2)
    assert p["w"][0] == pytest.approx(0.99 - 0.01 * m_hat / (math.sqrt(s_hat) + 1e-8), abs=1e-6)
    assert int(opt.state["t"]) == 2


@pytest.mark.parametrize("name", ["sgd", "momentum", "adam"])
def test_optimizers_keep_float32(name):
    p = {"w": np.ones((3, 3), dtype=np.float32)}
    opt = optim.make_optimizer(name, p, 0.1)
    opt.lr = np.float64(0.05)  # a NumPy float64 would upcast float32 weights if it were kept
    opt.step({"dw": np.ones((3, 3), dtype=np.float32)})
    assert p["w"].dtype == np.float32
    assert all(v.dtype == np.float32 for v in opt.state.values() if v.ndim)  # Adam's 0-d t may be wider


def test_state_dict_round_trip_continues_identically():
    """Saving and loading the state mid-run gives exactly the steps of an uninterrupted run."""
    rng = np.random.default_rng(3)
    grads = [{"dw": rng.standard_normal(4).astype(np.float32)} for _ in range(6)]
    a, b = {"w": np.ones(4, np.float32)}, {"w": np.ones(4, np.float32)}
    opt_a = optim.Adam(a, lr=0.1)
    opt_b = optim.Adam(b, lr=0.1)
    for g in grads[:3]:
        opt_a.step(g)
        opt_b.step(g)
    fresh = optim.Adam(b, lr=0.1)
    fresh.load_state_dict({k: v.copy() for k, v in opt_b.state_dict().items()})
    for g in grads[3:]:
        opt_a.step(g)
        fresh.step(g)
    np.testing.assert_array_equal(a["w"], b["w"])


def test_load_state_dict_refuses_what_does_not_fit():
    opt = optim.Momentum({"w": np.zeros(3, np.float32)}, lr=0.1)
    with pytest.raises(ValueError, match="no 'v_w'"):
        opt.load_state_dict({})
    with pytest.raises(ValueError, match="shape"):
        opt.load_state_dict({"v_w": np.zeros(4)})
    with pytest.raises(ValueError, match="NaN"):
        opt.load_state_dict({"v_w": np.array([0.0, np.nan, 0.0])})


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: optim.SGD(p, lr=-1), "learning rate"),
        (lambda p: optim.SGD(p, lr=float("nan")), "learning rate"),
        (lambda p: optim.Momentum(p, lr=0.1, momentum=1.0), "momentum"),
        (lambda p: optim.Adam(p, lr=0.1, eps=0), "Adam"),
        (lambda p: optim.make_optimizer("rmsprop", p, 0.1), "unknown optimizer"),
    ],
)
def test_bad_settings_are_named(make, message):
    with pytest.raises(ValueError, match=message):
        make(one_param())


def test_schedules():
    assert optim.learning_rate("constant", 0.1, 50, 100) == 0.1
    assert optim.learning_rate("cosine", 0.1, 0, 100) == pytest.approx(0.1)
    assert optim.learning_rate("cosine", 0.1, 50, 100) == pytest.approx(0.05)
    assert optim.learning_rate("cosine", 0.1, 100, 100) == pytest.approx(0.0)
    assert isinstance(optim.learning_rate("cosine", 0.1, 3, 100), float)
    with pytest.raises(ValueError, match="unknown schedule"):
        optim.learning_rate("step", 0.1, 3, 100)

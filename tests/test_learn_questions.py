"""docs/learn.md's questions: every step has some, each with a folded answer, and the answers' laws hold.

The numbers of the answers were measured on MNIST; what they rest on is checked here, quickly and
without the data: the count of parameters, the zero sum of each row of dZ2, the outer product of
one image's dW1, and the trade-off between truncation and rounding in a finite difference.
"""

from __future__ import annotations

import re

import numpy as np

from justnumpy import gradcheck, network, optim
from tests.helpers import REPO

LEARN = (REPO / "docs" / "learn.md").read_text(encoding="utf-8")


def test_every_step_ends_with_questions_and_folded_answers():
    path = LEARN.split("\n## The path\n", 1)[1].split("\n## Dead ReLU units", 1)[0]
    steps = re.split(r"^### \d+\. .+$", path, flags=re.MULTILINE)[1:]
    assert len(steps) == 10
    for number, text in enumerate(steps, 1):
        questions = text.split("**Questions**", 1)[1] if "**Questions**" in text else ""
        asked = re.findall(r"^\d+\. ", questions, flags=re.MULTILINE)
        folded = re.findall(r"<details><summary>Answer</summary>.+?</details>", questions, flags=re.DOTALL)
        assert 2 <= len(asked) == len(folded) <= 4, (
            f"step {number}: {len(asked)} questions, {len(folded)} answers"
        )


def test_the_parameter_count():
    assert sum(p.size for p in network.init_params().values()) == 203_530
    assert "203,530" in LEARN


def test_output_biases_keep_their_sum_under_momentum():
    rng = np.random.default_rng(0)
    params = network.init_params(n_hidden=32, seed=0, dtype=np.float64)
    opt = optim.Momentum(params, lr=0.2)
    for _ in range(20):
        X, y = rng.random((16, 784)), rng.integers(0, 10, 16)
        grads = network.backward(params, network.forward(params, X), X, y)
        assert abs(grads["db2"].sum()) < 1e-15  # every row of A2 − Y sums to 0
        opt.step(grads)
    assert abs(params["b2"].sum()) < 1e-14 and np.abs(params["b2"]).max() > 1e-3  # moved, sum still 0


def test_one_images_weight_gradient_is_non_zero_only_at_ink_times_fired():
    rng = np.random.default_rng(1)
    params = network.init_params(seed=0)
    x = (rng.random((1, 784)) < 0.15).astype(np.float32) * rng.random((1, 784), dtype=np.float32)
    cache = network.forward(params, x)
    dW1 = network.backward(params, cache, x, np.array([3]))["dW1"]
    assert np.count_nonzero(dW1) == np.count_nonzero(x) * np.count_nonzero(cache["A1"])


def test_a_middle_step_beats_both_a_large_and_a_tiny_one():
    rng = np.random.default_rng(0)
    params = network.init_params(40, 8, 10, seed=0, dtype=np.float64)
    params["b1"] += 0.1  # off ReLU's kink
    X, y = rng.random((6, 40)), rng.integers(0, 10, 6)
    analytic = network.backward(params, network.forward(params, X), X, y)

    def error(h: float) -> float:
        numeric = gradcheck.numerical_gradients(network, params, X, y, h=h)
        return max(gradcheck.relative_error(analytic[k], numeric[k]) for k in analytic)

    middle = error(1e-5)
    assert middle < 1e-8 and middle < error(1e-2) / 100 and middle < error(1e-11) / 100

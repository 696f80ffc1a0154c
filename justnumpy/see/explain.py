"""One example through the network, step by step, with the names network.py uses.

    from justnumpy import data
    from justnumpy.see import explain
    from justnumpy.files import modelfile
    params, meta, _ = modelfile.load("model.npz")
    _, _, X_test, y_test = data.load("mnist")
    steps = explain.trace(params, X_test[0], int(y_test[0]), lr=0.2)
    explain.render(steps, data.class_names("mnist"))

`trace` runs the real `network.forward`, `network.loss` and `network.backward` on a batch of one
(m = 1) and keeps every intermediate. The steps network.py does not hand back are recovered,
not recomputed another way: with one example, "sum over the rows" is the row itself, so
dZ2 = db2 and dZ1 = db1 come straight out of `backward`; the softmax steps are computed here
for display and checked against the A2 that `forward` produced.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from rich import box
from rich.bar import Bar
from rich.console import Console
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from justnumpy import network, optim
from justnumpy.data import to_inputs

RAMP = " .:-=+*#%@"  # darker characters for more ink


def trace(params: network.Params, image: np.ndarray, y: int, lr: float) -> dict[str, Any]:
    """Every quantity of one forward pass, backward pass and SGD step on one example.

    `image` is an MNIST image (28, 28) uint8, or an input row (784,) in [0, 1] as
    images.preprocess makes it from a drawing. "params_after" are the weights after the step.
    """
    if image.dtype == np.uint8:
        X = to_inputs(image[None], dtype=params["W1"].dtype)  # (1, 784): a batch of one
    else:
        X = image.reshape(1, -1).astype(params["W1"].dtype)  # (1, 784): already inputs
    y_batch = np.array([y])
    cache = network.forward(params, X)
    Z2 = cache["Z2"]
    # The stable softmax, one step at a time, only to show it; A2 itself comes from forward.
    shifted = Z2 - Z2.max(axis=1, keepdims=True)  # (1, 10): largest entry is now 0
    E = np.exp(shifted)  # (1, 10): in (0, 1]
    S = E.sum(axis=1, keepdims=True)  # (1, 1): ≥ 1, so the division is safe
    loss = network.loss(cache["A2"], y_batch)
    grads = network.backward(params, cache, X, y_batch)
    # With m = 1, db = Σ_rows dZ is that single row: backward's own dZ2 and dZ1.
    dZ2, dZ1 = grads["db2"][None], grads["db1"][None]
    dA1 = dZ2 @ params["W2"].T  # (1, H): what dZ1 was before the ReLU mask
    stepped = {k: v.copy() for k, v in params.items()}
    optim.SGD(stepped, lr).step(grads)  # θ ← θ − lr·g on a copy; the model is untouched
    after = network.forward(stepped, X)["A2"]
    return {
        "X": X,
        "y": y,
        "lr": lr,
        **cache,
        "shifted": shifted,
        "E": E,
        "S": S,
        "softmax_steps": E / S,
        "loss": loss,
        "dZ2": dZ2,
        "dA1": dA1,
        "dZ1": dZ1,
        **grads,
        "params_after": stepped,
        "A2_after": after,
        "loss_after": network.loss(after, y_batch),
    }


def ascii_digit(image: np.ndarray) -> str:
    """A 28×28 uint8 image as 14 lines of 28 characters (two pixel rows per line, as characters are tall)."""
    pairs = image.reshape(14, 2, 28).mean(axis=1)  # (14, 28): average each pair of rows
    levels = (pairs / 256 * len(RAMP)).astype(int)  # 0..255 → index into the ramp
    return "\n".join("".join(RAMP[v] for v in row) for row in levels)


def dead_lines(dead: np.ndarray, n_images: int, hidden: int, shown: int = 12) -> list[str]:
    """How many of the `hidden` units output 0 for all n_images (dead), and which, as short lines."""
    if len(dead) == 0:
        return [f"dead units: none; each of the {hidden} fires for some of the {n_images:,} test images"]
    which = ", ".join(str(j) for j in dead[:shown]) + (", …" if len(dead) > shown else "")
    return [
        f"dead units: {len(dead)} of {hidden} output 0 for all {n_images:,} test images, so no gradient",
        "  reaches them through the ReLU and they stop learning:",
        f"  {which}",
    ]


def _norm(a: np.ndarray) -> str:
    return f"{float(np.linalg.norm(a)):.4g}"


def _vector_table(columns: dict[str, np.ndarray], names: list[str], styles: dict[int, str]) -> Table:
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("class")
    for title in columns:
        table.add_column(title, justify="right")
    for k, name in enumerate(names):
        table.add_row(name, *(f"{v[k]:.4g}" for v in columns.values()), style=styles.get(k, ""))
    return table


def render(
    steps: dict[str, Any],
    names: list[str],
    console: Console | None = None,
    dead: tuple[np.ndarray, int] | None = None,
) -> None:
    """Print the trace: forward pass, softmax, loss, backward pass, one SGD step.

    `dead` = (indices, n): the hidden units that output 0 for all n images of a set (the test
    set, via train.dead_units); the forward pass then names them.
    """
    console = console or Console()
    say = console.print
    X, y, A2 = steps["X"], steps["y"], steps["A2"][0]
    H = steps["A1"].shape[1]
    guess = int(A2.argmax())
    styles = {y: "bold green", guess: "bold green" if guess == y else "bold red"}

    say(Rule("forward pass: X → Z1 → A1 → Z2 → A2"))
    ink = int((X > 0).sum())
    say(f"[bold]X[/] {X.shape}: 784 pixels / 255, true label [bold]{names[y]}[/], {ink} pixels have ink")
    say(Text(ascii_digit(np.round(X[0] * 255).reshape(28, 28)), style="cyan"))
    A1 = steps["A1"][0]
    fired = int((A1 > 0).sum())
    say(f"[bold]Z1 = X·W1 + b1[/] {steps['Z1'].shape}: each of the {H} hidden units' weighted sum of pixels")
    say(
        f"[bold]A1 = max(0, Z1)[/] {steps['A1'].shape}: {fired} of {H} units fired ({fired / H:.0%}), "
        f"the rest output 0"
    )
    top = np.argsort(-A1, kind="stable")[:3]
    say("  strongest A1: " + ", ".join(f"unit {j} = {A1[j]:.3g}" for j in top))
    if dead is not None:
        for line in dead_lines(*dead, H):
            say("  " + line)
    say(f"[bold]Z2 = A1·W2 + b2[/] {steps['Z2'].shape}: one score (logit) per class")

    say(Rule("stable softmax: A2 = exp(Z2 − max Z2) / sum"))
    columns = {
        "Z2": steps["Z2"][0],
        "Z2 − max": steps["shifted"][0],
        "exp": steps["E"][0],
        "÷ sum = A2": steps["softmax_steps"][0],
    }
    say(_vector_table(columns, names, styles))
    diff = float(np.abs(steps["softmax_steps"] - steps["A2"]).max())
    say(f"sum of exp = {float(steps['S'][0, 0]):.6g};  max |above − A2 of network.forward| = {diff:.1g}")

    say(Rule("A2: the network's belief"))
    bars = Table(box=None, pad_edge=False, show_header=False)
    for column in ("class", "A2", "bar"):
        bars.add_column(column, justify="right" if column == "A2" else "left")
    for k, name in enumerate(names):
        color = "green" if k == y else ("red" if k == guess else "white")
        bars.add_row(
            name, f"{A2[k]:7.2%}", Bar(1.0, 0, float(A2[k]), width=40, color=color), style=styles.get(k)
        )
    say(bars)
    verdict = "[green]right[/]" if guess == y else "[red]wrong[/]"
    say(
        f"answer: [bold]{names[guess]}[/] ({verdict}); "
        f"[bold]loss[/] = −log A2[{names[y]}] = −log {A2[y]:.6g} = {steps['loss']:.4g}"
    )

    say(Rule("backward pass: how each number should move to lower the loss"))
    n_dW1 = int((steps["dW1"] != 0).sum())
    rows = [
        ("dZ2", "(A2 − Y) / m", "< 0 only at the true class"),
        ("dW2", "A1ᵀ·dZ2", f"≠ 0 only in {fired} fired rows"),
        ("db2", "Σ_rows dZ2", "= dZ2 (one example)"),
        ("dA1", "dZ2·W2ᵀ", "10 scores talk back to each unit"),
        ("dZ1", "dA1 ⊙ [Z1 > 0]", f"≠ 0 only at the {fired} fired units"),
        ("dW1", "Xᵀ·dZ1", f"{n_dW1:,} ≠ 0 = {ink} ink px × {fired} units"),
        ("db1", "Σ_rows dZ1", "= dZ1 (one example)"),
    ]
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    for column in ("name", "formula", "shape", "norm", "what it says"):
        table.add_column(column, justify="right" if column == "norm" else "left")
    for name, formula, note in rows:
        table.add_row(name, formula, str(steps[name].shape), _norm(steps[name]), note)
    say(table)

    say(Rule(f"one SGD step: θ ← θ − lr·dθ with lr = {steps['lr']:g}, on this example alone"))
    after = steps["A2_after"][0]
    new_guess = names[int(after.argmax())]
    # + 0.0 turns the −0.0 of −log(1) into a plain 0
    say(
        f"loss {steps['loss'] + 0.0:.4g} → {steps['loss_after'] + 0.0:.4g};  "
        f"A2[{names[y]}] {A2[y]:.4%} → {after[y]:.4%};  answer {names[guess]} → {new_guess}"
    )

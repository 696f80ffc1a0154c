"""One example through the network, step by step, with the names network.py uses.

    from justnumpy import data, model
    from justnumpy.see import explain
    net, params, meta, _ = model.load("model.npz")
    _, _, X_test, y_test = data.load("mnist")
    i, why = explain.choose(net, params, data.to_inputs(X_test), y_test)
    steps = explain.trace(params, X_test[i], int(y_test[i]), lr=0.2, net=net, batch_size=128)
    explain.render(steps, data.class_names("mnist"))

`trace` runs the model's own net (`net.forward`, `net.loss`, `net.backward`: network.py for the
784-256-10 network, mlp.py for any other) on a batch of one (m = 1) and keeps every intermediate,
named Z1 A1 ... ZL AL forwards and dZL dWL dbL ... dZ1 dW1 db1 backwards. The steps the net does
not hand back are recovered, not recomputed another way: with one example, "sum over the rows" is
the row itself, so dZl = dbl comes straight out of `backward`; dA(l−1) = dZl·Wlᵀ is layers.py's
`linear_backward`; the softmax steps are computed here for display and checked against the AL
that `forward` produced.
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

from justnumpy import model, network, optim
from justnumpy.data import to_inputs
from justnumpy.layers import LEAKY_SLOPE, linear_backward

RAMP = " .:-=+*#%@"  # darker characters for more ink
SATURATED = 0.99  # a tanh output beyond ±0.99 (slope below 0.02), a sigmoid's beyond 0.01 or 0.99
OVERSHOT = 0.005  # a test accuracy lower by more than this after one step: the step hurt other images


def choose(net: model.Net, params: network.Params, X: np.ndarray, y: np.ndarray) -> tuple[int, str]:
    """(index, why): the example to explain when none is asked for, and the reason in words.

    The first one the network gets wrong; if it gets none wrong, the one whose true class it
    gives the lowest probability. A confident right answer has a loss near 0 and every gradient
    near 0 with it: nothing would show.
    """
    AL = model.output(net.forward(params, X))  # (n, 10)
    guess = AL.argmax(axis=1)
    wrong = np.flatnonzero(guess != y)
    if len(wrong):
        i = int(wrong[0])
        why = f"the first test image the network gets wrong (it says {guess[i]}, the label is {y[i]})"
    else:
        i = int(np.argmin(AL[np.arange(len(y)), y]))
        why = f"the test image whose true class the network is least sure of ({AL[i, y[i]]:.2%})"
    return i, why


def take_step(
    net: model.Net, params: network.Params, X: np.ndarray, y: np.ndarray, grads: dict, lr: float
) -> dict[str, Any]:
    """One SGD step θ ← θ − lr·dθ on a copy of params: {"lr", "params" after it, "AL" and "loss" on X}."""
    stepped = {k: v.copy() for k, v in params.items()}
    optim.SGD(stepped, lr).step(grads)  # the model itself is untouched
    after = model.output(net.forward(stepped, X))
    return {"lr": lr, "params": stepped, "AL": after, "loss": net.loss(after, y)}


def trace(
    params: network.Params,
    image: np.ndarray,
    y: int,
    lr: float,
    net: model.Net = network,
    batch_size: int | None = None,
    test: tuple[np.ndarray, np.ndarray] | None = None,
) -> dict[str, Any]:
    """Every quantity of one forward pass, backward pass and SGD step of `net` on one example.

    `image` is an MNIST image (28, 28) uint8, or an input row (784,) in [0, 1] as
    images.preprocess makes it from a drawing. "params_after", "AL_after" and "loss_after" are
    those after one step with `lr` (with L = 2 also under "A2_after"). With `batch_size` B, the
    step with lr/B is taken too: this example's share of one training step. With `test` (inputs,
    labels), "steps" also hold the accuracy on that set before and after each step.
    """
    dtype = params["W1"].dtype
    if image.dtype == np.uint8:
        X = to_inputs(image[None], dtype=dtype)  # (1, 784): a batch of one
    else:
        X = image.reshape(1, -1).astype(dtype)  # (1, 784): already inputs
    y_batch = np.array([y])
    L = model.n_layers(params)
    cache = net.forward(params, X)
    names = [f"{k}{l}" for l in range(1, L + 1) for k in ("Z", "A")]
    ZL = cache[f"Z{L}"]
    # The stable softmax, one step at a time, only to show it; AL itself comes from forward.
    shifted = ZL - ZL.max(axis=1, keepdims=True)  # (1, 10): largest entry is now 0
    E = np.exp(shifted)  # (1, 10): in (0, 1]
    S = E.sum(axis=1, keepdims=True)  # (1, 1): ≥ 1, so the division is safe
    loss = net.loss(cache[f"A{L}"], y_batch)
    grads = net.backward(params, cache, X, y_batch)
    out = {"X": X, "y": y, "lr": lr, "L": L, **{k: cache[k] for k in names}, **grads}
    for l in range(L, 0, -1):
        out[f"dZ{l}"] = grads[f"db{l}"][None]  # (1, n_l): with m = 1, db = Σ_rows dZ is dZ's one row
        if l > 1:  # what dZ(l−1) was before the activation's slope
            out[f"dA{l - 1}"], _, _ = linear_backward(out[f"dZ{l}"], (cache[f"A{l - 1}"], params[f"W{l}"]))
    steps = [{"what": "before", "lr": None, "params": params, "AL": cache[f"A{L}"], "loss": loss}]
    if batch_size:
        steps.append({"what": "share", **take_step(net, params, X, y_batch, grads, lr / batch_size)})
    steps.append({"what": "step", **take_step(net, params, X, y_batch, grads, lr)})
    whole = steps[-1]
    if test is not None:
        for step in steps:
            step["accuracy"] = float((net.predict(step["params"], test[0]) == test[1]).mean())
    return {
        **out,
        "source": source(net),
        "activation": model.describe(net)["activation"],
        "loss_name": model.describe(net)["loss"],
        "batch_size": batch_size,
        "shifted": shifted,
        "E": E,
        "S": S,
        "softmax_steps": E / S,
        "loss": loss,
        "params_after": whole["params"],
        "AL_after": whole["AL"],
        f"A{L}_after": whole["AL"],
        "loss_after": whole["loss"],
        "steps": steps,
    }


def source(net: model.Net) -> str:
    """The name of the code that runs the model, as a learner finds it: network, mlp, my_network."""
    name = getattr(net, "__name__", None) or type(net).__module__
    return name.rsplit(".", 1)[-1]


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


def activation_lines(activation: str, Z: str, A: np.ndarray) -> tuple[str, str]:
    """(formula, what this example's outputs A (n,) show) for a hidden layer's activation."""
    n = len(A)
    fired = int((A > 0).sum())
    if activation == "relu":
        return f"max(0, {Z})", f"{fired} of {n} units fired ({fired / n:.0%}), the rest output 0"
    if activation == "leaky-relu":
        return (
            f"max({LEAKY_SLOPE:g}·{Z}, {Z})",
            f"{fired} of {n} units fired ({fired / n:.0%}), the rest output {LEAKY_SLOPE:g}·{Z} (below 0)",
        )
    if activation == "sigmoid":
        sat = int(((A < 1 - SATURATED) | (A > SATURATED)).sum())
        return (
            f"σ({Z}) = 1 / (1 + e^−{Z})",
            f"every output between 0 and 1; {sat} of {n} near 0 or 1 (saturated: slope A(1 − A) below 0.01)",
        )
    if activation == "tanh":
        sat = int((np.abs(A) > SATURATED).sum())
        return (
            f"tanh({Z})",
            f"every output between −1 and 1; {sat} of {n} near ±1 (saturated: slope 1 − A² below 0.02)",
        )
    return f"f({Z})", f"{fired} of {n} outputs above 0"


def slope_row(activation: str, l: int, A: np.ndarray, Z: np.ndarray) -> tuple[str, str]:
    """(formula, what it says) of dZl = dAl ⊙ f'(Zl), the gradient through the activation's slope."""
    fired = int((Z > 0).sum())
    if activation == "relu":
        return f"dA{l} ⊙ [Z{l} > 0]", f"≠ 0 only at the {fired} fired units"
    if activation == "leaky-relu":
        return f"dA{l} ⊙ (1 if Z{l} > 0, else {LEAKY_SLOPE:g})", f"whole at {fired} fired units, 1% elsewhere"
    if activation == "sigmoid":
        return (
            f"dA{l} ⊙ A{l} ⊙ (1 − A{l})",
            f"mean slope {float((A * (1 - A)).mean()):.3f} (at most ¼)",
        )
    if activation == "tanh":
        return f"dA{l} ⊙ (1 − A{l}²)", f"mean slope {float((1 - A * A).mean()):.2f} (at most 1)"
    return f"dA{l} ⊙ f'(Z{l})", "through the activation's slope"


def backward_rows(steps: dict[str, Any], ink: int) -> list[tuple[str, str, str]]:
    """(name, formula, what it says) for every gradient, top layer first: network.py's order."""
    L, activation = steps["L"], steps["activation"]
    if steps["loss_name"] == "squared-error":
        rows = [(f"dZ{L}", f"A{L} ⊙ (G − Σ G⊙A{L}), G = A{L} − Y", f"A{L} − Y through softmax's slope")]
    else:
        rows = [(f"dZ{L}", f"(A{L} − Y) / m", "< 0 only at the true class")]
    for l in range(L, 0, -1):
        below = "X" if l == 1 else f"A{l - 1}"
        if l == 1:
            units = int((steps["dZ1"] != 0).sum())
            note = f"{int((steps['dW1'] != 0).sum()):,} ≠ 0 = {ink} ink px × {units} units"
        else:
            rows_on = int((steps[below] != 0).sum())
            n_below = steps[below].shape[1]
            note = (
                f"≠ 0 only in {rows_on} fired rows" if rows_on < n_below else "an outer product (one example)"
            )
        rows.append((f"dW{l}", f"{below}ᵀ·dZ{l}", note))
        rows.append((f"db{l}", f"Σ_rows dZ{l}", f"= dZ{l} (one example)"))
        if l > 1:
            talk = "10 scores talk" if l == L else f"{steps[f'Z{l}'].shape[1]} units talk"
            rows.append((f"dA{l - 1}", f"dZ{l}·W{l}ᵀ", f"{talk} back to each unit"))
            rows.append(
                (f"dZ{l - 1}", *slope_row(activation, l - 1, steps[f"A{l - 1}"][0], steps[f"Z{l - 1}"][0]))
            )
    return rows


def step_story(steps: dict[str, Any], names: list[str]) -> list[str]:
    """What one SGD step on this example alone did, in words, from the measured numbers."""
    before, *taken = steps["steps"]
    whole = taken[-1]
    L, y = steps["L"], steps["y"]
    lines = []
    if len(taken) == 2:
        share, B = taken[0], steps["batch_size"]
        lines.append(
            f"In training this image is one of a batch of {B}: the loss is the batch's mean, so its gradient "
            f"counts 1/{B} in each step (the / m in dZ{L}), and its share of one step moves its loss "
            f"{before['loss'] + 0.0:.4g} → {share['loss'] + 0.0:.4g}."
        )
    guess = int(whole["AL"][0].argmax())
    turned = guess == y and int(before["AL"][0].argmax()) != y
    lines.append(
        f"The whole step, lr = {whole['lr']:g}, spent on this one image takes its loss "
        f"{before['loss'] + 0.0:.4g} → {whole['loss'] + 0.0:.4g}"
        + (f" and turns the answer to the right one, {names[y]}." if turned else ".")
    )
    rose = whole["loss"] > before["loss"]
    if rose:
        lines.append(
            "It overshoots: the gradient is the slope where the weights are now, and a step this long "
            "goes past the bottom of the valley, so the loss rises."
        )
    if "accuracy" in whole:
        a0, a1 = before["accuracy"], whole["accuracy"]
        if a1 < a0 - OVERSHOT:
            lines.append(
                ("It also" if rose else "But it overshoots: it")
                + f" bends the weights so far towards this one image that the accuracy on all the test "
                f"images falls {a0:.2%} → {a1:.2%}. Training takes small steps along the mean gradient of "
                "many images, so that each step helps most of them."
            )
        else:
            lines.append(f"The accuracy on all the test images moves {a0:.2%} → {a1:.2%}.")
    return lines


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
    dead: tuple[list[np.ndarray], int] | None = None,
) -> None:
    """Print the trace: forward pass layer by layer, softmax, loss, backward pass, one SGD step.

    `dead` = (one index array per hidden layer, n): the units that output 0 for all n images of
    a set (the test set, via train.dead_units); the forward pass then names them.
    """
    console = console or Console()
    say = console.print
    X, y, L, net = steps["X"], steps["y"], steps["L"], steps["source"]
    AL = steps[f"A{L}"][0]
    guess = int(AL.argmax())
    styles = {y: "bold green", guess: "bold green" if guess == y else "bold red"}

    chain = " → ".join(["X", *(f"{k}{l}" for l in range(1, L + 1) for k in ("Z", "A"))])
    say(Rule(f"forward pass ({net}.forward): {chain}"))
    ink = int((X > 0).sum())
    say(f"[bold]X[/] {X.shape}: 784 pixels / 255, true label [bold]{names[y]}[/], {ink} pixels have ink")
    say(Text(ascii_digit(np.round(X[0] * 255).reshape(28, 28)), style="cyan"))
    for l in range(1, L):
        A, below = steps[f"A{l}"][0], "X" if l == 1 else f"A{l - 1}"
        n = len(A)
        inputs = "pixels" if l == 1 else f"layer {l - 1}'s {steps[below].shape[1]} outputs"
        what = f"hidden layer {l}: " if L > 2 else ""
        shape = steps[f"Z{l}"].shape
        say(f"[bold]Z{l} = {below}·W{l} + b{l}[/] {shape}: {what}each of {n} units' weighted sum of {inputs}")
        formula, summary = activation_lines(steps["activation"], f"Z{l}", A)
        say(f"[bold]A{l} = {formula}[/] {steps[f'A{l}'].shape}: {summary}")
        top = np.argsort(-A, kind="stable")[:3]
        say(f"  strongest A{l}: " + ", ".join(f"unit {j} = {A[j]:.3g}" for j in top))
        if dead is not None:
            for line in dead_lines(dead[0][l - 1], dead[1], n):
                say("  " + line)
    say(f"[bold]Z{L} = A{L - 1}·W{L} + b{L}[/] {steps[f'Z{L}'].shape}: one score (logit) per class")

    say(Rule(f"stable softmax: A{L} = exp(Z{L} − max Z{L}) / sum"))
    columns = {
        f"Z{L}": steps[f"Z{L}"][0],
        f"Z{L} − max": steps["shifted"][0],
        "exp": steps["E"][0],
        f"÷ sum = A{L}": steps["softmax_steps"][0],
    }
    say(_vector_table(columns, names, styles))
    diff = float(np.abs(steps["softmax_steps"] - steps[f"A{L}"]).max())
    say(f"sum of exp = {float(steps['S'][0, 0]):.6g};  max |above − A{L} of {net}.forward| = {diff:.1g}")

    say(Rule(f"A{L}: the network's belief"))
    bars = Table(box=None, pad_edge=False, show_header=False)
    for column in ("class", f"A{L}", "bar"):
        bars.add_column(column, justify="right" if column == f"A{L}" else "left")
    for k, name in enumerate(names):
        color = "green" if k == y else ("red" if k == guess else "white")
        bars.add_row(
            name, f"{AL[k]:7.2%}", Bar(1.0, 0, float(AL[k]), width=40, color=color), style=styles.get(k)
        )
    say(bars)
    verdict = "[green]right[/]" if guess == y else "[red]wrong[/]"
    if steps["loss_name"] == "squared-error":
        how = f"½‖A{L} − Y‖²"
    else:
        how = f"−log A{L}[{names[y]}] = −log {AL[y]:.6g}"
    say(f"answer: [bold]{names[guess]}[/] ({verdict}); [bold]loss[/] = {how} = {steps['loss']:.4g}")

    say(Rule(f"backward pass ({net}.backward): which way lowers the loss"))
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    for column in ("name", "formula", "shape", "norm", "what it says"):
        table.add_column(column, justify="right" if column == "norm" else "left")
    for name, formula, note in backward_rows(steps, ink):
        table.add_row(name, formula, str(steps[name].shape), _norm(steps[name]), note)
    say(table)

    say(Rule("one SGD step on this example alone: θ ← θ − lr·dθ"))
    step_table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    labels = {"before": "before", "share": "its share in a batch", "step": "the whole step alone"}
    has_accuracy = "accuracy" in steps["steps"][0]
    for column in ("", "lr", "loss", "answer", *(["test accuracy"] if has_accuracy else [])):
        step_table.add_column(column, justify="left" if column in ("", "answer") else "right")
    for step in steps["steps"]:
        answer = int(step["AL"][0].argmax())
        lr = {"before": "", "share": f"{steps['lr']:g}/{steps['batch_size']}", "step": f"{steps['lr']:g}"}
        # + 0.0 turns the −0.0 of −log(1) into a plain 0
        row = [
            labels[step["what"]],
            lr[step["what"]],
            f"{step['loss'] + 0.0:.4g}",
            f"{names[answer]} ({step['AL'][0, answer]:.1%})",
        ]
        if has_accuracy:
            row.append(f"{step['accuracy']:.2%}")
        step_table.add_row(*row, style="green" if answer == y else "red")
    say(step_table)
    for line in step_story(steps, names):
        say(line)

"""Cross-entropy vs squared error: the same network from the same start, trained on either loss.

For seeds 0, 1 and 2, one epoch of the default recipe (784-256-10, ReLU, He) with each loss: at
about 20 steps of that epoch, log-spaced, a Probe (probe.py) scores the weights on the held-out
images: accuracy, cross-entropy and squared error. Then the held-out image that seed 0's
cross-entropy run gets most confidently wrong is trained on alone, by plain gradient descent
from those weights, once with each loss: how large the gradient is, and how many steps the true
class needs to win. Why squared error's gradient vanishes there: docs/math.md#squared-error.

    results = losses.run(data.load("mnist"))
    print(losses.table(results))
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np

from justnumpy import layers, mlp, model, optim, train
from justnumpy.measure.ladder import percent, spread
from justnumpy.measure.why.probe import Probe, steps, steps_per_epoch
from justnumpy.measure.why.runs import Raw, each, held_out, shrink

LOSSES = ("cross-entropy", "squared-error")
SEEDS = (0, 1, 2)
PROBES = 20  # steps at which the held-out images are scored, log-spaced over the epoch
FIX_LR = 0.01  # plain gradient descent on the one confidently wrong image
FIX_STEPS = 500


def settings(loss: str, seed: int) -> train.Config:
    """One epoch of the default recipe with `loss`."""
    return train.Config(loss=loss, epochs=1, seed=seed)


def scores(net: model.Net, params: dict[str, np.ndarray], X: np.ndarray, y: np.ndarray) -> dict[str, float]:
    """Accuracy, cross-entropy and squared error of the weights on the images X with labels y."""
    A = model.output(net.forward(params, X))  # (m, 10) probabilities
    return {
        "accuracy": float((A.argmax(axis=1) == y).mean()),
        "cross_entropy": layers.cross_entropy(A, y),
        "squared_error": layers.squared_error(A, y),
    }


def one_run(loss: str, seed: int, keep: bool, *raw: np.ndarray) -> dict[str, Any]:
    """Train for an epoch with `loss`; the held-out scores at the probe steps (and the weights if `keep`)."""
    config = settings(loss, seed)
    net = train.net_for(config)
    state = train.new_state(config, net)
    X, y = held_out(config, raw)
    total = steps_per_epoch(len(raw[1]), config.validation_fraction, config.batch_size)
    probe = Probe(state.params, steps(total, PROBES), lambda params: scores(net, params, X, y))
    train.train(config, raw, net=net, state=state, callbacks=[probe])
    curves = {
        k: [r[k] for r in probe.records] for k in ("step", "accuracy", "cross_entropy", "squared_error")
    }
    return {"loss": loss, "seed": seed, **curves, "params": state.params if keep else None}


def confidently_wrong(params: dict[str, np.ndarray], X: np.ndarray, y: np.ndarray) -> dict[str, Any]:
    """Train the weights on the image of X they get most confidently wrong, alone, once with each loss.

    Most confidently wrong: the largest p(predicted class) − p(true class). Each loss starts from
    the same weights and takes FIX_STEPS steps of plain gradient descent (optim.SGD) at FIX_LR.
    """
    A = mlp.forward(params, X)[f"A{mlp.n_layers(params)}"]  # (m, 10) probabilities
    rows = np.arange(len(y))
    i = int((A.max(axis=1) - A[rows, y]).argmax())
    x, label = X[i : i + 1], y[i : i + 1]  # (1, 784), (1,)
    found = {
        "index": i,  # among the held-out images of seed 0
        "label": int(label[0]),
        "predicted": int(A[i].argmax()),
        "p_predicted": float(A[i].max()),
        "p_true": float(A[i, label[0]]),
        "lr": FIX_LR,
    }
    for loss in LOSSES:
        net = mlp.Net("relu", loss)  # the same network as network.py (tests/test_mlp.py), with `loss`
        weights = {k: v.copy() for k, v in params.items()}
        descent = optim.SGD(weights, FIX_LR)
        p_true, right_at = [], None
        for step in range(FIX_STEPS + 1):
            cache = net.forward(weights, x)
            probabilities = model.output(cache)[0]  # (10,)
            p_true.append(float(probabilities[label[0]]))
            if right_at is None and probabilities.argmax() == label[0]:
                right_at = step
            grads = net.backward(weights, cache, x, label)
            if step == 0:  # the gradient at the confident mistake: at the scores, and at each layer's weights
                dZ = layers.LOSSES[loss][1](model.output(cache), label)
                found[loss] = {
                    "output_gradient": float(np.linalg.norm(dZ)),
                    "weight_gradients": [float(np.linalg.norm(grads[f"dW{l}"])) for l in (1, 2)],
                }
            descent.step(grads)
        found[loss].update(p_true=p_true, right_at=right_at)
    return found


def run(
    raw: Raw, quick: bool = False, log=print, jobs: int = 1, scheduler: str | None = None
) -> dict[str, Any]:
    """Both losses with every seed, then the confidently wrong image; quick=True on a small subset.

    The runs go `jobs` at a time, or to the Dask `scheduler` (runs.each).
    """
    raw = shrink(raw, quick)
    calls = [(loss, seed, (loss, seed) == (LOSSES[0], SEEDS[0])) for seed in SEEDS for loss in LOSSES]
    start = time.perf_counter()
    runs = []
    for r in each(one_run, calls, raw, jobs, scheduler):
        log(f"{r['loss']:13} seed {r['seed']}: validation {r['accuracy'][-1]:.2%} after the epoch")
        runs.append(r)
    X, y = held_out(settings(LOSSES[0], SEEDS[0]), raw)
    wrong = confidently_wrong(runs[0]["params"], X, y)
    for r in runs:
        del r["params"]  # arrays: not for the JSON
    for loss in LOSSES:
        log(f"{loss:13} on the confidently wrong image: right after {wrong[loss]['right_at']} steps")
    return {
        "experiment": "losses",
        "quick": quick,
        "settings": {"seeds": list(SEEDS), "train_images": len(raw[1]), "fix_steps": FIX_STEPS},
        "runs": runs,
        "confidently_wrong": wrong,
        "seconds": time.perf_counter() - start,  # wall clock
        "cpu_seconds": sum(r["cpu_seconds"] for r in runs),  # of the training runs
    }


def table(results: dict[str, Any]) -> str:
    """Markdown: held-out scores after the epoch (mean ± std of the seeds), the confidently wrong image."""
    n = len(results["settings"]["seeds"])
    out = [
        f"After one epoch, on the held-out images (mean ± std, {n} seeds):",
        "",
        "| trained on | validation accuracy % | cross-entropy | squared error | accuracy % at step |",
        "| --- | --- | --- | --- | --- |",
    ]
    for loss in LOSSES:
        runs = [r for r in results["runs"] if r["loss"] == loss]
        s = spread("acc", [r["accuracy"][-1] for r in runs])
        ce, se = (spread("v", [r[k][-1] for r in runs]) for k in ("cross_entropy", "squared_error"))
        early = ", ".join(
            f"{step}: {100 * statistics.fmean(r['accuracy'][j] for r in runs):.1f}"
            for j, step in enumerate(runs[0]["step"])
            if step in milestones(runs[0]["step"])
        )
        out.append(
            f"| {loss} | {percent(s['acc_mean'], s['acc_std'])} | {number(ce)} | {number(se)} | {early} |"
        )
    w = results["confidently_wrong"]
    out += [
        "",
        f"The held-out image seed 0's cross-entropy run gets most confidently wrong: a {w['label']} read as "
        f"a {w['predicted']} with probability {w['p_predicted']:.4f} (the {w['label']}: {w['p_true']:.2g}). "
        f"Trained on alone, plain gradient descent at learning rate {w['lr']:g}:",
        "",
        "| loss | ‖dZ2‖ | ‖dW1‖ | ‖dW2‖ | steps until it reads the right digit |",
        "| --- | --- | --- | --- | --- |",
    ]
    for loss in LOSSES:
        g = w[loss]
        right = g["right_at"] if g["right_at"] is not None else f"more than {len(g['p_true']) - 1}"
        out.append(
            f"| {loss} | {g['output_gradient']:.3g} | "
            + " | ".join(f"{v:.3g}" for v in g["weight_gradients"])
            + f" | {right} |"
        )
    return "\n".join(out) + "\n"


def milestones(steps_probed: list[int]) -> list[int]:
    """A few of the probed steps for the table: about 10, 50 and 100, and the last."""
    picks = {min(steps_probed, key=lambda s, t=t: abs(s - t)) for t in (10, 50, 100)}
    return sorted(picks | {steps_probed[-1]})


def number(s: dict[str, float | None]) -> str:
    """'0.123 ± 0.004' from spread()'s mean and std."""
    return f"{s['v_mean']:.3f}" if s["v_std"] is None else f"{s['v_mean']:.3f} ± {s['v_std']:.3f}"


def figures(results: dict[str, Any], folder: Path) -> list[Path]:
    """why-losses.png: held-out accuracy and both losses over the epoch, and the confidently wrong image."""
    from justnumpy.see import figures

    fig = figures.new(figsize=(14, 4))
    panels = fig.subplots(1, 4)
    colours = {"cross-entropy": "tab:blue", "squared-error": "tab:orange"}
    for loss in LOSSES:
        runs = [r for r in results["runs"] if r["loss"] == loss]
        for ax, key in zip(panels[:3], ("accuracy", "cross_entropy", "squared_error"), strict=True):
            for k, r in enumerate(runs):
                values = 100 * np.asarray(r[key]) if key == "accuracy" else r[key]
                label = f"trained on {loss}" if k == 0 else None
                ax.plot(r["step"], values, color=colours[loss], alpha=0.8, label=label)
    for ax, title in zip(panels[:3], ("accuracy %", "cross-entropy", "squared error"), strict=True):
        ax.set_xscale("symlog", linthresh=1)  # step 0, the start, left of the log-spaced steps
        ax.set_xlabel("optimizer steps")
        ax.set_title(f"held-out {title}", fontsize=10)
        ax.grid(alpha=0.3)
    panels[0].set_ylim(0, 100)
    panels[0].legend(fontsize=8)
    w = results["confidently_wrong"]
    for loss in LOSSES:
        panels[3].plot(w[loss]["p_true"], color=colours[loss], label=loss)
    panels[3].set_title(f"one confidently wrong {w['label']}: p({w['label']})", fontsize=10)
    panels[3].set_xlabel(f"gradient descent steps on it alone (lr {w['lr']:g})")
    panels[3].set_yscale("log")
    panels[3].grid(alpha=0.3)
    panels[3].legend(fontsize=8)
    fig.suptitle(f"cross-entropy vs squared error: one epoch of the default recipe, {len(SEEDS)} seeds")
    return [figures.save(fig, folder / "why-losses.png", dpi=90)]

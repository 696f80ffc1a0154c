"""Vanishing and exploding gradients: the size of each layer's gradient, by depth, activation and start.

For depths L = 2, 4 and 8 (L weight layers: 784-128-10 up to 784-128-…-128-10, seven hidden
layers of 128), the activations sigmoid, tanh and ReLU, and three starts (He, Xavier, and every
weight drawn as 0.01·N(0, 1)): one run each of one epoch of the default recipe at learning rate
0.05. At about 15 steps of that epoch, log-spaced from the start to its end, a Probe (probe.py)
measures ‖dW_l‖, the size of every layer's weight gradient, on the same 1,000 held-out images.
Why the sizes differ: docs/math.md#any-depth; what the runs show: docs/why.md.

    results = gradients.run(data.load("mnist"))
    print(gradients.table(results))
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from justnumpy import train
from justnumpy.measure.why.probe import Probe, gradient_norms, steps, steps_per_epoch
from justnumpy.measure.why.runs import Raw, each, held_out, shrink

DEPTHS = (2, 4, 8)
WIDTH = 128  # every hidden layer's units
ACTIVATIONS = ("sigmoid", "tanh", "relu")
STARTS = {"He": {"init": "he"}, "Xavier": {"init": "xavier"}, "0.01": {"init_scale": 0.01}}
LR = 0.05  # at the default 0.2, ReLU networks of depth 8 diverge within the first epoch
PROBE_IMAGES = 1_000  # held-out images the gradients are measured on, the same at every step
PROBES = 15  # steps at which the gradients are measured, log-spaced over the epoch
NORM = r"$\Vert dW_l \Vert$"  # ‖dW_l‖ as the figures write it


def settings(depth: int, activation: str, start: str) -> train.Config:
    """One epoch of the default recipe at LR, for a network of `depth` weight layers."""
    return train.Config(
        hidden=(WIDTH,) * (depth - 1), activation=activation, epochs=1, lr=LR, **STARTS[start]
    )


def one_run(depth: int, activation: str, start: str, *raw: np.ndarray) -> dict[str, Any]:
    """Train one network for an epoch; ‖dW_l‖ of every layer at the probe steps, and how it ended."""
    config = settings(depth, activation, start)
    net = train.net_for(config)
    state = train.new_state(config, net)
    X, y = (a[:PROBE_IMAGES] for a in held_out(config, raw))
    total = steps_per_epoch(len(raw[1]), config.validation_fraction, config.batch_size)
    probe = Probe(
        state.params, steps(total, PROBES), lambda params: {"norms": gradient_norms(net, params, X, y)}
    )
    diverged = None
    try:
        train.train(config, raw, net=net, state=state, callbacks=[probe])
    except train.TrainingDiverged as e:
        diverged = str(e)  # the norms measured before it are kept
    return {
        "depth": depth,
        "activation": activation,
        "start": start,
        "steps": [r["step"] for r in probe.records],
        "norms": [r["norms"] for r in probe.records],  # one list per step: ‖dW1‖ … ‖dWL‖
        "val_acc": state.history["val_acc"][-1] if state.history else None,
        "loss": state.history["loss"][-1] if state.history else None,
        "diverged": diverged,
    }


def run(
    raw: Raw, quick: bool = False, log=print, jobs: int = 1, scheduler: str | None = None
) -> dict[str, Any]:
    """Every depth × activation × start; quick=True trains on a small subset (runs.shrink).

    The runs go `jobs` at a time, or to the Dask `scheduler` (runs.each).
    """
    raw = shrink(raw, quick)
    calls = [(d, a, s) for d in DEPTHS for a in ACTIVATIONS for s in STARTS]
    start = time.perf_counter()
    runs = []
    for r in each(one_run, calls, raw, jobs, scheduler):
        log(f"depth {r['depth']} {r['activation']:7} {r['start']:6}  {summary(r)}")
        runs.append(r)
    return {
        "experiment": "gradients",
        "quick": quick,
        "settings": {"width": WIDTH, "lr": LR, "probe_images": PROBE_IMAGES, "train_images": len(raw[1])},
        "runs": runs,
        "seconds": time.perf_counter() - start,  # wall clock
        "cpu_seconds": sum(r["cpu_seconds"] for r in runs),  # of the training runs
    }


def summary(r: dict[str, Any]) -> str:
    """How a run ended, in a few words."""
    if r["diverged"]:
        return "diverged"
    return f"validation {r['val_acc']:.2%}, first/last layer at the start {ratio(r['norms'][0]):.2g}"


def ratio(norms: list[float]) -> float:
    """‖dW1‖ / ‖dWL‖: how much smaller the first layer's gradient is than the last's."""
    return norms[0] / norms[-1] if norms[-1] > 0 else float("inf")


def find(results: dict[str, Any], depth: int, activation: str, start: str) -> dict[str, Any]:
    """The run of one depth, activation and start."""
    return next(
        r for r in results["runs"] if (r["depth"], r["activation"], r["start"]) == (depth, activation, start)
    )


def table(results: dict[str, Any]) -> str:
    """Markdown: the deepest networks' gradients per layer, then first/last and accuracy at every depth."""
    deepest = max(DEPTHS)
    layers = " | ".join(f"‖dW{l}‖" for l in range(1, deepest + 1))
    out = [f"At the start, depth {deepest}:", "", f"| activation | start | {layers} |"]
    out.append("| --- | --- |" + " --- |" * deepest)
    for a in ACTIVATIONS:
        for s in STARTS:
            out.append(
                f"| {a} | {s} | "
                + " | ".join(f"{v:.3g}" for v in find(results, deepest, a, s)["norms"][0])
                + " |"
            )
    out += ["", f"After one epoch, depth {deepest}:", "", f"| activation | start | {layers} |"]
    out.append("| --- | --- |" + " --- |" * deepest)
    for a in ACTIVATIONS:
        for s in STARTS:
            r = find(results, deepest, a, s)
            cells = ["diverged"] * deepest if r["diverged"] else [f"{v:.3g}" for v in r["norms"][-1]]
            out.append(f"| {a} | {s} | " + " | ".join(cells) + " |")
    depths = " | ".join(f"depth {d}" for d in DEPTHS[1:])
    ratios = f"ratio, depth {DEPTHS[0]} | {depths} | validation, depth {DEPTHS[0]} | {depths}"
    out += ["", "‖dW1‖ / ‖dWL‖ at the start, and validation accuracy after one epoch:", ""]
    out.append(f"| activation | start | {ratios} |")
    out.append("| --- | --- |" + " --- |" * (2 * len(DEPTHS)))
    for a in ACTIVATIONS:
        for s in STARTS:
            runs = [find(results, d, a, s) for d in DEPTHS]
            firsts = [f"{ratio(r['norms'][0]):.2g}" for r in runs]
            accs = ["diverged" if r["diverged"] else f"{100 * r['val_acc']:.2f}%" for r in runs]
            out.append(f"| {a} | {s} | " + " | ".join(firsts + accs) + " |")
    return "\n".join(out) + "\n"


def figures(results: dict[str, Any], folder: Path) -> list[Path]:
    """why-gradients.png (each layer at the start, by depth), why-gradients-epoch.png (depth 8, the epoch)."""
    return [
        at_start(results, folder / "why-gradients.png"),
        over_epoch(results, folder / "why-gradients-epoch.png"),
    ]


def grid(title: str):
    """A figure of activations (rows) × starts (columns), log-scaled gradient sizes shared by all."""
    from justnumpy.see import figures

    fig = figures.new(figsize=(11, 8.5))
    axes = fig.subplots(len(ACTIVATIONS), len(STARTS), sharex=True, sharey=True, squeeze=False)
    fig.suptitle(title)
    for i, a in enumerate(ACTIVATIONS):
        for j, s in enumerate(STARTS):
            ax = axes[i][j]
            ax.set_yscale("log")
            ax.grid(alpha=0.3, which="major")
            ax.set_title(f"{a}, {s} start", fontsize=10)
    return fig, axes


def at_start(results: dict[str, Any], path: Path) -> Path:
    """Each layer's ‖dW_l‖ at the start, one line per depth, one panel per activation and start."""
    from justnumpy.see import figures

    fig, axes = grid(f"the size of each layer's gradient at the start, {NORM} (log scale)")
    for i, a in enumerate(ACTIVATIONS):
        for j, s in enumerate(STARTS):
            for d in DEPTHS:
                norms = find(results, d, a, s)["norms"][0]
                axes[i][j].plot(range(1, d + 1), norms, marker="o", markersize=3, label=f"depth {d}")
    for ax in axes[-1]:
        ax.set_xlabel("layer l (1 = next to the pixels)")
    for row in axes:
        row[0].set_ylabel(NORM)
    axes[0][0].legend(fontsize=8)
    return figures.save(fig, path, dpi=90)


def over_epoch(results: dict[str, Any], path: Path) -> Path:
    """Depth 8: each layer's ‖dW_l‖ at the probe steps of the first epoch, one line per layer."""
    import matplotlib

    from justnumpy.see import figures

    deepest = max(DEPTHS)
    fig, axes = grid(f"depth {deepest}: each layer's {NORM} through the first epoch (log scales)")
    colours = matplotlib.colormaps["viridis"](np.linspace(0, 0.9, deepest))
    for i, a in enumerate(ACTIVATIONS):
        for j, s in enumerate(STARTS):
            r, ax = find(results, deepest, a, s), axes[i][j]
            ax.set_xscale("symlog", linthresh=1)  # step 0, the start, sits left of the log-spaced steps
            for l in range(deepest):
                ax.plot(r["steps"], [n[l] for n in r["norms"]], color=colours[l], label=f"layer {l + 1}")
            if r["diverged"]:
                ax.text(0.5, 0.5, "diverged", transform=ax.transAxes, ha="center", color=figures.RED)
    for ax in axes[-1]:
        ax.set_xlabel("optimizer steps")
    for row in axes:
        row[0].set_ylabel(NORM)
    axes[0][0].legend(fontsize=7, ncol=2, loc="lower left")
    return figures.save(fig, path, dpi=90)

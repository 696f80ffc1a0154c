"""Depth vs width: networks of 135,000 to 407,000 weights, one to three hidden layers.

784-256-10 (the default), 784-512-10 (wider), 784-256-256-10 and 784-128-128-128-10 (deeper),
each trained with the default recipe (5 epochs, ReLU, He, momentum, cosine) and seeds 0, 1 and 2.
Reported: validation accuracy (what a choice between them would be made on) and test accuracy
(the outcome), mean ± std over the seeds; and the CPU seconds an epoch takes (the JSON also
holds the wall clock, which depends on what else the machine runs).

    results = depth_width.run(data.load("mnist"))
    print(depth_width.table(results))
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np

from justnumpy import train
from justnumpy.measure.ladder import percent, spread
from justnumpy.measure.why.runs import Raw, each, shrink

SHAPES = ((256,), (512,), (256, 256), (128, 128, 128))  # the hidden layers of each network
SEEDS = (0, 1, 2)
QUICK_EPOCHS = 1  # quick=True: one epoch instead of the recipe's five


def name(hidden: tuple[int, ...] | list[int]) -> str:
    """'784-256-256-10'."""
    return "-".join(map(str, (784, *hidden, 10)))


def one_run(hidden: tuple[int, ...], seed: int, epochs: int, *raw: np.ndarray) -> dict[str, Any]:
    """Train one network with the default recipe; its accuracy after every epoch and the epochs' seconds."""
    config = train.Config(hidden=hidden, seed=seed, epochs=epochs)
    cpu = []  # the process's CPU seconds at the start and after every epoch

    def clock(event: dict) -> None:
        if event["kind"] in ("start", "epoch"):
            cpu.append(time.process_time())

    state = train.train(config, raw, callbacks=[clock])
    history = state.history
    return {
        "hidden": list(hidden),
        "seed": seed,
        "parameters": sum(p.size for p in state.params.values()),  # weights and biases
        "val_acc": history["val_acc"],
        "test_acc": history["test_acc"],
        "epoch_seconds": history["seconds"],  # wall clock: training and scoring held-out and test images
        "epoch_cpu_seconds": np.diff(cpu).tolist(),
    }


def run(
    raw: Raw, quick: bool = False, log=print, jobs: int = 1, scheduler: str | None = None
) -> dict[str, Any]:
    """Every network with every seed; quick=True trains one epoch on a small subset (runs.shrink).

    The runs go `jobs` at a time, or to the Dask `scheduler` (runs.each).
    """
    raw = shrink(raw, quick)
    epochs = QUICK_EPOCHS if quick else train.Config().epochs
    calls = [(hidden, seed, epochs) for hidden in SHAPES for seed in SEEDS]
    start = time.perf_counter()
    runs = []
    for r in each(one_run, calls, raw, jobs, scheduler):
        log(f"{name(r['hidden']):20} seed {r['seed']}: validation {r['val_acc'][-1]:.2%}")
        runs.append(r)
    return {
        "experiment": "depth-width",
        "quick": quick,
        "settings": {"seeds": list(SEEDS), "epochs": epochs, "train_images": len(raw[1])},
        "networks": [summary([r for r in runs if tuple(r["hidden"]) == hidden]) for hidden in SHAPES],
        "seconds": time.perf_counter() - start,  # wall clock
        "cpu_seconds": sum(r["cpu_seconds"] for r in runs),  # of the training runs
    }


def summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """One network's seeds together: final accuracies, mean ± std, median seconds per epoch."""
    val, test = [r["val_acc"][-1] for r in runs], [r["test_acc"][-1] for r in runs]
    return {
        "network": name(runs[0]["hidden"]),
        "parameters": runs[0]["parameters"],
        "val_acc": val,
        "test_acc": test,
        **spread("val", val),
        **spread("test", test),
        # The median over every epoch of every seed: on a shared machine an epoch now and then waits.
        "seconds_per_epoch": statistics.median(s for r in runs for s in r["epoch_seconds"]),
        "cpu_seconds_per_epoch": statistics.median(s for r in runs for s in r["epoch_cpu_seconds"]),
        "val_curves": [r["val_acc"] for r in runs],
    }


def table(results: dict[str, Any]) -> str:
    """Markdown: one row per network."""
    n = len(results["settings"]["seeds"])
    out = [
        f"| network | weights and biases | validation % (mean ± std, {n} seeds) | test % (mean ± std) "
        "| CPU seconds per epoch |",
        "| --- | --- | --- | --- | --- |",
    ]
    for r in results["networks"]:  # the wall clock, in the JSON, says as much about the machine's other work
        out.append(
            f"| {r['network']} | {r['parameters']:,} | {percent(r['val_mean'], r['val_std'])} "
            f"| {percent(r['test_mean'], r['test_std'])} | {r['cpu_seconds_per_epoch']:.2f} |"
        )
    return "\n".join(out) + "\n"


def figures(results: dict[str, Any], folder: Path) -> list[Path]:
    """why-depth-width.png: validation accuracy per network (every seed), after every epoch, seconds."""
    from justnumpy.see import figures

    fig = figures.new(figsize=(13, 4))
    final, curves, clock = fig.subplots(1, 3)
    nets = results["networks"]
    y = np.arange(len(nets))
    for row, r in zip(y, nets, strict=True):
        final.scatter(100 * np.asarray(r["val_acc"]), [row] * len(r["val_acc"]), color="tab:gray", s=14)
        final.errorbar(100 * r["val_mean"], row, xerr=100 * (r["val_std"] or 0), fmt="o", color="tab:blue")
        mean_curve = 100 * np.mean(r["val_curves"], axis=0)
        curves.plot(range(1, len(mean_curve) + 1), mean_curve, marker=".", label=r["network"])
    final.set_yticks(y, [r["network"] for r in nets])
    final.invert_yaxis()
    final.set_xlabel("validation accuracy % (grey: each seed; blue: mean ± std)")
    final.set_title("after the last epoch", fontsize=10)
    final.grid(alpha=0.3)
    curves.set_xlabel("epoch")
    curves.set_ylabel("validation accuracy %, mean of the seeds")
    curves.set_title("after every epoch", fontsize=10)
    curves.grid(alpha=0.3)
    curves.legend(fontsize=8)
    clock.barh(y, [r["cpu_seconds_per_epoch"] for r in nets], color="tab:gray")
    clock.set_yticks(y, [r["network"] for r in nets])
    clock.invert_yaxis()
    clock.set_xlabel("CPU seconds per epoch (median)")
    clock.set_title("cost", fontsize=10)
    fig.suptitle(f"depth vs width: the default recipe, {len(results['settings']['seeds'])} seeds")
    return [figures.save(fig, folder / "why-depth-width.png", dpi=90)]

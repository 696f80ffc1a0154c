"""The accuracy ladder: train every rung of recipes.LADDER with several seeds; table and figure.

    from justnumpy import data
    from justnumpy.measure import ladder
    results = ladder.run(data.load("mnist"), seeds=3)     # every rung, trained with seeds 0, 1, 2
    ladder.save(results, "ladder-out")                     # ladder.json, ladder.md, ladder.png
    print(ladder.table(ladder.load("ladder-out/ladder.json")))

Every rung keeps the same share of the training images for validation (the split itself depends
on the seed). The validation accuracy is what the recipes' settings were chosen on; the test
accuracy is the outcome the ladder reports. One seed cannot tell a real gain from luck, so each
rung is trained with several seeds and reported as mean ± standard deviation.

ladder.json is a list with one object per rung:

    name, change              the recipe and what it changes from the rung it builds on (one line)
    parent                    that rung (the rung before, except where the ladder forks)
    epochs, settings          its Config (the seed aside)
    seeds                     [0, 1, ..., N−1]
    val_acc, test_acc         final accuracy of each seed's run, in the order of `seeds`
    val_mean, val_std         their mean and sample standard deviation (std None for one seed)
    test_mean, test_std
    run_seconds, seconds      wall time of each seed's run (training and scoring), and their median
    blas_threads, jobs        each run's BLAS threads; how many runs went at once (None: on Dask)
    val_curves                validation accuracy after every epoch, one list per seed

`quick=True` is the same ladder shrunk to run in seconds (a 10,000-image training subset and a
few epochs per rung): it checks that every rung trains and climbs, not how far.
"""

from __future__ import annotations

import dataclasses
import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from justnumpy import train
from justnumpy.files import modelfile
from justnumpy.measure import parallel
from justnumpy.training import checkpoint, recipes
from justnumpy.training.threads import blas_threads

QUICK_TRAIN_IMAGES = 10_000  # quick=True trains on this many images (the test set stays whole)
QUICK_FULL_BATCH_STEPS = 40  # quick=True: the seed rung's steps, enough to leave chance well behind
QUICK_SHORT_EPOCHS, QUICK_LONG_EPOCHS = 2, 4  # quick=True: rungs of at most 5 epochs, and longer ones


def quick_epochs(config: train.Config) -> int:
    """The epochs a rung trains with quick=True: fewer, but in the same order as the real ladder's."""
    if config.batch_size == recipes.FULL_BATCH:
        return QUICK_FULL_BATCH_STEPS
    return QUICK_SHORT_EPOCHS if config.epochs <= 5 else QUICK_LONG_EPOCHS


def run(
    raw: tuple[np.ndarray, ...],
    rungs: list[str] | None = None,
    seeds: int = 3,
    quick: bool = False,
    dataset: str = "mnist",
    log: Callable[[str], None] = print,
    models: str | Path | None = None,
    jobs: int = 1,
    scheduler: str | None = None,
) -> list[dict[str, Any]]:
    """Train each rung (default: all of recipes.LADDER) from scratch with seeds 0..seeds−1.

    Returns one dict per rung in the layout of ladder.json (see the module's docstring). With
    `models` (a folder), each run's model is saved there as <rung>-seed<S>.npz. The runs are
    independent: `jobs` of them at a time in worker processes, or on the Dask `scheduler`
    (measure/parallel.py), each on its share of the BLAS threads; the results come in the same order.
    """
    if seeds < 1:
        raise ValueError(f"seeds must be at least 1, got {seeds}")
    if quick:
        X_train, y_train, X_test, y_test = raw
        raw = X_train[:QUICK_TRAIN_IMAGES], y_train[:QUICK_TRAIN_IMAGES], X_test, y_test
    names = rungs or recipes.LADDER
    runs = [(name, rung_config(name, s, dataset, quick, len(raw[0]))) for name in names for s in range(seeds)]
    outs = [Path(models) / f"{name}-seed{config.seed}.npz" for name, config in runs] if models else []
    for out in outs:  # refused before hours of training, not after
        modelfile.check_writable(out)
    done = parallel.run(
        train_run, [(config, models is not None, *raw) for _, config in runs], jobs, scheduler
    )
    results, finished = [], []
    for k, ((name, config), (history, seconds, threads, state)) in enumerate(zip(runs, done, strict=True)):
        if config.seed == 0:
            log(f"[{k // seeds + 1}/{len(names)}] {name}: {recipes.RECIPES[name].change}")
        if state is not None:
            checkpoint.save(str(outs[k]), config, state)
        val, test = history["val_acc"][-1], history["test_acc"][-1]
        log(f"      seed {config.seed}: validation {val:.2%}, test {test:.2%}, {seconds:.1f} s")
        finished.append((history, seconds, threads))
        if len(finished) == seeds:
            results.append(summary(name, config, finished, jobs if scheduler is None else None))
            finished = []
    return results


def train_run(
    config: train.Config, keep_state: bool, *raw: np.ndarray
) -> tuple[dict, float, int, train.State | None]:
    """One run of the ladder, wherever it runs: (history, wall seconds, BLAS threads, final state if kept)."""
    threads = blas_threads()
    start = time.perf_counter()
    state = train.train(config, raw, callbacks=[])
    return state.history, time.perf_counter() - start, threads, state if keep_state else None


def rung_config(name: str, seed: int, dataset: str, quick: bool, n_images: int) -> train.Config:
    """The Config a rung trains with: its recipe, the seed and dataset, shrunk if quick."""
    config = recipes.config(name, seed=seed, dataset=dataset)
    if quick:
        config.epochs = quick_epochs(config)
    if config.batch_size == recipes.FULL_BATCH:  # "every training image", however many there are
        config.batch_size = n_images - round(config.validation_fraction * n_images)
    return config


def summary(
    name: str, config: train.Config, runs: list[tuple[dict, float, int]], jobs: int | None
) -> dict[str, Any]:
    """One rung's entry of ladder.json from its runs: (history, seconds, BLAS threads) for seeds 0, 1, ..."""
    val = [history["val_acc"][-1] for history, _, _ in runs]
    test = [history["test_acc"][-1] for history, _, _ in runs]
    # As ladder.json will hold them: the hidden layers as a list, like any JSON reader sees them.
    settings = {k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(config).items()}
    del settings["seed"]
    return {
        "name": name,
        "change": recipes.RECIPES[name].change,
        "parent": recipes.RECIPES[name].parent,
        "epochs": config.epochs,
        "settings": settings,
        "seeds": list(range(len(runs))),
        "val_acc": val,
        "test_acc": test,
        **spread("val", val),
        **spread("test", test),
        "run_seconds": [seconds for _, seconds, _ in runs],
        # The median: on a shared machine one run now and then waits for its cores.
        "seconds": statistics.median(seconds for _, seconds, _ in runs),
        "blas_threads": [threads for _, _, threads in runs],
        "jobs": jobs,
        "val_curves": [history["val_acc"] for history, _, _ in runs],
    }


def spread(prefix: str, values: list[float]) -> dict[str, float | None]:
    """{prefix_mean, prefix_std}: the mean and the sample standard deviation (None for one value)."""
    std = statistics.stdev(values) if len(values) > 1 else None  # n − 1: a sample of all seeds
    return {f"{prefix}_mean": statistics.fmean(values), f"{prefix}_std": std}


def percent(mean: float, std: float | None) -> str:
    """'98.21 ± 0.05' (percent), or '98.21' when there is no spread to show."""
    return f"{100 * mean:.2f}" if std is None else f"{100 * mean:.2f} ± {100 * std:.2f}"


def table(results: list[dict[str, Any]]) -> str:
    """The ladder as a Markdown table (also readable as plain text in a terminal)."""
    seeds = {len(r["seeds"]) for r in results}
    n = f"{seeds.pop()} seeds" if len(seeds) == 1 else "seeds"
    lines = [
        f"| rung | what changed | epochs | validation % (mean ± std, {n}) | test % (mean ± std) | seconds |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for r in results:
        val, test = percent(r["val_mean"], r["val_std"]), percent(r["test_mean"], r["test_std"])
        lines.append(f"| {r['name']} | {r['change']} | {r['epochs']} | {val} | {test} | {r['seconds']:.1f} |")
    return "\n".join(lines) + "\n"


def plot(results: list[dict[str, Any]], path: str | Path) -> None:
    """PNG: validation and test accuracy per rung with the spread over seeds, and the curves."""
    import matplotlib
    import matplotlib.ticker

    from justnumpy.see import figures

    fig = figures.new(figsize=(13, 5.5))
    bars, curves = fig.subplots(1, 2)
    y = np.arange(len(results))
    for offset, which, colour in ((-0.2, "val", "tab:gray"), (0.2, "test", "tab:blue")):
        means = np.array([100 * r[f"{which}_mean"] for r in results])
        stds = np.array([100 * (r[f"{which}_std"] or 0.0) for r in results])
        label = "validation (settings chosen on it)" if which == "val" else "test (the outcome)"
        bars.barh(y + offset, means, height=0.4, xerr=stds, capsize=3, color=colour, label=label)
        if which == "test":
            for row, m, s in zip(y, means, stds, strict=True):  # the number just right of the spread
                bars.annotate(
                    f"{m:.2f}%",
                    (m + s, row + offset),
                    xytext=(4, 0),
                    textcoords="offset points",
                    va="center",
                    fontsize=8,
                )
    bars.set_yticks(y, [r["name"] for r in results])
    bars.invert_yaxis()  # the ladder reads top (seed) to bottom (the last rung)
    low = min(100 * min(r["val_mean"], r["test_mean"]) for r in results)
    bars.set_xlim(max(0.0, low - (100 - low) * 0.5), 100)  # zoom in on the part that changes
    seeds = max(len(r["seeds"]) for r in results)
    bars.set_xlabel(f"accuracy (%): mean of {seeds} seeds, bars ± one standard deviation")
    bars.set_title("final accuracy per rung")
    bars.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2, frameon=False)
    # A hue per rung in the ladder's order, seed blue to the top red (tab10's ten would repeat).
    hues = matplotlib.colormaps["turbo"](np.linspace(0.05, 0.95, len(results)))
    for r, hue in zip(results, hues, strict=True):
        longest = max(len(c) for c in r["val_curves"])
        mean = [statistics.fmean(c[e] for c in r["val_curves"] if len(c) > e) for e in range(longest)]
        epochs = np.arange(1, longest + 1)
        error = 100 * (1 - np.asarray(mean))  # 12% → 1% reads well on a log axis
        curves.plot(epochs, error, label=r["name"], color=hue, marker="." if longest < 80 else None)
    # Log scales on both axes: the seed rung's full-batch steps from 90% error sit beside the
    # other rungs' few to many epochs near 1–2% error.
    curves.set_xscale("log")
    curves.set_yscale("log")
    curves.yaxis.set_major_locator(matplotlib.ticker.FixedLocator([0.5, 1, 2, 5, 10, 20, 50, 100]))
    curves.yaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    curves.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}%"))
    curves.set_xlabel("epoch (passes over the training images)")
    curves.set_ylabel("validation error, mean of the seeds (lower is better)")
    curves.set_title("validation error after every epoch")
    curves.grid(alpha=0.3, which="both")
    curves.legend(loc="lower left", ncol=2, fontsize=8)
    figures.save(fig, path, dpi=110)


def save(results: list[dict[str, Any]], folder: str | Path) -> list[Path]:
    """Write ladder.json, ladder.md (the table) and ladder.png (the figure) into `folder`."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = folder / "ladder.json", folder / "ladder.md", folder / "ladder.png"
    paths[0].write_text(json.dumps(results, indent=1), encoding="utf-8")
    paths[1].write_text(table(results), encoding="utf-8")
    plot(results, paths[2])
    return list(paths)


def load(path: str | Path) -> list[dict[str, Any]]:
    """The results saved in a ladder.json, e.g. to redraw the figure or print the table again."""
    return json.loads(Path(path).read_text(encoding="utf-8"))

"""The accuracy ladder: train every recipe in recipes.LADDER, tabulate and plot what each idea buys.

    from justnumpy import data
    from justnumpy.measure import ladder
    results = ladder.run(data.load("mnist"))             # every rung, ~5 minutes on 2 cores
    ladder.save(results, "ladder-out")                    # ladder.md, ladder.csv, ladder.png

`quick=True` is the same ladder shrunk to run in seconds (a 10,000-image training subset and a
few epochs per rung): it checks that every rung still trains, not how well.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from justnumpy import train
from justnumpy.training import recipes

QUICK_TRAIN_IMAGES = 10_000  # --quick trains on this many images (the test set stays whole)
QUICK_EPOCHS = {"seed": 150}  # --quick epochs per rung; rungs not listed get 2
COLUMNS = ["rung", "what changed", "epochs", "test accuracy", "seconds", "seed"]


@dataclass
class Result:
    """One trained rung: its name, change, settings, final test accuracy and per-epoch curve."""

    rung: str
    change: str
    config: train.Config
    test_acc: float
    seconds: float
    curve: list[float]  # test accuracy after each epoch

    def row(self, percent: bool = True) -> list[str]:
        """The table row, in COLUMNS order; accuracy as "98.22%", or as 0.9822 for the CSV."""
        accuracy = f"{self.test_acc:.2%}" if percent else f"{self.test_acc:.4f}"
        return [
            self.rung,
            self.change,
            str(len(self.curve)),
            accuracy,
            f"{self.seconds:.1f}",
            str(self.config.seed),
        ]


def shrink(raw: tuple[np.ndarray, ...], n_train: int) -> tuple[np.ndarray, ...]:
    """The first n_train training images and all test images, as data.load returns them."""
    X_train, y_train, X_test, y_test = raw
    return X_train[:n_train], y_train[:n_train], X_test, y_test


def run(
    raw: tuple[np.ndarray, ...],
    rungs: list[str] | None = None,
    quick: bool = False,
    seed: int = 0,
    dataset: str = "mnist",
    progress: bool = False,
    log: Callable[[str], None] = print,
    models: str | Path | None = None,
) -> list[Result]:
    """Train each rung (default: all of recipes.LADDER) from scratch; return their results.

    With `models` (a folder), each rung's model is saved there as <rung>.npz.
    """
    if quick:
        raw = shrink(raw, QUICK_TRAIN_IMAGES)
    results = []
    for i, name in enumerate(rungs or recipes.LADDER, start=1):
        overrides = {"seed": seed, "dataset": dataset}
        if quick:
            overrides["epochs"] = QUICK_EPOCHS.get(name, 2)
        config = recipes.config(name, **overrides)
        if config.batch_size >= recipes.FULL_BATCH:  # "the whole training set", however big it is
            config.batch_size = len(raw[0]) - round(config.validation_fraction * len(raw[0]))
        log(f"[{i}/{len(rungs or recipes.LADDER)}] {name}: {recipes.RECIPES[name].change}")
        start = time.perf_counter()
        out = str(Path(models) / f"{name}.npz") if models is not None else None
        state = train.train(config, raw, out=out, callbacks=[])
        seconds = time.perf_counter() - start
        curve = state.history["test_acc"]
        results.append(Result(name, recipes.RECIPES[name].change, config, curve[-1], seconds, curve))
        log(f"      test accuracy {curve[-1]:.2%} after {len(curve)} epochs, {seconds:.1f} s")
    return results


def table(results: list[Result]) -> str:
    """The results as a Markdown table (also readable as plain text in a terminal)."""
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + " --- |" * len(COLUMNS)]
    lines += ["| " + " | ".join(r.row()) + " |" for r in results]
    return "\n".join(lines) + "\n"


def plot(results: list[Result], path: str | Path) -> None:
    """PNG: final test accuracy per rung (bars) and test error after every epoch (curves)."""
    import matplotlib.ticker

    from justnumpy.see import figures

    fig = figures.new(figsize=(13, 5))
    bars, curves = fig.subplots(1, 2)
    names = [r.rung for r in results]
    accuracy = [100 * r.test_acc for r in results]
    bars.barh(names, accuracy, color="tab:blue")
    bars.invert_yaxis()  # the ladder reads top (seed) to bottom (best)
    for y, a in enumerate(accuracy):
        bars.annotate(f"{a:.2f}%", (a, y), xytext=(3, 0), textcoords="offset points", va="center")
    low = min(accuracy)
    bars.set_xlim(max(0.0, low - (100 - low) * 0.5), 100)  # zoom in on the part that changes
    bars.set_xlabel("test accuracy (%)")
    bars.set_title("final test accuracy per rung")
    for r in results:
        epochs = np.arange(1, len(r.curve) + 1)
        error = 100 * (1 - np.asarray(r.curve))  # test error: 12% → 1% reads well on a log axis
        curves.plot(epochs, error, label=r.rung, marker="." if len(epochs) < 80 else None)
    # Log scales on both axes: the seed rung's 200 full-batch epochs from 90% error sit beside
    # the other rungs' 5 to 80 epochs near 1–2% error.
    curves.set_xscale("log")
    curves.set_yscale("log")
    curves.yaxis.set_major_locator(matplotlib.ticker.FixedLocator([0.5, 1, 2, 5, 10, 20, 50, 100]))
    curves.yaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    curves.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}%"))
    curves.set_xlabel("epoch (passes over the training set)")
    curves.set_ylabel("test error (lower is better)")
    curves.set_title("test error after every epoch")
    curves.grid(alpha=0.3, which="both")
    curves.legend(loc="upper right")
    figures.save(fig, path, dpi=110)


def save(results: list[Result], folder: str | Path) -> list[Path]:
    """Write ladder.md, .csv, .png and .json (everything, curves included) into `folder`."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    md, csv_path, png = folder / "ladder.md", folder / "ladder.csv", folder / "ladder.png"
    everything = [{**dataclasses.asdict(r), "config": dataclasses.asdict(r.config)} for r in results]
    (folder / "ladder.json").write_text(json.dumps(everything, indent=1), encoding="utf-8")
    md.write_text(table(results), encoding="utf-8")
    with csv_path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(COLUMNS)
        writer.writerows(r.row(percent=False) for r in results)
    plot(results, png)
    return [md, csv_path, png, folder / "ladder.json"]


def load(path: str | Path) -> list[Result]:
    """The results saved in a ladder.json, e.g. to redraw the plot or join two partial ladders."""
    rows = json.loads(Path(path).read_text(encoding="utf-8"))
    return [Result(**{**row, "config": train.Config(**row["config"])}) for row in rows]

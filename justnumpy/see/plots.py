"""Pictures of a trained network: what it learned, how it learned, where it goes wrong.

    from justnumpy import data, model
    from justnumpy.see import plots
    net, params, meta, _ = model.load("model.npz")
    _, _, X_test, y_test = data.load("mnist")
    plots.write_all(net, params, meta["history"], X_test, y_test, "mnist", "plots/")

The model may have any depth: the probabilities are those of its own net (model.output of
net.forward: A2 for one hidden layer, AL for L layers), the tiles are the first hidden layer's
(the one that sees the pixels), and the dead units are counted in every hidden layer.

Each picture is split in two: a small function that computes the numbers it shows (tested
against independent oracles) and a `draw_*` function that only lays them out. Figures are built
with matplotlib's object API on the Agg canvas, which renders PNGs without a display and never
touches the global pyplot state of a notebook that imports this module. The file is longer than
most because it holds every picture `justnumpy plot` draws, each one such pair.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib import colormaps
from matplotlib.colors import LogNorm
from matplotlib.patches import Rectangle
from matplotlib.ticker import MaxNLocator, PercentFormatter

from justnumpy import model, network
from justnumpy.data import class_names, to_inputs
from justnumpy.errors import JustNumpyError
from justnumpy.see import figures
from justnumpy.see.figures import GREEN, GREY, RED
from justnumpy.see.mosaic import mosaic, tile_corner, weight_tiles
from justnumpy.train import dead_units
from justnumpy.training.doctor import DEAD_SHARE

# One file per picture; the names say what is in them.
FILES = {
    "curves": "training-curves.png",
    "confusion": "confusion-matrix.png",
    "hidden": "hidden-units.png",
    "mistakes": "confident-mistakes.png",
    "samples": "sample-predictions.png",
}


# ---------------------------------------------------------------- the numbers each picture shows


def probabilities(
    net: model.Net, params: network.Params, images: np.ndarray, batch: int = 10_000
) -> np.ndarray:
    """AL for uint8 images (n, 28, 28): (n, 10) class probabilities, via net.forward in chunks."""
    X = to_inputs(images, dtype=params["W1"].dtype)
    return np.concatenate(
        [model.output(net.forward(params, X[i : i + batch])) for i in range(0, len(X), batch)]
    )


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int = 10) -> np.ndarray:
    """(n_classes, n_classes) counts: row = true class, column = predicted class."""
    # Each (true, predicted) pair gets its own bin number true·n + predicted.
    flat = np.bincount(np.asarray(y_true) * n_classes + np.asarray(y_pred), minlength=n_classes**2)
    return flat.reshape(n_classes, n_classes)


def confident_mistakes(AL: np.ndarray, y: np.ndarray, n: int = 24) -> np.ndarray:
    """Indices of the (up to) n misclassified rows where the wrong answer had the highest probability."""
    predicted = AL.argmax(axis=1)
    wrong = np.flatnonzero(predicted != y)
    confidence = AL[wrong, predicted[wrong]]
    return wrong[np.argsort(-confidence, kind="stable")[:n]]


def sample(AL: np.ndarray, n: int = 3, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(n random rows drawn with a fixed seed, the n rows whose top probability is lowest).

    Random test images are mostly answered with ~100% certainty; the least certain ones show
    what hesitation between classes looks like. The two sets never overlap.
    """
    unsure = np.argsort(AL.max(axis=1), kind="stable")[:n]
    rest = np.setdiff1d(np.arange(len(AL)), unsure)
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(rest, size=min(n, len(rest)), replace=False)), unsure


def dead_per_layer(history: dict[str, list], n_hidden_layers: int) -> list[list[int]] | None:
    """Dead units per epoch of each hidden layer, [layer][epoch], from a model file's history.

    The history counts them per layer ("dead_per_layer"); files written before that have only
    the total ("dead_units"), which for their single hidden layer is the same thing. None when
    there are no counts for every epoch.
    """
    epochs = history["epoch"]
    per_epoch = history.get("dead_per_layer") or []
    if len(per_epoch) != len(epochs):
        totals = history.get("dead_units") or []
        if len(totals) != len(epochs) or n_hidden_layers != 1:
            return None
        per_epoch = [[total] for total in totals]
    return [list(layer) for layer in zip(*per_epoch, strict=True)]


# ---------------------------------------------------------------- drawing


def draw_curves(
    history: dict[str, list],
    path: Path,
    hidden: Sequence[int] = (),
    loss: str = "cross-entropy",
) -> Path:
    """Loss, train/validation/test accuracy and dead hidden units per epoch, from a model file's history.

    `hidden` are the sizes of the hidden layers whose dead units to draw, one line each; empty
    (or a history without the counts) leaves the dead-unit panel out.
    """
    epochs = history["epoch"]
    dead = dead_per_layer(history, len(hidden)) if hidden else None
    panels = 3 if dead else 2
    fig = figures.new(figsize=(5.5 * panels, 4.2))
    ax_loss, ax_acc, *ax_dead = fig.subplots(1, panels)
    ax_loss.plot(epochs, history["loss"], "o-", color="#1f77b4", label="training loss")
    ax_loss.set_ylim(bottom=0)
    name = "squared error" if loss == "squared-error" else loss
    ax_loss.set(
        title=f"Loss ({name}, mean over each epoch's batches)",
        xlabel="epoch",
        ylabel="loss" + (" (nats)" if loss == "cross-entropy" else ""),
    )
    curves = [
        ("train_acc", "train (running, during the epoch)", "#1f77b4"),
        ("val_acc", "validation (held-out training images)", "#ff7f0e"),
        ("test_acc", "test (images never trained on)", GREEN),
    ]
    for key, label, color in curves:
        values = history.get(key) or []
        if values and all(v is not None for v in values):  # val_acc is None without a validation split
            ax_acc.plot(epochs, 100 * np.asarray(values, dtype=float), "o-", color=color, label=label)
    last = history["test_acc"][-1]
    ax_acc.annotate(
        f"{last:.2%}",
        (epochs[-1], 100 * last),
        textcoords="offset points",
        xytext=(-4, 8),
        ha="right",
        color=GREEN,
        fontweight="bold",
    )
    ax_acc.yaxis.set_major_formatter(PercentFormatter(100))
    ax_acc.set(title="Accuracy after each epoch", xlabel="epoch", ylabel="accuracy")
    ax_acc.margins(y=0.15)  # room for the label above the last point
    ax_acc.legend(loc="best")
    if ax_dead:
        draw_dead_units(ax_dead[0], epochs, dead, hidden)
    for ax in (ax_loss, ax_acc, *ax_dead):
        ax.set_xlim(min(epochs) - 0.5, max(epochs) + 0.5)  # a one-epoch run still gets a sensible axis
        ax.xaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))
        ax.grid(alpha=0.3)
    return figures.save(fig, path)


def draw_dead_units(ax, epochs: list[int], dead: list[list[int]], hidden: Sequence[int]) -> list:
    """One line per hidden layer: the share of its units that output 0 for every training image of
    each epoch, its last count in the legend; returns the lines, first layer first."""
    lines = []
    for l, (counts, size) in enumerate(zip(dead, hidden, strict=True), 1):
        share = 100 * np.asarray(counts, dtype=float) / size
        which = f"hidden layer {l}: " if len(hidden) > 1 else ""
        label = f"{which}{counts[-1]} of {size} units dead after epoch {epochs[-1]}"
        lines += ax.plot(epochs, share, "o-", label=label)
    limit = 100 * DEAD_SHARE
    ax.axhline(limit, color=RED, linestyle="--", linewidth=1)
    ax.annotate(
        f"more than {DEAD_SHARE:.0%}: the doctor's hint",
        (0.02, limit),
        xycoords=("axes fraction", "data"),
        textcoords="offset points",
        xytext=(0, 3),
        color=RED,
        fontsize=8,
    )
    highest = max(100 * max(counts) / size for counts, size in zip(dead, hidden, strict=True))
    ax.set_ylim(0, 1.15 * max(limit, highest))
    ax.yaxis.set_major_formatter(PercentFormatter(100))
    title = "Dead hidden units (0 for every training image)"
    ax.set(title=title, xlabel="epoch", ylabel="share of the layer")
    ax.legend(loc="center right", fontsize=8)
    return lines


def draw_confusion(cm: np.ndarray, names: list[str], path: Path) -> Path:
    """Counts of (true, predicted) pairs; colour on a log scale so that rare mistakes still show."""
    n = len(names)
    fig = figures.new(figsize=(8.5, 7.5))
    ax = fig.subplots()
    shown = np.ma.masked_equal(cm, 0)  # empty cells stay white
    im = ax.imshow(shown, cmap="Blues", norm=LogNorm(vmin=1, vmax=max(int(cm.max()), 2)))
    for (i, j), count in np.ndenumerate(cm):
        if count:
            r, g, b, _ = im.cmap(im.norm(count))
            dark = 0.299 * r + 0.587 * g + 0.114 * b < 0.6  # perceived brightness of the cell
            ax.text(
                j,
                i,
                str(count),
                ha="center",
                va="center",
                fontsize=9,
                color="white" if dark else ("black" if i == j else RED),
            )
    ax.set_xticks(
        range(n),
        names,
        rotation=45 if max(map(len, names)) > 2 else 0,
        ha="right" if max(map(len, names)) > 2 else "center",
    )
    ax.set_yticks(range(n), names)
    accuracy = np.trace(cm) / cm.sum()
    ax.set(
        xlabel="predicted class",
        ylabel="true class",
        title=f"Confusion matrix on {cm.sum():,} test images: {accuracy:.2%} correct\n"
        f"diagonal = right answers, red = mistakes",
    )
    fig.colorbar(im, ax=ax, shrink=0.8, label="number of test images (log scale)")
    return figures.save(fig, path)


def draw_hidden_units(
    W1: np.ndarray, path: Path, dead: np.ndarray | None = None, n_images: int = 0, deeper: bool = False
) -> Path:
    """Every column of W1 as a 28×28 image, red = positive weight, blue = negative, white = 0.

    `dead` are the units that output 0 for all `n_images` test images: each gets a black frame
    (None: units of this kind cannot die, nothing is framed). `deeper`: more hidden layers follow
    this first one.
    """
    H = W1.shape[1]
    image = mosaic(weight_tiles(W1))
    # One scale for all tiles, so they can be compared; the 99.5th percentile keeps a few
    # extreme weights from washing out the rest.
    v = float(np.percentile(np.abs(W1), 99.5))
    fig = figures.new(figsize=(8, 8.6))
    ax = fig.subplots()
    cmap = colormaps["RdBu_r"].with_extremes(bad="white")  # the NaN gaps between tiles
    im = ax.imshow(image, cmap=cmap, vmin=-v, vmax=v, interpolation="nearest")
    for j in [] if dead is None else dead:
        top, left = tile_corner(int(j), H)
        ax.add_patch(Rectangle((left - 0.5, top - 0.5), 28, 28, fill=False, edgecolor="black", linewidth=1.5))
    ax.set_axis_off()
    if deeper:  # the layer is named, and the title takes one more line to fit
        title = [
            f"What each of the {H} units of the first hidden layer looks for:",
            "column j of W1 as a 28×28 image",
        ]
    else:
        title = [f"What each of the {H} hidden units looks for: column j of W1 as a 28×28 image"]
    title.append("red: ink there raises the unit's input Z1; blue: ink there lowers it")
    if dead is not None:
        where = f"all {n_images:,} test images" if n_images else "every test image"
        title.append(f"black frame: dead, outputs 0 for {where} ({len(dead)} of {H} units)")
    ax.set_title("\n".join(title))
    fig.colorbar(
        im, ax=ax, shrink=0.6, location="bottom", extend="both", label="weight from pixel to hidden unit (W1)"
    )
    return figures.save(fig, path)


def draw_mistakes(
    images: np.ndarray, y: np.ndarray, AL: np.ndarray, idx: np.ndarray, names: list[str], path: Path
) -> Path:
    """The test images the network got wrong while most sure of itself."""
    cols = 6
    rows = max(1, math.ceil(len(idx) / cols))
    fig = figures.new(figsize=(2 * cols, 2.35 * rows + 0.6))
    axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False)).ravel()
    predicted = AL.argmax(axis=1)
    for ax, i in zip(axes, idx, strict=False):
        ax.imshow(images[i], cmap="gray_r", vmin=0, vmax=255)
        ax.set_title(
            f"#{i}: true {names[y[i]]}\nsaid {names[predicted[i]]} ({AL[i, predicted[i]]:.1%})",
            fontsize=9,
            color=RED,
        )
    for ax in axes:
        ax.set_axis_off()
    if len(idx) == 0:
        fig.suptitle("No mistakes: the network classified every test image correctly")
    else:
        fig.suptitle(
            f"The {len(idx)} test images the network got wrong with the highest confidence "
            f"(#index, true label, answer and its probability)"
        )
    return figures.save(fig, path)


def draw_samples(
    images: np.ndarray,
    y: np.ndarray,
    AL: np.ndarray,
    rows: list[tuple[str, np.ndarray]],
    names: list[str],
    path: Path,
    output: str = "A2",
) -> Path:
    """Test images beside the ten probabilities the network gives them, one row per (title, indices).

    `output` names the probabilities as the network does: A2 for one hidden layer, AL for L layers.
    """
    cols = max(len(idx) for _, idx in rows)
    fig = figures.new(figsize=(4.4 * cols, 3.0 * len(rows) + 0.5))
    subfigs = np.atleast_1d(fig.subfigures(len(rows), 1))
    for subfig, (title, idx) in zip(subfigs, rows, strict=True):
        subfig.suptitle(title, fontsize=12, fontweight="bold")
        axes = subfig.subplots(1, 2 * cols, width_ratios=[1, 1.5] * cols, squeeze=False)[0]
        for ax in axes[2 * len(idx) :]:
            ax.set_axis_off()
        for k, i in enumerate(idx):
            ax_img, ax_bar = axes[2 * k], axes[2 * k + 1]
            ax_img.imshow(images[i], cmap="gray_r", vmin=0, vmax=255)
            ax_img.set_axis_off()
            ax_img.set_title(f"#{i}\ntrue {names[y[i]]}", fontsize=9)
            guess = int(AL[i].argmax())
            colors = [GREY] * len(names)
            colors[guess] = RED  # stays red only if the guess is wrong ...
            colors[y[i]] = GREEN  # ... because the true class paints over it
            bars = ax_bar.barh(range(len(names)), AL[i], color=colors)
            ax_bar.bar_label(bars, [f"{p:.0%}" if p >= 0.01 else "" for p in AL[i]], padding=2, fontsize=8)
            ax_bar.set_yticks(range(len(names)), names, fontsize=8)
            ax_bar.invert_yaxis()
            ax_bar.set_xlim(0, 1.25)  # room for the labels of bars near 100%
            ax_bar.set_xticks([0, 0.5, 1])
            ax_bar.xaxis.set_major_formatter(PercentFormatter(1.0))
            ax_bar.tick_params(axis="x", labelsize=8)
            ax_bar.spines[["top", "right"]].set_visible(False)
            ax_bar.set_xlabel(f"probability ({output})", fontsize=9)
            ax_bar.set_title(
                f"said {names[guess]} ({AL[i, guess]:.1%})",
                fontsize=10,
                color=GREEN if guess == y[i] else RED,
            )
    return figures.save(fig, path)


def write_all(
    net: model.Net,
    params: network.Params,
    history: dict[str, list] | None,
    X_test: np.ndarray,
    y_test: np.ndarray,
    dataset: str,
    out_dir: str | os.PathLike,
) -> dict[str, Path]:
    """Write every picture of the model (net, params) into `out_dir` (created if needed); return {kind: path}.

    X_test are uint8 images (n, 28, 28) and y_test their labels. Without a history (a model file
    not written by `justnumpy train`) there are no training curves. Dead units are drawn only for
    ReLU networks (model.can_die): other units that stay below 0 still learn.
    """
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise JustNumpyError(f"{out}: cannot create folder for pictures ({e.strerror or e})") from None
    names = class_names(dataset)
    sizes = model.sizes(params)
    hidden, output = sizes[1:-1], f"A{len(sizes) - 1}"  # A2 for one hidden layer, AL for L layers
    can_die = model.can_die(net)
    AL = probabilities(net, params, X_test)
    written = {}
    if history and history.get("epoch"):
        shown = hidden if can_die else ()
        loss = model.describe(net)["loss"]
        written["curves"] = draw_curves(history, out / FILES["curves"], shown, loss)
    cm = confusion_matrix(y_test, AL.argmax(axis=1), len(names))
    written["confusion"] = draw_confusion(cm, names, out / FILES["confusion"])
    dead = dead_units(net, params, to_inputs(X_test, dtype=params["W1"].dtype))[0] if can_die else None
    deeper = len(hidden) > 1
    written["hidden"] = draw_hidden_units(params["W1"], out / FILES["hidden"], dead, len(X_test), deeper)
    written["mistakes"] = draw_mistakes(
        X_test, y_test, AL, confident_mistakes(AL, y_test), names, out / FILES["mistakes"]
    )
    random_idx, unsure_idx = sample(AL)
    rows = [
        (f"Random test images: the probabilities {output} the network gives each class", random_idx),
        ("The test images it was least sure about (green = true class, red = wrong answer)", unsure_idx),
    ]
    written["samples"] = draw_samples(X_test, y_test, AL, rows, names, out / FILES["samples"], output)
    return written

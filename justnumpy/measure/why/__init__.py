"""The experiments that answer "why": measurements on real MNIST behind the choices of the network.

    gradients     why He and ReLU: each layer's gradient size by depth, activation and start
    losses        why cross-entropy: the same start trained on cross-entropy and on squared error
    depth-width   why one hidden layer: one to three hidden layers, 135,000 to 407,000 weights

Each is a module with run(raw, quick, log, jobs, scheduler) → results (JSON-ready),
table(results) → Markdown and figures(results, folder) → PNG paths; `save` writes all three.
docs/why.md shows what they measured.

    from justnumpy import data
    from justnumpy.measure import why
    results = why.run("losses", data.load("mnist"))
    why.save("losses", results, "why-out")     # why-losses.json, why-losses.md, why-losses.png
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

from justnumpy.errors import JustNumpyError
from justnumpy.measure.why import depth_width, gradients, losses
from justnumpy.measure.why.runs import Raw

EXPERIMENTS: dict[str, ModuleType] = {"gradients": gradients, "losses": losses, "depth-width": depth_width}


def run(
    name: str,
    raw: Raw,
    quick: bool = False,
    log: Callable[[str], None] = print,
    jobs: int = 1,
    scheduler: str | None = None,
) -> dict[str, Any]:
    """The results of the experiment called `name` (a key of EXPERIMENTS).

    Its runs are independent: `jobs` of them at a time in worker processes, or on the Dask
    `scheduler`, each on its share of the BLAS threads (measure/parallel.py).
    """
    if name not in EXPERIMENTS:
        raise ValueError(f"unknown experiment {name!r}; choose one of {', '.join(EXPERIMENTS)}")
    return EXPERIMENTS[name].run(raw, quick=quick, log=log, jobs=jobs, scheduler=scheduler)


def prepare(folder: str | Path) -> Path:
    """The folder the results go to, made if need be; JustNumpyError if it cannot be written to."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise JustNumpyError(f"{folder}: cannot make a folder there ({e.strerror or e})") from None
    if not folder.is_dir() or not os.access(folder, os.W_OK):
        raise JustNumpyError(f"{folder}: not a folder that can be written to")
    return folder


def save(name: str, results: dict[str, Any], folder: str | Path) -> list[Path]:
    """Write why-NAME.json (every number), why-NAME.md (the tables) and the figures into `folder`."""
    folder = prepare(folder)
    experiment = EXPERIMENTS[name]
    numbers, tables = folder / f"why-{name}.json", folder / f"why-{name}.md"
    try:
        numbers.write_text(json.dumps(results, indent=1), encoding="utf-8")
        tables.write_text(experiment.table(results), encoding="utf-8")
    except OSError as e:
        raise JustNumpyError(f"{folder}: cannot write the results ({e.strerror or e})") from None
    return [numbers, tables, *experiment.figures(results, folder)]  # figures.save says why if it cannot

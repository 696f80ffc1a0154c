"""Helpers the tests share: the repository's path, tiny synthetic IDX datasets, the command line."""

from __future__ import annotations

import ast
import gzip
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np

from justnumpy.exercise.report import FAIL

REPO = Path(__file__).resolve().parent.parent


def write_idx(path: Path, array: np.ndarray, magic: int | None = None) -> Path:
    """Write `array` (uint8) as a gzip-compressed IDX file, the format MNIST ships in."""
    magic = magic if magic is not None else (2051 if array.ndim == 3 else 2049)
    header = magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in array.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + array.astype(np.uint8).tobytes())
    return path


def make_dataset(folder: Path, n_train: int = 600, n_test: int = 200, seed: int = 0) -> Path:
    """A tiny learnable MNIST-shaped dataset: digit k lights up a bright block at row 2k."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    names = {
        "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
        "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
    }
    for split, n in (("train", n_train), ("test", n_test)):
        y = rng.integers(0, 10, size=n).astype(np.uint8)
        X = rng.integers(0, 60, size=(n, 28, 28)).astype(np.uint8)
        for i, k in enumerate(y):
            X[i, 2 * k + 3 : 2 * k + 6, 4:24] = 255
        write_idx(folder / names[split][0], X)
        write_idx(folder / names[split][1], y)
    return folder


def run_cli(*args: str, cwd: Path | None = None, env: dict | None = None, timeout: float = 600):
    """Run `python -m justnumpy ARGS` from this checkout; return the CompletedProcess."""
    full_env = {**os.environ, "PYTHONPATH": str(REPO), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "justnumpy", *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def fill(skeleton_text: str, solution_text: str) -> str:
    """A skeleton of `justnumpy exercise start` with each TODO body replaced by the solution's body.

    Functions and methods are matched by their qualified name (forward, Adam.step); a skeleton's
    docstring stays, whatever its level.
    """
    from justnumpy.exercise.skeleton import definitions

    sol_lines = solution_text.split("\n")
    bodies = {}
    for name, node in definitions(ast.parse(solution_text)):
        if isinstance(node, ast.FunctionDef):
            first = node.body[1] if ast.get_docstring(node) is not None else node.body[0]
            bodies[name] = sol_lines[first.lineno - 1 : node.end_lineno]
    lines = skeleton_text.split("\n")
    todo = [
        (name, node)
        for name, node in definitions(ast.parse(skeleton_text))
        if isinstance(node, ast.FunctionDef)
    ]
    for name, node in reversed(todo):
        lines[node.body[0].end_lineno : node.end_lineno] = bodies[name]
    return "\n".join(lines)


def github_anchor(heading: str) -> str:
    """The id GitHub gives a heading: its text lower-cased, punctuation dropped, spaces to hyphens.

    Links and code in the heading count by their text: "[`network.py`](x)" reads "network.py".
    """
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading.strip()).replace("`", "")
    return re.sub(r"[^\w\- ]", "", text.lower()).replace(" ", "-")


def failure(report) -> tuple[str | None, str | None]:
    """(step, bug id) of a check report's failed step, or (None, None) when every step passed."""
    failed = [s for s in report.steps if s.status == FAIL]
    assert len(failed) <= 1, "the check stops at the first failure"
    return (failed[0].step, failed[0].bug) if failed else (None, None)


def variant(template: Path, path: Path, old: str, new: str) -> Path:
    """A copy of `template` with one edit (`old` must occur once), written to `path`."""
    text = template.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def stop(proc: subprocess.Popen) -> None:
    """End a server process and reap it: SIGTERM, then SIGKILL (and the test fails) if 30 s pass."""
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise

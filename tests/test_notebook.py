"""The notebooks run from top to bottom on the real MNIST, and their saved outputs are current.

notebooks/learn.ipynb (the learning path by hand) and notebooks/why.ipynb (vanishing gradients by
hand) are committed with their outputs, so that they read without running. These tests run each
again in a fresh kernel (the ipykernel of the Python running the tests, importing this checkout)
and compare what it prints with what was saved: a change in the code that changes a printed number
fails here until the notebook is executed again. To execute them in place, from the repository root:

    python -m tests.test_notebook                 # both
    python -m tests.test_notebook why.ipynb       # one
"""

from __future__ import annotations

import difflib
import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.helpers import REPO
from tests.test_math_doc import DOC, github_anchor

if TYPE_CHECKING:
    from nbformat import NotebookNode

FOLDER = REPO / "notebooks"
# Each notebook, the figures it draws and the fewest links into docs/math.md it must make.
NOTEBOOKS = {
    "learn.ipynb": {"figures": 3, "math_links": 8},  # the first digit, the hidden units, the wrong answer
    "why.ipynb": {"figures": 1, "math_links": 3},  # both networks' gradients per layer
}
CELL_TIMEOUT = 600  # seconds: a guard against a hung kernel, far above any cell's run time


def execute(path: Path) -> NotebookNode:
    """Run the notebook at `path` from top to bottom in a fresh kernel; return it with the new outputs.

    Raises nbclient's CellExecutionError, naming the cell, if any cell fails.
    """
    import nbformat
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    # No kernel folders to search: "python3" is then ipykernel's own spec for this very Python,
    # whatever other kernels the machine has registered under that name.
    specs = KernelSpecManager(kernel_dirs=[])
    kernel = AsyncKernelManager(kernel_name="python3", kernel_spec_manager=specs)
    client = NotebookClient(
        nb,
        km=kernel,
        timeout=CELL_TIMEOUT,
        record_timing=False,  # no timestamps in the saved file
        coalesce_streams=True,  # one stdout output per cell, however the kernel split its messages
        resources={"metadata": {"path": str(path.parent)}},  # run in notebooks/, as Jupyter would
    )
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env.pop("MPLBACKEND", None)  # the kernel's own inline backend embeds the figures as PNG
    client.execute(cleanup_kc=True, env=env)  # we made the kernel manager, so ask for the shutdown
    nb.metadata.get("language_info", {}).pop("version", None)  # would differ from machine to machine
    return nb


def printed(nb: NotebookNode) -> list[list[str]]:
    """Per code cell, what it printed: stdout and the text form of results and figures.

    Images are left out (their bytes vary with the matplotlib version); a figure still shows as
    its text, e.g. "<Figure size 700x260 with 2 Axes>". stderr is left out too: a fresh
    matplotlib may say there that it is building its font cache.
    """
    cells = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        texts = []
        for output in cell.get("outputs", []):
            if output.output_type == "stream" and output.name == "stdout":
                texts.append(output.text)
            elif output.output_type in ("execute_result", "display_data"):
                texts.append(output.data.get("text/plain", ""))
        cells.append(texts)
    return cells


@pytest.fixture(scope="module", params=sorted(NOTEBOOKS))
def name(request) -> str:
    """The file name of each notebook in notebooks/, one after the other."""
    return request.param


@pytest.fixture(scope="module")
def saved(name):
    nbformat = pytest.importorskip("nbformat")
    return nbformat.read(FOLDER / name, as_version=4)


@pytest.fixture(scope="module")
def executed(name, mnist_raw):
    """The notebook run afresh on the real MNIST (`mnist_raw` skips without it, and fails in CI)."""
    pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    return execute(FOLDER / name)


def test_every_notebook_is_tested():
    assert sorted(p.name for p in FOLDER.glob("*.ipynb")) == sorted(NOTEBOOKS)


@pytest.mark.slow
def test_notebook_runs_top_to_bottom(name, executed):
    code = [cell for cell in executed.cells if cell.cell_type == "code"]
    assert [cell.execution_count for cell in code] == list(range(1, len(code) + 1))
    errors = [out for cell in code for out in cell.outputs if out.output_type == "error"]
    assert not errors
    figures = [out for cell in code for out in cell.outputs if "image/png" in out.get("data", {})]
    assert len(figures) == NOTEBOOKS[name]["figures"]


@pytest.mark.slow
def test_saved_outputs_are_current(name, saved, executed):
    for number, (now, then) in enumerate(zip(printed(executed), printed(saved), strict=True), 1):
        changes = difflib.unified_diff(
            "".join(then).splitlines(), "".join(now).splitlines(), "saved", "now", lineterm=""
        )
        assert now == then, (
            f"code cell {number} of {name} prints something else than its saved output; "
            f"execute the notebook again: python -m tests.test_notebook {name}\n" + "\n".join(changes)
        )


def test_saved_notebook_was_run_in_order_and_cleanly(saved):
    code = [cell for cell in saved.cells if cell.cell_type == "code"]
    assert [cell.execution_count for cell in code] == list(range(1, len(code) + 1))
    noise = [out for cell in code for out in cell.outputs if out.output_type == "error"]
    noise += [out for cell in code for out in cell.outputs if out.get("name") == "stderr"]
    assert not noise, f"the saved notebook holds errors or warnings: {noise}"


def test_every_code_cell_follows_its_explanation(saved):
    kinds = [cell.cell_type for cell in saved.cells]
    lonely = [i for i, kind in enumerate(kinds) if kind == "code" and (i == 0 or kinds[i - 1] != "markdown")]
    assert not lonely, f"code cells {lonely} have no Markdown cell before them"


def test_links_into_the_math_exist(name, saved):
    text = "\n".join(cell.source for cell in saved.cells if cell.cell_type == "markdown")
    anchors = set(re.findall(r"\(\.\./docs/math\.md#([\w-]+)\)", text))
    headings = {github_anchor(h) for h in re.findall(r"^#+ (.+)$", DOC, flags=re.MULTILINE)}
    assert len(anchors) >= NOTEBOOKS[name]["math_links"]
    assert anchors <= headings, f"missing sections of docs/math.md: {sorted(anchors - headings)}"
    for target in set(re.findall(r"\]\(\.\./([^)#]+)", text)):
        assert (REPO / target).exists(), f"the notebook links to {target}, which does not exist"


if __name__ == "__main__":
    import nbformat

    for chosen in sys.argv[1:] or sorted(NOTEBOOKS):
        path = FOLDER / Path(chosen).name
        nbformat.write(execute(path), path)
        print(f"executed {path.relative_to(REPO)} in place", file=sys.stderr)

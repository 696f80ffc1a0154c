"""`justnumpy exercise start`: my_network.py with every function body to write, and EXERCISE.md.

The skeleton is template.py with its function bodies replaced by TODOs: the signatures, the
docstrings (shapes, formulas, the docs/math.md section to read) and the imports stay.
"""

from __future__ import annotations

import ast
from pathlib import Path

from justnumpy.exercise import files

NETWORK = "my_network.py"
README = "EXERCISE.md"

DOCSTRING = '''"""My network: 784 pixels in, H hidden ReLU units, 10 class probabilities out. Written by me.

Fill in the functions below one at a time, in order: init_params, softmax, forward, loss,
backward, predict. Each docstring gives the shapes and the formula, and the section of
docs/math.md that derives it. After each one, run

    justnumpy check my_network.py

It checks the functions in that order, stops at the first thing that is not right yet, and
says what is wrong. When every check passes, train this network on MNIST:

    justnumpy train --network my_network.py --epochs 2

NumPy only: no deep-learning library, no copying from justnumpy/network.py.
"""'''

EXERCISE = """# Write it yourself

`my_network.py` holds the network that reads handwritten digits, with every function body left for
you to write: `init_params`, `softmax`, `forward`, `loss`, `backward`, `predict`. Each docstring
gives the shapes, the formula, and the section of `docs/math.md` that derives it.

1. Write one function (start with `init_params`), replacing its `raise NotImplementedError`.
2. Run `justnumpy check my_network.py`. It prints a checklist: ✓ for each step that works, ✗ at the
   first one that does not, with what is wrong and what to read. Steps after a ✗ are not checked
   yet (they build on it).
3. Repeat until every line has a ✓. Then train your network on MNIST:
   `justnumpy train --network my_network.py --epochs 2` (a right network reads 97.6% of the test
   digits right).

The check runs your code in a separate process: if something loops forever it is stopped after
`--timeout` seconds ({timeout:g} by default), and what your code prints is shown under the step it
belongs to. What each step checks, and what its messages mean: `docs/exercise.md`.

For practice at reading backprop, `justnumpy exercise bugs` writes ten networks with one classic
bug each: find the bug by reading, then ask `justnumpy check`.
"""


def skeleton() -> str:
    """The text of my_network.py: template.py with each function's body replaced by a TODO."""
    source, tree = files.template()
    lines = source.split("\n")
    functions = [node for node in tree.body if isinstance(node, ast.FunctionDef)]
    for fn in reversed(functions):  # from the bottom up, so earlier line numbers stay valid
        doc = fn.body[0]
        assert isinstance(doc, ast.Expr) and doc.end_lineno is not None and fn.end_lineno is not None
        todo = [
            f"    # TODO: write {fn.name}, then run `justnumpy check my_network.py`",
            f'    raise NotImplementedError("{fn.name} is not written yet")',
        ]
        lines[doc.end_lineno : fn.end_lineno] = todo
    return "\n".join(files.with_docstring(lines, tree, DOCSTRING))


def start(folder: str | Path = ".") -> list[Path]:
    """Write my_network.py and EXERCISE.md into `folder`; refuse, writing nothing, if either exists."""
    from justnumpy.exercise.checker import DEFAULT_TIMEOUT

    return files.write_new(
        Path(folder), {NETWORK: skeleton(), README: EXERCISE.format(timeout=DEFAULT_TIMEOUT)}
    )

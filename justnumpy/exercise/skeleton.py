"""`justnumpy exercise start`: the learner's file with every body to write, and its instructions.

The skeleton is the exercise's template.py with the body of every function and method replaced
by a TODO, except those its levels.py gives ready-made (GIVEN); the signatures and the imports
stay. Its docstrings depend on the level (levels.py):
level 1 keeps the template's (shapes, formulas, the docs/math.md section to read), level 2 has
names and shapes only, level 3 what each function returns and nothing else.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from justnumpy.exercise import files
from justnumpy.exercise.kinds import NETWORK, Kind

LEVELS = (1, 2, 3)


def definitions(tree: ast.Module) -> Iterator[tuple[str, ast.FunctionDef | ast.ClassDef]]:
    """(qualified name, node) for each top-level function and class and each method, in order."""
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            yield node.name, node
        if isinstance(node, ast.ClassDef):
            for method in node.body:
                if isinstance(method, ast.FunctionDef):
                    yield f"{node.name}.{method.name}", method


def skeleton(kind: Kind = NETWORK, level: int = 1) -> str:
    """The text of the learner's file: the template with each body a TODO and the docstrings of `level`."""
    if level not in LEVELS:
        raise ValueError(f"level must be 1, 2 or 3, got {level}")
    levels = kind.module("levels")
    source, tree = files.template(kind.template)
    lines = source.split("\n")
    edits = []  # (first line, end line, new lines): 0-based slices of `lines`, applied bottom-up
    for name, node in definitions(tree):
        doc = node.body[0]
        assert isinstance(doc, ast.Expr) and doc.end_lineno is not None and node.end_lineno is not None
        indent = " " * (node.col_offset + 4)
        if level > 1:
            edits.append((doc.lineno - 1, doc.end_lineno, docstring(levels.DOCS[name][level], indent)))
        if isinstance(node, ast.FunctionDef) and name not in getattr(levels, "GIVEN", ()):
            todo = [
                f"{indent}# TODO: write {name}, then run `justnumpy check {kind.file}`",
                f'{indent}raise NotImplementedError("{name} is not written yet")',
            ]
            edits.append((doc.end_lineno, node.end_lineno, todo))
    for first, end, new in sorted(edits, reverse=True):
        lines[first:end] = new
    return "\n".join(files.with_docstring(lines, tree, levels.INTRO[level]))


def docstring(text: str, indent: str) -> list[str]:
    """`text` as the lines of a docstring at `indent`."""
    body = text.split("\n")
    if len(body) == 1:
        return [f'{indent}"""{body[0]}"""']
    return [
        f'{indent}"""{body[0]}',
        *(f"{indent}{line}" if line else "" for line in body[1:]),
        f'{indent}"""',
    ]


def start(folder: str | Path = ".", kind: Kind = NETWORK, level: int = 1) -> list[Path]:
    """Write the learner's file and its instructions into `folder`; refuse, writing nothing, if one exists."""
    from justnumpy.exercise.checker import DEFAULT_TIMEOUT

    levels = kind.module("levels")
    readme = levels.README.format(timeout=DEFAULT_TIMEOUT, level=levels.LEVEL[level])
    return files.write_new(Path(folder), {kind.file: skeleton(kind, level), kind.readme: readme})

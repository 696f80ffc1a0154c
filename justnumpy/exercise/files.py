"""Writing the exercises' files: from a template.py, and never over a file that is already there."""

from __future__ import annotations

import ast
from pathlib import Path

from justnumpy.errors import JustNumpyError


def template(path: Path) -> tuple[str, ast.Module]:
    """The source of an exercise's template.py and its syntax tree (for the line numbers of its parts)."""
    source = Path(path).read_text(encoding="utf-8")
    return source, ast.parse(source)


def with_docstring(lines: list[str], tree: ast.Module, docstring: str) -> list[str]:
    """`lines` of the template with its module docstring replaced by `docstring` (triple quotes included)."""
    doc = tree.body[0]
    assert isinstance(doc, ast.Expr) and doc.end_lineno is not None
    return [*docstring.rstrip("\n").split("\n"), *lines[doc.end_lineno :]]


def write_new(folder: Path, files: dict[str, str]) -> list[Path]:
    """Write each name → text into `folder`; if any of them exists already, write none and say which.

    Returns the paths written. A learner's file is their work: it is never replaced.
    """
    folder = Path(folder)
    paths = [folder / name for name in files]
    existing = [str(p) for p in paths if p.exists()]
    if existing:
        raise JustNumpyError(
            f"{', '.join(existing)} already {'exists' if len(existing) == 1 else 'exist'}; nothing was "
            "written (your files are never overwritten). Move them away or choose another folder."
        )
    if folder.exists() and not folder.is_dir():
        raise JustNumpyError(f"{folder} is a file, not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        written = []
        for path, text in zip(paths, files.values(), strict=True):
            with open(path, "x", encoding="utf-8") as f:  # "x": fail rather than replace
                f.write(text)
            written.append(path)
    except OSError as e:
        raise JustNumpyError(f"cannot write into {folder}: {e.strerror or e}") from None
    return written

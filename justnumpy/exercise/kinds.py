"""The exercises a learner can write, and which one a given file is.

Each exercise is a package of the same few modules: template.py (the file written out, the source of
the skeleton and of the zoo), levels.py (the skeleton's docstrings at levels 2 and 3, and its
EXERCISE file), checks.py (the steps of `justnumpy check`), zoo.py (files with one classic bug
each) and bugs.py (the mistakes its check can name). The network's package is justnumpy.exercise
itself; the others' are justnumpy.exercise.layers and justnumpy.exercise.optimizers.
"""

from __future__ import annotations

import importlib
import re
import types
from dataclasses import dataclass
from pathlib import Path

from justnumpy.errors import JustNumpyError


@dataclass(frozen=True)
class Kind:
    """One exercise: its name, the files `exercise start` writes, where its modules are."""

    name: str  # as the command line spells it: --kind NAME
    file: str  # the learner's file that `exercise start` writes
    readme: str  # the instructions written next to it
    zoo_dir: str  # where `exercise bugs` writes its zoo by default
    package: str  # holds template.py, levels.py, checks.py, zoo.py and bugs.py
    marker: str  # a regular expression that finds this kind's names in a file's text
    what: str  # how the checklist's first line names it

    def module(self, name: str) -> types.ModuleType:
        """One of this exercise's modules: "checks", "zoo", "levels" or "bugs"."""
        return importlib.import_module(f"{self.package}.{name}")

    @property
    def template(self) -> Path:
        """The exercise's file written out in full."""
        return Path(self.module("levels").__file__).with_name("template.py")  # type: ignore[arg-type]


NETWORK = Kind(
    "network",
    "my_network.py",
    "EXERCISE.md",
    "bug-zoo",
    "justnumpy.exercise",
    r"^def (init_params|forward|backward)\b",
    "the network exercise",
)
OPTIMIZERS = Kind(
    "optimizers",
    "my_optimizers.py",
    "EXERCISE-optimizers.md",
    "optimizer-zoo",
    "justnumpy.exercise.optimizers",
    r"^class (SGD|Momentum|Adam)\b",
    "the optimizers exercise",
)
LAYERS = Kind(
    "layers",
    "my_layers.py",
    "EXERCISE-layers.md",
    "layer-zoo",
    "justnumpy.exercise.layers",
    r"^def (linear_forward|linear_backward)\b",
    "the layers exercise",
)
KINDS = {k.name: k for k in (NETWORK, LAYERS, OPTIMIZERS)}


def recognise(path: Path) -> Kind:
    """The exercise a file belongs to, from the names it defines (read as text: it may not parse).

    A file that defines none of any exercise's names is taken for a network, whose check then
    says which functions are missing.
    """
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError as e:
        raise JustNumpyError(f"cannot read {path}: {e.strerror or e}") from None
    for kind in KINDS.values():
        if kind is not NETWORK and re.search(kind.marker, text, flags=re.MULTILINE):
            return kind
    return NETWORK

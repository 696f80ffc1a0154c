"""`justnumpy exercise bugs`: copies of an exercise's file, each with one classic bug; the network's zoo.

Each animal is the exercise's template.py with one edit (`old` → `new`, which must occur exactly
once there), so the rest of the file is right and the bug is the only difference. The file names
say nothing about the bug; the answers are in docs/bug-zoo-answers.md, apart from the exercise.
`bug` is the id in the exercise's bugs.BUGS that `justnumpy check` must name for the file
(tests/test_exercise.py). Each exercise's zoo.py holds ZOO, README (the text of BUGS.md) and
DOCSTRING; source() and write() below serve them all.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from justnumpy.exercise import files
from justnumpy.exercise.kinds import NETWORK, Kind

BUGS_FILE = "BUGS.md"  # what each zoo folder says about itself


@dataclass(frozen=True)
class Animal:
    """One exhibit of the zoo: its file name, the bug it carries, and the edit that puts it in."""

    file: str
    bug: str
    old: str
    new: str


ZOO = [
    Animal(
        "otter.py",
        "unstable-softmax",
        "E = np.exp(Z - Z.max(axis=1, keepdims=True))  # (m, 10): every entry in (0, 1]",
        "E = np.exp(Z)  # (m, 10)",
    ),
    Animal("heron.py", "missing-mean", "dZ2 = (A2 - Y) / m  # (m, 10)", "dZ2 = A2 - Y  # (m, 10)"),
    Animal(
        "lynx.py",
        "bias-keepdims",
        "db1 = dZ1.sum(axis=0)  # (H,)",
        "db1 = dZ1.sum(axis=0, keepdims=True)  # (H,)",
    ),
    Animal("newt.py", "sign", "dZ2 = (A2 - Y) / m  # (m, 10)", "dZ2 = (Y - A2) / m  # (m, 10)"),
    Animal(
        "ibis.py",
        "changes-inputs",
        "dZ2 = (A2 - Y) / m  # (m, 10)",
        "dZ2 = A2  # (m, 10)\n    dZ2 -= Y\n    dZ2 /= m",
    ),
    Animal(
        "marten.py", "missing-relu-mask", 'dZ1 = dA1 * (cache["Z1"] > 0)  # (m, H)', "dZ1 = dA1  # (m, H)"
    ),
    Animal("gecko.py", "bias-summed-all", "db2 = dZ2.sum(axis=0)  # (10,)", "db2 = np.sum(dZ2)  # (10,)"),
    Animal("puffin.py", "transposed", "dW2 = A1.T @ dZ2  # (H, 10)", "dW2 = dZ2.T @ A1  # (H, 10)"),
    Animal(
        "tapir.py",
        "init-too-large",
        "W1 = rng.standard_normal((n_in, n_hidden)) * np.sqrt(2.0 / n_in)  # (n_in, H)",
        "W1 = rng.standard_normal((n_in, n_hidden))  # (n_in, H)",
    ),
    Animal(
        "wombat.py",
        "mask-wrong-layer",
        "dZ2 = (A2 - Y) / m  # (m, 10)",
        'dZ2 = (A2 - Y) / m * (cache["Z2"] > 0)  # (m, 10)',
    ),
]

DOCSTRING = '''"""{name}: a network from the bug zoo. It runs, and it has exactly one classic bug. Find it.

Read it next to docs/math.md: the docstrings say what each function should compute, and one
line somewhere does something else. Then see whether you were right:

    justnumpy check {file}

The answers are in docs/bug-zoo-answers.md (spoilers).
"""'''

README = """# The bug zoo

Ten networks, each the same as a correct one except for **exactly one classic bug**: the mistakes
people make most often when they write backprop for the first time. The file names give nothing
away.

For each file: read it next to `docs/math.md` and find the bug. Then run `justnumpy check FILE.py`:
it names the bug from what the numbers look like (a ratio, a shape, a sign, which gradients are
off), not from your source, and points at the section to read. Fix the line, and the check
passes. The answers, with the line and the fix, are in `docs/bug-zoo-answers.md`.
"""


def source(animal: Animal, kind: Kind = NETWORK) -> str:
    """The text of one zoo file: the exercise's template.py with the animal's one edit."""
    text, tree = files.template(kind.template)
    if text.count(animal.old) != 1:
        raise ValueError(
            f"{animal.file}: {animal.old!r} occurs {text.count(animal.old)} times in template.py, not once"
        )
    lines = text.replace(animal.old, animal.new).split("\n")
    name = animal.file.removesuffix(".py").capitalize()
    docstring = kind.module("zoo").DOCSTRING.format(name=name, file=animal.file)
    return "\n".join(files.with_docstring(lines, tree, docstring))


def write(folder: str | Path | None = None, kind: Kind = NETWORK) -> list[Path]:
    """Write every zoo file of `kind` and BUGS.md into `folder`; refuse, writing nothing, if any exists."""
    module = kind.module("zoo")
    texts = {a.file: source(a, kind) for a in module.ZOO}
    return files.write_new(Path(folder or kind.zoo_dir), {BUGS_FILE: module.README, **texts})

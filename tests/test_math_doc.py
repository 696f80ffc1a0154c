"""docs/math.md stays in step with the code: its line links, its anchors, its list of names."""

from __future__ import annotations

import ast
import re

from tests.helpers import REPO, github_anchor

DOC = (REPO / "docs" / "math.md").read_text(encoding="utf-8")
# A code link is [`fragment`](../justnumpy/network.py#L70): line 70 must contain the fragment.
LINK = re.compile(r"\[`([^`]+)`\]\(\.\./justnumpy/(network\.py|optim\.py)#L(\d+)\)")


def test_github_anchor_rules():
    assert github_anchor("Every name in network.py") == "every-name-in-networkpy"
    assert github_anchor("Why db sums over rows") == "why-db-sums-over-rows"
    assert github_anchor("Cross-entropy") == "cross-entropy"


def test_every_code_link_points_at_its_line():
    links = LINK.findall(DOC)
    assert len(links) >= 30  # every formula links to its code
    assert "#L?" not in DOC
    problems = []
    for fragment, name, number in links:
        lines = (REPO / "justnumpy" / name).read_text(encoding="utf-8").splitlines()
        n = int(number)
        if not (1 <= n <= len(lines) and fragment in lines[n - 1]):
            found = [i + 1 for i, line in enumerate(lines) if fragment in line]
            problems.append(f"{name}#L{n} does not contain {fragment!r} (it is on line(s) {found})")
    assert not problems, "docs/math.md links drifted:\n" + "\n".join(problems)


def test_link_checker_catches_drift():
    lines = (REPO / "justnumpy" / "network.py").read_text(encoding="utf-8").splitlines()
    fragment, _, number = next(link for link in LINK.findall(DOC) if link[0].startswith("dW2 ="))
    assert fragment in lines[int(number) - 1] and fragment not in lines[int(number)]


def test_anchors_the_code_points_to_exist():
    headings = {github_anchor(h) for h in re.findall(r"^#+ (.+)$", DOC, flags=re.MULTILINE)}
    pointers = set()
    for name in ("network.py", "optim.py", "see/explain.py"):
        pointers |= set(re.findall(r"docs/math\.md#([\w-]+)", (REPO / "justnumpy" / name).read_text()))
    pointers |= set(re.findall(r"\]\(#([\w-]+)\)", DOC))  # the document's own table of contents
    assert {
        "softmax",
        "cross-entropy",
        "output-gradient",
        "backward-pass",
        "he-initialisation",
        "optimizers",
    } <= pointers
    assert pointers <= headings, f"missing sections: {sorted(pointers - headings)}"


def defined_names(path) -> set[str]:
    """Every function, argument and assigned variable name in a Python file."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
    return names


def test_doc_names_every_variable_of_network_py():
    names = defined_names(REPO / "justnumpy" / "network.py")
    assert {"Z1", "A1", "Z2", "A2", "dZ2", "dW2", "db2", "dA1", "dZ1", "dW1", "db1", "softmax"} <= names
    # Named as code: the whole word inside some `inline code` of the document.
    in_code = {word for span in re.findall(r"`([^`]+)`", DOC) for word in re.findall(r"\w+", span)}
    missing = sorted(names - in_code)
    assert not missing, f"docs/math.md does not mention {missing}"


def test_scalar_bias_bug_claim():
    """The doc says np.sum(dZ2) without axis is ~0, so a scalar-bias b2 would never learn."""
    import numpy as np

    from justnumpy import network

    rng = np.random.default_rng(0)
    params = network.init_params(n_hidden=20, seed=0, dtype=np.float64)
    X, y = rng.random((64, 784)), rng.integers(0, 10, 64)
    cache = network.forward(params, X)
    dZ2 = cache["A2"].copy()
    dZ2[np.arange(64), y] -= 1
    dZ2 /= 64  # (A2 − Y)/m, built independently of backward
    db2 = network.backward(params, cache, X, y)["db2"]
    np.testing.assert_allclose(db2, dZ2.sum(axis=0), atol=1e-15)
    assert abs(np.sum(dZ2)) < 1e-12 and np.abs(db2).max() > 1e-3

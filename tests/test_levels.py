"""The three levels of `justnumpy exercise start`: the same file to write, with less and less given away.

Level 1 gives the formulas, level 2 names and shapes only, level 3 what each function returns.
The proof that a level holds no formula is a list of what formulas are written with (operators,
the math's symbols, NumPy's functions) that must not occur in its docstrings or code; the same
list finds formulas at level 1, so it can fail. A right solution passes the check at every level.
"""

from __future__ import annotations

import ast
import re

import pytest

from justnumpy.exercise import checker, kinds, skeleton
from tests.helpers import REPO, fill

SOLUTIONS = {
    "network": REPO / "tests" / "fixtures" / "exercise_solution.py",
    "layers": REPO / "tests" / "fixtures" / "layers_solution.py",
    "optimizers": REPO / "tests" / "fixtures" / "optimizers_solution.py",
}
# What a formula is written with: products, powers, the math's symbols, NumPy's functions, the
# labels subtracted, a mean's / m, an update's arrow. None of it may appear at levels 2 and 3.
FORMULA = re.compile(
    r"@|\*\*|·|ᵀ|⊙|Σ|√|−|←|²|ᵗ|β|θ|μ|ε"
    r"|\bexp\b|\blog\b|maximum|\bmax\(|sqrt|argmax|keepdims|\bsum\(|\bmean\(|zeros|standard_normal"
    r"|A2 - Y|/ m\b|\b2 / |\blr \*|1 - |\(1 "
)


def text_to_judge(source: str) -> str:
    """Everything of a skeleton but its signatures: the docstrings and the code of each body."""
    tree = ast.parse(source)
    parts = [ast.get_docstring(tree) or ""]
    for _, node in skeleton.definitions(tree):
        parts.append(ast.get_docstring(node) or "")
        body = node.body[1:] if ast.get_docstring(node) is not None else node.body
        parts += [ast.unparse(statement) for statement in body if not isinstance(statement, ast.FunctionDef)]
    return "\n".join(parts)


@pytest.mark.parametrize("kind", list(kinds.KINDS))
@pytest.mark.parametrize("level", [2, 3])
def test_levels_two_and_three_hold_no_formula(kind, level):
    text = text_to_judge(skeleton.skeleton(kinds.KINDS[kind], level))
    assert not FORMULA.findall(text), f"{kind}, level {level}: {sorted(set(FORMULA.findall(text)))}"


@pytest.mark.parametrize("kind", list(kinds.KINDS))
def test_the_formula_finder_finds_level_ones_formulas(kind):
    found = set(FORMULA.findall(text_to_judge(skeleton.skeleton(kinds.KINDS[kind], 1))))
    assert len(found) >= 5, found


def test_level_two_gives_the_shapes_and_level_three_does_not():
    two, three = (skeleton.skeleton(kinds.NETWORK, level) for level in (2, 3))
    assert "(m, H)" in two and "(784, H)" in two
    assert not re.search(r"\(\w+, \w+\)", text_to_judge(three))


@pytest.mark.parametrize("kind", list(kinds.KINDS))
@pytest.mark.parametrize("level", skeleton.LEVELS)
def test_every_level_has_the_templates_signatures_and_only_todo_bodies(kind, level):
    k = kinds.KINDS[kind]
    template = ast.parse(k.template.read_text(encoding="utf-8"))
    written = ast.parse(skeleton.skeleton(k, level))
    signatures = {
        name: ast.unparse(node.args) for name, node in skeleton.definitions(template) if hasattr(node, "args")
    }
    assert {
        name: ast.unparse(node.args) for name, node in skeleton.definitions(written) if hasattr(node, "args")
    } == signatures
    given = getattr(k.module("levels"), "GIVEN", set())
    for name, node in skeleton.definitions(written):
        assert ast.get_docstring(node), name
        if isinstance(node, ast.FunctionDef) and name not in given:
            assert isinstance(node.body[-1], ast.Raise) and "NotImplementedError" in ast.unparse(
                node.body[-1]
            )


@pytest.mark.parametrize("kind", list(kinds.KINDS))
def test_levels_describe_every_definition_of_the_template(kind):
    k = kinds.KINDS[kind]
    names = {name for name, _ in skeleton.definitions(ast.parse(k.template.read_text(encoding="utf-8")))}
    docs = k.module("levels").DOCS
    assert set(docs) == names
    assert all(set(levels) == {2, 3} for levels in docs.values())


@pytest.mark.parametrize("kind", list(kinds.KINDS))
@pytest.mark.parametrize("level", skeleton.LEVELS)
def test_a_right_solution_passes_at_every_level(tmp_path, kind, level):
    k = kinds.KINDS[kind]
    mine, _ = skeleton.start(tmp_path, k, level)
    mine.write_text(fill(mine.read_text(), SOLUTIONS[kind].read_text()), encoding="utf-8")
    report = checker.check_file(mine)
    assert report.kind == kind and report.passed, report.to_text()


def test_start_level_three_from_the_command_line(cli, tmp_path):
    r = cli("exercise", "start", "--level", "3", str(tmp_path))
    assert r.returncode == 0, r.stderr
    assert "level 3" in r.stdout
    text = (tmp_path / kinds.NETWORK.file).read_text()
    assert not FORMULA.findall(text_to_judge(text))
    assert (
        "Each docstring says only what the function returns" in (tmp_path / kinds.NETWORK.readme).read_text()
    )


def test_a_level_outside_one_to_three_is_refused(cli, tmp_path):
    r = cli("exercise", "start", "--level", "4", str(tmp_path))
    assert r.returncode == 2 and r.stderr.startswith("justnumpy: error:")
    assert list(tmp_path.iterdir()) == []

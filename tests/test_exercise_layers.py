"""Write the layers yourself: `justnumpy check` checks each block, then the stacked network, names the bug.

Judged on layers whose mistake we know: the template and an independent solution must pass;
every zoo file and every classic mistake written out below must fail at the right step with the
right name. The stacking loop's mistakes, written out in stack.py, must be exactly that: the
unmistaken variant is mlp.py's backward, every other variant is not.
"""

from __future__ import annotations

import difflib
import json
import re
from pathlib import Path

import numpy as np
import pytest

from justnumpy import mlp
from justnumpy.exercise import checker, kinds, skeleton, zoo
from justnumpy.exercise.layers import bugs, checks, stack
from justnumpy.exercise.layers import zoo as layer_zoo
from justnumpy.exercise.report import FAIL, PASS, find_bug
from tests.helpers import REPO, failure, github_anchor, variant

KIND = kinds.LAYERS
TEMPLATE = KIND.template
SOLUTION = REPO / "tests" / "fixtures" / "layers_solution.py"
STEP_IDS = [s.id for s in checks.STEPS]


@pytest.mark.parametrize("path", [TEMPLATE, SOLUTION], ids=lambda p: p.name)
def test_right_layers_pass(path):
    report = checker.check_file(path)
    assert report.kind == "layers"
    assert [s.status for s in report.steps] == [PASS] * len(STEP_IDS), report.to_text()


def test_fresh_skeleton_says_what_to_write_next(tmp_path):
    mine, readme = skeleton.start(tmp_path, KIND, 2)
    assert (mine.name, readme.name) == ("my_layers.py", "EXERCISE-layers.md")
    report = checker.check_file(mine)
    failed = report.steps[STEP_IDS.index("linear")]
    assert failure(report) == ("linear", None)
    assert failed.what.startswith("linear_forward is not written yet")
    assert "def loss" in mine.read_text() and "return cross_entropy(AL, y)" in mine.read_text()  # ready-made


# ---------------------------------------------------------------- the zoo


@pytest.fixture(scope="module")
def zoo_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("zoo") / "layer-zoo"
    zoo.write(folder, KIND)
    return folder


def test_zoo_has_the_classic_layer_bugs():
    named = {a.bug for a in layer_zoo.ZOO}
    assert len(named) == len(layer_zoo.ZOO) >= 6
    assert {
        "sigmoid-slope-from-Z",
        "tanh-slope-from-Z",
        "layers-transposed",
        "bias-summed-all",
        "not-passed-down",
        "activation-after-last",
        "wrong-layer-cache",
    } <= named


@pytest.mark.parametrize("animal", layer_zoo.ZOO, ids=lambda a: a.file)
def test_check_names_the_bug_of_every_zoo_file(cli, zoo_dir, animal):
    r = cli("check", str(zoo_dir / animal.file), "--json")
    assert r.returncode == 1, r.stderr
    report = json.loads(r.stdout)
    failed = [s for s in report["steps"] if s["status"] == FAIL]
    assert report["kind"] == "layers"
    assert len(failed) == 1 and failed[0]["bug"] == animal.bug, failed
    assert failed[0]["bug_title"] == find_bug(animal.bug).title


@pytest.mark.parametrize("animal", layer_zoo.ZOO, ids=lambda a: a.file)
def test_each_zoo_file_is_the_template_with_one_edit(zoo_dir, animal):
    body = TEMPLATE.read_text().split('"""\n', 1)[1].splitlines()
    exhibit = (zoo_dir / animal.file).read_text().split('"""\n', 1)[1].splitlines()
    edits = [op for op in difflib.SequenceMatcher(None, body, exhibit).get_opcodes() if op[0] != "equal"]
    assert len(edits) == 1, edits
    words = set(re.findall(r"[a-z]+", (animal.bug + " " + find_bug(animal.bug).title).lower())) - {"a", "the"}
    assert not words & set(re.findall(r"[a-z]+", animal.file.lower()))


def test_zoo_answers_are_in_the_docs():
    answers = (REPO / "docs" / "bug-zoo-answers.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| `(\w+\.py)` \| ([^|]+) \|", answers, flags=re.MULTILINE))
    for a in layer_zoo.ZOO:
        assert rows[a.file].strip().lower() == find_bug(a.bug).title.lower(), a.file


def test_every_bug_points_at_a_section_of_the_math_doc():
    headings = {
        github_anchor(h)
        for h in re.findall(r"^#+ (.+)$", (REPO / "docs" / "math.md").read_text(), flags=re.MULTILINE)
    }
    assert {bug.section for bug in bugs.BUGS.values()} <= headings
    assert set(checks.SECTIONS.values()) <= headings


# ---------------------------------------------------------------- more classic mistakes, named

DB = "db = dZ.sum(axis=0)  # (n_out,)"
LOOP_SLOPE = 'dZ = act_backward(dA, cache[f"act{l - 1}"])'
OUTPUT_GRADIENT = 'dZ = cross_entropy_backward(cache[f"A{L}"], y)'
EXTRA = [  # (template text, replacement, step that must fail, bug it must name)
    ("Z = A @ W + b  # (m, n_out)", "Z = A @ W  # (m, n_out)", "linear", "bias-missing"),
    (DB, "db = dZ.mean(axis=0)  # (n_out,)", "linear", "bias-mean"),
    (DB, "db = dZ.sum(axis=0, keepdims=True)  # (n_out,)", "linear", "bias-keepdims"),
    (DB, "db = dZ.sum(axis=1)  # (n_out,)", "linear", "bias-wrong-axis"),
    (DB, "db = np.full(dZ.shape[1], dZ.sum())  # (n_out,)", "linear", "bias-summed-all"),
    ("dA = dZ @ W.T  # (m, n_in)", "dA = dZ @ W  # (m, n_in)", "linear", "layers-transposed"),
    ("dA = dZ @ W.T  # (m, n_in)", "dA = np.zeros_like(A)  # (m, n_in)", "linear", "not-passed-down"),
    ("return np.maximum(Z, 0), Z", "return Z, Z", "relu", "relu-missing"),
    ("return dA * (Z > 0)", "return dA", "relu", "missing-relu-mask"),
    ("return dA * (Z > 0)", "return dA * (dA > 0)", "relu", "relu-mask-from-dA"),
    ("A = 1 / (1 + np.exp(-Z))", "A = np.exp(Z) / (1 + np.exp(Z))", "sigmoid", "sigmoid-overflow"),
    ("return dA * A * (1 - A)", "return dA * A", "sigmoid", "sigmoid-slope-sigma"),
    ("return dA * (1 - A**2)", "return dA * (1 - A)", "tanh", "tanh-slope-no-square"),
    ("* np.sqrt(2.0 / n_in)).astype", "* 1.0).astype", "init_params", "init-too-large"),
    (
        'A, cache[f"act{l}"] = act_forward(Z)',
        '_, cache[f"act{l}"] = act_forward(Z)\n            A = Z',
        "forward",
        "hidden-activation-missing",
    ),
    (LOOP_SLOPE, "dZ = dA", "backward", "activation-slope-skipped"),
    (LOOP_SLOPE, 'dZ = act_backward(dZ, cache[f"act{l - 1}"])', "backward", "not-passed-down"),
    (
        OUTPUT_GRADIENT,
        OUTPUT_GRADIENT
        + "\n    act_forward = {'relu': relu_forward, 'sigmoid': sigmoid_forward, 'tanh': tanh_forward}"
        "[activation]\n    dZ = act_backward(dZ, act_forward(cache[f'Z{L}'])[1])",
        "backward",
        "slope-at-output",
    ),
    (
        "        if l > 1:\n            " + LOOP_SLOPE,
        "        if l > 1:\n            above = cache[f'Z{l}'] if activation == 'relu' else cache[f'A{l}']\n"
        "            dZ = act_backward(dA, above)",
        "backward",
        "wrong-layer-cache",
    ),
    (OUTPUT_GRADIENT, "cache = dict(cache)\n    " + OUTPUT_GRADIENT, None, None),  # a copy is fine
    (
        "    return grads\n\n\ndef predict",
        '    cache["A1"] *= 0\n    return grads\n\n\ndef predict',
        "inputs",
        "changes-inputs",
    ),
    ('[f"Z{L}"].argmax(axis=1)', '[f"A{L}"]', "predict", "predict-probabilities"),
]


@pytest.mark.parametrize(
    ("old", "new", "step", "bug"), EXTRA, ids=[f"{e[3]}-{i}" for i, e in enumerate(EXTRA)]
)
def test_check_names_more_classic_mistakes(tmp_path, old, new, step, bug):
    report = checker.check_file(variant(TEMPLATE, tmp_path / "my_layers.py", old, new))
    assert failure(report) == (step, bug), report.to_text()


# ---------------------------------------------------------------- the stacking loop's mistakes


@pytest.mark.parametrize("activation", checks.ACTIVATIONS)
def test_the_unmistaken_loop_is_mlps_backward(activation):
    pb = checks.Stack.make()
    right = stack.gradients(pb.params, pb.X, pb.y, activation, "")
    ref = mlp.backward(pb.params, mlp.forward(pb.params, pb.X, activation), pb.X, pb.y, activation)
    for k in ref:
        np.testing.assert_allclose(right[k], ref[k], rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("variant_name", list(stack.VARIANTS))
@pytest.mark.parametrize("activation", checks.ACTIVATIONS)
def test_every_loop_mistake_changes_the_gradients(activation, variant_name):
    pb = checks.Stack.make()
    ref = stack.gradients(pb.params, pb.X, pb.y, activation, "")
    wrong = stack.gradients(pb.params, pb.X, pb.y, activation, variant_name)
    assert max(np.abs(wrong[k] - ref[k]).max() for k in ref) > 1e-6
    assert stack.VARIANTS[variant_name][0] in bugs.BUGS


def test_the_guides_sample_checklist_is_what_check_prints(cli, tmp_path):
    guide = (REPO / "docs" / "exercise.md").read_text(encoding="utf-8")
    sample = guide.split(
        "Here is a sigmoid whose backward computes its slope from the cached Z:\n\n```\n", 1
    )[1]
    sample = sample.split("\n```", 1)[0]
    slope_from_z = next(a for a in layer_zoo.ZOO if a.bug == "sigmoid-slope-from-Z")
    (tmp_path / KIND.file).write_text(zoo.source(slope_from_z, KIND), encoding="utf-8")
    r = cli("check", KIND.file, cwd=tmp_path)
    assert r.stdout.rstrip("\n") == sample

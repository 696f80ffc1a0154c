"""Write it yourself: the skeleton, the bug zoo, and `justnumpy check`, which must name each bug.

The checker is judged on networks whose mistake we know: the real justnumpy/network.py and an
independent solution must pass; every zoo file and every extra classic mistake below must be
failed at the right step with the right name; files that do not parse, raise, loop forever, end
the process or lack a function must get a clear report, exit status 1, and no traceback of ours.
"""

from __future__ import annotations

import ast
import difflib
import inspect
import json
import re
from pathlib import Path

import numpy as np
import pytest

from justnumpy import network
from justnumpy.exercise import bugs, checker, checks, diagnose, kinds, skeleton, zoo
from justnumpy.exercise.report import FAIL, NOT_RUN, PASS
from tests.helpers import REPO, failure, fill, github_anchor, variant

SOLUTION = REPO / "tests" / "fixtures" / "exercise_solution.py"
TEMPLATE = REPO / "justnumpy" / "exercise" / "template.py"
STEP_IDS = [s.id for s in checks.STEPS]


# ---------------------------------------------------------------- networks that must pass


@pytest.mark.parametrize(
    "path", [REPO / "justnumpy" / "network.py", SOLUTION, TEMPLATE], ids=lambda p: p.name
)
def test_check_passes_right_networks(path):
    report = checker.check_file(path)
    assert [s.status for s in report.steps] == [PASS] * len(STEP_IDS), report.to_text()
    assert report.passed


def test_filled_in_skeleton_passes_through_the_command_line(cli, tmp_path):
    r = cli("exercise", "start", str(tmp_path))
    assert r.returncode == 0, r.stderr
    network_file = tmp_path / kinds.NETWORK.file
    network_file.write_text(fill(network_file.read_text(), SOLUTION.read_text()), encoding="utf-8")
    assert "NotImplementedError" not in network_file.read_text()
    r = cli("check", str(network_file))
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.count("✓") == len(STEP_IDS) and "✗" not in r.stdout


# ---------------------------------------------------------------- exercise start / bugs


def test_start_writes_a_skeleton_with_the_reference_api(cli, tmp_path):
    r = cli("exercise", "start", str(tmp_path / "ex"))
    assert r.returncode == 0, r.stderr
    text = (tmp_path / "ex" / kinds.NETWORK.file).read_text()
    readme = (tmp_path / "ex" / kinds.NETWORK.readme).read_text()
    assert "justnumpy check my_network.py" in readme and "justnumpy train --network my_network.py" in readme
    functions = {fn.name: fn for fn in ast.parse(text).body if isinstance(fn, ast.FunctionDef)}
    assert {"init_params", "forward", "loss", "backward", "predict"} <= set(functions)
    for name, fn in functions.items():
        assert ast.get_docstring(fn), name
        assert isinstance(fn.body[-1], ast.Raise) and "NotImplementedError" in ast.unparse(fn.body[-1])
    anchors = set(re.findall(r"docs/math\.md#([\w-]+)", text))
    assert {
        "forward-pass",
        "softmax",
        "cross-entropy",
        "output-gradient",
        "backward-pass",
        "why-db-sums-over-rows",
        "he-initialisation",
    } <= anchors
    # the reference's API: the same names take the same arguments
    for name in ("init_params", "forward", "loss", "backward", "predict"):
        args = [a.arg for a in functions[name].args.args]
        assert args == list(inspect.signature(getattr(network, name)).parameters)[: len(args)], name


def test_fresh_skeleton_says_what_to_write_next(tmp_path):
    (path,) = [p for p in skeleton.start(tmp_path) if p.suffix == ".py"]
    report = checker.check_file(path)
    assert failure(report) == ("init_params", None)
    failed = report.steps[STEP_IDS.index("init_params")]
    assert "init_params is not written yet" in failed.what and failed.read.endswith("#he-initialisation")


@pytest.mark.parametrize("command", [["exercise", "start"], ["exercise", "bugs"]])
def test_exercise_files_are_never_overwritten(cli, tmp_path, command):
    mine = tmp_path / ("my_network.py" if command[1] == "start" else "heron.py")
    mine.write_text("my own work\n")
    r = cli(*command, str(tmp_path))
    assert r.returncode == 1 and r.stderr.startswith("justnumpy: error:") and "overwritten" in r.stderr
    assert mine.read_text() == "my own work\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == [mine.name]  # nothing else written either
    assert "Traceback" not in r.stderr


# ---------------------------------------------------------------- the zoo


@pytest.fixture(scope="module")
def zoo_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("zoo") / "bug-zoo"
    zoo.write(folder)
    return folder


def test_zoo_has_at_least_eight_different_classic_bugs():
    assert len(zoo.ZOO) >= 8 and len({a.bug for a in zoo.ZOO}) == len(zoo.ZOO)
    assert all(a.bug in bugs.BUGS for a in zoo.ZOO)


@pytest.mark.parametrize("animal", zoo.ZOO, ids=lambda a: a.file)
def test_check_names_the_bug_of_every_zoo_file(cli, zoo_dir, animal):
    r = cli("check", str(zoo_dir / animal.file), "--json")
    assert r.returncode == 1, r.stderr
    report = json.loads(r.stdout)
    failed = [s for s in report["steps"] if s["status"] == FAIL]
    assert len(failed) == 1 and failed[0]["bug"] == animal.bug, failed
    assert failed[0]["bug_title"] == bugs.BUGS[animal.bug].title
    assert failed[0]["read"].startswith("docs/math.md#")


@pytest.mark.parametrize("animal", zoo.ZOO, ids=lambda a: a.file)
def test_each_zoo_file_is_the_template_with_one_edit(zoo_dir, animal):
    body = TEMPLATE.read_text().split('"""\n', 1)[1].splitlines()  # past the module docstring
    exhibit = (zoo_dir / animal.file).read_text().split('"""\n', 1)[1].splitlines()
    edits = [op for op in difflib.SequenceMatcher(None, body, exhibit).get_opcodes() if op[0] != "equal"]
    assert len(edits) == 1, edits
    words = set(re.findall(r"[a-z]+", (animal.bug + " " + bugs.BUGS[animal.bug].title).lower())) - {
        "the",
        "of",
        "a",
    }
    assert not words & set(re.findall(r"[a-z]+", animal.file.lower())), "the file name gives the answer away"


def test_zoo_answers_are_in_the_docs_apart_from_the_exercise():
    answers = (REPO / "docs" / "bug-zoo-answers.md").read_text(encoding="utf-8").split("\n## ")[0]
    rows = {
        m[0]: m[1:] for m in re.findall(r"^\| `(\w+\.py)` \| ([^|]+) \|(.*)$", answers, flags=re.MULTILINE)
    }
    assert set(rows) == {a.file for a in zoo.ZOO}
    for a in zoo.ZOO:
        title, rest = rows[a.file]
        assert title.strip().lower() == bugs.BUGS[a.bug].title.lower(), a.file
        assert f"`{_code(a.new)}`" in rest and f"`{_code(a.old)}`" in rest, a.file  # the line and its fix
    guide = (REPO / "docs" / "exercise.md").read_text(encoding="utf-8")
    for a in zoo.ZOO:  # the guide names the files but never next to their bug
        for line in guide.splitlines():
            assert not (a.file in line and bugs.BUGS[a.bug].title in line), line


def _code(text: str) -> str:
    """The code of an edit's first line, without its comment."""
    return text.split("\n")[0].split("  #")[0]


def test_every_bug_points_at_a_section_of_the_math_doc():
    headings = {
        github_anchor(h)
        for h in re.findall(r"^#+ (.+)$", (REPO / "docs" / "math.md").read_text(), flags=re.MULTILINE)
    }
    assert {bug.section for bug in bugs.BUGS.values()} <= headings


# ---------------------------------------------------------------- more classic mistakes, named

EXTRA = [  # (template text, replacement, step that must fail, bug it must name)
    ("db1 = dZ1.sum(axis=0)  # (H,)", "db1 = dZ1.mean(axis=0)  # (H,)", "gradients", "bias-mean"),
    ("db1 = dZ1.sum(axis=0)  # (H,)", "db1 = dZ1.sum(axis=1)  # (H,)", "backward", "bias-wrong-axis"),
    (
        "db1 = dZ1.sum(axis=0)  # (H,)",
        "db1 = np.full_like(params['b1'], dZ1.sum())  # (H,)",
        "gradients",
        "bias-summed-all",
    ),
    ("dZ2 = (A2 - Y) / m  # (m, 10)", "dZ2 = A2 / m  # (m, 10)", "gradients", "y-not-subtracted"),
    ("dZ2 = (A2 - Y) / m  # (m, 10)", "dZ2 = (A2 - Y) / m / m  # (m, 10)", "gradients", "double-mean"),
    ("dZ2 = (A2 - Y) / m  # (m, 10)", "dZ2 = (Y - A2)  # (m, 10)", "gradients", "sign"),
    (
        'dZ1 = dA1 * (cache["Z1"] > 0)  # (m, H)',
        'dZ1 = dA1 * (cache["Z2"] > 0)  # (m, H)',
        "backward",
        "shape-mismatch",
    ),
    ('dA1 = dZ2 @ params["W2"].T  # (m, H)', 'dA1 = dZ2 @ params["W2"]  # (m, H)', "backward", "transposed"),
    (
        'Z1 = X @ params["W1"] + params["b1"]  # (m, H)',
        'Z1 = X @ params["W1"]  # (m, H)',
        "forward",
        "bias-missing",
    ),
    ("A1 = np.maximum(Z1, 0)  # (m, H)", "A1 = Z1  # (m, H)", "forward", "relu-missing"),
    (
        "return E / E.sum(axis=1, keepdims=True)",
        "return E / E.sum(axis=0, keepdims=True)",
        "softmax",
        "softmax-wrong-axis",
    ),
    (
        "return float(-np.mean(np.log(np.maximum(p_true, 1e-30))))",
        "return float(-np.sum(np.log(np.maximum(p_true, 1e-30))))",
        "loss",
        "loss-sum",
    ),
    (
        "return float(-np.mean(np.log(np.maximum(p_true, 1e-30))))",
        "return float(np.mean(np.log(np.maximum(p_true, 1e-30))))",
        "loss",
        "loss-sign",
    ),
    (
        "return float(-np.mean(np.log(np.maximum(p_true, 1e-30))))",
        "return float(-np.mean(np.log(A2)))",
        "loss",
        "loss-all-classes",
    ),
    (
        "dZ2 = (A2 - Y) / m  # (m, 10)",
        "dZ2 = ((A2 - Y) / m).astype(np.float32)  # (m, 10)",
        "backward",
        "float32-inside",
    ),
    (
        'return forward(params, X)["Z2"].argmax(axis=1)',
        'return forward(params, X)["A2"]',
        "predict",
        "predict-probabilities",
    ),
    ("* np.sqrt(2.0 / n_hidden)  # (H, n_out)", "* 0.001  # (H, n_out)", "init_params", "init-too-small"),
    ('"W1": W1, "b1"', '"W1": np.zeros_like(W1), "b1"', "init_params", "init-symmetric"),
    (
        'A1, A2 = cache["A1"], cache["A2"]',
        'A1, A2 = cache["A1"], cache["A2"]\n    params["W1"] -= 0',
        "inputs",
        None,
    ),  # a no-op write is not a change: this one must pass every step
]


@pytest.mark.parametrize(
    ("old", "new", "step", "bug"), EXTRA, ids=[f"{e[3]}-{i}" for i, e in enumerate(EXTRA)]
)
def test_check_names_more_classic_mistakes(tmp_path, old, new, step, bug):
    report = checker.check_file(variant(TEMPLATE, tmp_path / "mine.py", old, new))
    if bug is None:
        assert report.passed, report.to_text()
        return
    assert failure(report) == (step, bug), report.to_text()


def test_a_mistake_with_no_name_reports_the_parameter_and_the_size_of_the_error(tmp_path):
    old = "dW1 = X.T @ dZ1  # (784, H)"
    path = variant(TEMPLATE, tmp_path / "mine.py", old, old.replace("dZ1", "dZ1 + 0.01", 1))
    report = checker.check_file(path)
    assert failure(report) == ("gradients", None)
    failed = report.steps[STEP_IDS.index("gradients")]
    assert failed.what.startswith("dW1 does not match")
    row = next(line for line in failed.details if line.strip().startswith("dW1"))
    assert float(row.split()[1]) > 1e-3 and row.split()[-1] == "wrong"
    assert failed.read == "docs/math.md#backward-pass"


def test_a_backward_that_changes_the_cache_is_caught(tmp_path):
    report = checker.check_file(zoo_file(tmp_path, "changes-inputs"))
    failed = report.steps[STEP_IDS.index("inputs")]
    assert failed.status == FAIL and "cache['A2']" in failed.what
    assert report.steps[STEP_IDS.index("gradients")].status == PASS  # its gradients are right


def zoo_file(tmp_path: Path, bug: str) -> Path:
    animal = next(a for a in zoo.ZOO if a.bug == bug)
    path = tmp_path / animal.file
    path.write_text(zoo.source(animal), encoding="utf-8")
    return path


# ---------------------------------------------------------------- the signatures themselves


@pytest.fixture(scope="module")
def problem():
    pb = checks.Problem.make()
    cache = network.forward(pb.params, pb.X)
    return pb, cache, network.backward(pb.params, cache, pb.X, pb.y)


def test_chain_with_the_right_output_gradient_is_backprop(problem):
    pb, cache, R = problem
    dZ2 = (cache["A2"] - diagnose.one_hot(pb.y, 10)) / pb.m
    G = diagnose.chain(pb.params, pb.X, cache, dZ2)
    for k in diagnose.NAMES:
        assert diagnose.relative_error(G[k], R[k]) < 1e-12, k


def _diagnosis(problem, G):
    pb, cache, R = problem
    errors = {k: (diagnose.relative_error(G[k], R[k]),) * 2 for k in diagnose.NAMES}

    def loss_after(g):
        stepped = {k: pb.params[k] - 0.1 * g["d" + k] for k in checks.PARAMS}
        return network.loss(cache["A2"], pb.y), network.loss(network.forward(stepped, pb.X)["A2"], pb.y)

    return diagnose.gradients(G, R, errors, (pb.params, pb.X, pb.y, cache), loss_after)


@pytest.mark.parametrize(
    ("factor", "bug"), [("m", "missing-mean"), (-1, "sign"), ("-m", "sign"), ("1/m", "double-mean")]
)
def test_a_constant_factor_is_named(problem, factor, bug):
    pb, _, R = problem
    c = {"m": pb.m, "-m": -pb.m, "1/m": 1 / pb.m}.get(factor, factor)
    assert _diagnosis(problem, {k: c * v for k, v in R.items()}).bug == bug


def test_a_sign_error_is_shown_climbing(problem):
    _, _, R = problem
    failed = _diagnosis(problem, {k: -v for k, v in R.items()})
    before, after = map(float, re.findall(r"from (\S+) to (\S+):", " ".join(failed.details))[0])
    assert after > before


def test_an_unrelated_error_is_not_given_a_name(problem):
    _, _, R = problem
    rng = np.random.default_rng(0)
    G = {k: v + 0.1 * np.abs(v).max() * rng.standard_normal(v.shape) for k, v in R.items()}
    assert _diagnosis(problem, G).bug is None


# ---------------------------------------------------------------- code that breaks


BROKEN = {  # name: (edit of the template, what the report must say, the step)
    "syntax": (
        ("m = len(y)", "m = len(y)\n    if m > 0\n        pass"),
        "SyntaxError at line {line}",
        "loads",
    ),
    "raises": (
        ("Y[np.arange(m), y] = 1", "Y[np.arange(m), y] = 1\n    raise RuntimeError('my own error')"),
        "RuntimeError: my own error",
        "backward",
    ),
    "loops": (
        ("m = X.shape[0]", "m = X.shape[0]\n    while m > 0:\n        m += 1"),
        "without finishing",
        "backward",
    ),
    "no-backward": (("def backward(", "def backward_pass("), "has no function backward", "functions"),
    "exits": (("m = len(y)", "import os\n    os._exit(3)"), "exited with status 3", "loss"),
    "top-level": (
        ("import numpy as np", "import numpy as np\nimport no_such_module_here"),
        "ModuleNotFoundError",
        "loads",
    ),
}


@pytest.mark.parametrize("case", BROKEN, ids=list(BROKEN))
def test_broken_code_gets_a_clear_report_and_no_traceback_of_ours(cli, tmp_path, case):
    (old, new), says, step = BROKEN[case]
    path = variant(TEMPLATE, tmp_path / "my_network.py", old, new)
    short = ["--timeout", "3"] if case == "loops" else []  # the other steps keep their usual time
    r = cli("check", str(path), *short)
    assert r.returncode == 1
    out = r.stdout + r.stderr
    assert (says.format(line=_line(path, "if m > 0")) if "{line}" in says else says) in out, out
    assert "Traceback" not in out and "justnumpy/" not in out and r.stderr == "", out
    marks = [
        line.split()[0]
        for line in r.stdout.splitlines()
        if line.startswith("  ") and line.split()[:1] != [] and line.split()[0] in "✓✗·"
    ]
    assert marks == ["✓"] * STEP_IDS.index(step) + ["✗"] + ["·"] * (len(STEP_IDS) - STEP_IDS.index(step) - 1)


def test_a_traceback_shows_only_the_learners_own_lines(tmp_path):
    old = 'dA1 = dZ2 @ params["W2"].T  # (m, H)'
    path = variant(TEMPLATE, tmp_path / "my_network.py", old, 'dA1 = dZ2 @ params["W2"]')
    failed = checker.check_file(path).steps[STEP_IDS.index("backward")]
    frames = [line for line in failed.details if line.strip().startswith("File ")]
    assert frames == [f'  File "{path}", line {_line(path, "dA1 = dZ2 @")}, in backward']
    assert any('dA1 = dZ2 @ params["W2"]' in line for line in failed.details)


def _line(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def test_what_the_learners_code_prints_is_shown_with_its_step(tmp_path):
    path = variant(
        TEMPLATE, tmp_path / "my_network.py", "m = len(y)", "m = len(y)\n    print('loss sees', m)\n    1 / 0"
    )
    failed = checker.check_file(path).steps[STEP_IDS.index("loss")]
    assert failed.printed == ["loss sees 8"] and "ZeroDivisionError" in failed.what


def test_missing_file_is_one_error_line(cli, tmp_path):
    r = cli("check", str(tmp_path / "nope.py"))
    assert r.returncode == 1 and r.stderr.startswith("justnumpy: error:") and "no such file" in r.stderr
    assert len(r.stderr.splitlines()) == 1


# ---------------------------------------------------------------- the JSON


def test_json_is_the_checklist(cli, zoo_dir):
    for path in (SOLUTION, zoo_dir / zoo.ZOO[0].file):
        text, js = cli("check", str(path)), cli("check", str(path), "--json")
        assert text.returncode == js.returncode
        report = json.loads(js.stdout)
        assert report["passed"] == (js.returncode == 0)
        marks = {"✓": PASS, "✗": FAIL, "·": NOT_RUN}
        listed = [
            marks[line.split()[0]]
            for line in text.stdout.splitlines()
            if line.startswith("  ") and line.split() and line.split()[0] in marks
        ]
        assert listed == [s["status"] for s in report["steps"]]
        assert [s["step"] for s in report["steps"]] == STEP_IDS
        for s in report["steps"]:
            assert s["title"] in text.stdout


# ---------------------------------------------------------------- train --network


@pytest.mark.slow
def test_filled_in_skeleton_trains_to_97_percent_in_two_epochs(cli, tmp_path, mnist_raw):
    from justnumpy.files import modelfile

    skeleton.start(tmp_path)
    mine = tmp_path / kinds.NETWORK.file
    mine.write_text(fill(mine.read_text(), SOLUTION.read_text()), encoding="utf-8")
    out = tmp_path / "mine.npz"
    r = cli("train", "--network", str(mine), "--epochs", "2", "--out", str(out), "--quiet")
    assert r.returncode == 0, r.stderr
    reported = float(re.search(r"test accuracy ([\d.]+)% after 2 epochs", r.stdout)[1]) / 100
    assert reported >= 0.97
    # the saved weights, read back and scored by justnumpy's own network, give the same accuracy
    params = modelfile.load(out)[0]
    X_test, y_test = mnist_raw[2].reshape(len(mnist_raw[2]), -1) / np.float32(255), mnist_raw[3]
    assert abs(float(np.mean(network.predict(params, X_test) == y_test)) - reported) < 1e-4


TRAIN_BROKEN = {  # name: (edit of the template, extra options, what stderr must say)
    "shape": (
        ("db1 = dZ1.sum(axis=0)  # (H,)", "db1 = dZ1.sum(axis=0, keepdims=True)"),
        [],
        "backward returned db1 of shape (1, 256), where (256,) is needed",
    ),
    "raises": (
        ("Y[np.arange(m), y] = 1", "Y[np.arange(m), y] = 1\n    raise RuntimeError('my own error')"),
        [],
        "backward raised RuntimeError: my own error",
    ),
    "syntax": (
        ("m = len(y)", "m = len(y)\n    if m > 0\n        pass"),
        [],
        "does not parse: SyntaxError at line",
    ),
    "no-backward": (("def backward(", "def backward_pass("), [], "has no function backward"),
    "no-dropout": (
        ("m = len(y)", "m = len(y)"),
        ["--dropout", "0.2"],
        "forward takes no dropout or rng argument",
    ),
}


@pytest.mark.parametrize("case", TRAIN_BROKEN, ids=list(TRAIN_BROKEN))
def test_train_network_reports_the_learners_problem_cleanly(cli, tmp_path, tiny_data, case):
    (old, new), options, says = TRAIN_BROKEN[case]
    path = variant(TEMPLATE, tmp_path / "my_network.py", old, new)
    out = tmp_path / "m.npz"
    r = cli(
        "train",
        "--network",
        str(path),
        "--data-dir",
        str(tiny_data),
        "--epochs",
        "1",
        "--out",
        str(out),
        *options,
    )
    assert r.returncode == 1, r.stdout + r.stderr
    last = r.stderr.strip().splitlines()[-1]
    assert last.startswith("justnumpy: error:") and says in last and f"justnumpy check {path}" in last, (
        r.stderr
    )
    assert "Traceback" not in r.stderr and "justnumpy/" not in r.stderr
    if case == "raises":  # the learner's own line, and only theirs
        assert f'File "{path}", line {_line(path, "my own error")}, in backward' in r.stderr
    assert not out.exists()


def test_a_gradient_that_broadcasts_onto_its_parameter_still_trains(cli, tmp_path, tiny_data):
    path = zoo_file(tmp_path, "bias-summed-all")  # db2 a scalar: wrong, but the optimizer can use it
    r = cli(
        "train",
        "--network",
        str(path),
        "--data-dir",
        str(tiny_data),
        "--epochs",
        "1",
        "--out",
        str(tmp_path / "m.npz"),
    )
    assert r.returncode == 0, r.stderr

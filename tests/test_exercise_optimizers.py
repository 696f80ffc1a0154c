"""Write the optimizers yourself: `justnumpy check` runs a learner's SGD, Momentum and Adam next to optim.py.

Judged on optimizers whose mistake we know: the template and an independent solution must pass;
every zoo file and every classic mistake written out below must fail at its optimizer with the
right name. The models the check names mistakes from must be right where they claim to be: the
unmistaken model of each optimizer takes justnumpy.optim's steps, and every mistaken one does not.
"""

from __future__ import annotations

import difflib
import json
import re
from pathlib import Path

import numpy as np
import pytest

from justnumpy.exercise import checker, kinds, skeleton, zoo
from justnumpy.exercise.optimizers import bugs, checks, models
from justnumpy.exercise.optimizers import zoo as optimizer_zoo
from justnumpy.exercise.report import FAIL, PASS
from tests.helpers import REPO, failure, github_anchor, variant

KIND = kinds.OPTIMIZERS
TEMPLATE = KIND.template
SOLUTION = REPO / "tests" / "fixtures" / "optimizers_solution.py"
STEP_IDS = [s.id for s in checks.STEPS]


@pytest.mark.parametrize("path", [TEMPLATE, SOLUTION], ids=lambda p: p.name)
def test_right_optimizers_pass(path):
    report = checker.check_file(path)
    assert report.kind == "optimizers"
    assert [s.status for s in report.steps] == [PASS] * len(STEP_IDS), report.to_text()


def test_a_file_is_recognised_by_what_it_defines(tmp_path):
    assert kinds.recognise(TEMPLATE) is KIND
    assert kinds.recognise(REPO / "justnumpy" / "network.py") is kinds.NETWORK
    broken = tmp_path / "broken.py"
    broken.write_text("class Momentum:\n    def step(self, grads)\n")  # does not parse: still optimizers
    assert kinds.recognise(broken) is KIND


def test_fresh_skeleton_says_what_to_write_next(tmp_path):
    mine, readme = skeleton.start(tmp_path, KIND, 1)
    assert (mine.name, readme.name) == ("my_optimizers.py", "EXERCISE-optimizers.md")
    report = checker.check_file(mine)
    failed = report.steps[STEP_IDS.index("sgd")]
    assert failure(report) == ("sgd", None)
    assert failed.what.startswith("SGD.__init__ is not written yet") and failed.read == "docs/math.md#sgd"


def test_the_network_exercises_files_are_kept(tmp_path):
    skeleton.start(tmp_path)
    skeleton.start(tmp_path, KIND, 2)  # a second exercise beside the first: other file names
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [kinds.NETWORK.file, kinds.NETWORK.readme, KIND.file, KIND.readme]
    )


# ---------------------------------------------------------------- the zoo


@pytest.fixture(scope="module")
def zoo_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("zoo") / "optimizer-zoo"
    zoo.write(folder, KIND)
    return folder


def test_zoo_has_the_classic_optimizer_bugs():
    named = {a.bug for a in optimizer_zoo.ZOO}
    assert len(named) == len(optimizer_zoo.ZOO) >= 4
    assert {
        "velocity-reset",
        "lr-twice",
        "no-bias-correction",
        "bias-from-zero",
        "missing-sqrt",
        "not-in-place",
    } <= named
    assert named <= set(bugs.BUGS)


@pytest.mark.parametrize("animal", optimizer_zoo.ZOO, ids=lambda a: a.file)
def test_check_names_the_bug_of_every_zoo_file(cli, zoo_dir, animal):
    r = cli("check", str(zoo_dir / animal.file), "--json")
    assert r.returncode == 1, r.stderr
    report = json.loads(r.stdout)
    failed = [s for s in report["steps"] if s["status"] == FAIL]
    assert report["kind"] == "optimizers"
    assert len(failed) == 1 and failed[0]["bug"] == animal.bug, failed
    assert failed[0]["bug_title"] == bugs.BUGS[animal.bug].title


@pytest.mark.parametrize("animal", optimizer_zoo.ZOO, ids=lambda a: a.file)
def test_each_zoo_file_changes_one_method_of_the_template(zoo_dir, animal):
    body = TEMPLATE.read_text().split('"""\n', 1)[1].splitlines()
    exhibit = (zoo_dir / animal.file).read_text().split('"""\n', 1)[1].splitlines()
    changed = [
        i
        for op in difflib.SequenceMatcher(None, body, exhibit).get_opcodes()
        if op[0] != "equal"
        for i in op[1:3]
    ]
    methods = [i for i, line in enumerate(body) if line.lstrip().startswith("def ")]
    owner = {max(m for m in methods if m <= i) for i in changed}
    assert len(owner) == 1 and max(changed) - min(changed) <= 10, (animal.file, changed)
    words = set(re.findall(r"[a-z]+", (animal.bug + " " + bugs.BUGS[animal.bug].title).lower()))
    assert not words & set(re.findall(r"[a-z]+", animal.file.lower()))


def test_zoo_answers_are_in_the_docs():
    answers = (REPO / "docs" / "bug-zoo-answers.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| `(\w+\.py)` \| ([^|]+) \|", answers, flags=re.MULTILINE))
    for a in optimizer_zoo.ZOO:
        assert rows[a.file].strip().lower() == bugs.BUGS[a.bug].title.lower(), a.file


def test_every_bug_points_at_a_section_of_the_math_doc():
    headings = {
        github_anchor(h)
        for h in re.findall(r"^#+ (.+)$", (REPO / "docs" / "math.md").read_text(), flags=re.MULTILINE)
    }
    assert {bug.section for bug in bugs.BUGS.values()} <= headings


# ---------------------------------------------------------------- more classic mistakes, named

SGD_STEP = 'theta -= self.lr * grads["d" + k]'
VELOCITY = 'self.v[k] = self.momentum * self.v[k] + grads["d" + k]'
MOMENTUM_STEP = "theta -= self.lr * self.v[k]"
ADAM_STEP = "theta -= self.lr * v_hat / (np.sqrt(s_hat) + self.eps)"
_TEXT = TEMPLATE.read_text(encoding="utf-8")
SGD_BODY = _TEXT[
    _TEXT.index("        self.lr = lr\n") : _TEXT.index(SGD_STEP) + len(SGD_STEP)
]  # SGD's lr to its step
EXTRA = [  # (template text, replacement, step that must fail, bug it must name)
    (SGD_STEP, 'theta -= self.lr * self.lr * grads["d" + k]', "sgd", "lr-twice"),
    (SGD_STEP, 'theta += self.lr * grads["d" + k]', "sgd", "sign-step"),
    (
        SGD_STEP,
        'g = grads["d" + k]\n            g *= self.lr\n            theta -= g',
        "sgd",
        "changes-grads",
    ),
    (SGD_STEP, 'self.params[k] = theta - self.lr * grads["d" + k]', "sgd", "not-in-place"),
    (SGD_BODY, SGD_BODY.replace("self.lr", "self.rate"), "sgd", "lr-ignored"),  # a copy of lr of its own
    (MOMENTUM_STEP, "theta -= self.v[k]", "momentum", None),  # no lr at all: no model of that, no name
    (
        VELOCITY + "\n            " + MOMENTUM_STEP,
        VELOCITY.replace('grads["d"', 'self.lr * grads["d"') + "\n            theta -= self.v[k]",
        "momentum",
        "lr-in-velocity",
    ),
    (MOMENTUM_STEP, "theta -= self.lr * self.lr * self.v[k]", "momentum", "lr-twice"),
    (
        VELOCITY,
        VELOCITY.replace('+ grads["d"', '+ (1 - self.momentum) * grads["d"'),
        "momentum",
        "velocity-averaged",
    ),
    (
        VELOCITY + "\n            " + MOMENTUM_STEP,
        MOMENTUM_STEP + "\n            " + VELOCITY,
        "momentum",
        "stale-velocity",
    ),
    (MOMENTUM_STEP, "theta += self.lr * self.v[k]", "momentum", "sign-step"),
    (
        "        self.t += 1\n        for k, theta in self.params.items():\n            g = grads",
        "        for k, theta in self.params.items():\n            self.t += 1\n            g = grads",
        "adam",
        "t-per-parameter",
    ),
    (ADAM_STEP, "theta -= self.lr * v_hat / np.sqrt(s_hat + self.eps)", "adam", "eps-inside-sqrt"),
    (
        "            v_hat = self.v[k] / (1 - self.beta1**self.t)\n"
        "            s_hat = self.s[k] / (1 - self.beta2**self.t)\n"
        "            " + ADAM_STEP,
        "            step = self.lr * np.sqrt(1 - self.beta2**self.t) / (1 - self.beta1**self.t)\n"
        "            theta -= step * self.v[k] / (np.sqrt(self.s[k]) + self.eps)",
        "adam",
        "adam-folded",
    ),
    (
        "self.beta1, self.beta2, self.eps = beta1, beta2, eps",
        "self.beta1, self.beta2, self.eps = beta2, beta1, eps",
        "adam",
        "betas-swapped",
    ),
    (
        "self.v[k] = self.beta1 * self.v[k] + (1 - self.beta1) * g",
        "self.v[k] = self.beta1 * self.v[k] + g",
        "adam",
        None,  # only one of the two running means without (1 − β): no model of that, so no name
    ),
    (
        "self.v[k] = self.beta1 * self.v[k] + (1 - self.beta1) * g\n"
        "            self.s[k] = self.beta2 * self.s[k] + (1 - self.beta2) * g**2",
        "self.v[k] = self.beta1 * self.v[k] + g\n            self.s[k] = self.beta2 * self.s[k] + g**2",
        "adam",
        "no-one-minus-beta",
    ),
    ("(1 - self.beta2) * g**2", "(1 - self.beta2) * g", "adam", "s-of-g"),
    (ADAM_STEP, ADAM_STEP.replace("theta -=", "theta +="), "adam", "sign-step"),
]


@pytest.mark.parametrize(
    ("old", "new", "step", "bug"), EXTRA, ids=[f"{e[3]}-{i}" for i, e in enumerate(EXTRA)]
)
def test_check_names_more_classic_mistakes(tmp_path, old, new, step, bug):
    report = checker.check_file(variant(TEMPLATE, tmp_path / "mine.py", old, new))
    assert failure(report) == (step, bug), report.to_text()


def test_an_unnamed_mistake_says_where_it_starts(tmp_path):
    squared = VELOCITY.replace("self.momentum *", "self.momentum**2 *")
    path = variant(TEMPLATE, tmp_path / "mine.py", VELOCITY, squared)
    failed = checker.check_file(path).steps[STEP_IDS.index("momentum")]
    assert failed.status == FAIL and failed.bug is None and failed.read == "docs/math.md#momentum"
    assert "from step 2 on" in failed.what  # the velocity starts at 0, so μ² only shows from step 2
    assert any("carries over from one step to the next" in line for line in failed.details)


# ---------------------------------------------------------------- the models


@pytest.fixture(scope="module")
def problem():
    return checks.Problem.make()


@pytest.mark.parametrize("name", checks.NAMES)
def test_the_unmistaken_model_takes_optims_steps(problem, name):
    ref = checks.reference(name, problem)
    right = models.trajectory(models.UPDATE[name], problem.params, problem.grads, problem.lrs(name))
    assert checks.matches(right, ref, problem.params)


@pytest.mark.parametrize(
    ("name", "model"),
    [(name, m) for name, ms in models.MODELS.items() for m in ms],
    ids=[f"{name}-{m.bug}-{i}" for name, ms in models.MODELS.items() for i, m in enumerate(ms)],
)
def test_every_mistake_leaves_the_right_path(problem, name, model):
    ref = checks.reference(name, problem)
    lrs = [problem.lrs(name)[0]] * checks.N_STEPS if model.first_lr_only else problem.lrs(name)
    wrong = models.trajectory(model.update, problem.params, problem.grads, lrs)
    assert not checks.matches(wrong, ref, problem.params)
    assert model.bug in bugs.BUGS


def test_the_learning_rate_changes_every_step(problem):
    lrs = problem.lrs("Momentum")
    assert len(set(lrs)) == len(lrs) == checks.N_STEPS and min(lrs) > 0
    assert np.all(np.diff(lrs) < 0)


def test_the_guides_sample_checklist_is_what_check_prints(cli, tmp_path):
    guide = (REPO / "docs" / "exercise.md").read_text(encoding="utf-8")
    sample = guide.split("Here is a momentum whose velocity is made afresh inside `step`:\n\n```\n", 1)[1]
    sample = sample.split("\n```", 1)[0]
    velocity_reset = next(a for a in optimizer_zoo.ZOO if a.bug == "velocity-reset")
    (tmp_path / KIND.file).write_text(zoo.source(velocity_reset, KIND), encoding="utf-8")
    r = cli("check", KIND.file, cwd=tmp_path)
    assert r.stdout.rstrip("\n") == sample

"""The checklist `justnumpy check` prints: one line per step, ✓ or ✗, and what to do about a ✗.

A step's result travels from the worker process to the command as a plain dict (StepResult's
fields), so that the same record makes the text a learner reads and the `--json` for tools.
"""

from __future__ import annotations

import dataclasses
import json
import sys
import textwrap
from dataclasses import dataclass, field

from justnumpy.exercise import kinds
from justnumpy.exercise.bugs import MATH, Bug

PASS, FAIL, NOT_RUN = "pass", "fail", "not run"
WIDTH = 100  # wrap explanations to this many columns


def find_bug(bug_id: str) -> Bug:
    """The classic mistake with this id, from whichever exercise names it."""
    for kind in kinds.KINDS.values():
        found = kind.module("bugs").BUGS.get(bug_id)
        if found is not None:
            return found
    raise KeyError(bug_id)


class Failed(Exception):
    """A step found something wrong: `what` in one line, `details` below it, `bug` if it is a classic one.

    `section` names the part of docs/math.md to read when no classic bug was recognised.
    """

    def __init__(
        self, what: str, details: list[str] | None = None, bug: str | None = None, section: str | None = None
    ) -> None:
        super().__init__(what)
        self.what, self.details, self.bug, self.section = what, list(details or []), bug, section


@dataclass
class StepResult:
    """What one step of the check found."""

    step: str  # short id, e.g. "gradients"
    title: str  # what the step checks, as the checklist shows it
    status: str = NOT_RUN  # PASS, FAIL or NOT_RUN
    note: str = ""  # for a pass: what was measured, in a few words
    what: str = ""  # for a failure: what is wrong, one line
    details: list[str] = field(default_factory=list)  # the facts behind it: numbers, shapes, traceback
    bug: str | None = None  # id of the classic mistake recognised (justnumpy.exercise.bugs), if any
    section: str | None = None  # docs/math.md section to read when no bug was named
    printed: list[str] = field(default_factory=list)  # what the learner's code printed during the step

    @property
    def read(self) -> str | None:
        """The docs/math.md link for this failure, if there is one."""
        if self.bug:
            return find_bug(self.bug).read
        return f"{MATH}#{self.section}" if self.section else None

    def to_dict(self) -> dict:
        """The record as JSON-ready data, with the bug's title and link spelled out."""
        record = dataclasses.asdict(self)
        record["bug_title"] = find_bug(self.bug).title if self.bug else None
        record["read"] = self.read
        return record


@dataclass
class Report:
    """The whole checklist for one file."""

    file: str
    steps: list[StepResult]
    kind: str = kinds.NETWORK.name  # the exercise the file was checked as
    done: str = ""  # what to do once every step passes

    @property
    def passed(self) -> bool:
        """True when every step passed."""
        return all(s.status == PASS for s in self.steps)

    def to_json(self) -> str:
        """The report for tools: {"file", "kind", "passed", "steps": [...]}."""
        return json.dumps(
            {
                "file": self.file,
                "kind": self.kind,
                "passed": self.passed,
                "steps": [s.to_dict() for s in self.steps],
            },
            indent=2,
            ensure_ascii=False,
        )

    def to_text(self) -> str:
        """The checklist a learner reads."""
        marks = _marks()
        lines = [f"Checking {self.file} ({kinds.KINDS[self.kind].what})", ""]
        for s in self.steps:
            mark = marks[s.status]
            if s.status == PASS:
                lines.append(f"  {mark} {s.title}" + (f"  ({s.note})" if s.note else ""))
            elif s.status == NOT_RUN:
                lines.append(f"  {mark} {s.title}  (not checked yet)")
            else:
                lines.append(f"  {mark} {s.title}")
                lines.extend(_explain(s))
        lines.append("")
        failed = next((s for s in self.steps if s.status == FAIL), None)
        if failed is None:
            lines.append(f"All {len(self.steps)} checks pass." + (f" {self.done}" if self.done else ""))
        else:
            lines.append(
                f"Stopped at the first check that failed. Fix it, then run "
                f"`justnumpy check {self.file}` again."
            )
        return "\n".join(lines)


def _explain(s: StepResult) -> list[str]:
    """The indented lines under a failed step: what, the facts, the named bug and why, where to read."""
    pad = " " * 6
    out = [pad + s.what]
    for line in s.details:  # a sentence is wrapped; a table, a traceback (indented) stays as it is
        wrap = len(line) > WIDTH and not line.startswith(" ")
        out += textwrap.wrap(line, WIDTH, initial_indent=pad, subsequent_indent=pad) if wrap else [pad + line]
    if s.bug:
        bug = find_bug(s.bug)
        out.append("")
        out.append(f"{pad}This looks like: {bug.title}.")
        out.extend(textwrap.wrap(bug.why, WIDTH, initial_indent=pad, subsequent_indent=pad))
    if s.read:
        out.append(f"{pad}Read {s.read}")
    if s.printed:
        out.append(f"{pad}Your code printed during this check:")
        out.extend(pad + "  " + line for line in s.printed)
    return out


def _marks() -> dict[str, str]:
    """✓ ✗ · where the terminal can show them, plain letters where it cannot."""
    fancy = {PASS: "✓", FAIL: "✗", NOT_RUN: "·"}
    try:
        "".join(fancy.values()).encode(sys.stdout.encoding or "ascii")
    except (UnicodeEncodeError, LookupError):
        return {PASS: "ok", FAIL: "XX", NOT_RUN: "--"}
    return fancy

"""The README and docs stay true: the command table is the parser's, no lab notebook (links: test_links)."""

from __future__ import annotations

import re

import pytest

from justnumpy import commands
from tests.helpers import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")
DOCS = sorted((REPO / "docs").glob("*.md"))
BEGIN, END = "<!-- commands: made by justnumpy.commands.reference_table() -->", "<!-- end of commands -->"


def test_readme_command_table_is_the_parsers():
    """Every command and every option of `--help`, and nothing else: regenerate the block if this fails."""
    assert BEGIN in README and END in README, "the README lost its command table markers"
    table = README.split(BEGIN, 1)[1].split(END, 1)[0].strip()
    expected = commands.reference_table().strip()
    assert table == expected, f"README's command table is stale; paste this between the markers:\n{expected}"


def test_the_table_check_can_fail(monkeypatch):
    """A command whose options change makes the generated table differ from the README's."""
    original = commands.reference_table()
    monkeypatch.setattr(commands, "COMMANDS", [c for c in commands.COMMANDS if c != "gradcheck"])
    assert commands.reference_table() != original


def test_readme_is_a_front_door():
    assert len(README.splitlines()) <= 200
    first_screen = "\n".join(README.splitlines()[:40])
    assert "pip install -e ." in first_screen and "justnumpy train" in first_screen
    assert "docs/learn.md" in first_screen  # the learning path is one click from the top


# A reader needs current facts, not a lab notebook: no dates, clock times, "today" or work periods.
LAB_NOTEBOOK = re.compile(
    r"\b(today|yesterday|this session|last session|UTC|load average)\b"
    r"|\b\d{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]* 20\d\d\b"
    r"|\b20\d\d-\d\d-\d\d\b|\b\d\d:\d\d UTC\b",
    re.IGNORECASE,
)


@pytest.mark.parametrize("path", [REPO / "README.md", *DOCS], ids=lambda p: p.name)
def test_no_lab_notebook_in_the_docs(path):
    found = [m.group(0) for m in LAB_NOTEBOOK.finditer(path.read_text(encoding="utf-8"))]
    assert not found, f"{path.name} reads like a lab notebook: {found}"


def test_the_lab_notebook_check_can_fail():
    assert LAB_NOTEBOOK.search("measured today at 11:06 UTC")
    assert LAB_NOTEBOOK.search("on 27 Nov 2026")
    assert not LAB_NOTEBOOK.search("the update moves each weight")

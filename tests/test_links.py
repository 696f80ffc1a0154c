"""Every relative link of the README, the docs and the notebooks leads somewhere: a file, a heading, a line.

A link is `[text](target)` or `![alt](target)` outside code. Its target, relative to the file that
holds it, must exist; `#anchor` must be the GitHub id of a heading of the target (or of the same
file for `(#anchor)`), with GitHub's -1, -2 for repeated headings; `#L12` must be a line of the
target. Links to the web are left alone.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.helpers import REPO, github_anchor

DOCUMENTS = [
    REPO / "README.md",
    *sorted((REPO / "docs").glob("*.md")),
    *sorted((REPO / "notebooks").glob("*.ipynb")),
]
LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(([^)\s]+)\)")  # [text](target), text may hold [`code`]


def markdown(path: Path) -> str:
    """The Markdown of a document: the file itself, or a notebook's Markdown cells one after another."""
    text = path.read_text(encoding="utf-8")
    if path.suffix != ".ipynb":
        return text
    cells = json.loads(text)["cells"]
    return "\n\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")


def prose(text: str) -> str:
    """The Markdown without fenced code blocks and inline code, where brackets are not links."""
    text = re.sub(r"^```.*?^```", "", text, flags=re.MULTILINE | re.DOTALL)
    return re.sub(r"`[^`\n]*`(?!\]\()", "", text)  # keep [`code`](link): the code is the link's text


def anchors(path: Path) -> set[str]:
    """The ids GitHub gives the headings of a Markdown document or notebook."""
    seen: dict[str, int] = {}
    out = set()
    for heading in re.findall(
        r"^#{1,6} (.+)$", re.sub(r"^```.*?^```", "", markdown(path), flags=re.M | re.S), re.M
    ):
        base = github_anchor(heading)
        n = seen.get(base, 0)
        out.add(base if n == 0 else f"{base}-{n}")
        seen[base] = n + 1
    return out


def broken(path: Path) -> list[str]:
    """Every relative link of `path` that leads nowhere, with why."""
    problems = []
    for target in LINK.findall(prose(markdown(path))):
        if re.match(r"[a-z]+:", target):  # https:, mailto:
            continue
        file, _, anchor = target.partition("#")
        goal = (path.parent / file).resolve() if file else path
        if not goal.exists():
            problems.append(f"{target}: no file {file}")
        elif anchor and re.fullmatch(r"L\d+", anchor):
            lines = len(goal.read_text(encoding="utf-8").splitlines())
            if not 1 <= int(anchor[1:]) <= lines:
                problems.append(f"{target}: {file} has {lines} lines")
        elif anchor and goal.suffix in (".md", ".ipynb") and anchor not in anchors(goal):
            problems.append(f"{target}: no heading #{anchor} in {goal.name}")
    return problems


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.name)
def test_every_relative_link_and_anchor_resolves(path):
    assert not broken(path), f"{path.name}: " + "; ".join(broken(path))


def test_the_link_checker_finds_what_is_broken(tmp_path):
    (tmp_path / "other.md").write_text("# Results\n\n## The accuracy ladder\n\n## Results\n")
    (tmp_path / "code.py").write_text("a = 1\nb = 2\n")
    doc = tmp_path / "doc.md"
    doc.write_text(
        "# Top\n[ok](other.md#the-accuracy-ladder) [ok](other.md#results-1) [ok](#top) [ok](code.py#L2)\n"
        "[ok](https://example.org/#x) `[not a link](nowhere.md)`\n"
        "[bad](other.md#accuracy-ladder) [bad](#bottom) [bad](missing.md) [bad](code.py#L3)\n"
        "```\n[not a link](nowhere.md)\n```\n"
    )
    found = broken(doc)
    assert [p.split(":")[0] for p in found] == [
        "other.md#accuracy-ladder",
        "#bottom",
        "missing.md",
        "code.py#L3",
    ]


def test_github_anchors_of_headings_with_code_and_links():
    assert github_anchor("1. Read the network") == "1-read-the-network"
    assert github_anchor("How big should the first weights be?") == "how-big-should-the-first-weights-be"
    assert github_anchor("Every name in [`network.py`](x)") == "every-name-in-networkpy"

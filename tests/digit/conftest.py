"""Fixtures for the "your own digit" tests: models, and the page served to a real browser.

The browser tests use the system's Chromium (/usr/bin/chromium, `apt-get install chromium`; .ci/run
does it), driven by Playwright, so no browser download is needed. Without it they are skipped,
except in CI. Each browser test module gets its own `justnumpy serve` process.
"""

from __future__ import annotations

import os
import re
import select
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from justnumpy import network
from justnumpy.files import modelfile
from justnumpy.web import trainer
from tests.helpers import REPO, stop

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that drive Chromium are marked `browser`: `-m "not browser"` leaves them out."""
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def random_model(tmp_path_factory) -> Path:
    """An untrained model: enough for tests of formats and errors, which need no real answers."""
    out = tmp_path_factory.mktemp("random-model") / "random.npz"
    modelfile.save(out, network.init_params(n_hidden=32, seed=0), {"dataset": "mnist", "hidden": 32})
    return out


@pytest.fixture(scope="module")
def server_url(default_model, tmp_path_factory):
    """`justnumpy serve MODEL --port 0` in a subprocess; the URL it prints (the port it got)."""
    log = tmp_path_factory.mktemp("serve") / "requests.log"  # werkzeug logs each request to stderr
    with open(log, "w") as stderr:
        proc = subprocess.Popen(
            [sys.executable, "-m", "justnumpy", "serve", str(default_model), "--port", "0"],
            env={**os.environ, "PYTHONPATH": str(REPO)},
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
    try:
        ready, _, _ = select.select([proc.stdout], [], [], 60)
        line = proc.stdout.readline() if ready else ""
        match = re.search(r"http://127\.0\.0\.1:\d+/", line)
        assert match, f"server did not start: {line!r} {log.read_text()}"
        yield match.group(0)
    finally:
        stop(proc)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing in CI; .ci/run must apt-get install chromium")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, server_url):
    """A fresh page on this module's server; the test fails on any JavaScript error."""
    page = browser.new_page(viewport={"width": 1000, "height": 1000})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(server_url)
    yield page
    page.close()
    assert not errors, errors  # no JavaScript errors along the way


@pytest.fixture
def held_runs(monkeypatch):
    """Page-started runs wait at their second batch until the test sets this event: surely running."""
    gate = threading.Event()
    listen = trainer.Run.listen

    def held(self, event):
        if event["kind"] == "batch" and (event["epoch"], event["batch"]) == (1, 2):
            gate.wait(120)
        listen(self, event)

    monkeypatch.setattr(trainer.Run, "listen", held)
    yield gate
    gate.set()  # whatever the test did, no run stays held

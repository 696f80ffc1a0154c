"""The Train view in a real browser (Chromium, Playwright; fixtures in conftest.py): train from the
page on 10,000 images, watch the curves and tiles change, stop a run, then draw on the new network."""

from __future__ import annotations

import re

from tests.digit.browser_helpers import ANSWERED, ARTIFACTS, draw, wait_until
from tests.digit.digit_helpers import SEVEN

RUNNING = "document.body.dataset.training === 'running'"
OVER = "['done', 'stopped', 'error'].includes(document.body.dataset.training)"
LOSS_POINTS = "(document.querySelector('#loss-chart path.line')?.getAttribute('d') || '')"  # the SVG path


def start(page, hidden: int, epochs: int) -> None:
    page.click("#tab-train")
    assert page.locator("#view-draw").is_hidden() and page.locator("#view-train").is_visible()
    page.fill("input[name=hidden]", str(hidden))
    page.fill("input[name=epochs]", str(epochs))
    page.select_option("select[name=train_images]", "10000")
    page.click("#train-start")
    wait_until(page, RUNNING, timeout=60_000)


def test_train_watch_it_learn_then_draw_on_the_new_network(page):
    start(page, hidden=64, epochs=1)
    # the first update: a loss curve of one point, the tiles of the weights as they start
    first_update = f"{LOSS_POINTS}.length > 0 && document.getElementById('tiles').src"
    wait_until(page, first_update, timeout=60_000)
    first_tiles = page.locator("#tiles").get_attribute("src")
    first_path = page.evaluate(LOSS_POINTS)
    # a later update: the curve has grown and the tiles have changed
    wait_until(page, f"{LOSS_POINTS}.split('L').length >= 3", timeout=60_000)
    assert page.evaluate(LOSS_POINTS).startswith(first_path) and page.evaluate(LOSS_POINTS) != first_path
    assert page.locator("#tiles").get_attribute("src") != first_tiles
    status = page.locator("#train-status").text_content()
    assert re.match(r"Epoch 1 of 1, batch \d+ of 75: loss \d\.\d{3}", status)
    wait_until(page, OVER, timeout=120_000)
    assert page.locator("body").get_attribute("data-training") == "done"
    assert page.locator("#train-status").text_content() == "Training finished."
    result = page.locator("#train-result-text").text_content()
    assert re.match(r"\d+\.\d% of the 10,000 test digits read right\. The Draw view now reads", result)
    assert page.locator("#download").get_attribute("href") == "/api/model/download"
    assert page.locator("#acc-chart circle.test").count() == 1  # the epoch's test accuracy
    dead = page.locator("#dead").text_content()
    assert re.fullmatch(r"Dead units: \d+ of 64 never fired during this epoch\.", dead)
    wait_until(page, "document.getElementById('model').textContent.includes('trained on this page')")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "train-view.png"), full_page=True)

    page.click("#tab-draw")  # the Draw view reads with the network just trained
    assert page.locator("#arch").text_content() == "784-64-10"
    draw(page, SEVEN)
    wait_until(page, ANSWERED, timeout=20_000)
    assert re.fullmatch(r"\d+ of 64 units active", page.locator("#hidden-count").text_content())
    assert page.locator("body").get_attribute("data-digitness") in ("digit", "not-digit")  # it has a detector
    page.click("#teach-digits button[data-digit='7']")
    wait_until(page, "document.body.dataset.teach === 'ready'", timeout=20_000)
    assert page.locator("#blamed canvas").count() == 6
    assert "of 64 hidden units fired" in page.locator("#blame-text").text_content()
    page.screenshot(path=str(ARTIFACTS / "draw-on-trained.png"), full_page=True)


def test_stop_a_run(page):
    start(page, hidden=32, epochs=20)
    wait_until(page, f"{LOSS_POINTS}.length > 0", timeout=60_000)
    assert page.locator("#train-start").is_disabled()
    page.click("#train-stop")
    wait_until(page, OVER, timeout=60_000)
    assert page.locator("body").get_attribute("data-training") == "stopped"
    assert page.locator("#train-status").text_content() == "Training stopped."
    assert page.locator("#train-start").is_enabled() and page.locator("#train-stop").is_disabled()
    wait_until(page, "document.getElementById('model').textContent.includes('784-32-10')")

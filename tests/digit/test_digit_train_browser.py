"""The Train view in a real browser (Chromium, Playwright; fixtures in conftest.py): train from the
page on 10,000 images, watch the curves and tiles change, stop a run, then draw on the new network;
train two hidden layers and see both in the Draw view."""

from __future__ import annotations

import re

from tests.digit.browser_helpers import ANSWERED, ARTIFACTS, draw, wait_until
from tests.digit.digit_helpers import SEVEN

RUNNING = "document.body.dataset.training === 'running'"
OVER = "['done', 'stopped', 'error'].includes(document.body.dataset.training)"
LOSS_POINTS = "(document.querySelector('#loss-chart path.line')?.getAttribute('d') || '')"  # the SVG path


def start(page, hidden: str, epochs: int, images: str = "10000", activation: str = "relu") -> None:
    page.click("#tab-train")
    assert page.locator("#view-draw").is_hidden() and page.locator("#view-train").is_visible()
    page.fill("input[name=hidden]", hidden)  # as a learner types it: "64", or "32, 16" for two layers
    page.select_option("select[name=activation]", activation)
    page.fill("input[name=epochs]", str(epochs))
    page.select_option("select[name=train_images]", images)
    page.click("#train-start")
    wait_until(page, RUNNING, timeout=60_000)


def test_train_watch_it_learn_then_draw_on_the_new_network(page):
    start(page, hidden="64", epochs=1)
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
    assert re.fullmatch(
        r"Layer 1: \d+ of 64 units active", page.locator("#hidden-layers figcaption").text_content()
    )
    assert page.locator("body").get_attribute("data-digitness") in ("digit", "not-digit")  # it has a detector
    page.click("#teach-digits button[data-digit='7']")
    wait_until(page, "document.body.dataset.teach === 'ready'", timeout=20_000)
    assert page.locator("#blamed canvas").count() == 6
    assert "of 64 units of hidden layer 1 fired" in page.locator("#blame-text").text_content()
    page.screenshot(path=str(ARTIFACTS / "draw-on-trained.png"), full_page=True)


# Each hidden layer's grid: its size in pixels (one per unit) and how many of them are lit.
GRIDS = """() => [...document.querySelectorAll('#hidden-layers canvas')].map(c => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let lit = 0; for (let i = 0; i < d.length; i += 4) lit += d[i] + d[i + 1] + d[i + 2] > 150;
    return [c.width, c.height, lit];
})"""


def test_train_two_hidden_layers_then_the_draw_view_shows_both(page):
    start(page, hidden="32, 16", epochs=1, images="2000")
    wait_until(page, OVER, timeout=120_000)
    assert page.locator("body").get_attribute("data-training") == "done"
    dead = page.locator("#dead").text_content()
    assert re.fullmatch(
        r"Dead units: \d+ of 32 in layer 1, \d+ of 16 in layer 2 never fired during this epoch\.", dead
    )
    assert page.locator("#tiles").get_attribute("src").startswith("data:image/png;base64,")  # layer 1's
    wait_until(page, "document.getElementById('model').textContent.includes('trained on this page')")
    assert "hidden layers of 32 and 16 units, relu, cross-entropy" in page.locator("#model").text_content()

    page.click("#tab-draw")
    assert page.locator("#arch").text_content() == "784-32-16-10"
    assert page.locator("#hidden-title").text_content() == "Hidden layers"
    draw(page, SEVEN)
    wait_until(page, ANSWERED, timeout=20_000)
    captions = page.locator("#hidden-layers figcaption").all_text_contents()
    assert len(captions) == 2
    assert re.fullmatch(r"Layer 1: \d+ of 32 units active", captions[0])
    assert re.fullmatch(r"Layer 2: \d+ of 16 units active", captions[1])
    (w1, h1, lit1), (w2, h2, lit2) = page.evaluate(GRIDS)
    assert (w1, h1, w2, h2) == (6, 6, 4, 4) and lit1 > 0 and lit2 > 0  # √n columns, painted
    page.click("#teach-digits button[data-digit='1']")  # the formulas are named for three layers
    wait_until(page, "document.body.dataset.teach === 'ready'", timeout=20_000)
    assert page.locator("#teach-loss").text_content().startswith("loss = −log A3[1] = −log ")
    assert page.locator("#dz-formula").text_content() == "dZ3 = A3 − Y"
    assert page.locator("#blame-formula").text_content() == "dZ1 = dZ2·W2ᵀ ⊙ [Z1 > 0]"
    assert "of 32 units of hidden layer 1 fired" in page.locator("#blame-text").text_content()
    assert page.locator("#blamed canvas").count() == 6
    page.screenshot(path=str(ARTIFACTS / "draw-two-hidden-layers.png"), full_page=True)


def test_nonsense_layers_are_refused_with_the_reason(browser, server_url):
    """The 422 reaches the learner as the server's reason (its own page: Chromium logs a 4xx as an error)."""
    page = browser.new_page()
    page.goto(server_url)
    page.click("#tab-train")
    page.fill("input[name=hidden]", "64, 0")
    page.click("#train-start")
    wait_until(page, "document.body.dataset.training === 'error'", timeout=20_000)
    said = page.locator("#train-status").text_content()
    assert re.fullmatch(r"Cannot start: each hidden layer must have 1 to \d+ units, got 64,0", said)
    assert page.locator("#train-start").is_enabled()
    page.close()


def test_the_settings_wait_for_the_servers_defaults(browser, server_url):
    """Typed before the defaults arrive, a setting would be overwritten by them: the fields wait."""
    page = browser.new_page()
    held = []  # the page's GET /api/train, answered when the test says so

    def hold(route) -> None:
        if route.request.method == "GET":
            held.append(route)
        else:
            route.continue_()

    page.route("**/api/train", hold)
    page.goto(server_url)
    page.click("#tab-train")
    for _ in range(1200):  # until Playwright has handed the page's request to `hold` (at most 60 s)
        if held:
            break
        page.wait_for_timeout(50)
    assert held, "the page never asked for the defaults"
    assert page.locator("input[name=hidden]").is_disabled() and page.locator("#train-start").is_disabled()
    held[0].continue_()
    page.fill("input[name=hidden]", "32")  # Playwright waits until the field is enabled
    assert page.input_value("input[name=hidden]") == "32" and page.input_value("input[name=lr]") != ""
    assert page.locator("#train-start").is_enabled()
    page.close()


def test_stop_a_run(page):
    start(page, hidden="32", epochs=20, activation="tanh")
    wait_until(page, f"{LOSS_POINTS}.length > 0", timeout=60_000)
    dead = "Dead units: none can die here: a tanh unit always has a slope, so it keeps learning."
    assert page.locator("#dead").text_content() == dead  # only ReLU units can die (model.can_die)
    assert page.locator("#train-start").is_disabled()
    page.click("#train-stop")
    wait_until(page, OVER, timeout=60_000)
    assert page.locator("body").get_attribute("data-training") == "stopped"
    assert page.locator("#train-status").text_content() == "Training stopped."
    assert page.locator("#train-start").is_enabled() and page.locator("#train-stop").is_disabled()
    wait_until(page, "document.getElementById('model').textContent.includes('784-32-10')")

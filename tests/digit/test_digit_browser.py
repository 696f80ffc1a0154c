"""The Draw view in a real browser: Debian's Chromium, driven by Playwright, against
`justnumpy serve` started on a free port (fixtures in conftest.py). Screenshots go to
test-artifacts/ (not committed)."""

from __future__ import annotations

import re

import pytest

from tests.digit.browser_helpers import ANSWERED, ARTIFACTS, BARS_SETTLED, draw, wait_until
from tests.digit.digit_helpers import LETTER_W, ONE, SCRIBBLE, SEVEN


def shown_probabilities(page) -> list[float]:
    return [float(v.rstrip("%")) / 100 for v in page.locator("#bars .value").all_text_contents()]


def test_draw_a_seven_see_the_answer(page):
    assert page.locator("body").get_attribute("data-state") == "empty"
    assert page.locator("#digit").text_content() == "?"
    draw(page, SEVEN)
    wait_until(page, ANSWERED, timeout=20_000)
    page.wait_for_function(BARS_SETTLED, timeout=10_000)  # the bars' transition, for the screenshot
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "draw-a-digit-7.png"), full_page=True)

    assert page.locator("#digit").text_content() == "7"
    p = shown_probabilities(page)
    assert len(p) == 10 and sum(p) == pytest.approx(1, abs=0.01) and max(p) == p[7] > 0.5
    assert page.locator("#bars li.top").get_attribute("data-digit") == "7"
    assert re.fullmatch(r"\d+\.\d% sure it is a 7", page.locator("#confidence").text_content())
    assert page.locator("#hidden-title").text_content() == "Hidden layer"
    assert re.fullmatch(
        r"Layer 1: \d+ of 256 units active", page.locator("#hidden-layers figcaption").text_content()
    )
    # the 28×28 the network saw is painted: bright ink on black, like MNIST
    ink = page.evaluate("""() => {
        const c = document.getElementById('input'), d = c.getContext('2d').getImageData(0, 0, 28, 28).data;
        let bright = 0; for (let i = 0; i < d.length; i += 4) bright += d[i] > 128; return [c.width, bright];
    }""")
    assert ink[0] == 28 and 20 < ink[1] < 400
    # the steps before it are shown beside it: gray levels, cropped, scaled to 20 px
    sizes = page.evaluate("""() => ['ink', 'crop', 'scaled'].map(s => {
        const img = document.getElementById('stage-' + s); return [img.naturalWidth, img.naturalHeight];
    })""")
    assert sizes[0] == [280, 280] and sizes[1][1] > sizes[1][0] and max(sizes[2]) == 20
    assert page.locator("body").get_attribute("data-digitness") == "digit"
    assert page.locator("#novelty").text_content().startswith("Looks like a digit")

    page.click("#clear")
    assert page.locator("body").get_attribute("data-state") == "empty"
    assert page.locator("#digit").text_content() == "?"
    assert page.locator("#bars .value").all_text_contents() == ["–"] * 10


def test_draw_a_one_after_clearing(page):
    draw(page, SEVEN)
    wait_until(page, ANSWERED, timeout=20_000)
    page.click("#clear")
    draw(page, ONE)
    wait_until(page, ANSWERED, timeout=20_000)
    assert page.locator("#digit").text_content() == "1"
    page.wait_for_function(BARS_SETTLED, timeout=10_000)
    page.screenshot(path=str(ARTIFACTS / "draw-a-digit-1.png"), full_page=True)
    assert max(shown_probabilities(page)) > 0.5


def test_touch_drawing_on_a_phone(browser, server_url):
    """A finger on a phone-sized touch screen draws (pointer events) and does not scroll the page."""
    context = browser.new_context(has_touch=True, is_mobile=True, viewport={"width": 420, "height": 900})
    try:
        page = context.new_page()
        page.goto(server_url)
        cdp = context.new_cdp_session(page)  # real touch events, as a touch screen sends them
        box = page.locator("#pad").bounding_box()

        def touch(kind: str, x: float | None = None, y: float | None = None) -> None:
            points = [] if x is None else [{"x": box["x"] + x, "y": box["y"] + y}]
            cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})

        (x0, y0), *rest = ONE[0]
        touch("touchStart", x0, y0)
        for x, y in rest:
            for t in range(1, 11):
                touch("touchMove", x0 + (x - x0) * t / 10, y0 + (y - y0) * t / 10)
            x0, y0 = x, y
        touch("touchEnd")
        wait_until(page, ANSWERED, timeout=20_000)
        assert page.locator("#digit").text_content() == "1"
        page.wait_for_function(BARS_SETTLED, timeout=10_000)
        assert page.evaluate("window.scrollY") == 0
        page.screenshot(path=str(ARTIFACTS / "draw-a-digit-phone.png"), full_page=True)
    finally:
        context.close()


@pytest.mark.parametrize("strokes", [LETTER_W, SCRIBBLE], ids=["letter-W", "scribble"])
def test_a_letter_or_a_scribble_is_not_a_digit(page, strokes):
    draw(page, strokes)
    wait_until(page, ANSWERED, timeout=20_000)
    assert page.locator("body").get_attribute("data-digitness") == "not-digit"
    assert page.locator("#confidence").text_content() == "This does not look like a digit."
    guess = page.locator("#digit").text_content()  # still shown, greyed
    expected = (
        r"The network's guess would be \d \(\d+\.\d%\), but \d+% of the drawing is unlike any "
        rf"{guess} it learned from; real digits stay under \d+%\."
    )
    assert re.fullmatch(expected, page.locator("#novelty").text_content())


def test_teach_it_shows_one_step_and_applies_it_only_when_asked(page):
    """Last in this module: applying the step changes the model this module's server serves."""
    draw(page, SEVEN)
    wait_until(page, ANSWERED, timeout=20_000)
    page.click("#teach-digits button[data-digit='1']")  # "it was a 1": the network is wrong
    wait_until(page, "document.body.dataset.teach === 'ready'", timeout=20_000)
    assert page.locator("#teach-loss").text_content().startswith("loss = −log A2[1] = −log ")
    before, after = (float(page.locator(f"#loss-{when}").text_content()) for when in ("before", "after"))
    assert 0 < after < before
    values = [float(v) for v in page.locator("#dz2 .value").all_text_contents()]
    assert len(values) == 10 and values[1] < 0 and all(v >= 0 for k, v in enumerate(values) if k != 1)
    assert sum(values) == pytest.approx(0, abs=0.01)  # A2 − Y sums to 1 − 1
    assert page.locator("#blamed canvas").count() == 6
    assert page.locator("#teach-note").text_content() == "The served model is unchanged."
    page.screenshot(path=str(ARTIFACTS / "teach-it.png"), full_page=True)
    page.click("#teach-apply")
    wait_until(page, "document.body.dataset.teach === 'applied'", timeout=20_000)
    wait_until(page, ANSWERED, timeout=20_000)
    assert "taught on this page" in page.locator("#model").text_content()

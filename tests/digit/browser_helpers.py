"""Helpers for the browser tests: drawing with the mouse, and what "answered" means on the page."""

from __future__ import annotations

from pathlib import Path

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"  # screenshots, not committed


def draw(page, strokes: list[list[tuple[int, int]]]) -> None:
    """Draw polylines with the mouse, in the pad's own 280×280 coordinates."""
    box = page.locator("#pad").bounding_box()
    for stroke in strokes:
        page.mouse.move(box["x"] + stroke[0][0], box["y"] + stroke[0][1])
        page.mouse.down()
        page.wait_for_timeout(250)  # a human pause: the page asks about the lone dot, which must work
        for x, y in stroke[1:]:
            page.mouse.move(box["x"] + x, box["y"] + y, steps=10)
        page.mouse.up()


def wait_until(page, condition: str, timeout: float = 30_000) -> None:
    """Wait until the JavaScript expression `condition` is true on the page.

    Playwright evaluates a bare expression with eval(), which the page's Content-Security-Policy
    forbids (guard.py); wrapped in a function it runs as the test's own code.
    """
    page.wait_for_function(f"() => ({condition})", timeout=timeout)


# True once the answer on screen is the one for the finished drawing, not a mid-stroke one.
ANSWERED = "document.body.dataset.state === 'ready' && document.body.dataset.busy === 'false'"

# True once every probability bar has finished its CSS transition to the width it was given.
BARS_SETTLED = """() => [...document.querySelectorAll('#bars .fill')].every(fill => {
    const track = fill.parentElement.getBoundingClientRect().width;
    const wanted = parseFloat(fill.style.width || '0') / 100 * track;
    return Math.abs(fill.getBoundingClientRect().width - wanted) < 1.5;
})"""

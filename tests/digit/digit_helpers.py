"""Helpers for the "your own digit" tests: drawn digits, encoding, checks, a server in a thread.

Photos of MNIST digits: images.mnist_as_photo.
"""

from __future__ import annotations

import contextlib
import io
import json
import threading

import numpy as np
from PIL import Image, ImageDraw
from werkzeug.serving import make_server

from justnumpy.web import guard


def drawn_seven(size: tuple[int, int] = (500, 360), ink: int = 20, paper: int = 235) -> Image.Image:
    """A "7" drawn with thick lines, off-centre on a grayscale page (mode L)."""
    img = Image.new("L", size, paper)
    draw = ImageDraw.Draw(img)
    draw.line([(260, 60), (380, 60), (310, 300)], fill=ink, width=18, joint="curve")
    return img


def encode(img: Image.Image, fmt: str = "PNG", **options) -> bytes:
    """An image's file bytes in `fmt`."""
    buffer = io.BytesIO()
    img.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def check_input(x: np.ndarray) -> None:
    """What every successful preprocessing must return: a network input row with some ink."""
    assert x.shape == (784,) and x.dtype == np.float32
    assert np.isfinite(x).all() and x.min() >= 0 and x.max() <= 1
    assert x.max() > 0


# Drawings on the page's 280×280 pad, as polylines in its coordinates: the browser tests draw them
# with the mouse, the others with Pillow (draw_strokes), so both see the same shapes.
SEVEN = [[(80, 60), (200, 60), (165, 140), (130, 225)]]  # one stroke: the bar, then down-left
ONE = [[(150, 50), (146, 130), (142, 230)]]
LETTER_W = [[(40, 50), (90, 230), (140, 100), (190, 230), (240, 50)]]
SCRIBBLE = [[(40, 40), (240, 240)], [(240, 40), (40, 240)], [(20, 140), (260, 140)]]  # three crossed strokes


def draw_strokes(strokes: list[list[tuple[int, int]]], side: int = 280, width: int = 18) -> Image.Image:
    """Black round-capped strokes on a white RGB square, as the page's pad draws them."""
    img = Image.new("RGB", (side, side), "white")
    draw = ImageDraw.Draw(img)
    for stroke in strokes:
        draw.line(stroke, fill=(17, 17, 17), width=width, joint="curve")
        for x, y in (stroke[0], stroke[-1]):  # round caps
            draw.ellipse([x - width / 2, y - width / 2, x + width / 2, y + width / 2], fill=(17, 17, 17))
    return img


@contextlib.contextmanager
def served(app, host: str = "127.0.0.1"):
    """`app` on a real HTTP server (werkzeug's, as `justnumpy serve` runs it) in a thread; its base URL."""
    server = make_server(host, 0, app, threaded=True, request_handler=guard.RequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


def events(client, headers: dict[str, str] | None = None):
    """(id, event) of a test client's /api/train/events, one at a time, as the browser reads them."""
    response = client.get("/api/train/events", headers=headers or {}, buffered=False)
    assert response.status_code == 200 and response.mimetype == "text/event-stream"
    buffer = ""
    for chunk in response.response:
        buffer += chunk.decode() if isinstance(chunk, bytes) else chunk
        while "\n\n" in buffer:
            message, buffer = buffer.split("\n\n", 1)
            fields = dict(line.split(": ", 1) for line in message.splitlines() if not line.startswith(":"))
            if "data" in fields:
                yield int(fields["id"]), json.loads(fields["data"])

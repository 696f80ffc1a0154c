"""The draw-a-digit page's JSON API through Flask's test client: answers, and clean 4xx errors."""

from __future__ import annotations

import socket

import numpy as np
import pytest
from PIL import Image

from justnumpy import network, web
from justnumpy.files import images, modelfile
from tests.digit.digit_helpers import drawn_seven, encode


@pytest.fixture
def client(random_model):
    params, _, _ = modelfile.load(random_model)
    return web.create_app(params, model_name="random.npz").test_client(), params


def post(client, body: bytes, content_type: str = "image/png"):
    return client.post("/api/predict", data=body, headers={"Content-Type": content_type})


def test_predict_returns_what_the_network_computes(client):
    client, params = client
    drawing = encode(drawn_seven().convert("RGBA"))
    r = post(client, drawing)
    assert r.status_code == 200, r.get_json()
    answer = r.get_json()
    assert set(answer) == {"digit", "probabilities", "input", "hidden"}
    x = images.preprocess(drawing)
    cache = network.forward(params, x[None, :])
    np.testing.assert_allclose(answer["probabilities"], cache["A2"][0], rtol=1e-6)
    np.testing.assert_allclose(answer["hidden"], cache["A1"][0], rtol=1e-6)
    assert len(answer["hidden"]) == params["W1"].shape[1]
    np.testing.assert_allclose(answer["input"], x.reshape(28, 28), atol=1e-4)
    assert answer["digit"] == int(np.argmax(answer["probabilities"]))


@pytest.mark.parametrize(
    ("body", "content_type", "status", "code"),
    [
        (b"\x89PNG\r\n\x1a\n garbage after a PNG signature", "image/png", 400, "bad_image"),
        (b"\x00\x01\x02\x03" * 100, "image/png", 400, "bad_image"),
        (b"", "image/png", 400, "empty"),
        (b'{"image": "data"}', "application/json", 415, "unsupported_type"),
        (b"", "text/plain", 415, "unsupported_type"),
        (b"\0" * (web.MAX_BYTES + 1), "image/png", 413, "request_entity_too_large"),
        (encode(Image.new("RGBA", (280, 280), (255, 255, 255, 255))), "image/png", 422, "no_digit"),
        (encode(Image.new("RGBA", (280, 280), (0, 0, 0, 0))), "image/png", 422, "no_digit"),
        (encode(drawn_seven())[:200], "image/png", 400, "bad_image"),
    ],
    ids=["garbage-png", "garbage", "empty", "json", "text", "oversize", "blank", "transparent", "truncated"],
)
def test_bad_requests_get_json_4xx(client, body, content_type, status, code):
    client, _ = client
    r = post(client, body, content_type)
    assert r.status_code == status, r.data[:300]
    assert r.is_json and r.get_json()["code"] == code and r.get_json()["error"]
    assert b"Traceback" not in r.data
    if status == 413:
        assert "larger than 2 MB" in r.get_json()["error"]


def test_other_routes(client):
    client, _ = client
    assert client.get("/api/predict").status_code == 405 and client.get("/api/predict").is_json
    assert client.get("/nothing-here").status_code == 404 and client.get("/nothing-here").is_json
    page = client.get("/")
    assert page.status_code == 200 and b'<canvas id="pad"' in page.data
    for asset in ("/static/app.js", "/static/style.css"):
        assert client.get(asset).status_code == 200
    assert client.get("/api/model").get_json() == {"name": "random.npz", "hidden": 32}


def test_a_bug_is_a_json_500_without_traceback(client, monkeypatch):
    client, _ = client

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(images, "preprocess", broken)
    r = post(client, encode(drawn_seven()))
    assert r.status_code == 500
    assert r.get_json() == {"code": "internal", "error": "internal error; see the server's log"}


def test_serve_reports_a_taken_port(random_model, cli):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        r = cli("serve", str(random_model), "--port", str(port), timeout=60)
    assert r.returncode == 1
    assert r.stderr.strip().splitlines() == [
        f"justnumpy: error: cannot listen on 127.0.0.1:{port} (Address already in use)"
    ]
    r = cli("serve", str(random_model), "--port", "70000")
    assert r.returncode == 2 and "a port is 0..65535" in r.stderr

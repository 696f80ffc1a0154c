"""The draw-a-digit page's JSON API through Flask's test client: answers, and clean 4xx errors."""

from __future__ import annotations

import base64
import io
import socket
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from justnumpy import mlp, model, network, novelty, web
from justnumpy.files import images, modelfile
from tests.digit.digit_helpers import LETTER_W, SEVEN, draw_strokes, drawn_seven, encode

OLD = Path(__file__).parents[1] / "fixtures" / "written-before-any-depth.npz"  # from before hidden was a list


@pytest.fixture
def client(random_model):
    params, meta, extra = modelfile.load(random_model)
    return web.create_app(web.model_from_file(params, meta, extra, "random.npz")).test_client(), params


@pytest.fixture
def trained_client(default_model):
    """The default model with its not-a-digit detector; a fresh app (and served model) per test."""
    params, meta, extra = modelfile.load(default_model)
    model = web.model_from_file(params, meta, extra, "model.npz")
    return web.create_app(model).test_client(), model


def post(client, body: bytes, content_type: str = "image/png"):
    return client.post("/api/predict", data=body, headers={"Content-Type": content_type})


def test_predict_returns_what_the_network_computes(client):
    client, params = client
    drawing = encode(drawn_seven().convert("RGBA"))
    r = post(client, drawing)
    assert r.status_code == 200, r.get_json()
    answer = r.get_json()
    novelty_keys = {"not_a_digit", "novelty_score", "novelty_threshold"}
    assert set(answer) == {"digit", "probabilities", "input", "hidden", "fired", "stages", *novelty_keys}
    assert answer["not_a_digit"] is None and answer["novelty_score"] is None  # no detector in this file
    x = images.preprocess(drawing)
    cache = network.forward(params, x[None, :])
    np.testing.assert_allclose(answer["probabilities"], cache["A2"][0], rtol=1e-6)
    (hidden,) = answer["hidden"]  # one hidden layer: its activations A1
    np.testing.assert_allclose(hidden, cache["A1"][0], rtol=1e-6)
    assert len(hidden) == params["W1"].shape[1] and answer["fired"] == [int((cache["Z1"][0] > 0).sum())]
    np.testing.assert_allclose(answer["input"], x.reshape(28, 28), atol=1e-4)
    assert answer["digit"] == int(np.argmax(answer["probabilities"]))
    for name, picture in images.stages(drawing).items():  # each step as an 8-bit gray PNG
        header, png = answer["stages"][name].split(",", 1)
        assert header == "data:image/png;base64"
        shown = np.asarray(Image.open(io.BytesIO(base64.b64decode(png))))
        np.testing.assert_array_equal(shown, (picture * 255).round().astype(np.uint8))


def test_predict_says_when_it_is_not_a_digit(trained_client):
    client, model = trained_client
    for strokes, expected in ((SEVEN, False), (LETTER_W, True)):
        drawing = encode(draw_strokes(strokes))
        answer = post(client, drawing).get_json()
        X = images.preprocess(drawing)[None, :]
        assert answer["novelty_score"] == pytest.approx(
            float(novelty.score(model.detector, model.params, X)[0])
        )
        assert answer["novelty_threshold"] == pytest.approx(float(model.detector["threshold"]))
        assert answer["not_a_digit"] is expected
        assert answer["digit"] == int(network.predict(model.params, X)[0])  # the guess is still given


def teach(client, body: bytes, query: str):
    return client.post(f"/api/teach?{query}", data=body, headers={"Content-Type": "image/png"})


def test_teach_is_one_backward_pass_and_one_sgd_step(trained_client):
    """Checked against a hand-made one-hot, central differences of the loss, and a hand SGD step."""
    client, model = trained_client
    drawing = encode(draw_strokes(SEVEN))
    answer = teach(client, drawing, "label=1&lr=0.05").get_json()
    params64 = {k: v.astype(np.float64) for k, v in model.params.items()}
    x = images.preprocess(drawing).astype(np.float64)[None, :]  # (1, 784)
    y = np.array([1])

    def loss(p):
        return network.loss(network.forward(p, x)["A2"], y)

    A2 = network.forward(params64, x)["A2"][0]
    assert answer["label"] == 1 and answer["lr"] == 0.05 and answer["applied"] is False
    assert answer["guess"] == 7 and answer["loss"] == pytest.approx(-np.log(A2[1]), rel=1e-4)
    assert answer["model"]["sizes"] == [784, 256, 10]  # the page names the output A2 from these
    np.testing.assert_allclose(answer["dZ_output"], A2 - np.eye(10)[1], atol=1e-5)  # dZ2 = A2 − Y
    # blame: dZ1 = dL/db1 (m = 1); the largest |dZ1| first; checked by central differences
    dZ1 = [u["dZ1"] for u in answer["blamed"]]
    assert len(dZ1) == 6 and abs(dZ1[0]) >= abs(dZ1[-1]) > 0
    for u in answer["blamed"][:3]:
        j, h = u["unit"], 1e-6
        up, down = {**params64, "b1": params64["b1"].copy()}, {**params64, "b1": params64["b1"].copy()}
        up["b1"][j] += h
        down["b1"][j] -= h
        assert u["dZ1"] == pytest.approx((loss(up) - loss(down)) / (2 * h), rel=1e-3, abs=1e-6)
        np.testing.assert_allclose(u["weights"], model.params["W1"][:, j], atol=1e-4)
    # the step: θ − lr·dθ with dθ from central differences would be slow for 784·H weights, so the
    # loss after the step is checked against network.backward's own step, done by hand here
    grads = network.backward(params64, network.forward(params64, x), x, y)
    stepped = {k: p - 0.05 * grads["d" + k] for k, p in params64.items()}
    assert answer["loss_after"] == pytest.approx(loss(stepped), rel=1e-3)
    assert answer["loss_after"] < answer["loss"]
    # the served model is unchanged ...
    assert post(client, drawing).get_json()["probabilities"] == pytest.approx(A2.tolist(), abs=1e-5)
    # ... until the user applies the step
    applied = teach(client, drawing, "label=1&lr=0.05&apply=1").get_json()
    assert applied["applied"] is True and applied["loss"] == pytest.approx(answer["loss"], rel=1e-6)
    after = post(client, drawing).get_json()["probabilities"]
    np.testing.assert_allclose(after, network.forward(stepped, x)["A2"][0], atol=1e-4)
    taught = client.get("/api/model").get_json()
    assert taught["source"] == "taught on this page" and taught["accuracy"] is None  # of other weights


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("", "bad_label"),
        ("label=10", "bad_label"),
        ("label=x", "bad_label"),
        ("label=3&lr=0", "bad_lr"),
        ("label=3&lr=nan", "bad_lr"),
        ("label=3&lr=100", "bad_lr"),
    ],
)
def test_teach_refuses_bad_settings(client, query, code):
    client, _ = client
    r = teach(client, encode(drawn_seven()), query)
    assert r.status_code == 400 and r.get_json()["code"] == code


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
        (encode(drawn_seven(), "JPEG"), "image/png", 400, "bad_image"),  # the page sends PNG, reads PNG
    ],
    ids=[
        "garbage-png",
        "garbage",
        "empty",
        "json",
        "text",
        "oversize",
        "blank",
        "transparent",
        "truncated",
        "jpeg-as-png",
    ],
)
def test_bad_requests_get_json_4xx(client, body, content_type, status, code):
    client, _ = client
    r = post(client, body, content_type)
    assert r.status_code == status, r.data[:300]
    assert r.is_json and r.get_json()["code"] == code and r.get_json()["error"]
    assert b"Traceback" not in r.data
    if status == 413:
        assert "larger than 2 MB" in r.get_json()["error"]
    if body[:2] == b"\xff\xd8":  # a JPEG
        assert r.get_json()["error"] == "drawing: not a PNG image"


def test_other_routes(client):
    client, _ = client
    assert client.get("/api/predict").status_code == 405 and client.get("/api/predict").is_json
    assert client.get("/nothing-here").status_code == 404 and client.get("/nothing-here").is_json
    page = client.get("/")
    assert page.status_code == 200 and b'<canvas id="pad"' in page.data
    for asset in ("/static/app.js", "/static/style.css"):
        assert client.get(asset).status_code == 200
    info = client.get("/api/model").get_json()
    shape = {"sizes": [784, 32, 10], "hidden": [32], "activation": "relu", "loss": "cross-entropy"}
    assert info == {"name": "random.npz", **shape, "accuracy": None, "source": "file", "detector": False}


def test_a_bug_is_a_json_500_without_traceback(client, monkeypatch):
    client, _ = client

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(images, "stages", broken)
    r = post(client, encode(drawn_seven()))
    assert r.status_code == 500
    assert r.get_json() == {"code": "internal", "error": "internal error; see the server's log"}


def any_depth_file(path: Path, hidden: tuple[int, ...], activation: str, loss: str) -> Path:
    """A model file of any depth with its sizes, activation and loss in its meta, as `train` writes them."""
    params = mlp.init_params((784, *hidden, 10), seed=2, init="xavier")
    meta = {"dataset": "mnist", "sizes": [784, *hidden, 10], "activation": activation, "loss": loss}
    modelfile.save(path, params, meta)
    return path


def served_from(path: Path):
    """The app serving a model file as `justnumpy serve` does: model.load, with the net its meta names."""
    net, params, meta, extra = model.load(path)
    return web.create_app(web.model_from_file(params, meta, extra, path.name, net)).test_client()


def float64_loss(params, x, y: int, activation: str, loss: str) -> float:
    """The loss written out here, in float64, from mlp's forward pass: the oracle for the page's numbers."""
    p = mlp.forward(params, x, activation)[f"A{mlp.n_layers(params)}"][0]  # (10,) the probabilities
    return float(0.5 * ((p - np.eye(10)[y]) ** 2).sum()) if loss == "squared-error" else float(-np.log(p[y]))


@pytest.mark.parametrize(
    ("hidden", "activation", "loss"),
    [
        ((32, 16), "tanh", "cross-entropy"),
        ((24, 16, 12), "sigmoid", "squared-error"),
        ((20, 12), "leaky-relu", "cross-entropy"),
    ],
)
def test_a_model_of_any_depth_reads_and_learns_with_its_own_net(tmp_path, hidden, activation, loss):
    """Each hidden layer's activity, the loss, the output's dZL and the blame against central
    differences of a float64 loss written here; the step, applied, changes what the page reads."""
    path = any_depth_file(tmp_path / "deep.npz", hidden, activation, loss)
    client = served_from(path)
    params64 = {k: v.astype(np.float64) for k, v in modelfile.load(path)[0].items()}
    L = len(hidden) + 1
    info = client.get("/api/model").get_json()
    assert info["sizes"] == [784, *hidden, 10] and info["hidden"] == list(hidden)
    assert (info["activation"], info["loss"]) == (activation, loss)
    drawing = encode(draw_strokes(SEVEN))
    x = images.preprocess(drawing).astype(np.float64)[None, :]  # (1, 784)
    cache = mlp.forward(params64, x, activation)
    answer = post(client, drawing).get_json()
    assert [len(a) for a in answer["hidden"]] == list(hidden)  # one grid per hidden layer
    for l, shown in enumerate(answer["hidden"], 1):
        np.testing.assert_allclose(shown, cache[f"A{l}"][0], rtol=1e-4, atol=1e-6)
    assert answer["fired"] == [int((cache[f"Z{l}"][0] > 0).sum()) for l in range(1, L)]
    np.testing.assert_allclose(answer["probabilities"], cache[f"A{L}"][0], atol=1e-6)

    y, h = 3, 1e-6
    taught = teach(client, drawing, "label=3&lr=0.5").get_json()
    assert taught["model"] == info and taught["applied"] is False
    assert taught["loss"] == pytest.approx(float64_loss(params64, x, y, activation, loss), rel=1e-4)

    def slope(name: str, j: int) -> float:  # ∂loss/∂b[j] by central differences: dZ[j] for one example
        up, down = ({**params64, name: params64[name].copy()} for _ in range(2))
        up[name][j] += h
        down[name][j] -= h
        rise = float64_loss(up, x, y, activation, loss) - float64_loss(down, x, y, activation, loss)
        return rise / (2 * h)

    expected = [slope(f"b{L}", k) for k in range(10)]
    np.testing.assert_allclose(taught["dZ_output"], expected, rtol=1e-3, atol=1e-7)
    assert len(taught["blamed"]) == 6 and taught["fired"] == answer["fired"][0]
    for u in taught["blamed"][:3]:
        assert u["dZ1"] == pytest.approx(slope("b1", u["unit"]), rel=1e-3, abs=1e-8)
    # θ − lr·dθ done by hand with mlp's float64 gradients: the loss after it, and the page after "apply"
    grads = mlp.backward(params64, cache, x, np.array([y]), activation, loss)
    stepped = {k: p - 0.5 * grads["d" + k] for k, p in params64.items()}
    assert taught["loss_after"] == pytest.approx(float64_loss(stepped, x, y, activation, loss), rel=1e-3)
    assert teach(client, drawing, "label=3&lr=0.5&apply=1").get_json()["applied"] is True
    after = mlp.forward(stepped, x, activation)[f"A{L}"][0]
    np.testing.assert_allclose(post(client, drawing).get_json()["probabilities"], after, atol=1e-5)
    # downloaded, the taught model is the same network: sizes, activation and loss come along
    download = tmp_path / "download.npz"
    download.write_bytes(client.get("/api/model/download").data)
    net, params, meta, _ = model.load(download)
    assert (meta["sizes"], net.activation, net.loss_name) == ([784, *hidden, 10], activation, loss)
    np.testing.assert_allclose(params[f"W{L}"], stepped[f"W{L}"], atol=1e-6)


def test_a_model_without_hidden_layers_serves(tmp_path):
    """784-10: no hidden layer to show or blame; the page still reads and teaches."""
    client = served_from(any_depth_file(tmp_path / "flat.npz", (), "relu", "cross-entropy"))
    drawing = encode(draw_strokes(SEVEN))
    answer = post(client, drawing).get_json()
    assert answer["hidden"] == [] and answer["fired"] == [] and len(answer["probabilities"]) == 10
    taught = teach(client, drawing, "label=7").get_json()
    assert taught["blamed"] == [] and taught["fired"] is None and taught["model"]["sizes"] == [784, 10]
    assert taught["loss_after"] < taught["loss"]


def test_a_model_file_from_before_any_depth_serves():
    """Written before model files recorded sizes, activation and loss: read as network.py's ReLU net."""
    client = served_from(OLD)
    params, _, _ = modelfile.load(OLD)
    info = client.get("/api/model").get_json()
    assert (info["sizes"], info["activation"], info["loss"]) == ([784, 8, 10], "relu", "cross-entropy")
    drawing = encode(draw_strokes(SEVEN))
    cache = network.forward(params, images.preprocess(drawing)[None, :])
    answer = post(client, drawing).get_json()
    np.testing.assert_allclose(answer["probabilities"], cache["A2"][0], rtol=1e-6)
    np.testing.assert_allclose(answer["hidden"][0], cache["A1"][0], rtol=1e-6)
    assert teach(client, drawing, "label=1").status_code == 200


def test_serve_reports_a_taken_port(random_model, cli, tmp_path):
    deep = any_depth_file(tmp_path / "deep.npz", (16, 8), "tanh", "squared-error")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        said = {
            path: cli("serve", str(path), "--port", str(port), timeout=60)
            for path in (random_model, OLD, deep)
        }
    # every model file, also one from before any depth and a deep one, loads before the port is tried
    for r in said.values():
        assert r.returncode == 1
        assert r.stderr.strip().splitlines() == [
            f"justnumpy: error: cannot listen on 127.0.0.1:{port} (Address already in use)"
        ]
    r = cli("serve", str(random_model), "--port", "70000")
    assert r.returncode == 2 and "a port is 0..65535" in r.stderr

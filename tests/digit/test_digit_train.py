"""Training from the page, at the HTTP level: settings, the event stream, 409, stop, the served result."""

from __future__ import annotations

import base64
import io

import numpy as np
import pytest
from flask import Flask
from PIL import Image

from justnumpy import data, layers, mlp, model, network, train, web
from justnumpy.files import images, modelfile
from justnumpy.training import checkpoint
from justnumpy.training.config import MAX_HIDDEN_LAYERS
from justnumpy.web import trainer
from tests.digit.digit_helpers import SEVEN, draw_strokes, encode, events
from tests.helpers import REPO

# what every batch and epoch event carries: the numbers a page plots, and where the run is
EVENT_FIELDS = {"kind", "epoch", "epochs", "batch", "batches", "loss", "train_acc", "val_acc", "dead_units"}


def app_with(raw) -> Flask:
    return web.create_app(network.init_params(n_hidden=8, seed=1), "start.npz", training_data=lambda: raw)


def decode(url: str) -> np.ndarray:
    header, png = url.split(",", 1)
    assert header == "data:image/png;base64"
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(png))))


def test_a_whole_run_streams_its_events_and_becomes_the_served_model(tiny_data, tmp_path):
    raw = data.load("mnist", tiny_data)  # 600 training images: a run takes a moment
    client = app_with(raw).test_client()
    assert client.get("/api/train/events").status_code == 404  # nothing started yet
    settings = {"hidden": 16, "epochs": 2, "lr": 0.1, "optimizer": "adam", "seed": 3, "augment": False}
    r = client.post("/api/train", json=settings)
    assert r.status_code == 202, r.get_json()
    defaults = {"activation": "relu", "loss": "cross-entropy", "augment": "none", "train_images": 600}
    assert r.get_json()["settings"] == {**settings, **defaults, "hidden": [16]}  # one number: one layer
    stream = list(events(client))
    ids, kinds = [i for i, _ in stream], [e["kind"] for _, e in stream]
    assert ids == list(range(len(stream)))
    # 570 training images in batches of 128: 5 batches; updates after batch 1 (epoch 1 only) and 5
    assert kinds == ["start", "batch", "batch", "epoch", "batch", "epoch", "end"]
    assert {k: stream[0][1][k] for k in ("hidden", "activation", "can_die")} == {
        "hidden": [16],
        "activation": "relu",
        "can_die": True,
    }
    updates = [e for _, e in stream if e["kind"] in ("batch", "epoch")]
    for e in updates:
        assert EVENT_FIELDS <= set(e) and e["done"] is False and e["epochs"] == 2
        assert 0 <= e["dead_units"] <= 16 and 0 <= e["train_acc"] <= 1 and np.isfinite(e["loss"])
        assert e["dead_per_layer"] == [e["dead_units"]]
        if "tiles" in e:  # a reader that falls behind gets only the newest tiles; the last update has them
            assert decode(e["tiles"]).shape == (4 * 30 - 2, 4 * 30 - 2, 3)  # 16 units: 4 × 4 tiles + gaps
    assert "tiles" in updates[-1]
    where = [(e["epoch"], e["batch"], e["batches"]) for e in updates]
    assert where == [(1, 1, 5), (1, 5, 5), (1, 5, 5), (2, 5, 5), (2, 5, 5)]
    end = stream[-1][1]
    assert end["done"] is True and end["reason"] == "done" and end["served"] is True
    assert end["model"] == client.get("/api/model").get_json()
    assert end["model"]["source"] == "trained on this page" and end["model"]["hidden"] == [16]
    assert end["model"]["sizes"] == [784, 16, 10] and end["model"]["name"].startswith("784-16-10, 2 epochs")
    # The last epoch's tiles are the final weights W1[:, j]: red where positive, blue where negative.
    download = tmp_path / "trained.npz"
    download.write_bytes(client.get("/api/model/download").data)
    config, state = checkpoint.load(str(download))  # a finished run downloads as a resumable checkpoint
    assert config.hidden == (16,) and config.optimizer == "adam" and state.epoch == 2
    tiles = decode(updates[-1]["tiles"]).astype(int)
    w = state.params["W1"][:, 0].reshape(28, 28)
    strong = np.abs(w) > 0.5 * np.abs(w).max()
    red_wins = tiles[:28, :28, 0] > tiles[:28, :28, 2]
    np.testing.assert_array_equal(red_wins[strong], w[strong] > 0)
    _, meta, extra = modelfile.load(download)
    assert modelfile.read_detector(meta, extra) is not None  # the not-a-digit detector came along
    # replaying the stream later gives the same events, with only the newest tiles
    replay = list(events(client))
    assert [e["kind"] for _, e in replay] == kinds
    assert [i for i, (_, e) in enumerate(replay) if "tiles" in e] == [5]
    reconnected = events(client, {"Last-Event-ID": "4"})  # as the browser does after a lost connection
    assert [e["kind"] for _, e in reconnected] == ["epoch", "end"]


def test_a_deep_run_streams_every_layer_and_serves_its_own_net(tiny_data, tmp_path):
    """Two hidden layers of tanh with squared error, from the page: the events count dead units per
    layer (none: tanh units cannot die), the tiles show the first layer, and the Draw view and the
    download read with the same net."""
    raw = data.load("mnist", tiny_data)
    client = app_with(raw).test_client()
    settings = {"hidden": [16, 8], "activation": "tanh", "loss": "squared-error", "epochs": 1, "lr": 0.1}
    r = client.post("/api/train", json=settings)
    assert r.status_code == 202, r.get_json()
    assert {k: r.get_json()["settings"][k] for k in settings} == settings
    stream = [e for _, e in events(client)]
    assert [e["kind"] for e in stream] == ["start", "batch", "batch", "epoch", "end"]
    assert (stream[0]["hidden"], stream[0]["activation"], stream[0]["can_die"]) == ([16, 8], "tanh", False)
    for e in stream[1:4]:  # a tanh unit always has a slope: none is counted dead, in either layer
        assert EVENT_FIELDS <= set(e) and e["dead_per_layer"] == [0, 0] and e["dead_units"] == 0
    assert decode(stream[3]["tiles"]).shape == (4 * 30 - 2, 4 * 30 - 2, 3)  # the first layer's 16 units
    end = stream[-1]
    assert end["reason"] == "done" and end["served"] is True
    shape = {"sizes": [784, 16, 8, 10], "hidden": [16, 8], "activation": "tanh", "loss": "squared-error"}
    assert {k: end["model"][k] for k in shape} == shape and end["model"]["name"] == "784-16-8-10, 1 epoch"
    download = client.get("/api/model/download")
    assert 'filename="justnumpy-784-16-8-10.npz"' in download.headers["Content-Disposition"]
    (tmp_path / "deep.npz").write_bytes(download.data)
    net, params, _, _ = model.load(tmp_path / "deep.npz")
    assert (net.activation, net.loss_name) == ("tanh", "squared-error")
    config, state = checkpoint.load(str(tmp_path / "deep.npz"))  # resumable, at its depth
    assert (config.hidden, config.activation, config.loss, state.epoch) == (
        (16, 8),
        "tanh",
        "squared-error",
        1,
    )
    # the Draw view reads with the trained tanh network, layer by layer
    drawing = encode(draw_strokes(SEVEN))
    answer = client.post("/api/predict", data=drawing, headers={"Content-Type": "image/png"}).get_json()
    cache = mlp.forward(params, images.preprocess(drawing)[None, :], "tanh")
    for l, shown in enumerate(answer["hidden"], 1):
        np.testing.assert_allclose(shown, cache[f"A{l}"][0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(answer["probabilities"], cache["A3"][0], rtol=1e-5, atol=1e-6)


def test_the_docs_state_the_pages_limits():
    said = " ".join((REPO / "docs" / "your-digit.md").read_text().split())
    per_layer, in_all = trainer.MAX_HIDDEN, trainer.MAX_HIDDEN_UNITS
    limits = f"up to {MAX_HIDDEN_LAYERS} layers, {per_layer} units in a layer and {in_all} in all"
    assert limits in said and f"epochs (up to {trainer.MAX_EPOCHS})" in said


def test_the_form_offers_every_activation_and_loss():
    offered = app_with(None).test_client().get("/api/train").get_json()
    assert offered["activations"] == list(layers.ACTIVATIONS) and offered["losses"] == list(layers.LOSSES)
    assert (offered["max_hidden"], offered["max_hidden_units"]) == (
        trainer.MAX_HIDDEN,
        trainer.MAX_HIDDEN_UNITS,
    )


def test_second_training_is_409_the_page_answers_while_training_and_stop_ends_it(mnist_raw):
    client = app_with(mnist_raw).test_client()
    # With augmentation: the stop also ends the thread that distorts the next images.
    settings = {"hidden": 32, "epochs": 20, "train_images": 10_000, "augment": True}
    r = client.post("/api/train", json=settings)
    assert r.status_code == 202 and r.get_json()["settings"]["train_images"] == 10_000
    assert r.get_json()["settings"]["augment"] != "none"
    stream = events(client)
    seen = []
    for _, e in stream:
        seen.append(e)
        if e["kind"] == "batch":
            break  # training is under way: 20 epochs are far from over
    busy = client.post("/api/train", json={"hidden": 8})
    assert busy.status_code == 409 and busy.get_json()["code"] == "busy"
    drawing = encode(draw_strokes(SEVEN))
    answer = client.post("/api/predict", data=drawing, headers={"Content-Type": "image/png"})
    assert answer.status_code == 200 and [len(h) for h in answer.get_json()["hidden"]] == [8]  # the old model
    assert client.get("/api/train").get_json()["running"] is True
    assert client.post("/api/train/stop", json={}).status_code == 202
    seen += [e for _, e in stream]
    end = seen[-1]
    assert end["kind"] == "end" and end["done"] and end["reason"] == "stopped" and end["served"] is True
    assert end["epoch"] < 20 and sum(e["kind"] == "epoch" for e in seen) == end["epoch"]
    assert client.get("/api/model").get_json()["hidden"] == [32]  # what it had learned is served
    assert client.get("/api/train").get_json()["running"] is False
    again = client.post("/api/train/stop", json={})
    assert again.status_code == 409 and again.get_json()["code"] == "not_running"


def test_the_doctors_hints_reach_the_stream(tiny_data):
    raw = data.load("mnist", tiny_data)
    client = app_with(raw).test_client()
    assert client.post("/api/train", json={"hidden": 16, "epochs": 2, "lr": 1e-6}).status_code == 202
    hints = [(e["kind"], hint) for _, e in events(client) for hint in e.get("hints", [])]
    assert len(hints) == 1 and hints[0][0] == "epoch"  # a learning rate far too small: at chance
    assert "about what guessing gives" in hints[0][1]
    # a hint said at a batch between two updates comes with the next update
    run = trainer.Run(train.Config(hidden=8), raw, None, on_end=dict)
    batch = {"kind": "batch", "epoch": 1, "epochs": 5, "batches": 100, "loss": 2.3, "train_acc": 0.1}
    for b in range(1, 26):
        run.listen({**batch, "batch": b, "hints": ["the loss rose"] if b == 7 else []})
    assert [(e["batch"], e["hints"]) for e in run.events] == [(1, []), (25, ["the loss rose"])]


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"not json", 400),
        (b"[1, 2]", 400),
        (b'{"hidden": 64, "colour": "red"}', 422),
        (b'{"hidden": 2000}', 422),
        (b'{"hidden": 0}', 422),
        (b'{"hidden": "64"}', 422),
        (b'{"epochs": 21}', 422),
        (b'{"epochs": 0}', 422),
        (b'{"lr": -1}', 422),
        (b'{"lr": true}', 422),
        (b'{"optimizer": "rmsprop"}', 422),
        (b'{"augment": "yes"}', 422),
        (b'{"train_images": 999}', 422),
        (b'{"seed": -1}', 422),
        (b'{"hidden": null}', 422),
        (b'{"augment": null}', 422),
        (b'{"hidden": {"layers": 2}}', 422),
        (b'{"activation": null}', 422),
    ],
)
def test_bad_settings_are_refused_with_a_reason(body, status):
    client = app_with(None).test_client()
    r = client.post("/api/train", data=body, headers={"Content-Type": "application/json"})
    assert r.status_code == status, r.get_json()
    assert r.get_json()["error"] and r.get_json()["code"] in ("bad_json", "bad_settings")


@pytest.mark.parametrize(
    ("settings", "says"),
    [
        ({"hidden": [0]}, "each hidden layer must have 1 to"),
        ({"hidden": [64, 0]}, "each hidden layer must have 1 to"),
        ({"hidden": []}, "hidden needs at least one layer"),
        ({"hidden": [8] * 50}, "at most 10 hidden layers, got 50"),
        ({"hidden": [1] * 400_000}, "at most 10 hidden layers, got 400000"),
        ({"hidden": [100_000] * 10}, "weights, more than"),  # refused before any weight is made
        ({"hidden": [2000]}, "up to 1024 units in a hidden layer, 2048 in all"),
        ({"hidden": [1024, 1024, 1]}, "up to 1024 units in a hidden layer, 2048 in all"),
        ({"hidden": [64, "32"]}, "must be a list of whole numbers"),
        ({"hidden": [64.0]}, "must be a list of whole numbers"),
        ({"hidden": [True]}, "must be a list of whole numbers"),
        ({"hidden": "128,64"}, "hidden must be a list of whole numbers, one per hidden layer, got '128,64'"),
        ({"activation": "softplus"}, "unknown activation 'softplus'"),
        ({"activation": 3}, "activation must be a text, got 3"),
        ({"loss": "hinge"}, "unknown loss 'hinge'"),
        ({"optimizer": "x" * 100_000}, "unknown optimizer 'xxx"),
    ],
)
def test_settings_that_make_no_sense_say_why_briefly(settings, says):
    """Nonsense hidden layers, activations and losses: 422 with Config.validate's reason or the page's
    limit, in a short answer whatever was sent, and no training started."""
    client = app_with(None).test_client()
    r = client.post("/api/train", json=settings)
    assert r.status_code == 422 and r.get_json()["code"] == "bad_settings"
    assert says in r.get_json()["error"] and len(r.get_json()["error"]) <= 300
    assert client.get("/api/train").get_json()["running"] is False


def test_without_training_data_the_server_says_so():
    client = web.create_app(network.init_params(n_hidden=8)).test_client()
    r = client.post("/api/train", json={"epochs": 1})
    assert r.status_code == 503 and r.get_json()["code"] == "no_data"
    assert client.get("/api/train").get_json()["defaults"]["hidden"] == list(trainer.DEFAULTS.hidden)

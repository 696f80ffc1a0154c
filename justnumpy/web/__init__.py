"""The page of `justnumpy serve`: a small Flask app around the project's own network, of any depth.

Two views: Draw (this module's routes, and "teach it", teach.py) and Train (train_routes.py,
trainer.py). The model both read and replace is served.py's; its own net computes it (network.py
for 784-256-10 with ReLU and cross-entropy, an mlp.Net for any other depth, activation or loss).

    GET  /              the page (static/index.html, app.js, train.js, style.css, in the package)
    GET  /api/model     the model the Draw view reads: {"name", "sizes" ([784, ..., 10]), "hidden" (the
                        hidden layers' sizes), "activation", "loss", "accuracy", "source", "detector"}
    POST /api/predict   body: the drawing as PNG bytes (Content-Type: image/png; other formats are 400)
                        200 → {"digit", "probabilities" (10), "input" (28×28), "hidden" (one list of
                               activations per hidden layer), "fired" (per hidden layer: units with Z > 0),
                               "stages": {"ink", "crop", "scaled", "field"} (PNG data URLs),
                               "not_a_digit" (bool, null without a detector), "novelty_score",
                               "novelty_threshold"}
                        4xx → {"error": "...", "code": "..."}; a blank drawing is 422 "no_digit"
    POST /api/teach?label=Y[&lr=R][&apply=1]
                        body: the drawing as PNG. One backward pass and one SGD step on it with
                        true digit Y (teach.py): loss before and after, the output layer's dZL,
                        the first hidden layer's most blamed units, and "model" (as GET /api/model
                        says it: the page names the layers A1 ... AL from its sizes). The served
                        model changes only with apply=1.

The page only draws; the image goes through images.preprocess and the model's net.forward in
Python, exactly as `justnumpy predict` does, so what the page shows is what the command line computes.
The Train view's routes (POST /api/train, GET /api/train/events, ...) are listed in train_routes.py.
Every request passes guard.py first: the page's own origin and host only, each POST with its
route's content type (image/png above, application/json everywhere else).
"""

from __future__ import annotations

import base64
import io
import math
import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from flask import Flask, jsonify, request, send_from_directory
from PIL import Image
from werkzeug.exceptions import HTTPException

from justnumpy import model as models
from justnumpy import network, novelty
from justnumpy.errors import ImageError, NoDigitError
from justnumpy.files import images
from justnumpy.web import guard, teach
from justnumpy.web.served import Model, Served, model_from_file
from justnumpy.web.train_routes import add_training_routes

__all__ = ["Model", "create_app", "model_from_file"]

STATIC = Path(__file__).parent / "static"
MAX_BYTES = 2 * 1024 * 1024  # a 280×280 drawing is a few kB; anything near 2 MB is not one
MAX_TEACH_LR = 10.0  # a single step larger than this only shows a blow-up
DECODING = threading.BoundedSemaphore(2)  # drawings decoded at once, whatever the number of requests


def create_app(
    model: Model | network.Params,
    model_name: str = "model",
    training_data: Callable[[], tuple[np.ndarray, ...]] | None = None,
    host: str = "127.0.0.1",
) -> Flask:
    """A Flask app that classifies drawings with `model` (a Model, or bare params W1 b1 ... WL bL).

    `training_data()` returns MNIST as data.load does, for the Train view; it is called once, at
    the first training. Without it, POST /api/train answers 503. `host` is the address the server
    listens on: requests must name it, localhost or an IP address (guard.py).
    """
    if not isinstance(model, Model):
        model = Model(params=model, name=model_name)
    served = Served(model)
    app = Flask(__name__, static_folder=str(STATIC), static_url_path="/static")
    app.extensions["justnumpy"] = served
    # only the page's own requests reach the routes; drawings come as PNG, everything else as JSON
    guard.install(app, _error, MAX_BYTES, host, body_types={"predict": "image/png", "teach_it": "image/png"})
    add_training_routes(app, served, training_data, _error)

    @app.get("/")
    def index():
        return send_from_directory(STATIC, "index.html")

    @app.get("/api/model")
    def model_info():
        return jsonify(served.model.describe())

    @app.post("/api/predict")
    def predict():
        stages = _drawing_stages()
        if not isinstance(stages, dict):
            return stages  # an error answer
        m = served.model  # one consistent model for this request
        x = stages["field"].reshape(images.SIDE * images.SIDE)  # (784,) in [0, 1]
        X = x[None, :].astype(m.params["W1"].dtype)  # (1, 784): a batch of one
        cache = m.net.forward(m.params, X)  # Z1 A1 ... ZL AL
        probabilities = models.output(cache)[0]  # (10,)
        score = float(novelty.score(m.detector, m.params, X, m.net)[0]) if m.detector is not None else None
        threshold = float(m.detector["threshold"]) if m.detector is not None else None
        return jsonify(
            {
                "digit": int(probabilities.argmax()),
                "probabilities": probabilities.astype(float).tolist(),
                "input": np.round(x.reshape(images.SIDE, images.SIDE), 4).astype(float).tolist(),
                "hidden": [A[0].astype(float).tolist() for A in models.hidden(cache)],  # (n_l,) per layer
                "fired": [int((cache[f"Z{l}"][0] > 0).sum()) for l in range(1, models.depth(cache))],
                "stages": {k: _png_data_url(v) for k, v in stages.items()},
                "not_a_digit": None if score is None else score > threshold,
                "novelty_score": score,
                "novelty_threshold": threshold,
            }
        )

    @app.post("/api/teach")
    def teach_it():
        m = served.model
        try:
            y = int(request.args.get("label", ""))
            lr = float(request.args.get("lr", m.lr))
        except ValueError:
            return _error(
                400, "bad_label", "give the true digit as ?label=0..9 (and lr, if any, as a number)"
            )
        if not 0 <= y <= 9:
            return _error(400, "bad_label", f"the true digit must be 0 to 9, got {y}")
        if not (math.isfinite(lr) and 0 < lr <= MAX_TEACH_LR):
            return _error(
                400, "bad_lr", f"the learning rate must be > 0 and at most {MAX_TEACH_LR:g}, got {lr}"
            )
        stages = _drawing_stages()
        if not isinstance(stages, dict):
            return stages
        x = stages["field"].reshape(images.SIDE * images.SIDE)
        step = teach.one_step(m.net, m.params, x, y, lr)
        applied = request.args.get("apply") in ("1", "true")
        taught = replace(m, params=step["stepped"], source="taught on this page", accuracy=None)  # unmeasured
        if applied and not served.swap(taught, m):
            return _error(
                409, "model_changed", "the model changed meanwhile (a training ended); draw and teach again"
            )
        blamed = [_unit(m.params, step, int(j)) for j in step["blamed"]]
        return jsonify(
            {
                "label": y,
                "lr": lr,
                "applied": applied,
                "model": m.describe(),  # the model taught: its sizes name the layers, A1 ... AL
                "guess": int(step["output"].argmax()),
                "probabilities": step["output"].astype(float).tolist(),  # AL (10,)
                "loss": float(step["loss"]),
                "dZ_output": step["dZ_output"].astype(float).tolist(),  # dZL (10,)
                "fired": step["fired"],  # first hidden layer units with Z1 > 0
                "blamed": blamed,
                "probabilities_after": step["output_after"].astype(float).tolist(),
                "loss_after": float(step["loss_after"]),
            }
        )

    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException):
        # 404, 405, 413 (MAX_CONTENT_LENGTH), ...: JSON like every other answer, no HTML page.
        message = e.description or e.name
        if e.code == 413:
            message = f"the request is larger than {MAX_BYTES // 2**20} MB; a drawing is a few kB"
        return _error(e.code or 400, e.name.lower().replace(" ", "_"), message)

    @app.errorhandler(Exception)
    def unexpected(e: Exception):
        app.logger.exception("unexpected error")  # the traceback goes to the server's log only
        return _error(500, "internal", "internal error; see the server's log")

    return app


def _unit(params: network.Params, step: dict[str, Any], j: int) -> dict[str, Any]:
    """One blamed unit of the first hidden layer: its dZ1, dA1, A1 and its 784 input weights W1[:, j]."""
    weights = np.round(params["W1"][:, j], 4).astype(float).tolist()  # (784,): shown as a 28×28 tile
    return {
        "unit": j,
        "dZ1": float(step["dZ1"][j]),
        "dA1": float(step["dA1"][j]),
        "A1": float(step["A1"][j]),
        "weights": weights,
    }


def _drawing_stages():
    """The request's PNG body through images.stages, or the error answer to return."""
    body = request.get_data(cache=False)  # image/png, at most MAX_BYTES: guard.py checked
    if not body:
        return _error(400, "empty", "the request body is empty; send the drawing as PNG bytes")
    try:
        with DECODING:  # a PNG can be small and still take up to images.MAX_DECODE_BYTES to decode
            return images.stages(body, name="drawing", formats=("PNG",))  # ink, crop, scaled, field
    except NoDigitError as e:
        return _error(422, "no_digit", str(e))
    except ImageError as e:
        return _error(400, "bad_image", str(e))


def _png_data_url(picture: np.ndarray) -> str:
    """A gray picture (h, w) in [0, 1] → a data: URL of its PNG, for an <img> on the page."""
    buffer = io.BytesIO()
    Image.fromarray((np.clip(picture, 0, 1) * 255).round().astype(np.uint8)).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _error(status: int, code: str, message: str):
    return jsonify({"error": message, "code": code}), status

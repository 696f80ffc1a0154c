"""The draw-a-digit page: a small Flask app around the project's own network.

    GET  /              the page (static/index.html, app.js, style.css, shipped in the package)
    POST /api/predict   body: the drawing as PNG bytes (Content-Type: image/png)
                        200 → {"digit", "probabilities" (10), "input" (28×28), "hidden" (H)}
                        4xx → {"error": "...", "code": "..."}; a blank drawing is 422 "no_digit"

The page only draws; the image goes through images.preprocess and network.forward in Python,
exactly as `justnumpy predict` does, so what the page shows is what the command line computes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from flask import Flask, jsonify, request, send_from_directory
from werkzeug.exceptions import HTTPException

from justnumpy import network
from justnumpy.errors import ImageError, NoDigitError
from justnumpy.files import images

STATIC = Path(__file__).parent / "static"
MAX_BYTES = 2 * 1024 * 1024  # a 280×280 drawing is a few kB; anything near 2 MB is not one


def create_app(params: network.Params, model_name: str = "model") -> Flask:
    """A Flask app that classifies drawings with `params` (W1 b1 W2 b2)."""
    app = Flask(__name__, static_folder=str(STATIC), static_url_path="/static")
    app.config["MAX_CONTENT_LENGTH"] = MAX_BYTES  # bigger bodies are refused with 413 before reading

    @app.get("/")
    def index():
        return send_from_directory(STATIC, "index.html")

    @app.get("/api/model")
    def model_info():
        return jsonify({"name": model_name, "hidden": int(params["W1"].shape[1])})

    @app.post("/api/predict")
    def predict():
        if request.mimetype != "image/png":
            return _error(415, "unsupported_type", f"send the drawing as image/png, not {request.mimetype!r}")
        body = request.get_data(cache=False)
        if not body:
            return _error(400, "empty", "the request body is empty; send the drawing as PNG bytes")
        try:
            x = images.preprocess(body, name="drawing")  # (784,) in [0, 1]
        except NoDigitError as e:
            return _error(422, "no_digit", str(e))
        except ImageError as e:
            return _error(400, "bad_image", str(e))
        cache = network.forward(params, x[None, :].astype(params["W1"].dtype))  # Z1 A1 Z2 A2, batch of 1
        probabilities = cache["A2"][0]  # (10,)
        return jsonify(
            {
                "digit": int(probabilities.argmax()),
                "probabilities": probabilities.astype(float).tolist(),
                "input": np.round(x.reshape(images.SIDE, images.SIDE), 4).astype(float).tolist(),
                "hidden": cache["A1"][0].astype(float).tolist(),  # (H,) ReLU activations
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


def _error(status: int, code: str, message: str):
    return jsonify({"error": message, "code": code}), status

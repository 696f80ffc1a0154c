"""The Train view's HTTP API (the events themselves are described in trainer.py):

    GET  /api/train          {"running", "defaults", "optimizers", "activations", "losses", "max_hidden",
                             "max_hidden_units", "max_hidden_layers", "max_epochs", ...}
    POST /api/train          JSON settings → 202 {"started": true, "settings"}; a second training while one
                             runs → 409 "busy"; bad JSON → 400; settings out of range → 422 "bad_settings";
                             no MNIST on this machine → 503 "no_data"
    GET  /api/train/events   Server-Sent Events of the latest run, from its first event (or after the
                             Last-Event-ID the browser sends when it reconnects); the stream ends after
                             the event with "done": true. 404 "no_training" before any run.
    POST /api/train/stop     {} as JSON → 202 {"stopping": true}; 409 "not_running" when nothing runs
    GET  /api/model/download the served model as a .npz model file

When a run ends (finished or stopped), its weights and their not-a-digit detector become the
model the Draw view reads, unless nothing was learned (stopped before the first batch) or it
diverged.
"""

from __future__ import annotations

import json
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from flask import Flask, Response, jsonify, request

from justnumpy import data, train
from justnumpy.errors import JustNumpyError
from justnumpy.web import trainer
from justnumpy.web.served import Model, Served, write_model

KEEP_ALIVE = 15  # seconds between SSE comments while nothing happens, so a closed page is noticed


def add_training_routes(
    app: Flask, served: Served, training_data: Callable[[], tuple[np.ndarray, ...]] | None, error
) -> None:
    """Add the Train view's routes to `app`; `training_data()` returns MNIST as data.load does."""
    lock = threading.Lock()  # one training at a time: starting one is checked and done under it
    runs: list[trainer.Run] = []  # the latest is runs[-1]
    cached: list[tuple[np.ndarray, ...]] = []  # MNIST, loaded at the first training

    def finish(run: trainer.Run) -> dict[str, Any]:
        """Serve what the run learned; return what the "end" event tells the page about it."""
        state = run.state
        if state.step == 0 or run.reason in ("diverged", "failed"):
            return {"model": served.model.describe(), "served": False}
        X_test, y_test = data.to_inputs(run.raw[2]), run.raw[3]
        accuracy = train.accuracy(run.net, state.params, X_test, y_test)  # of the weights as they are now
        epochs = f"{state.epoch} epoch{'s' * (state.epoch != 1)}" + (" and a part" if state.batch else "")
        name = f"{'-'.join(map(str, run.config.sizes))}, {epochs}"
        source, lr = "trained on this page", run.config.lr
        model = Model(state.params, state.detector, name, source, accuracy, lr, run=run, net=run.net)
        served.swap(model)
        return {"model": model.describe(), "served": True, "test_acc": accuracy}

    @app.get("/api/train")
    def training_status():
        running = bool(runs) and not runs[-1].finished
        return jsonify({"running": running, **trainer.settings_help()})

    @app.post("/api/train")
    def start_training():
        try:
            body = json.loads(request.get_data(cache=False) or b"null")
        except (ValueError, RecursionError):  # not JSON, or nested too deep to parse
            return error(400, "bad_json", "send the settings as a JSON object")
        try:
            config, n_images = trainer.parse_settings(body)
        except trainer.SettingsError as e:
            return error(e.status, "bad_settings", str(e))
        with lock:
            if runs and not runs[-1].finished:
                message = "a training is already running; stop it first (POST /api/train/stop)"
                return error(409, "busy", message)
            if training_data is None:
                return error(503, "no_data", "this server was started without training data")
            try:
                if not cached:
                    cached.append(training_data())
            except JustNumpyError as e:
                return error(503, "no_data", str(e))
            run = trainer.Run(config, cached[0], n_images, finish)
            runs[:] = [run]  # a finished run lives on only in the model it made, if that is served
            used = len(run.raw[1])  # read now: a finished run lets go of its images
            run.start()
        chosen = ("hidden", "activation", "loss", "lr", "epochs", "optimizer", "augment", "seed")
        settings = {**{k: getattr(config, k) for k in chosen}, "train_images": used}
        return jsonify({"started": True, "settings": settings}), 202

    @app.post("/api/train/stop")
    def stop_training():
        if not runs or runs[-1].finished:
            return error(409, "not_running", "no training is running")
        runs[-1].stop()
        return jsonify({"stopping": True}), 202

    @app.get("/api/train/events")
    def training_events():
        if not runs:
            return error(404, "no_training", "no training has been started on this server")
        run = runs[-1]
        first = resume_at(request.headers.get("Last-Event-ID"), len(run.events))

        def stream():
            n = first
            while True:
                events, finished = run.events_from(n, KEEP_ALIVE)
                if not events and not finished:
                    yield ": still training\n\n"  # a comment: writing it fails once the page is gone
                for event in events:
                    yield f"id: {n}\ndata: {json.dumps(event)}\n\n"
                    n += 1
                if finished and n >= len(run.events):
                    return

        headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
        return Response(stream(), mimetype="text/event-stream", headers=headers)

    @app.get("/api/model/download")
    def download_model():
        model = served.model
        name = f"justnumpy-{'-'.join(map(str, model.sizes))}.npz"
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / name
            write_model(path, model)
            body = path.read_bytes()
        headers = {"Content-Disposition": f'attachment; filename="{name}"'}
        return Response(body, mimetype="application/octet-stream", headers=headers)


def resume_at(last_event_id: str | None, count: int) -> int:
    """The first event to send a page that reconnects: the one after its Last-Event-ID, no further
    than the `count` events there are; the first one when the header is missing or not a number."""
    text = (last_event_id or "").strip()
    if not (text.isascii() and text.isdigit()):
        return 0
    return min(int(text) + 1, count) if len(text) < 10 else count

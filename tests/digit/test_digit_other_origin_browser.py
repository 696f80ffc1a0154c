"""Another page in the same browser (Chromium, Playwright) tries to drive the page's API: served from
a second local port, it posts with fetch in no-cors mode and with forms, to start and to stop a
training, and fetches /api/model. Nothing starts, nothing stops, nothing is read."""

from __future__ import annotations

import threading

import pytest
from flask import Flask, request

from justnumpy import data, network, web
from tests.digit.digit_helpers import served

SETTINGS = '{"hidden": 8, "epochs": 20}'
ATTACKER = """<!doctype html>
<title>another page</title>
<script>
const target = "TARGET";
const settings = 'SETTINGS';

// A no-cors fetch needs no preflight: the browser sends it, drops the JSON content type, hides the answer.
async function post(path, body, type) {
  try {
    const options = {method: "POST", mode: "no-cors", headers: {"Content-Type": type}, body};
    const r = await fetch(target + path, options);
    return `${path}: ${r.type}`;
  } catch (e) {
    return `${path}: ${e}`;
  }
}

// A form posts anything as text/plain, form-urlencoded or multipart; it cannot read the answer.
function form(path, enctype, name, value) {
  const frame = document.createElement("iframe");
  frame.name = `sink-${Math.random()}`;
  document.body.appendChild(frame);
  const f = document.createElement("form");
  Object.assign(f, {method: "POST", action: target + path, enctype, target: frame.name});
  const field = Object.assign(document.createElement("input"), {type: "hidden", name, value});
  f.appendChild(field);
  document.body.appendChild(f);
  f.submit();
}

async function start() {
  const answers = [await post("/api/train", settings, "application/json")];
  answers.push(await post("/api/train", settings, "text/plain"));
  form("/api/train", "text/plain", settings.slice(0, -1) + ', "x": "', '"}');  // the body: {..., "x": "="}
  return answers;
}

async function stop() {
  const answers = [await post("/api/train/stop", "{}", "application/json")];
  form("/api/train/stop", "application/x-www-form-urlencoded", "stop", "1");
  return answers;
}

async function read() {
  const answers = [];
  for (const mode of ["cors", "no-cors"]) {
    try {
      const r = await fetch(target + "/api/model", {mode});
      answers.push(`${mode}: ${r.type} ${JSON.stringify(await r.text())}`);
    } catch (e) {
      answers.push(`${mode}: ${e}`);
    }
  }
  return answers;
}
</script>
"""


@pytest.mark.parametrize("other", ["127.0.0.1", "localhost"], ids=["same-site-port", "cross-site"])
def test_another_page_cannot_start_stop_or_read(browser, tiny_data, held_runs, other):
    raw = data.load("mnist", tiny_data)
    app = web.create_app(network.init_params(n_hidden=8, seed=1), "start.npz", training_data=lambda: raw)
    seen: list[tuple[str, str, int]] = []  # every request the page's server answered, and how
    changed = threading.Condition()

    @app.after_request
    def record(response):
        with changed:
            seen.append((request.method, request.path, response.status_code))
            changed.notify_all()
        return response

    def answered(method: str, path: str, count: int) -> list[int]:
        """The statuses of the first `count` such requests, once the server has answered them."""
        with changed:
            assert changed.wait_for(lambda: len([s for s in seen if s[:2] == (method, path)]) >= count, 60)
            return [status for m, p, status in seen if (m, p) == (method, path)][:count]

    client = app.test_client()  # the test's own look at the server: no Origin, its own Host
    target = {}
    attacker = Flask("attacker")
    attacker.add_url_rule(
        "/", "page", lambda: ATTACKER.replace("TARGET", target["url"]).replace("SETTINGS", SETTINGS)
    )
    with served(app) as url, served(attacker, host=other) as other_url:
        target["url"] = url
        page = browser.new_page()
        try:
            page.goto(other_url)
            # start: two no-cors fetches and a form; all reach the server, all are refused
            tried = page.evaluate("() => start()")
            assert answered("POST", "/api/train", 3) == [403, 403, 403]
            assert tried == ["/api/train: TypeError: Failed to fetch"] * 2  # not even an opaque answer
            assert client.get("/api/train").get_json()["running"] is False
            assert client.get("/api/train/events").status_code == 404  # nothing started

            # stop: a run the learner started, held at its second batch, outlives a fetch and a form
            assert client.post("/api/train", json={"hidden": 8, "epochs": 20}).status_code == 202
            tried = page.evaluate("() => stop()")
            assert answered("POST", "/api/train/stop", 2) == [403, 403]
            assert tried == ["/api/train/stop: TypeError: Failed to fetch"]
            held_runs.set()
            stream = client.get("/api/train/events", buffered=False).response
            events = "".join(chunk.decode() for chunk, _ in zip(stream, range(8), strict=False))
            assert '"kind": "epoch"' in events and '"kind": "end"' not in events  # it trains on

            # read: the server refuses both; the browser fails both, as it would have the CORS fetch
            # anyway (no Access-Control-Allow-Origin) and the no-cors one (Cross-Origin-Resource-Policy)
            tried = page.evaluate("() => read()")
            assert answered("GET", "/api/model", 2) == [403, 403]
            assert tried == [f"{mode}: TypeError: Failed to fetch" for mode in ("cors", "no-cors")]
        finally:
            page.close()
            client.post("/api/train/stop", json={})

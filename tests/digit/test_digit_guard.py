"""The page's API answers its own page only (web/guard.py): what another origin, a rebinding DNS
name, a wrong content type or an oversized body get, and that nothing starts, stops or is read."""

from __future__ import annotations

import gc
import http.client
import itertools
import json
import os
import re
import select
import socket
import subprocess
import sys
import threading
import weakref
from urllib.parse import urlsplit

import pytest

from justnumpy import data, network, web
from justnumpy.web import guard, trainer
from justnumpy.web.train_routes import resume_at
from tests.digit.digit_helpers import SEVEN, draw_strokes, encode, events, served
from tests.helpers import REPO

SETTINGS = {"hidden": 8, "epochs": 2, "seed": 1}  # 600 tiny images: a run of a moment


@pytest.fixture
def app(tiny_data):
    """An app that can train: a request that got through would start a run."""
    raw = data.load("mnist", tiny_data)
    return web.create_app(network.init_params(n_hidden=8, seed=1), "start.npz", training_data=lambda: raw)


def nothing_started(client) -> bool:
    return (
        client.get("/api/train").get_json()["running"] is False
        and client.get("/api/train/events").status_code == 404
    )


def stream(client, headers=None, limit: int = 1000) -> list[tuple[int, dict]]:
    """The event stream to its end, or its first `limit` events."""
    return list(itertools.islice(events(client, headers), limit))


def refused(response, status: int, code: str) -> None:
    assert response.status_code == status, (response.status_code, response.data[:200])
    assert response.is_json and response.get_json()["code"] == code and response.get_json()["error"]


# ---- another origin ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "origin", ["http://evil.example", "null", "http://127.0.0.1:9999", "https://localhost"]
)
def test_a_request_from_another_origin_is_403_and_changes_nothing(app, origin):
    client = app.test_client()
    evil = {"Origin": origin}
    refused(client.post("/api/train", json=SETTINGS, headers=evil), 403, "cross_origin")
    refused(client.get("/api/model", headers=evil), 403, "cross_origin")
    refused(client.get("/api/model/download", headers=evil), 403, "cross_origin")
    drawing = encode(draw_strokes(SEVEN))
    teach = client.post("/api/teach?label=1&apply=1", data=drawing, content_type="image/png", headers=evil)
    refused(teach, 403, "cross_origin")
    assert nothing_started(client)
    assert client.get("/api/model").get_json()["source"] == "file"  # not taught either
    # the page's own origin is let through: the same start trains
    own = {"Origin": "http://localhost"}  # the test client's Host is localhost
    assert client.post("/api/train", json=SETTINGS, headers=own).status_code == 202
    stream(client)  # to the end of the run


def test_a_stop_from_another_origin_does_not_stop(app, held_runs, monkeypatch):
    stopped = threading.Event()  # and held again in epoch 2, until the page's own stop is in
    listen = trainer.Run.listen  # held_runs' hold at the second batch

    def held_again(self, event):
        if event["kind"] == "batch" and (event["epoch"], event["batch"]) == (2, 1):
            stopped.wait(120)
        listen(self, event)

    monkeypatch.setattr(trainer.Run, "listen", held_again)
    client = app.test_client()
    assert client.post("/api/train", json={**SETTINGS, "epochs": 20}).status_code == 202
    run = events(client)
    assert [next(run)[1]["kind"] for _ in range(2)] == ["start", "batch"]  # now held at its second batch
    evil = {"Origin": "http://evil.example"}
    refused(client.post("/api/train/stop", json={}, headers=evil), 403, "cross_origin")
    refused(client.post("/api/train/stop", data=b"{}", content_type="text/plain"), 415, "unsupported_type")
    held_runs.set()
    assert next(run)[1]["kind"] == "batch"  # it trains on: nothing asked it to stop
    assert client.post("/api/train/stop", json={}).status_code == 202  # the page's own stop
    stopped.set()
    end = [e for _, e in run][-1]
    assert end["kind"] == "end" and end["reason"] == "stopped" and end["epoch"] < 20


@pytest.mark.parametrize("site", ["cross-site", "same-site"])
def test_sec_fetch_site_of_another_site_is_403_except_following_a_link(app, site):
    client = app.test_client()
    fetch = {"Sec-Fetch-Site": site, "Sec-Fetch-Mode": "no-cors", "Sec-Fetch-Dest": "empty"}
    refused(client.post("/api/train", json=SETTINGS, headers=fetch), 403, "cross_origin")
    refused(client.get("/api/model", headers=fetch), 403, "cross_origin")
    refused(client.get("/static/app.js", headers={**fetch, "Sec-Fetch-Dest": "script"}), 403, "cross_origin")
    framed = {"Sec-Fetch-Site": site, "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "iframe"}
    refused(client.get("/", headers=framed), 403, "cross_origin")
    form = {"Sec-Fetch-Site": site, "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document"}
    refused(client.post("/api/train", json=SETTINGS, headers=form), 403, "cross_origin")  # a form's POST
    assert nothing_started(client)
    link = client.get("/", headers=form)  # a link to the page from elsewhere opens it
    assert link.status_code == 200 and b'<canvas id="pad"' in link.data
    refused(client.get("/api/model/download", headers=form), 403, "cross_origin")  # no model downloaded
    for own in ("same-origin", "none"):  # the page's own requests; an address typed or bookmarked
        assert client.get("/api/model", headers={"Sec-Fetch-Site": own}).status_code == 200


# ---- content types ----------------------------------------------------------------------------------

FORM_TYPES = ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", None]


@pytest.mark.parametrize("content_type", FORM_TYPES, ids=["text", "urlencoded", "multipart", "none"])
def test_what_a_form_or_no_cors_fetch_can_send_is_415_on_every_route_that_changes_something(
    app, content_type
):
    client = app.test_client()
    headers = {"Content-Type": content_type} if content_type else {}
    body = json.dumps(SETTINGS).encode()
    for path in ("/api/train", "/api/train/stop", "/api/predict", "/api/teach?label=7&apply=1"):
        refused(client.post(path, data=body, headers=headers), 415, "unsupported_type")
    assert nothing_started(client)
    # each route's own type: JSON for training, PNG for drawings
    refused(client.post("/api/train", data=body, content_type="image/png"), 415, "unsupported_type")
    refused(client.post("/api/predict", data=body, content_type="application/json"), 415, "unsupported_type")
    assert client.post("/api/train/stop", json={}).status_code == 409  # got through: nothing to stop


# ---- DNS rebinding -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "listen", "status"),
    [
        ("localhost:8000", "127.0.0.1", 200),
        ("127.0.0.1:8000", "127.0.0.1", 200),
        ("[::1]:8000", "127.0.0.1", 200),
        ("LOCALHOST", "127.0.0.1", 200),
        ("192.168.1.20:8000", "0.0.0.0", 200),  # an address cannot be re-pointed
        ("mybox.lan:8000", "mybox.lan", 200),  # the name given to --host
        ("evil.example:8000", "127.0.0.1", 421),
        ("localhost.evil.example", "127.0.0.1", 421),
        ("127.0.0.1.nip.io:8000", "127.0.0.1", 421),
        ("mybox.lan:8000", "0.0.0.0", 421),
        ("evil.example", "mybox.lan", 421),
        ("[::1", "127.0.0.1", 421),
        ("localhost:http", "127.0.0.1", 421),
    ],
)
def test_the_host_header_must_name_this_server(tiny_data, host, listen, status):
    raw = data.load("mnist", tiny_data)
    app = web.create_app(network.init_params(n_hidden=8), training_data=lambda: raw, host=listen)
    client = app.test_client()
    headers = {"Host": host}
    for path in ("/", "/api/model", "/api/model/download"):
        r = client.get(path, headers=headers)
        assert r.status_code == status, (path, r.status_code)
        if status == 421:
            refused(r, 421, "wrong_host")
            assert b"PK" not in r.data[:4]  # no model file in the answer
    r = client.post("/api/train", json=SETTINGS, headers=headers)
    assert r.status_code == (202 if status == 200 else 421)
    if status == 200:
        stream(client)
    else:
        assert nothing_started(client)


def test_host_names():
    assert guard.host_name("LocalHost:8000") == "localhost"
    assert guard.host_name("[::1]:8000") == "::1" and guard.host_name("[::1") is None
    assert guard.host_name("localhost:http") is None and guard.host_name("localhost:99999") is None
    assert guard.is_loopback("127.0.0.1") and guard.is_loopback("::1") and guard.is_loopback("localhost")
    assert not guard.is_loopback("0.0.0.0") and not guard.is_loopback("192.168.1.20")
    assert not guard.is_loopback("mybox.lan")


# ---- headers --------------------------------------------------------------------------------------


def test_every_answer_forbids_framing_sniffing_referrers_and_other_scripts(app):
    client = app.test_client()
    for path in ("/", "/api/model", "/static/app.js", "/nothing"):
        r = client.get(path)
        csp = dict(part.strip().split(" ", 1) for part in r.headers["Content-Security-Policy"].split(";"))
        assert csp["script-src"] == "'self'" and csp["style-src"] == "'self'"  # no inline code, no eval
        assert csp["default-src"] == "'self'" and csp["frame-ancestors"] == "'none'"
        assert r.headers["X-Frame-Options"] == "DENY"
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert r.headers["Referrer-Policy"] == "no-referrer"
    assert client.get("/nothing").status_code == 404


def test_the_page_needs_nothing_the_policy_forbids():
    """No inline script, style or handler; no eval: the page's own files are all it runs."""
    static = web.STATIC
    page = (static / "index.html").read_text()
    scripts = re.findall(r"<script\b[^>]*>", page)
    assert scripts and all(re.search(r'\bsrc="/static/[\w.]+\.js"', s) for s in scripts)
    assert not "".join(re.findall(r"<script\b[^>]*>(.*?)</script>", page, re.S)).strip()  # no inline code
    assert "<style" not in page and not re.search(r"\sstyle=", page)
    assert not re.search(r"\son[a-z]+=", page)  # onclick= and friends
    for js in static.glob("*.js"):
        code = js.read_text()
        assert not re.search(r"\beval\(|new Function\(|style=|setAttribute\(\s*[\"']style", code), js.name


# ---- bodies ----------------------------------------------------------------------------------------


def test_json_nested_too_deep_is_400(app):
    client = app.test_client()
    for deep in (b"[" * 100_000 + b"]" * 100_000, b'{"a":' * 100_000 + b"1" + b"}" * 100_000):
        refused(client.post("/api/train", data=deep, content_type="application/json"), 400, "bad_json")
    assert nothing_started(client)


def chunked(url: str, path: str, body: bytes, content_type: str) -> tuple[int, dict]:
    """POST `body` in chunks of 64 kB (Transfer-Encoding: chunked, no Content-Length)."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    try:
        connection.request(
            "POST", path, body=(body[i : i + 65536] for i in range(0, len(body), 65536)),
            headers={"Content-Type": content_type}, encode_chunked=True,
        )  # fmt: skip
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def test_a_chunked_body_over_the_limit_is_413_not_a_truncated_parse(app):
    drawing = encode(draw_strokes(SEVEN))
    whole = app.test_client().post("/api/predict", data=drawing, content_type="image/png").get_json()
    with served(app) as url:
        assert chunked(url, "/api/predict", drawing, "image/png") == (200, whole)  # chunks work
        for size in (web.MAX_BYTES + 1, 3 * 2**20):
            for path, kind in (("/api/predict", "image/png"), ("/api/train", "application/json")):
                status, answer = chunked(url, path, b" " * size, kind)
                assert (status, answer["code"]) == (413, "request_entity_too_large"), (path, size)
        status, answer = chunked(url, "/api/predict", b"\0" * web.MAX_BYTES, "image/png")  # at the limit
        assert (status, answer["code"]) == (400, "bad_image")  # read whole, and judged as an image


def exchange(url: str, request: bytes) -> bytes:
    """Send raw bytes to the server and read until it closes the connection: what it answered."""
    address = urlsplit(url)
    server = (address.hostname, address.port)
    with socket.create_connection(server, timeout=60) as connection:  # waits for the server, no clock
        connection.sendall(request)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    return answer


def test_a_connection_that_falls_silent_is_ended(app, monkeypatch):
    """Half a request would hold a server thread for ever; after guard.TIMEOUT it is answered and closed."""
    monkeypatch.setattr(guard.RequestHandler, "timeout", 0.5)
    head = b"POST /api/predict HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: image/png\r\n"
    with served(app) as url:
        half = exchange(url, head + b"Content-Length: 1000\r\n\r\n\x89PNG")  # 996 bytes never come
        status_and_headers, body = half.split(b"\r\n\r\n", 1)
        assert status_and_headers.startswith(b"HTTP/1.1 408 ") and json.loads(body)["code"] == "timeout"
        assert exchange(url, b"") == b""  # a connection that never sends a request is closed
        assert exchange(url, head[:30]) == b""  # nor one that stops inside the request line


def test_the_http_servers_own_error_pages_carry_the_headers(app):
    with served(app) as url:
        answer = exchange(url, b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    head = answer.split(b"\r\n\r\n")[0].decode()
    assert head.split("\r\n")[0].split()[1] == "414"  # refused before the app: the address is too long
    for key, value in guard.HEADERS.items():
        assert f"{key}: {value}" in head.split("\r\n")


# ---- the event stream ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("last_event_id", "first"),
    [("-100000000", 0), ("abc", 0), ("", 0), ("1.5", 0), ("٣", 0), ("2", 3), ("999999999999", None)],
)
def test_last_event_id_is_clamped_to_the_events_there_are(app, last_event_id, first):
    client = app.test_client()
    assert client.post("/api/train", json=SETTINGS).status_code == 202
    everything = stream(client)
    n = len(everything)
    assert everything[-1][1]["done"] and [i for i, _ in everything] == list(range(n))
    again = stream(client, {"Last-Event-ID": last_event_id}, limit=3 * n)  # once each, then the end
    assert [i for i, _ in again] == list(range(n if first is None else first, n))


def test_resume_at():
    assert [resume_at(h, 10) for h in (None, "", "x", "-3", "0", "4", "9", "10", "99999", "9" * 5000)] == [
        0, 0, 0, 0, 1, 5, 10, 10, 10, 10,
    ]  # fmt: skip


# ---- memory -----------------------------------------------------------------------------------------


def test_a_finished_run_keeps_its_summary_and_model_only(app):
    client = app.test_client()
    served_model = app.extensions["justnumpy"]
    assert client.post("/api/train", json=SETTINGS).status_code == 202
    first = stream(client)
    run = served_model.model.run  # the run that made the served model
    assert run is not None and run.finished
    assert run.raw is None and run.probe is None  # the training images are not kept
    with_tiles = [i for i, e in enumerate(run.events) if "tiles" in e]
    assert len(run.events) == len(first) and with_tiles == [max(i for i, e in first if "tiles" in e)]
    gone = weakref.ref(run)
    del run
    assert client.post("/api/train", json=SETTINGS).status_code == 202
    stream(client)
    gc.collect()
    assert gone() is None  # the first run went with the model it made


# ---- --host ----------------------------------------------------------------------------------------


def serve(model, host: str) -> tuple[str, str]:
    """Start `justnumpy serve` on `host`, ask it for the model under a rebinding name and under its
    address, stop it; its first line, the two statuses, and everything it wrote to stderr."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "justnumpy", "serve", str(model), "--host", host, "--port", "0"],
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        ready, _, _ = select.select([proc.stdout], [], [], 60)
        line = proc.stdout.readline() if ready else ""
        port = int(re.search(r":(\d+)/", line)[1])
        statuses = []
        for name in ("evil.example", "127.0.0.1"):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            connection.request("GET", "/api/model", headers={"Host": f"{name}:{port}"})
            statuses.append(connection.getresponse().status)
            connection.close()
    finally:
        proc.terminate()
        _, stderr = proc.communicate(timeout=30)
    warnings = "".join(line + "\n" for line in stderr.splitlines() if "GET /api/model HTTP" not in line)
    return f"{line.strip()} {statuses}", warnings


def test_serve_warns_when_the_page_is_reachable_from_other_machines(random_model):
    line, warnings = serve(random_model, "0.0.0.0")
    port = re.search(r":(\d+)/", line)[1]
    assert line == f"serving {random_model} on http://0.0.0.0:{port}/  (Ctrl-C to stop) [421, 200]"
    assert warnings == (
        f"justnumpy: warning: listening on 0.0.0.0:{port}, not only on this machine: anyone who can reach "
        "it can draw, start and stop trainings on this machine and download the served model, with no "
        'password and no encryption (docs/your-digit.md, "Sharing the page")\n'
    )
    line, warnings = serve(random_model, "127.0.0.1")
    assert line.endswith("(Ctrl-C to stop) [421, 200]") and warnings == ""

"""The page's API answers its own page only: checks before every route, headers on every answer.

Any web page open in the learner's browser can send requests to 127.0.0.1: a form, or `fetch` in
"no-cors" mode, needs nobody's permission (it cannot read the answer, but a request that starts a
training has done its harm). And a DNS name that an attacker points first at their server, then
at 127.0.0.1 ("DNS rebinding"), makes their page same-origin with this one. So, in this order:

    Host            must name this server: localhost, an IP address (an address cannot be
                    re-pointed), or the name --host was given. Else 421 "wrong_host".
    Origin          when the browser sends one, it must be this page's own, http://<Host>.
                    Else 403 "cross_origin".
    Sec-Fetch-Site  "cross-site" or "same-site" (another port of this machine) is 403
                    "cross_origin", except for following a link to a page (a top-level GET).
    Content-Type    a POST must carry its route's type: application/json, or image/png for a
                    drawing. Else 415 "unsupported_type". A form or a no-cors fetch can only
                    send text/plain, form-urlencoded or multipart, so none reaches a route.
    body            read whole and at most MAX_BYTES, also when it comes in chunks: else 413.

Every answer carries headers that let the page run only its own scripts, forbid framing it
(clickjacking) and stop a browser from guessing that JSON is a script or a page. RequestHandler
brings them to the HTTP server's own error pages too, and drops a connection that sends nothing
for TIMEOUT seconds, so that no client holds a thread by sending half a request.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from urllib.parse import urlsplit

from flask import Flask, Response, request
from werkzeug.exceptions import ClientDisconnected, RequestEntityTooLarge
from werkzeug.serving import WSGIRequestHandler

TIMEOUT = 30.0  # seconds a connection may stay silent: a page's own requests arrive at once
LOCAL_NAMES = frozenset({"localhost"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
HEADERS = {
    # Scripts, styles and fetches from this server only; pictures also as data: URLs (the
    # preprocessing stages, the tiles); no plugins, no <base>, forms post here, never framed.
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
        "frame-ancestors 'none'"
    ),
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers without CSP
    "X-Content-Type-Options": "nosniff",  # JSON stays JSON, never run as a script
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Resource-Policy": "same-origin",  # another origin cannot even embed an answer
}


def install(
    app: Flask,
    error: Callable[[int, str, str], Response | tuple],
    max_bytes: int,
    host: str = "127.0.0.1",
    body_types: dict[str, str] | None = None,
) -> None:
    """Check every request to `app` as above, and add HEADERS to every answer.

    `host` is what the server listens on (serve's --host); `body_types` maps a route's endpoint to
    the content type its POST body must have, application/json where none is given. `error` makes
    the JSON error answer. Bodies are read at most `max_bytes` long.
    """
    names = allowed_names(host)
    types = body_types or {}
    app.config["MAX_CONTENT_LENGTH"] = max_bytes + 1  # one byte more: a chunked body's excess shows

    @app.before_request
    def check():
        name = host_name(request.host)
        if name is None or not (name in names or is_address(name)):
            return error(
                421,
                "wrong_host",
                f"this server answers to {', '.join(sorted(names))} or an IP address, not to "
                f"{request.host!r}; open http://127.0.0.1:<port>/, or restart it with --host NAME",
            )
        origin = request.headers.get("Origin")
        if origin is not None and origin.lower() != f"{request.scheme}://{request.host}".lower():
            return error(403, "cross_origin", f"requests from another page ({origin}) are refused")
        site = request.headers.get("Sec-Fetch-Site", "same-origin")
        if site not in ("same-origin", "none") and not followed_link():
            return error(403, "cross_origin", f"requests from another site ({site}) are refused")
        if request.method in SAFE_METHODS or request.routing_exception is not None:
            return None  # reading, or a 404/405 that the router answers
        wanted = types.get(request.endpoint or "", "application/json")
        if request.mimetype != wanted:
            got = request.mimetype or "no content type"
            return error(415, "unsupported_type", f"send {wanted}, not {got!r}")
        try:
            body = request.get_data(cache=True)  # the routes read the same cached bytes
        except ClientDisconnected:  # werkzeug's word for a body cut short: closed, or silent past TIMEOUT
            return error(408, "timeout", "the request's body did not arrive whole")
        if len(body) > max_bytes:
            raise RequestEntityTooLarge()
        return None

    @app.after_request
    def headers(response: Response) -> Response:
        for key, value in HEADERS.items():
            response.headers.setdefault(key, value)
        return response


def allowed_names(host: str) -> frozenset[str]:
    """The host names (not addresses) a server listening on `host` answers to."""
    name = host.strip("[]").lower()
    return LOCAL_NAMES | ({name} if name and not is_address(name) else set())


def host_name(header: str) -> str | None:
    """The Host header without its port, lower case, IPv6 without brackets; None if malformed."""
    try:
        parts = urlsplit(f"//{header}")
        _ = parts.port  # reading it checks it: a number from 0 to 65535, or none
    except ValueError:  # an unclosed bracket, a port that is not one
        return None
    return parts.hostname


def is_address(name: str) -> bool:
    """Whether `name` is an IP address (v4 or v6) rather than a DNS name."""
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def followed_link() -> bool:
    """A top-level GET of the page from a link elsewhere: the page shows, nothing changes.

    The page only: a link to /api/model/download would save the model into the learner's downloads.
    """
    fetch = request.headers
    return (
        request.method in ("GET", "HEAD")
        and request.path == "/"
        and fetch.get("Sec-Fetch-Mode") == "navigate"
        and fetch.get("Sec-Fetch-Dest") == "document"
    )


def is_loopback(host: str) -> bool:
    """Whether `host` (an address or a name) reaches this machine only."""
    name = host.strip("[]").lower()
    if name in LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


class RequestHandler(WSGIRequestHandler):
    """werkzeug's request handler, as `justnumpy serve` runs it: silent connections end, errors carry HEADERS.

    A request too malformed to reach the app (a 70 kB address, 100 kB of headers) gets the HTTP
    server's own short error page, which then carries HEADERS as every answer of the app does.
    """

    timeout = TIMEOUT  # socketserver sets it on each connection: a read or write waits this long at most
    sending_error = False

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        self.sending_error = True  # end_headers adds HEADERS to this error page
        super().send_error(code, message, explain)

    def end_headers(self) -> None:
        if self.sending_error:
            for key, value in HEADERS.items():
                self.send_header(key, value)
        super().end_headers()

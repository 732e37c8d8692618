"""The client follows redirects on the same origin only, over real loopback HTTP (waitress): the
method, body and Authorization kept, each hop recorded (and shown in the HAR), never to another
host, and a loop ends after a few hops."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from conformance.har import to_har_entry
from mock_party.server import serve_in_thread
from ocpi_core.client import OcpiClient
from ocpi_core.redirects import MAX_REDIRECTS

ENVELOPE = json.dumps({"data": [], "status_code": 1000, "timestamp": "2026-01-01T00:00:00Z"})
TOKEN = "redirect-token-123456"


class Server:
    """A WSGI app answering by ``route(method, path)`` → (status, headers), recording what
    every request carried."""

    def __init__(self, route: Callable[[str, str], tuple[str, list[tuple[str, str]]]]):
        self.route = route
        self.seen: list[dict[str, Any]] = []

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> list[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        self.seen.append(
            {
                "method": environ["REQUEST_METHOD"],
                "path": environ["PATH_INFO"],
                "query": environ.get("QUERY_STRING", ""),
                "host": environ["HTTP_HOST"],
                "authorization": environ.get("HTTP_AUTHORIZATION"),
                "body": environ["wsgi.input"].read(length) if length else b"",
            }
        )
        status, headers = self.route(environ["REQUEST_METHOD"], environ["PATH_INFO"])
        body = ENVELOPE.encode() if status.startswith("200") else b""
        start_response(status, [*headers, ("Content-Length", str(len(body)))])
        return [body]


@pytest.fixture
def serve() -> Iterator[Callable[[Server], str]]:
    servers = []

    def start(app: Server) -> str:
        servers.append(serve_in_thread(app))
        return servers[-1].url

    yield start
    for server in servers:
        server.stop()


def _json(status: str = "200 OK") -> tuple[str, list[tuple[str, str]]]:
    return status, [("Content-Type", "application/json")]


def _to(location: str, status: str = "307 Temporary Redirect"):
    return status, [("Location", location)]


def test_a_same_origin_307_is_followed_keeping_method_body_and_token(serve) -> None:
    app = Server(lambda m, p: _json() if p.endswith("/") else _to(p + "/?x=1"))
    url = serve(app)
    with OcpiClient(token=TOKEN, version="2.2.1") as client:
        response = client.put(f"{url}/ocpi/2.2.1/credentials", {"token": "abc"})
    assert response.http_status == 200 and response.data == []
    assert response.url == f"{url}/ocpi/2.2.1/credentials/?x=1"
    first, second = app.seen
    assert (second["method"], second["path"], second["query"]) == (
        "PUT",
        "/ocpi/2.2.1/credentials/",
        "x=1",
    )
    assert second["body"] == first["body"] == b'{"token": "abc"}'
    assert second["authorization"] == first["authorization"] is not None
    hop, last = list(client.recorder)
    assert hop.status == 307 and hop.redirect == f"followed to {url}/ocpi/2.2.1/credentials/?x=1"
    assert last.status == 200 and last.redirect is None
    entry = to_har_entry(hop.as_dict())
    assert entry["response"]["redirectURL"] == "/ocpi/2.2.1/credentials/?x=1"
    assert "redirect followed to" in entry["comment"]
    assert TOKEN not in json.dumps(entry)


def test_a_redirect_to_another_origin_is_not_followed(serve) -> None:
    # 127.0.0.1 → localhost: the same server, so following it would have worked
    app = Server(lambda m, p: _json() if p == "/there" else _to(""))
    url = serve(app)
    other = url.replace("127.0.0.1", "localhost") + "/there"
    app.route = lambda m, p: _json() if p == "/there" else _to(other)
    with OcpiClient(token=TOKEN, version="2.2.1") as client:
        response = client.get(f"{url}/here")
    assert response.http_status == 307
    assert [s["path"] for s in app.seen] == ["/here"]
    (hop,) = list(client.recorder)
    assert hop.redirect == f"not followed: {other} is on another origin (scheme/host/port)"


def test_a_redirect_loop_ends_after_the_hop_limit(serve) -> None:
    url = serve(Server(lambda m, p: _to(p.rstrip("/") if p.endswith("/") else p + "/")))
    with OcpiClient(token=TOKEN, version="2.2.1") as client:
        response = client.get(f"{url}/ocpi/2.2.1/locations")
    assert response.http_status == 307
    exchanges = list(client.recorder)
    assert len(exchanges) == MAX_REDIRECTS + 1
    assert all(e.redirect.startswith("followed to") for e in exchanges[:-1])
    assert exchanges[-1].redirect == f"not followed: more than {MAX_REDIRECTS} redirects in a row"


def test_a_301_turns_no_post_into_a_get_but_a_get_follows_it(serve) -> None:
    app = Server(lambda m, p: _json() if p == "/new" else _to("/new", "301 Moved Permanently"))
    url = serve(app)
    with OcpiClient(token=TOKEN, version="2.2.1") as client:
        posted = client.post(f"{url}/old", {"a": 1})
        got = client.get(f"{url}/old")
    assert posted.http_status == 301
    assert posted.exchange.redirect == "not followed: HTTP 301 would turn the POST into a GET"
    assert got.http_status == 200 and got.url == f"{url}/new"
    assert [(s["method"], s["path"]) for s in app.seen] == [
        ("POST", "/old"),
        ("GET", "/old"),
        ("GET", "/new"),
    ]

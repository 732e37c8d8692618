"""The proxy as a pipe: URLs rewritten and nothing else, 50 MB bodies both ways, a dead or
slow party answered like the client would see it, over real HTTP on loopback."""

from __future__ import annotations

import hashlib
import json
import time

import httpx
import pytest

from conformance.proxy.reports import reachable
from conformance.proxy.rewrite import Rewriter
from conformance.proxy.session import ProxyOptions, ProxySession
from mock_party.server import serve_in_thread

BIG = 50 * 1024 * 1024


def test_rewrite_touches_only_known_origins():
    rewriter = Rewriter()
    rewriter.add("http://b.example:80", "http://127.0.0.1:8090")
    body = (
        b'{"url": "http://b.example:80/ocpi/2.2.1", "other": "http://b.example:8080/x", '
        b'"escaped": "http:\\/\\/b.example:80\\/ocpi", "end": "http://b.example:80"}'
    )
    assert rewriter.body(body) == (
        b'{"url": "http://127.0.0.1:8090/ocpi/2.2.1", "other": "http://b.example:8080/x", '
        b'"escaped": "http:\\/\\/127.0.0.1:8090\\/ocpi", "end": "http://127.0.0.1:8090"}'
    )
    link = '<http://b.example:80/locations?offset=50>; rel="next"'
    assert (
        rewriter.header("Link", link) == '<http://127.0.0.1:8090/locations?offset=50>; rel="next"'
    )
    assert rewriter.header("X-Other", link) == link


def _upstream(environ, start_response):
    path = environ["PATH_INFO"]
    if path == "/big":
        start_response("200 OK", [("Content-Type", "application/octet-stream")])
        return [bytes([i % 251]) * (1024 * 1024) for i in range(50)]
    if path == "/echo":
        data = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        answer = json.dumps({"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)})
        start_response("200 OK", [("Content-Type", "application/json")])
        return [answer.encode()]
    if path == "/slow":
        time.sleep(2)
    start_response("200 OK", [("Content-Type", "application/json")])
    return [b'{"status_code": 1000, "timestamp": "2026-01-01T00:00:00Z"}']


def _proxy(upstream, timeout: httpx.Timeout | None = None) -> ProxySession:
    extra = {"timeout": timeout} if timeout else {}
    options = ProxyOptions(f"{upstream.url}/ocpi/versions", listen=("127.0.0.1", 0), **extra)
    return ProxySession(options, lambda _: None)


@pytest.fixture(scope="module")
def upstream():
    with serve_in_thread(_upstream) as server:
        yield server


@pytest.fixture(scope="module")
def piped(upstream):
    with _proxy(upstream) as proxy:
        yield proxy


def test_a_50_mb_answer_passes_byte_for_byte(piped):
    expected = hashlib.sha256(b"".join(bytes([i % 251]) * (1024 * 1024) for i in range(50)))
    digest, size = hashlib.sha256(), 0
    with httpx.stream("GET", f"{piped.front_base}/big", timeout=30) as response:
        for chunk in response.iter_raw():
            digest.update(chunk)
            size += len(chunk)
    assert (size, digest.hexdigest()) == (BIG, expected.hexdigest())
    recorded = next(e for e in piped.traffic.exchanges if e.url.endswith("/big"))
    assert recorded.status == 200 and len(recorded.response_body) < 300_000


def test_a_50_mb_request_passes_byte_for_byte(piped):
    data = bytes(range(256)) * (BIG // 256)
    response = httpx.post(f"{piped.front_base}/echo", content=data, timeout=30)
    assert response.json() == {"sha256": hashlib.sha256(data).hexdigest(), "size": BIG}


def test_a_slow_party_gets_the_clients_timeout_as_an_envelope(upstream):
    with _proxy(upstream, httpx.Timeout(0.5, connect=0.5)) as proxy:
        response = httpx.get(f"{proxy.front_base}/slow", timeout=10)
    assert response.status_code == 504
    assert response.json()["status_code"] == 3001
    assert "read timeout after 0.5 s" in response.json()["status_message"]
    recorded = next(e for e in proxy.traffic.exchanges if e.url.endswith("/slow"))
    assert recorded.status is None and recorded.error == "read timeout after 0.5 s"


def test_a_dead_party_is_a_bad_gateway_not_a_crash():
    with serve_in_thread(_upstream) as upstream:
        url = f"{upstream.url}/ocpi/versions"
    with ProxySession(ProxyOptions(url, listen=("127.0.0.1", 0)), lambda _: None) as proxy:
        response = httpx.get(proxy.versions_url, timeout=10)
    assert response.status_code == 502
    assert response.json()["status_code"] == 3001
    assert proxy.traffic.exchanges[0].error
    assert reachable(proxy.traffic.exchanges) is False


def test_reachable_says_whether_platform_b_ever_answered(upstream):
    with _proxy(upstream) as proxy:
        assert reachable(proxy.traffic.exchanges) is None  # A has not called B yet
        assert httpx.get(f"{proxy.front_base}/ocpi/other", timeout=10).status_code == 200
        assert reachable(proxy.traffic.exchanges) is True

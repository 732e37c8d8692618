"""Unit tests of the OCPI client, on httpx.MockTransport (malformed replies) and the real mock."""

from __future__ import annotations

import base64
import json

import httpx
import pytest

from ocpi_core.client import (
    EnvelopeError,
    OcpiClient,
    PaginationLoop,
    TargetUnreachable,
    encode_token,
    next_link,
)

ENVELOPE = {"data": [], "status_code": 1000, "timestamp": "2026-01-01T00:00:00Z"}


def _client(handler, version="2.2.1", token="secret-token-1234", **kwargs) -> OcpiClient:
    return OcpiClient(
        token=token, version=version, transport=httpx.MockTransport(handler), **kwargs
    )


def test_token_is_base64_in_221_and_plain_in_211():
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["Authorization"])
        return httpx.Response(200, json=ENVELOPE)

    with _client(handler, "2.2.1", token="tøken-ä") as client:
        client.get("http://t/versions")
    with _client(handler, "2.1.1", token="plain-token") as client:
        client.get("http://t/versions")
    assert seen[0] == "Token " + base64.b64encode("tøken-ä".encode()).decode()
    assert seen[1] == "Token plain-token"
    assert encode_token("example-token", "2.2.1") == "ZXhhbXBsZS10b2tlbg=="


def test_request_and_correlation_ids_on_every_request():
    headers = []

    def handler(request: httpx.Request) -> httpx.Response:
        headers.append(request.headers)
        return httpx.Response(200, json=ENVELOPE)

    with _client(handler) as client:
        client.get("http://t/a")
        client.post("http://t/b", {"x": 1})
    ids = [h["X-Request-ID"] for h in headers]
    assert all(ids) and len(set(ids)) == 2
    assert all(h.get("X-Correlation-ID") for h in headers)
    assert headers[1]["Content-Type"] == "application/json"


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b"<html>oops</html>", "not valid JSON"),
        (b"", "empty"),
        (b"[1, 2]", "expected a JSON object, got list"),
        (b'{"data": []}', "required field(s) missing: status_code, timestamp"),
        (b'{"status_code": "1000", "timestamp": "x"}', "status_code must be an integer"),
    ],
)
def test_not_an_envelope_raises_clear_error(body: bytes, problem: str):
    with _client(lambda r: httpx.Response(502, content=body)) as client:
        response = client.get("http://t/locations")
        assert problem in response.envelope_problem
        with pytest.raises(EnvelopeError) as info:
            _ = response.data
    message = str(info.value)
    assert "http://t/locations" in message and "HTTP 502" in message and problem in message


def test_link_header_parsing():
    assert next_link('<https://x/l?offset=50&limit=50>; rel="next"') == (
        "https://x/l?offset=50&limit=50"
    )
    assert next_link('<https://x/p>; rel="prev", <https://x/n>; rel=next') == "https://x/n"
    assert next_link('<https://x/p>; rel="prev"') is None
    assert next_link(None) is None


def test_iter_pages_follows_link_until_last_page():
    def handler(request: httpx.Request) -> httpx.Response:
        offset = int(request.url.params.get("offset", 0))
        headers = {}
        if offset < 4:
            headers["Link"] = f'<http://t/items?offset={offset + 2}&limit=2>; rel="next"'
        data = [{"id": str(i)} for i in range(offset, min(offset + 2, 5))]
        return httpx.Response(200, json={**ENVELOPE, "data": data}, headers=headers)

    with _client(handler) as client:
        pages = list(client.iter_pages("http://t/items", params={"limit": 2}))
    assert [item["id"] for page in pages for item in page.data] == ["0", "1", "2", "3", "4"]


def test_iter_pages_stops_on_a_loop():
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, json=ENVELOPE, headers={"Link": '<http://t/items?offset=0>; rel="next"'}
        )

    with _client(handler) as client, pytest.raises(PaginationLoop, match="already fetched"):
        list(client.iter_pages("http://t/items?offset=0"))


def test_iter_pages_limits_page_count():
    def handler(request: httpx.Request) -> httpx.Response:
        n = int(request.url.params.get("n", 0))
        return httpx.Response(
            200, json=ENVELOPE, headers={"Link": f'<http://t/items?n={n + 1}>; rel="next"'}
        )

    with _client(handler) as client, pytest.raises(PaginationLoop, match="more than 3 pages"):
        list(client.iter_pages("http://t/items", max_pages=3))


def test_exchanges_are_recorded_with_tokens_masked():
    token = "very-secret-token-abcd"

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={**ENVELOPE, "data": {"token": "issued-token-C-wxyz"}})

    with _client(handler, token=token) as client:
        client.post("http://t/credentials", {"token": "our-token-B-9876", "url": "http://x"})
        exchange = list(client.recorder)[-1]
    dumped = json.dumps(exchange.as_dict())
    encoded = base64.b64encode(token.encode()).decode()
    for secret in (token, encoded, "issued-token-C-wxyz", "our-token-B-9876"):
        assert secret not in dumped
    assert dict(exchange.request_headers)["Authorization"] == "Token ****" + encoded[-4:]
    assert exchange.status == 200 and exchange.elapsed >= 0
    assert json.loads(exchange.response_body)["data"]["token"] == "****wxyz"


def test_unreachable_target_is_recorded_and_raised():
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    with _client(handler) as client:
        with pytest.raises(TargetUnreachable) as info:
            client.get("http://t/versions")
        exchange = list(client.recorder)[-1]
    assert str(info.value) == "Network error: connection refused (http://t/versions)"
    assert exchange.status is None and exchange.error == "connection refused"


def test_timeout_is_set_on_every_call():
    timeouts = []

    def handler(request: httpx.Request) -> httpx.Response:
        timeouts.append(request.extensions["timeout"])
        return httpx.Response(200, json=ENVELOPE)

    with _client(handler, timeout=httpx.Timeout(3.0, connect=1.0)) as client:
        client.get("http://t/versions")
    assert timeouts[0] == {"connect": 1.0, "read": 3.0, "write": 3.0, "pool": 3.0}


def test_real_connection_refused_on_loopback():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with OcpiClient(token="t", version="2.2.1") as client, pytest.raises(TargetUnreachable) as info:
        client.get(f"http://127.0.0.1:{port}/ocpi/versions")
    assert "connection refused" in str(info.value)


def test_client_against_the_mock_over_wsgi(tmp_path):
    from mock_party import MockConfig, create_app

    app = create_app(MockConfig(database=str(tmp_path / "m.sqlite"), token_a="token-a-for-test"))
    transport = httpx.WSGITransport(app=app)
    with OcpiClient(token="token-a-for-test", version="2.2.1", transport=transport) as client:
        response = client.get("http://testserver/ocpi/versions")
        plain = client.get("http://testserver/ocpi/versions", token_form="plain")
    assert response.http_status == 200 and response.status_code == 1000
    assert response.data == [{"version": "2.2.1", "url": "http://testserver/ocpi/2.2.1"}]
    assert plain.http_status == 401  # strict by default on 2.2.1


def test_with_headers_adds_headers_to_every_request_of_the_clone():
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers)
        return httpx.Response(200, json=ENVELOPE)

    with _client(handler) as client:
        routed = client.with_headers({"OCPI-to-party-id": "ABC", "OCPI-from-party-id": "OCT"})
        routed.get("http://t/a")
        routed.get("http://t/b", headers={"OCPI-to-party-id": "XYZ"})
        client.get("http://t/c")
        assert len(client.recorder) == 3  # one recorder for both
    assert seen[0]["OCPI-to-party-id"] == "ABC" and seen[0]["OCPI-from-party-id"] == "OCT"
    assert seen[1]["OCPI-to-party-id"] == "XYZ"  # the request's own header wins
    assert "OCPI-to-party-id" not in seen[2]  # the original client is unchanged

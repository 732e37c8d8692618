"""The client's wall-clock deadline per request and its cap on the body read, against real
hostile servers on loopback."""

from __future__ import annotations

import json
import time

import pytest

from core.hostile_servers import envelope_answer, serve_raw
from ocpi_core.client import OcpiClient, ResponseTooLarge, TargetUnreachable

PAGE = json.dumps({"data": [], "status_code": 1000, "timestamp": "2026-01-01T00:00:00Z"})


def _client(**kwargs) -> OcpiClient:
    return OcpiClient(token="deadline-token-1234", version="2.2.1", **kwargs)


@pytest.mark.parametrize("what", ["body", "headers"])
def test_a_trickled_answer_ends_at_the_deadline(what):
    answer = envelope_answer(PAGE.encode() + b" " * 400)
    # each read gets a byte well within the read timeout: only a deadline ends this
    trickle = serve_raw(lambda _: answer, pace=0.05, chunk=1, fast_head=what == "body")
    with trickle as url, _client(deadline=1.0) as client:
        started = time.monotonic()
        with pytest.raises(TargetUnreachable) as caught:
            client.get(f"{url}/ocpi/versions")
        spent = time.monotonic() - started
    assert spent < 5, spent  # the answer would take over 20 s at this pace
    assert "no complete answer within 1.0 s" in str(caught.value)
    assert caught.value.exchange is not None and caught.value.exchange.error


def test_a_fast_answer_is_unaffected_by_the_deadline():
    fast = serve_raw(lambda _: envelope_answer(PAGE.encode()))
    with fast as url, _client(deadline=1.0) as client:
        for _ in range(3):
            assert client.get(f"{url}/ocpi/versions").status_code == 1000


def test_a_body_above_the_cap_fails_that_exchange_and_the_next_one_works():
    huge = b'{"data": [' + b'{"id": "x"},' * 5_000_000 + b'{}], "status_code": 1000}'
    assert len(huge) > 50_000_000

    def answer(line: str) -> bytes:
        return envelope_answer(huge if "huge" in line else PAGE.encode())

    with serve_raw(answer) as url, _client(max_body=10_000_000) as client:
        with pytest.raises(ResponseTooLarge) as caught:
            client.get(f"{url}/huge")
        assert "10000000 bytes" in str(caught.value)
        exchange = caught.value.exchange
        assert exchange.status == 200 and "larger than" in (exchange.error or "")
        assert len(exchange.response_body or "") < 1_000_000
        assert client.get(f"{url}/small").status_code == 1000


def test_default_cap_is_ten_megabytes():
    with _client() as client:
        assert client.max_body == 10_000_000


def test_a_float_timeout_is_seconds_for_every_phase_and_the_deadline():
    """``timeout=5.0`` (as the mock hub's ClientInfo push gives it) builds a working client
    whose deadline is those seconds; before, reading ``timeout.read`` raised AttributeError."""
    answer = envelope_answer(PAGE.encode() + b" " * 400)
    trickle = serve_raw(lambda _: answer, pace=0.05, chunk=1, fast_head=True)
    with trickle as url, _client(timeout=1.0) as client:
        assert client.deadline == 1.0 and client.timeout.connect == 1.0
        started = time.monotonic()
        with pytest.raises(TargetUnreachable) as caught:
            client.get(f"{url}/ocpi/versions")
        assert time.monotonic() - started < 5
    assert "no complete answer within 1.0 s" in str(caught.value)
    with serve_raw(lambda _: envelope_answer(PAGE.encode())) as url, _client(timeout=2) as fast:
        assert fast.get(f"{url}/ocpi/versions").status_code == 1000

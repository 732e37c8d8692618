"""Checks of a Hub target's Broadcast Push (2.2.1/2.3.0): a Token we PUT to the Hub itself
(OCPI-to-* = the Hub) is answered by the Hub and reaches every connected CPO behind it, which we
see by reading the Token back from each CPO's Tokens Receiver, routed to that CPO.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest

from conformance.checks import _hub as hub
from conformance.checks import _objects as make
from conformance.checks._common import (
    cached,
    client_for,
    endpoint_or_skip,
    our_party,
    payload,
    utc_now,
)
from conformance.checks._lists import fail_with
from conformance.checks._receiver import PUSHED
from conformance.checks._single import object_url
from conformance.failures import CheckFailure
from conformance.routing import expected_routing, routing_headers, routing_problems
from conformance.session import Run
from conformance.skips import skip_could_not_run
from ocpi_core.client import OcpiResponse
from ocpi_core.versions import SINCE_2_2

check = pytest.mark.check
BROADCAST = "2.2.1 §4.1.8.3 Broadcast Push"


@dataclass(frozen=True)
class Broadcast:
    url: str
    body: dict
    response: OcpiResponse


def _hub_check(**kwargs: object) -> pytest.MarkDecorator:
    return check(roles=("HUB",), versions=SINCE_2_2, mode="sandbox", **kwargs)


def _broadcast(request: pytest.FixtureRequest, ocpi: Run) -> Broadcast:
    """Our Token PUT addressed to the Hub, once per run."""

    def push() -> Broadcast:
        base = endpoint_or_skip(ocpi, "tokens", "RECEIVER")
        ours = our_party(ocpi)
        body = make.token(ours, make.new_id("TOK"), utc_now() - timedelta(minutes=1))
        url = object_url(base, ours[0], ours[1], body["uid"])
        headers = routing_headers(hub.hub_party(ocpi), ours)
        return Broadcast(
            url, body, client_for(ocpi, routed=False).with_headers(headers).put(url, body)
        )

    return cached(request, ("hub", "broadcast"), push)


def _accepted(pushed: Broadcast) -> bool:
    code = (
        pushed.response.body.get("status_code") if isinstance(pushed.response.body, dict) else None
    )
    return pushed.response.http_status in PUSHED and code == 1000


@_hub_check(id="hub.broadcast.answer_headers", spec=BROADCAST)
def test_broadcast_answer_headers(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """The Hub takes a Token PUT addressed to it and answers it as itself: OCPI-to-* names us."""
    pushed = _broadcast(request, ocpi)
    if not _accepted(pushed):
        raise CheckFailure(
            "a Broadcast Push of a Token to the Hub is not accepted",
            expected="HTTP 200/201 and status_code 1000",
            actual=f"HTTP {pushed.response.http_status}, body {str(pushed.response.body)[:120]}",
            spec=BROADCAST,
            exchange=pushed.response.exchange,
        )
    expected = expected_routing(
        "broadcast", "answer", requester=our_party(ocpi), hub=hub.hub_party(ocpi)
    )
    fail_with(
        routing_problems("tokens", pushed.response.headers.items(), expected),
        "routing headers of the Hub's answer to a Broadcast Push",
        expected="OCPI-to-* = our party; OCPI-from-* the Hub, when given",
        spec=BROADCAST,
        exchange=pushed.response.exchange,
    )


@_hub_check(id="hub.broadcast.reaches_parties", spec=BROADCAST)
def test_broadcast_reaches_parties(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """The Token we broadcast is held by every connected CPO: a GET of it routed to each CPO's
    Tokens Receiver gives it back."""
    pushed = _broadcast(request, ocpi)
    if not _accepted(pushed):
        skip_could_not_run(
            "the Hub did not accept the Broadcast Push (hub.broadcast.answer_headers)"
        )
    problems = []
    exchange = None
    for party in hub.parties(request, ocpi, "CPO"):
        response = hub.routed_client(ocpi, party.key).get(pushed.url, params={"type": "RFID"})
        _, data = payload(response)
        if response.http_status != 200 or not isinstance(data, dict):
            problems.append(f"{party.label}: GET of the Token gives HTTP {response.http_status}")
        elif data.get("uid") != pushed.body["uid"]:
            problems.append(f"{party.label}: GET gives uid {data.get('uid')!r}")
        else:
            continue
        exchange = exchange or response.exchange
    fail_with(
        problems,
        "a Token broadcast through the Hub did not reach every connected CPO",
        expected=f"Token {pushed.body['uid']} at every CPO hubclientinfo lists as CONNECTED",
        spec=BROADCAST,
        exchange=exchange,
    )

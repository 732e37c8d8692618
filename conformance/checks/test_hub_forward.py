"""Checks of what a Hub target forwards (2.2.1/2.3.0): we route a GET through the Hub to our own
registered party, so the forwarded request reaches our counterpart and can be judged: its routing
headers, its ids, and that it came once.
"""

from __future__ import annotations

import pytest

from conformance.checks import _hub as hub
from conformance.checks._common import our_party
from conformance.checks._lists import fail_with
from conformance.failures import CheckFailure
from conformance.routing import expected_routing, routing_problems
from conformance.session import Run
from ocpi_core.versions import SINCE_2_2

check = pytest.mark.check
FORWARD = "2.2.1 §4.1.8.6.2 Party to Party via Hub"
IDS = "2.2.1 §4.2 Unique message IDs"


def _hub_check(**kwargs: object) -> pytest.MarkDecorator:
    return check(roles=("HUB",), versions=SINCE_2_2, mode="sandbox", **kwargs)


def _arrived(found: hub.ForwardToUs, spec: str) -> None:
    if not found.arrived:
        raise CheckFailure(
            "a request routed to our party was answered but never forwarded to us",
            expected=f"the Hub's GET of our {found.module} Sender list, with our X-Correlation-ID",
            actual=f"HTTP {found.response.http_status}, and no request at our counterpart",
            spec=spec,
            exchange=found.response.exchange,
        )


@_hub_check(id="hub.forward.routing_headers", spec=FORWARD)
def test_forward_routing_headers(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """The request the Hub forwards names the receiving party in OCPI-to-* and the requesting
    party in OCPI-from-*."""
    found = hub.forward_to_us(request, ocpi)
    _arrived(found, FORWARD)
    ours = our_party(ocpi)
    expected = expected_routing(
        "via_hub", "forward", requester=ours, receiver=ours, hub=hub.hub_party(ocpi)
    )
    problems = []
    for exchange in found.arrived:
        problems += [
            f"{exchange.method} {exchange.url}: {p}"
            for p in routing_problems(found.module, exchange.request_headers, expected)
        ]
    fail_with(
        problems,
        "routing headers of a forwarded request do not name the parties of the exchange",
        expected="OCPI-to-* = the receiving party, OCPI-from-* = the requesting party (ours)",
        spec=FORWARD,
        exchange=found.arrived[0],
    )


@_hub_check(id="hub.forward.ids", spec=IDS)
def test_forward_ids(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """The forwarded request keeps our X-Correlation-ID and carries an X-Request-ID of its own."""
    found = hub.forward_to_us(request, ocpi)
    _arrived(found, IDS)
    problems = []
    for exchange in found.arrived:
        request_id = hub.header(exchange.request_headers, "X-Request-ID")
        if not request_id:
            problems.append(f"{exchange.method} {exchange.url}: no X-Request-ID")
        elif request_id == found.request_id:
            problems.append(
                f"{exchange.method} {exchange.url}: X-Request-ID {request_id!r} copied from "
                "our request"
            )
    fail_with(
        problems,
        "a forwarded request reuses our X-Request-ID",
        expected="a new unique X-Request-ID on the forwarded request, the same X-Correlation-ID",
        spec=IDS,
        exchange=found.arrived[0],
    )


@_hub_check(id="hub.forward.once", spec=FORWARD)
def test_forward_once(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """One routed request reaches the receiving party once."""
    found = hub.forward_to_us(request, ocpi)
    _arrived(found, FORWARD)
    if len(found.arrived) == 1:
        return
    raise CheckFailure(
        "one routed request was forwarded more than once",
        expected=f"one request at our counterpart with X-Correlation-ID {found.correlation_id}",
        actual=f"{len(found.arrived)} requests",
        spec=FORWARD,
        exchange=found.arrived[1],
    )

"""A CPO or eMSP reached through a Hub (2.2.1 §4.1.8 Message Routing): the routing headers of
the target's answers and of its own requests to us, and on 2.3.0 the Hub's hub_party_id (the
Credentials we exchange are the Hub's).

These checks run only when the run goes via a hub (``[target] via_hub``, ``--via-hub``, or
credentials answered with a HUB role); then every functional request of the suite names the
target in OCPI-to-* (``_common.client_for``). They run late and read the exchanges recorded so
far. The routing table itself is ``conformance.routing``'s.
"""

from __future__ import annotations

import pytest

from conformance.checks._common import hub_route_of, our_party
from conformance.checks._hub_party_id import expect_hub_party_id
from conformance.checks._incoming import incoming
from conformance.checks._scan import fail_on, module_of, outgoing
from conformance.checks._via_hub import HubRoute
from conformance.routing import (
    CONFIGURATION_MODULES,
    expected_routing,
    routing_of,
    routing_problems,
)
from conformance.session import Run
from conformance.skips import skip_could_not_run, skip_not_applicable
from ocpi_core.exchange import Exchange
from ocpi_core.versions import SINCE_2_2

check = pytest.mark.check
HEADERS = "2.2.1 §4.1.8.2 Message Routing Headers"
CREDENTIALS = "2.3.0 §7.3.1 Credentials object"
BROADCAST = "2.2.1 §4.1.8.4 Broadcast Push"


def _route(ocpi: Run) -> HubRoute:
    route = hub_route_of(ocpi)
    if route is None:
        skip_not_applicable(
            "the target is reached directly, not through a Hub (see [target] via_hub)"
        )
    if route.target is None:
        skip_could_not_run(
            "the target answered as a Hub but its party is not named ([target] party)"
        )
    return route


def _routed_to(exchange: Exchange, party: tuple[str, str]) -> bool:
    found = routing_of(exchange.request_headers)
    sent = (found.get("ocpi-to-country-code", ""), found.get("ocpi-to-party-id", ""))
    return (sent[0].upper(), sent[1].upper()) == party


@check(id="via_hub.answers_routed", versions=SINCE_2_2, spec=HEADERS)
def test_answers_routed(ocpi: Run) -> None:
    """Answers to our requests routed to the target name it in OCPI-from-* and us in OCPI-to-*."""
    route = _route(ocpi)
    ours = our_party(ocpi)
    expected = expected_routing(
        "via_hub", "reply", requester=ours, receiver=route.target, hub=route.hub or route.target
    )
    routed = [e for e in outgoing(ocpi) if _routed_to(e, route.target)]
    if not routed:
        skip_could_not_run("no request of this run was routed to the target and answered")
    findings = []
    for exchange in routed:
        module = module_of(ocpi, exchange.url)
        if module in CONFIGURATION_MODULES:
            continue  # judged by transport.config_modules_unrouted
        problems = routing_problems(module or "unknown", exchange.response_headers, expected)
        if problems:
            findings.append((exchange, "; ".join(problems)))
    fail_on(
        findings,
        "Answers through the Hub without the routing headers of the target's reply",
        expected=f"OCPI-from-* = {'/'.join(route.target)} (the target), "
        f"OCPI-to-* = {'/'.join(ours)} (us) on every answer of a functional module",
        spec=HEADERS,
        hint="the target (or the Hub relaying it) must name both parties on the way back, so "
        "the Hub can route the answer",
    )


@check(id="via_hub.requests_routed", versions=SINCE_2_2, spec=HEADERS, mode="sandbox")
def test_requests_routed(ocpi: Run) -> None:
    """The target's requests to us through the Hub name us in OCPI-to-*, and in OCPI-from-* the
    target (or the Hub, for a broadcast push it sends on)."""
    route = _route(ocpi)
    if not ocpi.registration_attempted:
        skip_could_not_run("we did not register with the target, so it has no reason to call us")
    ours = our_party(ocpi)
    senders = {route.target} | ({route.hub} if route.hub else set())
    requests = [r for r in incoming(ocpi) if r.module and r.module not in CONFIGURATION_MODULES]
    if not requests:
        skip_could_not_run("the target sent no functional-module request to our counterpart")
    findings = []
    for request in requests:
        found = routing_of(request.exchange.request_headers)
        sender = (
            found.get("ocpi-from-country-code", "").upper(),
            found.get("ocpi-from-party-id", "").upper(),
        )
        receiver = route.target if sender not in senders else sender
        expected = expected_routing(
            "via_hub", "request", requester=receiver, receiver=ours, hub=route.hub or receiver
        )
        problems = routing_problems(request.module, request.exchange.request_headers, expected)
        if problems:
            findings.append((request.exchange, "; ".join(problems)))
    fail_on(
        findings,
        "Requests through the Hub without fitting routing headers",
        expected=f"OCPI-to-* = {'/'.join(ours)} (us), OCPI-from-* = "
        + " or ".join("/".join(p) for p in sorted(senders))
        + " (the target, or the Hub for a broadcast push)",
        spec=f"{HEADERS}; {BROADCAST}",
    )


@check(id="via_hub.hub_party_id", versions=("2.3.0",), spec=CREDENTIALS, mode="sandbox")
def test_hub_names_its_party(ocpi: Run) -> None:
    """The 2.3.0 Hub before the target names itself in hub_party_id of its Credentials.

    Through a Hub, the Credentials we exchange are the Hub's (credentials.hub_party_id judges
    them when the Hub is the target)."""
    _route(ocpi)
    registration = ocpi.registration
    if not registration.ok:
        skip_could_not_run(
            f"registration failed, see credentials.post.register: {registration.error}"
        )
    expect_hub_party_id(ocpi, registration, "the Hub before the target")

"""ClientInfo pushed by a Hub target to our counterpart (2.2.1 §15.2.1 Push model).

Our counterpart registers with the Hub and offers the hubclientinfo Receiver interface; the
Hub tells its connected platforms of other parties by PUT to that interface (the spec advises
the push direction in normal operation, §15.3). These checks judge what our counterpart
received: that something came, that each ClientInfo is valid at the URL of the party it is
about, that it carries no routing headers (a configuration module), and that the last status
pushed for a party is the one the Hub's own Sender list gives.
"""

from __future__ import annotations

import time

import pytest

from conformance.checks import _hub as hub
from conformance.checks._common import client_for, endpoint_or_skip, walk
from conformance.checks._incoming import Incoming, counterpart_endpoint, incoming, settle
from conformance.checks._lists import fail_with
from conformance.routing import routing_problems
from conformance.session import Run
from conformance.skips import skip_could_not_run
from ocpi_core.schemas import validate
from ocpi_core.versions import SINCE_2_2

check = pytest.mark.check
PUSH_MODEL = "2.2.1 §15.2.1 Push model"
INTERFACES = "2.2.1 §15.3 Interfaces"
R_PUT = "2.2.1 §15.3.1.2 Receiver PUT Method"
CLIENT_INFO = "2.2.1 §15.4.1 ClientInfo Object"
HEADERS = "2.2.1 §4.1.8.2 Message Routing Headers"
PUSH_WAIT = 5.0  # seconds after our registration a Hub has to push its first ClientInfo


def _hub_check(**kwargs: object) -> pytest.MarkDecorator:
    return check(roles=("HUB",), versions=SINCE_2_2, mode="sandbox", **kwargs)


def _pushes(ocpi: Run) -> list[Incoming]:
    return [
        r
        for r in incoming(ocpi)
        if r.module == "hubclientinfo" and r.role == "RECEIVER" and r.method == "PUT"
    ]


def _pushes_or_skip(ocpi: Run) -> list[Incoming]:
    hub.hub_party(ocpi)  # registered with the Hub (a skip when that failed)
    settle(ocpi)
    found = _pushes(ocpi)
    if not found:
        skip_could_not_run(
            "the Hub pushed no ClientInfo to us in this run (see hub.clientinfo.pushed)"
        )
    return found


def _where(request: Incoming) -> str:
    return f"{request.method} {request.exchange.url}"


@_hub_check(id="hub.clientinfo.pushed", spec=INTERFACES, level="SHOULD")
def test_clientinfo_pushed(ocpi: Run) -> None:
    """After our registration the Hub pushes ClientInfo to our Receiver interface."""
    hub.hub_party(ocpi)
    if counterpart_endpoint(ocpi, "hubclientinfo", "RECEIVER") is None:
        skip_could_not_run("our counterpart offers no hubclientinfo Receiver interface")
    deadline = time.monotonic() + PUSH_WAIT
    while not _pushes(ocpi) and time.monotonic() < deadline:
        time.sleep(0.1)
    fail_with(
        [] if _pushes(ocpi) else [f"no ClientInfo PUT in the {PUSH_WAIT:g} s after registering"],
        "the Hub pushed no ClientInfo to our hubclientinfo Receiver",
        expected="PUT {hubclientinfo}/{country_code}/{party_id} for the parties we can reach, "
        "as the Hub's ClientInfo is created or changes (the push direction is advised)",
        spec=f"{INTERFACES}; {PUSH_MODEL}",
        hint="push each ClientInfo to every connected platform when it is created or changes",
    )


@_hub_check(id="hub.clientinfo.push_valid", spec=f"{CLIENT_INFO}; {R_PUT}")
def test_clientinfo_push_valid(ocpi: Run) -> None:
    """Every pushed ClientInfo is schema-valid and PUT to the URL of the party it is about."""
    problems = []
    exchange = None
    for request in _pushes_or_skip(ocpi):
        found = [str(v) for v in validate(request.body, ocpi.config.version, "ClientInfo")]
        body = request.body if isinstance(request.body, dict) else {}
        about = (str(body.get("country_code", "")).upper(), str(body.get("party_id", "")).upper())
        segments = tuple(s.upper() for s in request.segments)
        if not found and segments != about:
            named = "/".join(request.segments) or "no party"
            found.append(f"URL names {named}, the object {'/'.join(about)}")
        if found:
            problems.append(f"{_where(request)}: {'; '.join(found)}")
            exchange = exchange or request.exchange
    fail_with(
        problems,
        "pushed ClientInfo not valid, or not at its party's URL",
        expected="a ClientInfo with party_id, country_code, role, status and last_updated, "
        "PUT to {hubclientinfo}/{country_code}/{party_id} of that party",
        spec=f"{CLIENT_INFO}; {R_PUT}",
        exchange=exchange,
    )


@_hub_check(id="hub.clientinfo.push_unrouted", spec=HEADERS)
def test_clientinfo_push_unrouted(ocpi: Run) -> None:
    """ClientInfo pushes carry no routing headers: hubclientinfo is a configuration module."""
    problems = []
    exchange = None
    for request in _pushes_or_skip(ocpi):
        found = routing_problems("hubclientinfo", request.exchange.request_headers)
        if found:
            problems.append(f"{_where(request)}: {'; '.join(found)}")
            exchange = exchange or request.exchange
    fail_with(
        problems,
        "routing headers on a ClientInfo push",
        expected="no OCPI-to-*/OCPI-from-* on a request of a configuration module",
        spec=HEADERS,
        exchange=exchange,
    )


@_hub_check(id="hub.clientinfo.push_current", spec=PUSH_MODEL, level="SHOULD")
def test_clientinfo_push_current(ocpi: Run) -> None:
    """The last ClientInfo pushed for each party has the status the Hub's Sender list gives."""
    pushes = _pushes_or_skip(ocpi)
    listed = walk(
        client_for(ocpi, routed=False),
        "hubclientinfo",
        endpoint_or_skip(ocpi, "hubclientinfo", "SENDER"),
    )
    if listed.first is None:
        skip_could_not_run(f"the Hub's hubclientinfo list cannot be read: {listed.problem}")
    current = {
        (str(o.get("country_code", "")).upper(), str(o.get("party_id", "")).upper()): o
        for o in listed.objects
    }
    last: dict[tuple[str, str], Incoming] = {}
    for request in pushes:
        body = request.body if isinstance(request.body, dict) else {}
        key = (str(body.get("country_code", "")).upper(), str(body.get("party_id", "")).upper())
        last[key] = request  # in the order they came
    problems = []
    exchange = None
    for key, request in last.items():
        listed_info = current.get(key)
        pushed = request.body.get("status") if isinstance(request.body, dict) else None
        if listed_info is None:
            problem = "not in the Hub's hubclientinfo list"
        elif listed_info.get("status") != pushed:
            problem = f"pushed {pushed!r}, the Hub's list says {listed_info.get('status')!r}"
        else:
            continue
        problems.append(f"{'/'.join(key)}: {problem} ({_where(request)})")
        exchange = exchange or request.exchange
    fail_with(
        problems,
        "the last ClientInfo pushed is not the Hub's current one",
        expected="every change of a ClientInfo pushed, so the last push for a party is what "
        "the Hub's Sender list gives",
        spec=PUSH_MODEL,
        exchange=exchange,
    )

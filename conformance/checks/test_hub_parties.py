"""Checks of a Hub target with the parties our platform hosts (2.2.1/2.3.0): besides its own
party, our counterpart names more parties in its credentials roles (``extra_parties`` of the
target file; by default an eMSP and a CPO), as a platform hosting several parties does (2.2.1
§4.1.8.1). Each plays behind the Hub: a request one of our parties routes to another reaches us
addressed to that party, an object one of our parties placed at a Hub party is not read by
another of ours, and a Broadcast Push of our CPO party reaches each of our eMSP parties.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta

import pytest

from conformance.checks import _hub as hub
from conformance.checks import _objects as make
from conformance.checks._common import (
    cached,
    client_for,
    endpoint_or_skip,
    our_parties,
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
from ocpi_core.client import OcpiClient, OcpiResponse
from ocpi_core.versions import SINCE_2_2

check = pytest.mark.check
VIA_HUB = "2.2.1 §4.1.8.6.2 Party to Party via Hub"
OWNED_ERRORS = "2.2.1 §4.1.5.1 Errors (Client Owned Objects)"
BROADCAST = "2.2.1 §4.1.8.3 Broadcast Push"
BROADCAST_WAIT = 5.0  # seconds a Hub may take to pass a broadcast on to us
NO_EXTRA = (
    "our counterpart hosts no {what} besides its own (extra_parties in the target file's "
    "[target], by default an eMSP and a CPO)"
)


def _hub_check(**kwargs: object) -> pytest.MarkDecorator:
    return check(roles=("HUB",), versions=SINCE_2_2, mode="sandbox", **kwargs)


def _client(ocpi: Run, to: tuple[str, str] | None, from_: tuple[str, str]) -> OcpiClient:
    return client_for(ocpi, routed=False).with_headers(routing_headers(to, from_))


def _code(response: OcpiResponse) -> object:
    return response.body.get("status_code") if isinstance(response.body, dict) else None


@_hub_check(id="hub.own_parties.routed", spec=VIA_HUB)
def test_own_parties_routed(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """A GET our party routes to another party of our platform reaches us with OCPI-to-* = that
    party and OCPI-from-* = ours, and is answered the other way round."""
    hosted = hub.hosted(ocpi, "EMSP") or hub.hosted(ocpi, "CPO")
    if not hosted:
        skip_could_not_run(NO_EXTRA.format(what="party"))
    ours, other, own_hub = our_party(ocpi), hosted[0], hub.hub_party(ocpi)
    url = endpoint_or_skip(ocpi, "tokens", "SENDER")
    response = _client(ocpi, other, ours).get(url)
    arrived = hub.arrived(ocpi, response)
    where = f"routed from {'/'.join(ours)} to our party {'/'.join(other)}"
    if not arrived:
        raise CheckFailure(
            f"a request {where} never reached our platform",
            expected="the Hub's GET of our Tokens Sender list, with our X-Correlation-ID",
            actual=f"HTTP {response.http_status}, status_code {_code(response)}, and no "
            "request at our counterpart",
            spec=VIA_HUB,
            exchange=response.exchange,
            hint="a Hub that takes one party a platform: set extra_parties = [] in [target]",
        )
    forward = expected_routing("via_hub", "forward", requester=ours, receiver=other, hub=own_hub)
    problems = [
        f"forwarded {e.method} {e.url}: {p}"
        for e in arrived
        for p in routing_problems("tokens", e.request_headers, forward)
    ]
    answer = expected_routing("via_hub", "answer", requester=ours, receiver=other, hub=own_hub)
    problems += [
        f"the Hub's answer: {p}"
        for p in routing_problems("tokens", response.headers.items(), answer)
    ]
    forwarded_wrong = any(p.startswith("forwarded") for p in problems)
    fail_with(
        problems,
        f"routing headers of a request {where}",
        expected=f"forwarded with OCPI-to-* = {'/'.join(other)}, OCPI-from-* = "
        f"{'/'.join(ours)}; answered with the two the other way round",
        spec=VIA_HUB,
        exchange=arrived[0] if forwarded_wrong else response.exchange,
    )


@dataclass(frozen=True)
class _Placed:
    """A Token one of our hosted eMSP parties PUT to a Hub CPO, routed to it."""

    cpo: hub.HubParty
    url: str
    uid: str
    put: OcpiResponse
    read_back: OcpiResponse | None = None


def _token_of(data: object, uid: str) -> bool:
    return isinstance(data, dict) and data.get("uid") == uid


@_hub_check(id="hub.own_parties.isolation", spec=OWNED_ERRORS, level="SHOULD")
def test_own_parties_isolation(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """A Token our hosted eMSP party PUT to each connected CPO is not given to our own party
    when it asks that CPO for it: the Hub acts for the party in OCPI-from-*, not the platform."""
    hosted = hub.hosted(ocpi, "EMSP")
    if not hosted:
        skip_could_not_run(NO_EXTRA.format(what="eMSP party"))
    owner, ours = hosted[0], our_party(ocpi)
    base = endpoint_or_skip(ocpi, "tokens", "RECEIVER")

    def place(cpo: hub.HubParty) -> _Placed:
        body = make.token(owner, make.new_id("ISO"), utc_now() - timedelta(minutes=1))
        url = object_url(base, owner[0], owner[1], body["uid"])
        put = _client(ocpi, cpo.key, owner).put(url, body)
        if put.http_status not in PUSHED or _code(put) != 1000:
            return _Placed(cpo, url, body["uid"], put)
        back = _client(ocpi, cpo.key, owner).get(url, params={"type": "RFID"})
        return _Placed(cpo, url, body["uid"], put, back)

    problems, exchange, judged = [], None, 0
    for cpo in hub.parties(request, ocpi, "CPO"):
        placed = cached(
            request, ("hub", "own_parties", "placed", cpo.key), lambda cpo=cpo: place(cpo)
        )
        if placed.read_back is None or not _token_of(payload(placed.read_back)[1], placed.uid):
            continue  # not placed, or not given back even to its owner: nothing to judge here
        judged += 1
        asked = _client(ocpi, cpo.key, ours).get(placed.url, params={"type": "RFID"})
        if asked.http_status == 200 and _token_of(payload(asked)[1], placed.uid):
            problems.append(
                f"{cpo.label}: Token {placed.uid} of {'/'.join(owner)} given to "
                f"{'/'.join(ours)} (HTTP 200)"
            )
            exchange = exchange or asked.exchange
    if not judged:
        skip_could_not_run(
            f"no CPO behind the Hub took a Token of our party {'/'.join(owner)} and gave it "
            "back to it: nothing to keep apart"
        )
    fail_with(
        problems,
        "a party of ours reads another party's Token through the Hub",
        expected=f"a refusal (HTTP 404) of {'/'.join(ours)}'s GET of a Token that "
        f"{'/'.join(owner)} placed",
        spec=OWNED_ERRORS,
        exchange=exchange,
        hint="the Hub (or the CPO behind it) acts for our whole platform, not for the party "
        "named in OCPI-from-*",
    )


@_hub_check(id="hub.own_parties.broadcast", spec=BROADCAST, level="SHOULD")
def test_own_parties_broadcast(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """A Location our hosted CPO party broadcasts (OCPI-to-* = the Hub) reaches each of our eMSP
    parties, one push each addressed to it, from the Hub."""
    cpos = hub.hosted(ocpi, "CPO")
    if not cpos:
        skip_could_not_run(NO_EXTRA.format(what="CPO party"))
    sender, own_hub = cpos[0], hub.hub_party(ocpi)
    receivers = [(c, p) for r, c, p in our_parties(ocpi) if r == "EMSP"]
    base = endpoint_or_skip(ocpi, "locations", "RECEIVER")
    body = make.location(sender, make.new_id("BRC"), utc_now() - timedelta(minutes=1))
    url = object_url(base, sender[0], sender[1], body["id"])
    response = _client(ocpi, own_hub, sender).put(url, body)
    if response.http_status not in PUSHED or _code(response) != 1000:
        raise CheckFailure(
            f"a Broadcast Push of a Location by our CPO party {'/'.join(sender)} is not accepted",
            expected="HTTP 200/201 and status_code 1000",
            actual=f"HTTP {response.http_status}, status_code {_code(response)}",
            spec=BROADCAST,
            exchange=response.exchange,
        )
    deadline = time.monotonic() + min(BROADCAST_WAIT, ocpi.config.timeout)
    while True:
        arrived = [e for e in hub.arrived(ocpi, response) if e.method == "PUT"]
        reached = {hub.addressed_to(e) for e in arrived}
        if all(r in reached for r in receivers) or time.monotonic() >= deadline:
            break
        time.sleep(0.2)
    problems = [
        f"our eMSP party {'/'.join(r)} got no push of Location {body['id']}"
        for r in receivers
        if r not in reached
    ]
    for e in arrived:
        to = hub.addressed_to(e)
        expected = expected_routing(
            "broadcast", "forward", requester=sender, receiver=to, hub=own_hub
        )
        problems += [
            f"{e.method} {e.url}: {p}"
            for p in routing_problems("locations", e.request_headers, expected)
        ]
        if to not in receivers:
            problems.append(f"{e.method} {e.url}: addressed to {'/'.join(to)}, not an eMSP of ours")
    for r in receivers:
        count = [hub.addressed_to(e) for e in arrived].count(r)
        if count > 1:
            problems.append(f"our eMSP party {'/'.join(r)} got the push {count} times")
    fail_with(
        problems,
        "a Broadcast Push did not reach each eMSP party of our platform once",
        expected=f"one PUT of Location {body['id']} for each of "
        f"{', '.join('/'.join(r) for r in receivers)}, OCPI-to-* = it, OCPI-from-* = the Hub",
        spec=BROADCAST,
        exchange=arrived[0] if arrived else response.exchange,
        hint="a Hub sending one push a platform, or none back to the pushing platform",
    )

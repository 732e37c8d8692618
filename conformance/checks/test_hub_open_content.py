"""Checks of a Hub target's Open Routing Requests beyond a GET (2.2.1/2.3.0 §4.1.8.4): requests
without OCPI-to-*, which a Hub can route by what they carry.

- A Session our CPO party pushes, whose ``cdr_token`` names one of our eMSP parties, reaches that
  party and no other of ours (a Session is one driver's: not for a broadcast).
- A START_SESSION of ours for a Location of a CPO behind the Hub is answered by that CPO.
- A real-time authorization our CPO party asks for a Token of an eMSP behind the Hub is answered
  by that eMSP.

Each answer must also name the requester in OCPI-to-* and the party that answered in OCPI-from-*.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from conformance.checks import _hub as hub
from conformance.checks import _objects as make
from conformance.checks._common import (
    client_for,
    endpoint_or_skip,
    our_parties,
    our_party,
    payload,
    utc_now,
)
from conformance.checks._lists import fail_with
from conformance.checks._single import object_url
from conformance.checks._story import result_url
from conformance.failures import CheckFailure
from conformance.routing import expected_routing, routing_headers, routing_problems
from conformance.session import Run
from conformance.skips import skip_could_not_run
from ocpi_core.client import OcpiClient, OcpiResponse
from ocpi_core.versions import SINCE_2_2

check = pytest.mark.check
OPEN = "2.2.1 §4.1.8.4 Open Routing Request"
OPEN_HEADERS = "§4.1.8.6.4 Party to Party Open Routing Request"
WAIT = 5.0  # seconds a Hub may take to pass a pushed Session on to us


def _hub_check(**kwargs: object) -> pytest.MarkDecorator:
    return check(roles=("HUB",), versions=SINCE_2_2, mode="sandbox", **kwargs)


def _open_client(ocpi: Run, from_: tuple[str, str]) -> OcpiClient:
    """A client whose requests name ``from_`` as sender and no receiver."""
    return client_for(ocpi, routed=False).with_headers(routing_headers(None, from_))


def _code(response: OcpiResponse) -> object:
    return response.body.get("status_code") if isinstance(response.body, dict) else None


def _answer_problems(
    ocpi: Run, module: str, response: OcpiResponse, requester: tuple[str, str], by: tuple
) -> list[str]:
    expected = expected_routing(
        "open", "answer", requester=requester, receiver=by, hub=hub.hub_party(ocpi)
    )
    return [
        f"the Hub's answer: {p}"
        for p in routing_problems(module, response.headers.items(), expected)
    ]


def _label(party: tuple[str, str]) -> str:
    return "/".join(party)


@_hub_check(id="hub.open_routing.session_by_token", spec=OPEN, level="SHOULD")
def test_open_routing_session_by_token(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """A Session our CPO party PUTs without OCPI-to-* reaches the eMSP party of ours its
    cdr_token names, addressed to it, and none of our other eMSP parties."""
    cpos = hub.hosted(ocpi, "CPO")
    if not cpos:
        skip_could_not_run("our counterpart hosts no CPO party behind the Hub (extra_parties)")
    sender, own = cpos[0], our_party(ocpi)
    emsps = [(c, p) for r, c, p in our_parties(ocpi) if r == "EMSP"]
    named = next((e for e in emsps if e != own), own)
    base = endpoint_or_skip(ocpi, "sessions", "RECEIVER")
    now = utc_now() - timedelta(minutes=1)
    body = make.session(sender, make.new_id("ORS"), named, now, location_id=make.new_id("LOC"))
    url = object_url(base, sender[0], sender[1], body["id"])
    response = _open_client(ocpi, sender).put(url, body)
    deadline = time.monotonic() + min(WAIT, ocpi.config.timeout)
    while True:
        puts = [e for e in hub.arrived(ocpi, response) if e.method == "PUT"]
        if any(hub.addressed_to(e) == named for e in puts) or time.monotonic() >= deadline:
            break
        time.sleep(0.2)
    reached = [hub.addressed_to(e) for e in puts]
    problems = []
    if named not in reached:
        problems.append(
            f"our eMSP party {_label(named)}, named by the cdr_token, got no PUT of Session "
            f"{body['id']} (the Hub answered HTTP {response.http_status}, status_code "
            f"{_code(response)})"
        )
    problems += [
        f"the Session reached us addressed to {_label(to)}, which its cdr_token does not name"
        for to in sorted(set(reached) - {named})
    ]
    if named in reached:
        forward = expected_routing(
            "open", "forward", requester=sender, receiver=named, hub=hub.hub_party(ocpi)
        )
        problems += [
            f"forwarded {e.method} {e.url}: {p}"
            for e in puts
            for p in routing_problems("sessions", e.request_headers, forward)
        ]
        problems += _answer_problems(ocpi, "sessions", response, sender, named)
    fail_with(
        problems,
        "a Session pushed without OCPI-to-* did not go to the eMSP its cdr_token names alone",
        expected=f"one PUT of Session {body['id']} addressed to {_label(named)} "
        f"(OCPI-from-* = {_label(sender)}), none to another eMSP party of ours; the answer "
        f"with OCPI-to-* = {_label(sender)}, OCPI-from-* = {_label(named)}",
        spec=f"{OPEN}, {OPEN_HEADERS}",
        exchange=puts[0] if puts else response.exchange,
        hint="a Session belongs to one driver: a Hub that cannot route it by its cdr_token "
        "should refuse it (4001) rather than broadcast it",
    )


@dataclass(frozen=True)
class _Target:
    """An object of a party behind the Hub to name in an open request."""

    party: hub.HubParty
    obj: dict[str, Any]


def _unique_target(request: pytest.FixtureRequest, ocpi: Run, role: str, key: str) -> _Target:
    """An object (Location or Token) of a connected party of ``role``, whose ``key`` no other
    party of that role lists when we can find one (ids are unique per party only)."""
    listed: list[_Target] = []
    for party in hub.parties(request, ocpi, role):
        _, walked = hub.routed_walk(request, ocpi, party)
        listed += [
            _Target(party, o)
            for o in walked.objects
            if isinstance(o, dict) and hub.owner(o) == party.key and o.get(key)
        ]
    if not listed:
        skip_could_not_run(f"no connected {role} behind the Hub lists an object of its own")
    holders: dict[str, set[tuple[str, str]]] = {}
    for t in listed:
        holders.setdefault(str(t.obj[key]), set()).add(t.party.key)
    return next((t for t in listed if len(holders[str(t.obj[key])]) == 1), listed[0])


@dataclass(frozen=True)
class _Answer:
    """What an answer to an open request must be: of ``module``, to ``requester``, from
    ``party``; ``data_ok``: its data is the object expected."""

    module: str
    requester: tuple[str, str]
    party: hub.HubParty
    data_ok: bool


def _judge_answer(
    ocpi: Run, response: OcpiResponse, want: _Answer, what: str, data: str, hint: str
) -> None:
    """Fail unless ``response`` is HTTP 200, status_code 1000 with ``data``, routed back from
    the party that holds the object."""
    if response.http_status != 200 or _code(response) != 1000 or not want.data_ok:
        raise CheckFailure(
            f"{what} is not answered by {want.party.label}",
            expected=f"HTTP 200, status_code 1000 and {data}",
            actual=f"HTTP {response.http_status}, status_code {_code(response)}, data "
            f"{str(payload(response)[1])[:80]}",
            spec=OPEN,
            exchange=response.exchange,
            hint=hint,
        )
    fail_with(
        _answer_problems(ocpi, want.module, response, want.requester, want.party.key),
        f"the routing headers of the answer to {what}",
        expected=f"OCPI-to-* = {_label(want.requester)}, OCPI-from-* = {_label(want.party.key)}",
        spec=f"2.2.1 {OPEN_HEADERS}",
        exchange=response.exchange,
        hint="an answer from the Hub itself (OCPI-from-* = the Hub) reads as a broadcast",
    )


@_hub_check(id="hub.open_routing.command_by_location", spec=OPEN, level="SHOULD")
def test_open_routing_command_by_location(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """A START_SESSION without OCPI-to-* for a Location (and EVSE) of a CPO behind the Hub is
    answered by that CPO with a CommandResponse, not by the Hub as a broadcast."""
    target = _unique_target(request, ocpi, "CPO", "id")
    ours = our_party(ocpi)
    evses = [e for e in target.obj.get("evses") or [] if isinstance(e, dict) and e.get("uid")]
    now = utc_now() - timedelta(minutes=1)
    body: dict[str, Any] = {
        "response_url": result_url(ocpi, "START_SESSION"),
        "token": make.token(ours, make.new_id("ORC"), now),
        "location_id": target.obj["id"],
    }
    if evses:
        body["evse_uid"] = evses[0]["uid"]
    url = endpoint_or_skip(ocpi, "commands", "RECEIVER").rstrip("/") + "/START_SESSION"
    response = _open_client(ocpi, ours).post(url, body)
    _, data = payload(response)
    _judge_answer(
        ocpi,
        response,
        _Answer("commands", ours, target.party, isinstance(data, dict)),
        f"a START_SESSION without OCPI-to-* for Location {target.obj['id']} of "
        f"{target.party.label}",
        f"a CommandResponse of {target.party.label}",
        "the Hub can find the CPO by the location_id; a command is never for everybody",
    )


@_hub_check(id="hub.open_routing.authorize_by_token", spec=OPEN, level="SHOULD")
def test_open_routing_authorize_by_token(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """A real-time authorization our CPO party asks without OCPI-to-* for a Token of an eMSP
    behind the Hub is answered by that eMSP with an AuthorizationInfo of that Token."""
    cpos = hub.hosted(ocpi, "CPO")
    if not cpos:
        skip_could_not_run("our counterpart hosts no CPO party behind the Hub (extra_parties)")
    target, requester = _unique_target(request, ocpi, "EMSP", "uid"), cpos[0]
    uid, kind = str(target.obj["uid"]), str(target.obj.get("type") or "RFID")
    base = endpoint_or_skip(ocpi, "tokens", "SENDER").rstrip("/")
    response = _open_client(ocpi, requester).post(
        f"{base}/{uid}/authorize", None, params={"type": kind}
    )
    _, data = payload(response)
    token = data.get("token") if isinstance(data, dict) else None
    _judge_answer(
        ocpi,
        response,
        _Answer(
            "tokens", requester, target.party, isinstance(token, dict) and token.get("uid") == uid
        ),
        f"a real-time authorization without OCPI-to-* of Token {uid} of {target.party.label}",
        f"an AuthorizationInfo of Token {uid}",
        "the Hub can ask the eMSPs behind it which one knows the Token",
    )

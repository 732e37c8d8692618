"""Live status: EVSE status changes pushed as PATCHes on the EVSE (2.2.1 §8.2.2.3), both ways.

An eMSP target's Locations Receiver gets a series of status PATCHes from us (AVAILABLE →
CHARGING → AVAILABLE → OUTOFORDER → AVAILABLE with a RESERVED period planned in
``status_schedule`` → RESERVED → AVAILABLE, each with a later ``last_updated``) on a Location
of its own for this check; after each one it must give back the status and ``last_updated``
pushed, on the EVSE and on its Location (the Receiver SHALL set the new value on the parent).

A CPO target's pushes to our counterpart (any run in sandbox mode; ``ocpi-conformance listen``
gives time to make them by hand): the ``last_updated`` it pushes for an EVSE never goes back,
and its own Sender agrees with the last status it pushed for each EVSE.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest

from conformance.checks import _objects as make
from conformance.checks._common import (
    cached,
    client_for,
    endpoint_or_skip,
    expect_ok,
    payload,
    skip_reason,
    utc_now,
)
from conformance.checks._incoming import incoming, settle
from conformance.checks._receiver import PUSHED, receiver
from conformance.checks._single import object_url
from conformance.crossrules import parse_datetime
from conformance.failures import CheckFailure
from conformance.session import Run
from conformance.skips import skip_could_not_run
from ocpi_core.client import OcpiResponse

check = pytest.mark.check
R_PATCH = "2.2.1 §8.2.2.3 Receiver PATCH Method"
EVSE_OBJECT = "2.2.1 §8.3.2 EVSE Object"
LOCATION_OBJECT = "2.2.1 §8.3.1 Location Object"
CPO = ("CPO",)
EMSP = ("EMSP",)
SHOWN = 10


# ---- an eMSP target's Receiver ----------------------------------------------------------------


@dataclass(frozen=True)
class _Step:
    patch: dict[str, Any]
    response: OcpiResponse
    evse: OcpiResponse
    location: OcpiResponse


def _series(start: datetime) -> list[dict[str, Any]]:
    reservation = {
        "period_begin": make.ocpi_time(start + timedelta(hours=1)),
        "period_end": make.ocpi_time(start + timedelta(hours=2)),
        "status": "RESERVED",
    }
    steps: list[dict[str, Any]] = [
        {"status": "CHARGING"},
        {"status": "AVAILABLE"},
        {"status": "OUTOFORDER"},
        {"status": "AVAILABLE", "status_schedule": [reservation]},
        {"status": "RESERVED", "status_schedule": []},
        {"status": "AVAILABLE"},
    ]
    return [
        {**fields, "last_updated": make.ocpi_time(start + timedelta(seconds=10 * (n + 1)))}
        for n, fields in enumerate(steps)
    ]


def _status_steps(ocpi: Run, request: pytest.FixtureRequest) -> list[_Step]:
    """The run's one series of status PATCHes on a Location pushed for it."""
    target = receiver(ocpi, "locations")

    def push() -> list[_Step] | str:
        start = (utc_now() - timedelta(minutes=3)).replace(microsecond=0)
        body = make.location(target.party, make.new_id("LOC"), start)
        url = target.url(body["id"])
        answer = target.client.put(url, body)
        if answer.http_status not in PUSHED:
            refused = "our Location PUT was refused (see locations.receiver.put_get)"
            return skip_reason(answer) or refused
        evse_url = target.url(body["id"], body["evses"][0]["uid"])
        steps = []
        for patch in _series(start):
            response = target.client.patch(evse_url, patch)
            read = target.client.get(evse_url), target.client.get(url)
            steps.append(_Step(patch, response, *read))
            if response.http_status != 200:
                break
        return steps

    found = cached(request, ("pushed", "status-series"), push)
    if isinstance(found, str):
        skip_could_not_run(found)
    return found


def _same_instant(left: Any, right: str) -> bool:
    return parse_datetime(left) is not None and parse_datetime(left) == parse_datetime(right)


def _schedule(value: Any) -> list[tuple[Any, ...]]:
    return [
        (parse_datetime(p.get("period_begin")), parse_datetime(p.get("period_end")), p["status"])
        for p in value or []
        if isinstance(p, dict)
    ]


@check(id="locations.receiver.status_read_back", spec=R_PATCH, mode="sandbox", roles=EMSP)
def test_receiver_status_read_back(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """After each status PATCH on an EVSE, GET of the EVSE gives the status, status_schedule
    and last_updated pushed."""
    title = "EVSE status PATCHed is not the status read back"
    for step in _status_steps(ocpi, request):
        expect_ok(step.response, "PATCH of an EVSE status refused", spec=R_PATCH)
        data = expect_ok(step.evse, "GET of the PATCHed EVSE", spec=R_PATCH, needs_data=True)
        data = data if isinstance(data, dict) else {}
        problems = []
        if data.get("status") != step.patch["status"]:
            problems.append(f"status {data.get('status')!r}")
        if "status_schedule" in step.patch and _schedule(data.get("status_schedule")) != _schedule(
            step.patch["status_schedule"]
        ):
            problems.append(f"status_schedule {data.get('status_schedule')!r}")
        if not _same_instant(data.get("last_updated"), step.patch["last_updated"]):
            problems.append(f"last_updated {data.get('last_updated')!r}")
        if problems:
            raise CheckFailure(
                title,
                expected=f"the EVSE as PATCHed: {step.patch}",
                actual=", ".join(problems),
                spec=R_PATCH,
                exchange=step.evse.exchange,
            )


@check(id="locations.receiver.status_parent_follows", spec=R_PATCH, mode="sandbox", roles=EMSP)
def test_receiver_status_parent_follows(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """After each status PATCH on an EVSE, the Location's last_updated is the PATCH's: the new
    value, not the Receiver's own clock, and never behind an earlier PATCH."""
    for step in _status_steps(ocpi, request):
        if step.response.http_status != 200:
            skip_could_not_run(
                "a status PATCH was refused (see locations.receiver.status_read_back)"
            )
        data = expect_ok(step.location, "GET of the Location", spec=R_PATCH, needs_data=True)
        stored = data.get("last_updated") if isinstance(data, dict) else None
        if not _same_instant(stored, step.patch["last_updated"]):
            raise CheckFailure(
                "Location last_updated is not the one PATCHed on its EVSE",
                expected=f"Location.last_updated = {step.patch['last_updated']} (the EVSE "
                "PATCH's, set on the parent by the Receiver)",
                actual=f"Location.last_updated {stored!r}",
                spec=R_PATCH,
                exchange=step.location.exchange,
            )


# ---- a CPO target's pushes to us ---------------------------------------------------------------


@dataclass(frozen=True)
class _Push:
    location_id: str
    evse_uid: str
    method: str
    last_updated: str | None
    status: str | None
    title: str


def _evse_pushes(ocpi: Run) -> list[_Push]:
    """Every EVSE state the target pushed to our Locations Receiver, in order: the EVSEs of a
    Location PUT, an EVSE PUT or PATCH (URL .../{country}/{party}/{location}/{evse})."""
    found = []
    for call in incoming(ocpi):
        if call.module != "locations" or call.role != "RECEIVER" or not isinstance(call.body, dict):
            continue
        if call.method not in ("PUT", "PATCH") or not 200 <= (call.exchange.status or 0) < 300:
            continue
        title = call.exchange.title
        if len(call.segments) == 3 and call.method == "PUT":
            for evse in call.body.get("evses") or []:
                if isinstance(evse, dict) and isinstance(evse.get("uid"), str):
                    found.append(
                        _Push(
                            call.segments[2],
                            evse["uid"],
                            "PUT",
                            evse.get("last_updated"),
                            evse.get("status"),
                            title,
                        )
                    )
        elif len(call.segments) == 4:
            body = call.body
            found.append(
                _Push(
                    call.segments[2],
                    call.segments[3],
                    call.method,
                    body.get("last_updated"),
                    body.get("status"),
                    title,
                )
            )
    return found


def _pushes_or_skip(ocpi: Run) -> list[_Push]:
    settle(ocpi)
    pushes = [p for p in _evse_pushes(ocpi) if parse_datetime(p.last_updated) is not None]
    if not pushes:
        skip_could_not_run(
            "the target pushed no EVSE to us; run `ocpi-conformance listen` and change an "
            "EVSE's status meanwhile"
        )
    return pushes


@check(id="locations.push.last_updated_monotonic", spec=EVSE_OBJECT, mode="sandbox", roles=CPO)
def test_push_last_updated_monotonic(ocpi: Run) -> None:
    """The last_updated the target pushes for an EVSE never goes back: each push of it is at
    least as new as the one before."""
    latest: dict[tuple[str, str], _Push] = {}
    problems = []
    for push in _pushes_or_skip(ocpi):
        key = (push.location_id.upper(), push.evse_uid.upper())
        before = latest.get(key)
        if before is not None and parse_datetime(push.last_updated) < parse_datetime(
            before.last_updated
        ):
            problems.append(
                f"{push.location_id}/{push.evse_uid}: {push.method} with last_updated "
                f"{push.last_updated} after one with {before.last_updated} ({push.title})"
            )
        else:
            latest[key] = push
    if problems:
        raise CheckFailure(
            "Pushed EVSE last_updated goes back",
            expected="each push of an EVSE at least as new as the one before",
            actual=problems[0] if len(problems) == 1 else f"{len(problems)} pushes went back",
            spec=EVSE_OBJECT,
            hint="push the last_updated you store, the moment of the change, never an older one",
            details=problems[:SHOWN] if len(problems) > 1 else (),
        )


@check(id="locations.push.sender_agrees", spec=R_PATCH, mode="sandbox", roles=CPO)
def test_push_sender_agrees(ocpi: Run) -> None:
    """For each EVSE whose last push was a status PATCH, the target's Sender serves the status
    pushed (when its last_updated is the one pushed), an EVSE and a Location no older than it."""
    last: dict[tuple[str, str], _Push] = {}
    for push in _pushes_or_skip(ocpi):
        last[(push.location_id.upper(), push.evse_uid.upper())] = push
    patched = [p for p in last.values() if p.method == "PATCH" and p.status is not None]
    if not patched:
        skip_could_not_run("the target pushed no EVSE status PATCH to us")
    url = endpoint_or_skip(ocpi, "locations", "SENDER")
    client = client_for(ocpi, module="locations")
    problems = []
    exchange = None
    for push in patched[:SHOWN]:
        evse_answer = client.get(object_url(url, push.location_id, push.evse_uid))
        location_answer = client.get(object_url(url, push.location_id))
        evse, where = payload(evse_answer)[1], payload(location_answer)[1]
        if not isinstance(evse, dict) or not isinstance(where, dict):
            problems.append(f"{push.location_id}/{push.evse_uid}: not served by the Sender")
            exchange = exchange or evse_answer.exchange
            continue
        pushed_at = parse_datetime(push.last_updated)
        served_at = parse_datetime(evse.get("last_updated"))
        parent_at = parse_datetime(where.get("last_updated"))
        name = f"{push.location_id}/{push.evse_uid}"
        if served_at is None or served_at < pushed_at:
            problems.append(
                f"{name}: EVSE last_updated {evse.get('last_updated')!r} is older than the "
                f"{push.last_updated} pushed"
            )
        elif served_at == pushed_at and evse.get("status") != push.status:
            problems.append(
                f"{name}: pushed status {push.status} at {push.last_updated}, the Sender "
                f"serves {evse.get('status')} with the same last_updated"
            )
        if parent_at is None or parent_at < pushed_at:
            problems.append(
                f"{name}: Location last_updated {where.get('last_updated')!r} is older than "
                f"its EVSE's pushed change ({push.last_updated})"
            )
        if problems and exchange is None:
            exchange = evse_answer.exchange
    if problems:
        raise CheckFailure(
            "The Sender does not agree with the EVSE status pushed",
            expected="the status pushed, and EVSE and Location last_updated at least the one "
            "pushed",
            actual=problems[0] if len(problems) == 1 else f"{len(problems)} problems",
            spec=R_PATCH,
            details=problems[:SHOWN] if len(problems) > 1 else (),
            exchange=exchange,
        )

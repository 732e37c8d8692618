"""Sessions module (2.2.1 §9): the CPO's Sender list and objects, the eMSP's Receiver."""

from __future__ import annotations

from datetime import timedelta

import pytest

from conformance.checks import _objects as make
from conformance.checks._common import (
    expect_ok,
    full_walk,
    target_party,
    utc_now,
    walked_objects,
)
from conformance.checks._lists import (
    check_ids_unique,
    check_last_updated_past,
    check_objects_valid,
    fail_with,
)
from conformance.checks._receiver import (
    FOREIGN_PARTY,
    PUSHED,
    Pushed,
    expect_refused,
    expect_stored,
    pushed_location,
    pushed_once,
    receiver,
)
from conformance.crossrules import session_location_problems
from conformance.failures import CheckFailure
from conformance.rules.objects import OBJECT_SPECS, PATCH_SPECS
from conformance.session import Run
from conformance.skips import skip_could_not_run, skip_not_applicable
from ocpi_core.versions import SINCE_2_2

check = pytest.mark.check
SESSION = OBJECT_SPECS["sessions"]
R_GET = "2.2.1 §9.2.2.1 Receiver GET Method"
R_PUT = "2.2.1 §9.2.2.2 Receiver PUT Method"
R_PATCH = PATCH_SPECS["sessions"]
CPO = ("CPO",)
EMSP = ("EMSP",)


# ---- Sender interface (CPO target) -----------------------------------------------------------


@check(id="sessions.objects_valid", spec=SESSION, roles=CPO)
def test_objects_valid(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """Every Session of the list is schema-valid."""
    check_objects_valid(request, ocpi, "sessions", SESSION)


@check(id="sessions.ids_unique", spec=SESSION, roles=CPO)
def test_ids_unique(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """No two different Sessions share an id."""
    check_ids_unique(request, ocpi, "sessions", SESSION)


@check(id="sessions.last_updated_not_future", spec=SESSION, roles=CPO)
def test_last_updated_not_future(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """No Session has a last_updated in the future."""
    check_last_updated_past(request, ocpi, "sessions", SESSION)


@check(id="sessions.location_consistent", versions=SINCE_2_2, spec=SESSION, roles=CPO)
def test_location_consistent(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """A Session at a published Location names an EVSE and Connector that Location has."""
    if ocpi.discovery.endpoint("locations", "SENDER") is None:
        skip_not_applicable("the target offers no locations SENDER interface to compare with")
    title = "Sessions name EVSEs or connectors their Location does not have"
    sessions = walked_objects(request, ocpi, "sessions", title, SESSION)
    locations = full_walk(request, ocpi, "locations")
    if locations.problem is not None:
        skip_could_not_run(f"the locations list cannot be read completely: {locations.problem}")
    problems = [
        f"session {s.get('id')}: {p}"
        for s in sessions
        for p in session_location_problems(s, locations.objects)
    ]
    fail_with(
        problems,
        title,
        expected="location_id/evse_uid/connector_id of a Location in the locations list",
        spec=SESSION,
        exchange=full_walk(request, ocpi, "sessions").first.exchange,
    )


# ---- Receiver interface (eMSP target) --------------------------------------------------------


def _pushed_session(ocpi: Run, request: pytest.FixtureRequest) -> Pushed:
    target = receiver(ocpi, "sessions")
    location = pushed_location(ocpi, request) if _has_locations(ocpi) else None

    def push() -> Pushed:
        now = utc_now() - timedelta(minutes=2)
        place = _place(location)
        owner = target_party(ocpi) or target.party
        body = make.session(target.party, make.new_id("SES"), owner, now, **place)
        url = target.url(body["id"])
        return Pushed(url, body, target.client.put(url, body))

    return pushed_once(request, "session", push)


def _has_locations(ocpi: Run) -> bool:
    return ocpi.discovery.endpoint("locations", "RECEIVER") is not None


def _place(location: Pushed | None) -> dict[str, str]:
    if location is None or not location.ok:
        return {"location_id": make.new_id("LOC")}
    evse = location.body["evses"][0]
    return {
        "location_id": location.body["id"],
        "evse_uid": evse["uid"],
        "connector_id": evse["connectors"][0]["id"],
    }


@check(id="sessions.receiver.put_get", spec=R_PUT, mode="sandbox", roles=EMSP)
def test_receiver_put_get(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """A Session PUT is accepted, and GET returns it as pushed."""
    pushed = _pushed_session(ocpi, request)
    expect_ok(pushed.response, "PUT of a new Session refused", spec=R_PUT, http=PUSHED)
    target = receiver(ocpi, "sessions")
    expect_stored(target.client, pushed.url, pushed.body, "GET of the pushed Session", spec=R_GET)


def _periods(data: object) -> list:
    periods = data.get("charging_periods") if isinstance(data, dict) else None
    return periods if isinstance(periods, list) else []


@check(id="sessions.receiver.patch_appends_periods", spec=R_PATCH, mode="sandbox", roles=EMSP)
def test_receiver_patch_appends_periods(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """A PATCH with charging_periods adds them to the stored ones."""
    pushed = _pushed_session(ocpi, request).require("sessions.receiver.put_get")
    target = receiver(ocpi, "sessions")
    before = expect_ok(
        target.client.get(pushed.url), "GET of the pushed Session", spec=R_GET, needs_data=True
    )
    now = utc_now()
    period = make.charging_period(now - timedelta(minutes=1), 1.5)
    patch = {"kwh": 7.0, "charging_periods": [period], "last_updated": make.ocpi_time(now)}
    expect_ok(target.client.patch(pushed.url, patch), "PATCH of a Session refused", spec=R_PATCH)
    response = target.client.get(pushed.url)
    after = expect_ok(response, "GET of the patched Session", spec=R_GET, needs_data=True)
    count = len(_periods(before))
    if len(_periods(after)) != count + 1 or (after.get("kwh") != 7.0):
        raise CheckFailure(
            "PATCH with charging_periods did not append them",
            expected=f"{count + 1} charging periods (the {count} stored plus the new one), kwh 7.0",
            actual=f"{len(_periods(after))} charging periods, kwh {after.get('kwh')!r}",
            spec=R_PATCH,
            exchange=response.exchange,
        )


@check(id="sessions.receiver.put_replaces_periods", spec=R_PUT, mode="sandbox", roles=EMSP)
def test_receiver_put_replaces_periods(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """A PUT replaces the stored charging_periods with its own."""
    pushed = _pushed_session(ocpi, request).require("sessions.receiver.put_get")
    target = receiver(ocpi, "sessions")
    now = utc_now()
    body = {
        **pushed.body,
        "charging_periods": [make.charging_period(now - timedelta(minutes=5), 9.0)],
        "kwh": 9.0,
        "last_updated": make.ocpi_time(now),
    }
    expect_ok(
        target.client.put(pushed.url, body),
        "Second PUT of a Session refused",
        spec=R_PUT,
        http=PUSHED,
    )
    expect_stored(target.client, pushed.url, body, "PUT did not replace the Session", spec=R_PUT)


@check(
    id="sessions.receiver.patch_requires_last_updated",
    versions=SINCE_2_2,
    spec=R_PATCH,
    mode="sandbox",
    roles=EMSP,
)
def test_receiver_patch_requires_last_updated(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """A PATCH without last_updated is refused (status_code 2001)."""
    pushed = _pushed_session(ocpi, request).require("sessions.receiver.put_get")
    target = receiver(ocpi, "sessions")
    expect_refused(
        target.client.patch(pushed.url, {"kwh": 8.0}),
        "PATCH without last_updated accepted",
        spec=R_PATCH,
        expected="an OCPI client error, status_code 2001",
        codes=(2001,),
        hint="every PATCH must carry last_updated; answer 2001 when it does not",
    )


@check(id="sessions.receiver.wrong_party_refused", spec=R_PUT, mode="sandbox", roles=EMSP)
def test_receiver_wrong_party_refused(ocpi: Run) -> None:
    """A PUT whose URL names another party than the Session's owner is refused."""
    target = receiver(ocpi, "sessions")
    body = make.session(
        target.party, make.new_id("SES"), target.party, utc_now(), location_id=make.new_id("LOC")
    )
    expect_refused(
        target.client.put(target.url(body["id"], party=FOREIGN_PARTY), body),
        "PUT under another party's country_code/party_id accepted",
        spec=R_PUT,
        expected="a refusal: OCPI 2xxx, or HTTP 404 for a party we do not hold",
    )


@check(
    id="sessions.receiver.malformed_refused",
    spec="2.2.1 §5.2 2xxx: Client errors",
    mode="sandbox",
    roles=EMSP,
)
def test_receiver_malformed_refused(ocpi: Run) -> None:
    """A Session without its required fields is refused with 2001."""
    target = receiver(ocpi, "sessions")
    body = make.session(
        target.party, make.new_id("SES"), target.party, utc_now(), location_id=make.new_id("LOC")
    )
    for field in ("cdr_token", "start_date_time", "status"):
        body.pop(field)
    expect_refused(
        target.client.put(target.url(body["id"]), body),
        "PUT of a Session without required fields accepted",
        spec="2.2.1 §5.2 2xxx: Client errors",
        expected="status_code 2001 (invalid or missing parameters)",
        codes=(2001,),
    )

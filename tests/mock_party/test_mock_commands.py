"""Commands and charging profiles at a mock CPO (Flask test client): what each one does."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from mock_support import PARTNER_PARTY, OcpiActions, assert_envelope, assert_valid, token

V = "/ocpi/2.2.1"
RESULTS = "http://127.0.0.1:9/results"  # nobody listens: the result POST fails, the effect stays


def wait_for(condition: Callable[[], Any], timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.05)
    return value


@pytest.fixture
def cpo(make_app) -> OcpiActions:
    app = make_app(locations=4, tariffs=3, sessions=6, cdrs=2, command_delay=0, http_timeout=1)
    actions = OcpiActions(app.test_client(), app)
    actions.register()
    return actions


def _list(cpo: OcpiActions, module: str) -> list[dict]:
    return cpo.get(f"{V}/sender/{module}?limit=50").json["data"]


def _available(cpo: OcpiActions) -> tuple[dict, dict]:
    return next(
        (loc, evse)
        for loc in _list(cpo, "locations")
        for evse in loc["evses"]
        if evse["status"] == "AVAILABLE"
    )


def _evse_status(cpo: OcpiActions, location_id: str, evse_uid: str) -> str:
    return cpo.get(f"{V}/sender/locations/{location_id}/{evse_uid}").json["data"]["status"]


def _command(cpo: OcpiActions, command: str, body: dict) -> dict:
    response = cpo.post(f"{V}/receiver/commands/{command}", {"response_url": RESULTS, **body})
    return assert_envelope(response)


def test_start_and_stop_session(cpo):
    location, evse = _available(cpo)
    ours = token(PARTNER_PARTY, "CMD-TOKEN", whitelist="NEVER")
    answer = _command(
        cpo,
        "START_SESSION",
        {"token": ours, "location_id": location["id"], "evse_uid": evse["uid"]},
    )
    assert answer["data"] == {"result": "ACCEPTED", "timeout": 30}
    started = wait_for(
        lambda: [s for s in _list(cpo, "sessions") if s["cdr_token"]["uid"] == "CMD-TOKEN"]
    )[0]
    assert started["status"] == "ACTIVE" and started["auth_method"] == "COMMAND"
    assert_valid(started, "Session")
    assert _evse_status(cpo, location["id"], evse["uid"]) == "CHARGING"
    again = _command(
        cpo,
        "START_SESSION",
        {"token": ours, "location_id": location["id"], "evse_uid": evse["uid"]},
    )
    assert again["data"]["result"] == "ACCEPTED"  # the CPO accepts; the charge point is busy
    assert _command(cpo, "STOP_SESSION", {"session_id": started["id"]})["data"]["result"] == (
        "ACCEPTED"
    )
    cdr = wait_for(lambda: [c for c in _list(cpo, "cdrs") if c.get("session_id") == started["id"]])[
        0
    ]
    assert_valid(cdr, "CDR")
    stopped = next(s for s in _list(cpo, "sessions") if s["id"] == started["id"])
    assert stopped["status"] == "COMPLETED" and stopped["total_cost"] == cdr["total_cost"]
    assert _evse_status(cpo, location["id"], evse["uid"]) == "AVAILABLE"
    done = _command(cpo, "STOP_SESSION", {"session_id": started["id"]})
    assert done["data"]["result"] == "REJECTED"


def test_a_partner_reading_during_the_stop_pushes_sees_the_cdr_and_a_free_evse(cpo, monkeypatch):
    """While the CPO still pushes a stopped session's completion, a GET that finds the CDR finds
    the EVSE AVAILABLE too (they are stored in one transaction, pushed after)."""
    from mock_party import simulate

    location, evse = _available(cpo)
    body = {"token": token(PARTNER_PARTY, "HOLD"), "location_id": location["id"]}
    _command(cpo, "START_SESSION", {**body, "evse_uid": evse["uid"]})
    session = wait_for(
        lambda: [s for s in _list(cpo, "sessions") if s["cdr_token"]["uid"] == "HOLD"]
    )[0]
    pushing, seen = threading.Event(), threading.Event()
    real_push = simulate.push

    def held_push(store, config, module, method, path, change, **options):
        if module == "sessions" and method == "PATCH" and change.get("status") == "COMPLETED":
            pushing.set()
            seen.wait(10)
        return real_push(store, config, module, method, path, change, **options)

    monkeypatch.setattr(simulate, "push", held_push)
    _command(cpo, "STOP_SESSION", {"session_id": session["id"]})
    try:
        assert pushing.wait(10), "the stop never pushed the session's completion"
        cdrs = [c for c in _list(cpo, "cdrs") if c.get("session_id") == session["id"]]
        status = _evse_status(cpo, location["id"], evse["uid"])
    finally:
        seen.set()
    assert len(cdrs) == 1 and status == "AVAILABLE"


def test_a_start_that_lost_the_race_for_the_evse_is_refused(cpo, monkeypatch):
    """Two starts at one EVSE: the one that looked the charge point up before the other took
    it is refused when it comes to take it, instead of a second session at a busy EVSE."""
    from mock_party import simulate

    location, evse = _available(cpo)
    at = {"auth_method": "WHITELIST", "location_id": location["id"], "evse_uid": evse["uid"]}
    real_find = simulate.find_charge_point
    first: list[dict] = []
    raced = threading.Event()

    def find_then_lose_the_race(*args):
        point = real_find(*args)
        if not raced.is_set():  # the other start takes the EVSE just after our look
            raced.set()
            first.append(simulate.start_session(token=token(PARTNER_PARTY, "FIRST"), **at)[0])
        return point

    monkeypatch.setattr(simulate, "find_charge_point", find_then_lose_the_race)
    with cpo.app.app_context(), pytest.raises(simulate.SimulationError, match="CHARGING"):
        simulate.start_session(token=token(PARTNER_PARTY, "SECOND"), **at)
    sessions = [s for s in _list(cpo, "sessions") if s["evse_uid"] == evse["uid"]]
    assert [s["id"] for s in sessions if s["status"] == "ACTIVE"] == [first[0]["id"]]


def test_stop_of_a_generated_active_session(cpo):
    active = next(s for s in _list(cpo, "sessions") if s["status"] == "ACTIVE")
    assert _command(cpo, "STOP_SESSION", {"session_id": active["id"]})["data"]["result"] == (
        "ACCEPTED"
    )
    cdr = wait_for(lambda: [c for c in _list(cpo, "cdrs") if c.get("session_id") == active["id"]])[
        0
    ]
    assert_valid(cdr, "CDR")
    from mock_party.objects import sort_key

    starts = [sort_key(p["start_date_time"]) for p in cdr["charging_periods"]]
    assert starts == sorted(starts) and len(set(starts)) == len(starts)


def test_reservation_and_its_cancellation(cpo):
    location, evse = _available(cpo)
    reserve = {
        "token": token(PARTNER_PARTY),
        "expiry_date": "2099-01-01T00:00:00Z",
        "reservation_id": "R-1",
        "location_id": location["id"],
        "evse_uid": evse["uid"],
    }
    assert _command(cpo, "RESERVE_NOW", reserve)["data"]["result"] == "ACCEPTED"
    wait_for(lambda: _evse_status(cpo, location["id"], evse["uid"]) == "RESERVED")
    assert _command(cpo, "CANCEL_RESERVATION", {"reservation_id": "R-1"})["data"]["result"] == (
        "ACCEPTED"
    )
    wait_for(lambda: _evse_status(cpo, location["id"], evse["uid"]) == "AVAILABLE")


def test_refusals(cpo):
    location, evse = _available(cpo)
    unknown = cpo.post(
        f"{V}/receiver/commands/UNLOCK_CONNECTOR",
        {"response_url": RESULTS, "location_id": "NOPE", "evse_uid": "E", "connector_id": "1"},
    )
    assert unknown.status_code == 404
    assert assert_envelope(unknown, 2003)["data"]["result"] == "REJECTED"
    no_evse = _command(
        cpo,
        "UNLOCK_CONNECTOR",
        {"location_id": location["id"], "evse_uid": "NOPE", "connector_id": "1"},
    )
    assert no_evse["data"]["result"] == "REJECTED" and no_evse["status_code"] == 1000
    no_session = _command(cpo, "STOP_SESSION", {"session_id": "NOPE"})
    assert no_session["data"]["result"] == "UNKNOWN_SESSION"
    assert cpo.post(f"{V}/receiver/commands/START_SESSION", {"token": 1}).status_code == 400


def test_configured_outcome_does_nothing(make_app):
    app = make_app(locations=3, tariffs=2, command_delay=0, command_result="EVSE_INOPERATIVE")
    cpo = OcpiActions(app.test_client(), app)
    cpo.register()
    location, evse = _available(cpo)
    body = {"token": token(PARTNER_PARTY), "location_id": location["id"], "evse_uid": evse["uid"]}
    assert _command(cpo, "START_SESSION", body)["data"]["result"] == "ACCEPTED"
    time.sleep(0.3)
    assert _list(cpo, "sessions") == []
    assert _evse_status(cpo, location["id"], evse["uid"]) == "AVAILABLE"


def test_charging_profiles(cpo):
    session_id = _list(cpo, "sessions")[0]["id"]
    url = f"{V}/receiver/chargingprofiles/{session_id}"
    profile = {
        "charging_rate_unit": "A",
        "charging_profile_period": [{"start_period": 0, "limit": 16}],
    }
    answer = cpo.put(url, {"charging_profile": profile, "response_url": RESULTS})
    assert_valid(assert_envelope(answer, 1000)["data"], "ChargingProfileResponse")
    assert answer.json["data"]["result"] == "ACCEPTED"
    read = cpo.get(f"{url}?duration=900&response_url={RESULTS}")
    assert read.json["data"]["result"] == "ACCEPTED"
    assert cpo.get(f"{url}?duration=x&response_url={RESULTS}").status_code == 400
    assert cpo.delete(url).status_code == 400  # response_url is required
    assert cpo.delete(f"{url}?response_url={RESULTS}").json["data"]["result"] == "ACCEPTED"
    unknown = cpo.put(
        f"{V}/receiver/chargingprofiles/NOPE",
        {"charging_profile": profile, "response_url": RESULTS},
    )
    assert unknown.json["data"]["result"] == "UNKNOWN_SESSION"

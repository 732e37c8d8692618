"""The cross-object rules (conformance.crossrules) and the objects the suite pushes."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

import pytest

from conformance import crossrules as rules
from conformance.checks import _objects as make
from ocpi_core.schemas import validate

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
US = ("NL", "OCT")


def _location(location_id: str = "L1") -> dict:
    body = make.location(US, location_id, NOW - timedelta(hours=1))
    body["evses"].append(make.evse(f"{location_id}-E2", NOW - timedelta(hours=1)))
    return body


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-03-01T12:00:00Z", datetime(2026, 3, 1, 12, 0, tzinfo=UTC)),
        ("2026-03-01T12:00:00", datetime(2026, 3, 1, 12, 0, tzinfo=UTC)),
        ("2026-03-01T12:00:00.25Z", datetime(2026, 3, 1, 12, 0, 0, 250000, tzinfo=UTC)),
        ("2026-03-01T12:00:00+00:00", None),
        ("2026-13-01T12:00:00Z", None),
        ("yesterday", None),
        (20260301, None),
    ],
)
def test_parse_datetime(text: object, expected: datetime | None) -> None:
    assert rules.parse_datetime(text) == expected


def test_object_keys_are_case_insensitive_and_per_module() -> None:
    token = make.token(US, "ABC", NOW)
    assert rules.object_key("tokens", token) == ("NL", "OCT", "ABC", "RFID")
    assert rules.object_key("locations", {"country_code": "nl", "party_id": "oct", "id": "x"}) == (
        "NL",
        "OCT",
        "X",
    )


def test_conflicting_ids_ignore_repeats_of_one_object() -> None:
    a, b = _location("L1"), _location("L2")
    twin = copy.deepcopy(a)
    assert rules.conflicting_ids("locations", [a, b, twin]) == []
    assert rules.repeated_keys("locations", [a, b, twin]) == {("NL", "OCT", "L1"): 2}
    other = {**b, "id": "L1"}
    assert rules.conflicting_ids("locations", [a, other]) == ["NL/OCT/L1"]


def test_future_last_updated_looks_into_evses_and_connectors() -> None:
    location = _location()
    location["evses"][1]["connectors"][0]["last_updated"] = "2026-03-01T13:00:00Z"
    found = rules.future_last_updated(location, NOW, timedelta(minutes=5))
    assert found == ["$.evses[1].connectors[0].last_updated = 2026-03-01T13:00:00Z"]
    assert rules.future_last_updated(location, NOW + timedelta(hours=2), timedelta(0)) == []


def test_duplicate_evse_uids_and_connector_ids() -> None:
    location = _location()
    assert rules.duplicate_evse_uids(location) == []
    location["evses"][1]["uid"] = location["evses"][0]["uid"].lower()
    assert rules.duplicate_evse_uids(location) == ["L1-E1"]
    evse = location["evses"][0]
    evse["connectors"].append(dict(evse["connectors"][0]))
    assert rules.duplicate_connector_ids(location) == ["L1-E1/1"]


def test_stale_parents() -> None:
    location = _location()
    assert rules.stale_parents(location) == []
    location["evses"][0]["last_updated"] = "2026-03-01T11:30:00Z"
    location["evses"][0]["connectors"][0]["last_updated"] = "2026-03-01T11:45:00Z"
    found = rules.stale_parents(location)
    assert len(found) == 2
    assert "older than its EVSE L1-E1" in found[0]
    assert "older than its connector 1" in found[1]


def test_missing_tariff_ids_compare_within_the_cpo() -> None:
    location = _location()
    location["evses"][0]["connectors"][0]["tariff_ids"] = ["T1", "T2"]
    tariffs = [make.tariff(US, "T1", NOW), make.tariff(("DE", "XYZ"), "T2", NOW)]
    assert rules.missing_tariff_ids([location], tariffs) == [
        "location L1, EVSE L1-E1, connector 1: tariff 'T2'"
    ]


def test_cdr_location_problems() -> None:
    location = _location()
    cdr = make.cdr(US, "C1", ("DE", "EMS"), NOW)
    cdr["cdr_location"].update(id="L1", evse_uid="L1-E1", evse_id=location["evses"][0]["evse_id"])
    assert rules.cdr_location_problems(cdr, [location]) == []
    cdr["cdr_location"]["connector_id"] = "9"
    assert rules.cdr_location_problems(cdr, [location]) == [
        "EVSE L1-E1 of location L1 has no connector '9'"
    ]
    cdr["cdr_location"].update(evse_uid="NOPE")
    assert rules.cdr_location_problems(cdr, [location]) == ["location L1 has no EVSE 'NOPE'"]
    cdr["cdr_location"].update(id="UNPUBLISHED")
    assert rules.cdr_location_problems(cdr, [location]) == []
    cdr["cdr_location"].update(id="L1", evse_uid="#NA")
    assert rules.cdr_location_problems(cdr, [location]) == []


def test_cdr_session_problems() -> None:
    session = make.session(US, "S1", ("DE", "EMS"), NOW, location_id="L1", evse_uid="L1-E1")
    cdr = make.cdr(US, "C1", ("DE", "EMS"), NOW, session_id="S1")
    cdr["cdr_location"].update(id="L1", evse_uid="L1-E1")
    cdr["cdr_token"] = dict(session["cdr_token"])
    assert rules.cdr_session_problems(cdr, [session]) == []
    cdr["cdr_token"]["uid"] = "OTHER"
    assert rules.cdr_session_problems(cdr, [session]) == [
        f"token uid: 'OTHER' in the CDR, {session['cdr_token']['uid']!r} in session S1"
    ]
    assert rules.cdr_session_problems({**cdr, "session_id": "S2"}, [session]) == []


def test_session_location_problems() -> None:
    location = _location()
    session = make.session(US, "S1", US, NOW, location_id="L1", evse_uid="L1-E2")
    assert rules.session_location_problems(session, [location]) == []
    session["connector_id"] = "7"
    assert rules.session_location_problems(session, [location]) == [
        "EVSE L1-E2 of location L1 has no connector '7'"
    ]


def test_differences_compare_instants_and_numbers() -> None:
    a = {"last_updated": "2026-03-01T12:00:00Z", "kwh": 5, "list": [1, 2]}
    b = {"last_updated": "2026-03-01T12:00:00.000Z", "kwh": 5.0, "list": [1, 2]}
    assert rules.differences(a, b) == []
    assert rules.differences(a, {**b, "kwh": 6, "extra": True}) == [
        "$.kwh: 5 expected, 6 found",
        "$.extra: unexpected True",
    ]
    assert rules.differences(a, {**b, "list": [1]}) == ["$.list: 2 item(s) expected, 1 found"]


def test_pushed_differences_allow_added_fields_only() -> None:
    sent = make.token(US, "ABC", NOW)
    stored = {**sent, "group_id": "G1", "last_updated": "2026-03-01T12:00:00.000Z"}
    assert rules.pushed_differences(sent, stored) == []
    del stored["issuer"]
    stored["valid"] = False
    assert rules.pushed_differences(sent, stored) == [
        "$.issuer: missing (sent 'ocpi-conformance test issuer')",
        "$.valid: True expected, False found",
    ]


@pytest.mark.parametrize(
    ("name", "document"),
    [
        ("Token", make.token(US, make.new_id("TOK"), NOW)),
        ("Location", make.location(US, make.new_id("LOC"), NOW)),
        ("EVSE", make.evse("E1", NOW)),
        ("Connector", make.connector("1", NOW)),
        ("Tariff", make.tariff(US, make.new_id("TAR"), NOW)),
        ("Session", make.session(US, make.new_id("SES"), US, NOW, location_id="L1")),
        ("CDR", make.cdr(US, make.new_id("CDR"), US, NOW)),
        ("ChargingProfile", make.charging_profile()),
    ],
)
def test_pushed_objects_are_schema_valid(name: str, document: dict) -> None:
    assert validate(document, "2.2.1", name) == []


def test_new_ids_are_unique_cistrings() -> None:
    ids = {make.new_id("LOC") for _ in range(200)}
    assert len(ids) == 200
    assert all(len(i) <= 36 and i == i.upper() for i in ids)

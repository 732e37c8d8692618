"""ocpi_core.schemas: the public API, its error texts, and the type policies of the schemas."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from ocpi_core import schemas
from ocpi_core.schemas import (
    VERSIONS,
    SchemaViolation,
    candidates,
    load_registry,
    schema_names,
    validate,
)

LOCATION: dict[str, Any] = {
    "country_code": "BE",
    "party_id": "BEC",
    "id": "LOC1",
    "publish": True,
    "address": "F.Rooseveltlaan 3A",
    "city": "Gent",
    "country": "BEL",
    "coordinates": {"latitude": "51.047599", "longitude": "3.729944"},
    "time_zone": "Europe/Brussels",
    "evses": [
        {
            "uid": "3256",
            "status": "AVAILABLE",
            "connectors": [
                {
                    "id": "1",
                    "standard": "IEC_62196_T2",
                    "format": "CABLE",
                    "power_type": "AC_3_PHASE",
                    "max_voltage": 220,
                    "max_amperage": 16,
                    "last_updated": "2015-03-16T10:10:02Z",
                }
            ],
            "last_updated": "2015-06-28T08:12:01Z",
        }
    ],
    "last_updated": "2015-06-29T20:39:09Z",
}


def _location(**changes: Any) -> dict[str, Any]:
    doc = copy.deepcopy(LOCATION)
    doc.update(changes)
    return doc


def _envelope(data: Any) -> dict[str, Any]:
    return {"data": data, "status_code": 1000, "timestamp": "2024-01-01T00:00:00Z"}


def test_public_names() -> None:
    assert schemas.__all__ == [
        "VERSIONS",
        "SchemaViolation",
        "candidates",
        "load_registry",
        "schema_names",
        "validate",
    ]
    assert VERSIONS == ("2.1.1", "2.2.1", "2.3.0")


def test_valid_location_has_no_violations() -> None:
    assert validate(LOCATION, "2.2.1", "Location") == []


def test_violation_text_names_path_message_rule_and_location() -> None:
    doc = _location()
    doc["evses"][0]["status"] = "FOO"
    (violation,) = validate(doc, "2.2.1", "Location")
    assert violation == SchemaViolation(
        json_path="$.evses[0].status",
        message=violation.message,
        keyword="enum",
        schema_location="Status.json#/enum",
        value="FOO",
    )
    assert str(violation) == (
        "$.evses[0].status: 'FOO' is not one of ['AVAILABLE', 'BLOCKED', 'CHARGING', "
        "'INOPERATIVE', 'OUTOFORDER', 'PLANNED', 'REMOVED', 'RESERVED', 'UNKNOWN'] "
        "(enum at Status.json#/enum)"
    )


def test_pattern_violations_say_what_was_expected() -> None:
    (violation,) = validate(
        _location(last_updated="2015-06-29T20:39:09+00:00"), "2.2.1", "Location"
    )
    assert str(violation) == (
        "$.last_updated: '2015-06-29T20:39:09+00:00' is not an OCPI DateTime: UTC, "
        "YYYY-MM-DDThh:mm:ss with optional fraction and optional Z, no offset "
        "(pattern at Location.json#/properties/last_updated/pattern)"
    )


def test_errors_behind_nullable_refs_are_the_real_ones() -> None:
    found = validate(_location(operator={"name": 5, "website": "no url"}), "2.2.1", "Location")
    assert [(v.json_path, v.keyword, v.schema_location) for v in found] == [
        ("$.operator.name", "type", "BusinessDetails.json#/properties/name/type"),
        ("$.operator.website", "pattern", "BusinessDetails.json#/properties/website/pattern"),
    ]


def test_most_relevant_first_then_by_path() -> None:
    doc = _location(city=None)
    del doc["address"]
    doc["evses"][0]["status"] = "FOO"
    found = validate(doc, "2.2.1", "Location")
    assert [v.json_path for v in found] == ["$", "$.city", "$.evses[0].status"]
    assert found[0].keyword == "required" and "'address'" in found[0].message


def test_large_values_are_cut() -> None:
    found = validate([LOCATION] * 5, "2.2.1", "Location")
    assert found[0].keyword == "type"
    assert isinstance(found[0].value, str) and found[0].value.endswith("…")
    assert len(found[0].message) < 120


def test_envelope_paths_point_into_data() -> None:
    broken = _location()
    broken["evses"][0]["connectors"][0]["id"] = "x" * 37
    doc = _envelope([LOCATION, LOCATION, LOCATION, broken])
    doc["timestamp"] = "yesterday"
    found = validate(doc, "2.2.1", "Location", envelope=True)
    assert [(v.json_path, v.keyword) for v in found] == [
        ("$.timestamp", "pattern"),
        ("$.data[3].evses[0].connectors[0].id", "maxLength"),
    ]
    assert validate(_envelope(LOCATION), "2.2.1", "Location", envelope=True) == []
    (single,) = validate(_envelope(_location(publish="yes")), "2.2.1", "Location", envelope=True)
    assert single.json_path == "$.data.publish"


def test_envelope_without_data_is_not_judged_on_data() -> None:
    error = {
        "status_code": 2001,
        "status_message": "Missing last_updated",
        "timestamp": "2024-01-01T00:00:00",
    }
    assert validate(error, "2.2.1", "Location", envelope=True) == []
    found = validate({"status_code": 10, "data": None}, "2.2.1", "Location", envelope=True)
    assert {(v.json_path, v.keyword) for v in found} == {
        ("$", "required"),
        ("$.status_code", "minimum"),
    }


@pytest.mark.parametrize(
    ("version", "name", "hint"),
    [
        ("2.2.1", "Locaton", "Did you mean 'Location'"),
        ("2.2.1", "evse", "Valid choices: "),
        ("2.2", "Location", "Did you mean '2.2.1'"),
        ("3.0", "Location", "Valid choices: 2.1.1, 2.2.1, 2.3.0"),
    ],
)
def test_unknown_names_are_refused_with_help(version: str, name: str, hint: str) -> None:
    with pytest.raises(ValueError, match="unknown") as caught:
        validate({}, version, name)
    assert hint in str(caught.value)


def test_schema_names_and_registry() -> None:
    names = schema_names("2.2.1")
    for expected in (
        "Location",
        "EVSE",
        "ConnectorType",
        "DisplayText",
        "LocationPatch",
        "Response",
    ):
        assert expected in names
    assert "TariffPatch" not in names  # Tariffs have no PATCH from 2.2 on
    assert "TariffPatch" in schema_names("2.1.1")
    assert "Terminal" in schema_names("2.3.0") and "Booking" in schema_names("2.3.0")
    assert load_registry("2.2.1") is load_registry("2.2.1")
    assert schemas._validator("2.2.1", "Location") is schemas._validator("2.2.1", "Location")


def test_schemas_are_read_through_the_package() -> None:
    root = schemas._schema_root()
    assert (root / "2.2.1" / "index.json").is_file()
    assert (root / "2.2.1" / "Location.json").is_file()


def test_candidates_best_fit_first() -> None:
    assert candidates(LOCATION, "2.2.1")[0] == "Location"
    connector = LOCATION["evses"][0]["connectors"][0]
    assert candidates(connector, "2.2.1")[0] == "Connector"
    assert candidates([LOCATION, LOCATION], "2.2.1")[0] == "Location"
    assert candidates(_location(publish="yes"), "2.2.1")[:1] != ["Location"]
    assert candidates(42, "2.2.1") == []


# ---- type policies (schemas/README.md) -------------------------------------------------


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("2015-06-29T20:39:09Z", True),
        ("2015-06-29T20:39:09", True),
        ("2016-12-29T17:45:09.2Z", True),
        ("2016-12-29T17:45:09.2", True),
        ("2018-01-01T01:08:01.123Z", True),
        ("2018-01-01T01:08:01.123", True),
        ("2016-12-31T23:59:60Z", True),  # RFC 3339 leap second
        ("2015-06-29T20:39:09+00:00", False),  # an offset is not UTC for OCPI
        ("2015-06-29T20:39:09+01:00", False),
        ("2015-06-29 20:39:09Z", False),
        ("2015-06-29T20:39Z", False),
        ("2015-06-29", False),
        ("2015-13-29T20:39:09Z", False),
        ("2015-06-29T24:00:00Z", False),
        ("2015-06-29T20:39:09z", False),
        ("2015-06-29T20:39:09Z\n", False),
        ("2018-01-01T01:08:01.1234567Z", False),  # 28 characters > string(25)
        ("1970-1-1T00:00:00Z", False),  # CDR "unknown time" text, not RFC 3339
    ],
)
def test_datetime(version: str, value: str, ok: bool) -> None:
    assert (validate(value, version, "DateTime") == []) is ok


@pytest.mark.parametrize(
    ("version", "name", "value", "ok"),
    [
        ("2.2.1", "string", "Gare de Lyon – Paris", True),  # printable UTF-8
        ("2.1.1", "string", "Gare de Lyon – Paris", False),  # 2.1.1: printable ASCII only
        ("2.2.1", "string", "line\nbreak", False),
        ("2.2.1", "string", "trailing newline\n", False),
        ("2.2.1", "string", "tab\there", False),
        ("2.2.1", "string", "\x85", False),  # C1 control
        ("2.2.1", "CiString", "MiXeD cAsE 12", True),  # no case rules for CiString
        ("2.2.1", "CiString", "Zoë", False),  # ASCII only
        ("2.3.0", "URL", "https://example.com/ocpi/versions", True),
        ("2.3.0", "URL", "example.com/ocpi", False),
        ("2.3.0", "URL", "https://example.com/a b", False),
        ("2.3.0", "URL", "https://e.com/" + "x" * 242, False),
    ],
)
def test_scalar_types(version: str, name: str, value: str, ok: bool) -> None:
    assert (validate(value, version, name) == []) is ok


def test_cardinalities() -> None:
    # `?`: omitted or null. `*`: omitted, null or []. `+`: at least one. `1`: present, not null.
    assert validate(_location(name=None, evses=None, facilities=[]), "2.2.1", "Location") == []
    assert validate(_location(country=None), "2.2.1", "Location")[0].keyword == "type"
    creds = {"token": "abc", "url": "https://x.example/versions", "roles": []}
    assert validate(creds, "2.2.1", "Credentials")[0].keyword == "minItems"


def test_open_enums_accept_new_values_only_in_2_3_0() -> None:
    connector = copy.deepcopy(LOCATION["evses"][0]["connectors"][0])
    connector["standard"] = "NEW_PLUG_TYPE"
    assert validate(connector, "2.2.1", "Connector")[0].keyword == "enum"
    assert validate(connector, "2.3.0", "Connector") == []
    assert validate("MCS", "2.3.0", "ConnectorType") == []
    assert validate("tab\there", "2.3.0", "ConnectorType")[0].keyword == "pattern"


def test_patch_bodies() -> None:
    assert (
        validate(
            {"status": "CHARGING", "last_updated": "2024-01-01T00:00:00Z"}, "2.2.1", "EVSEPatch"
        )
        == []
    )
    (missing,) = validate({"status": "CHARGING"}, "2.2.1", "EVSEPatch")
    assert (missing.keyword, missing.message) == (
        "required",
        "'last_updated' is a required property",
    )
    assert validate({"status": "CHARGING"}, "2.1.1", "EVSEPatch") == []  # 2.1.1: no such rule
    assert validate({}, "2.1.1", "EVSEPatch")[0].keyword == "minProperties"
    # A PATCH cannot remove data: required fields of the object cannot be null in it.
    assert validate({"status": None, "last_updated": "2024-01-01T00:00:00Z"}, "2.2.1", "EVSEPatch")


def test_hours_rules() -> None:
    assert validate({"twentyfourseven": True}, "2.2.1", "Hours") == []
    assert validate({"twentyfourseven": False}, "2.2.1", "Hours")[0].keyword == "required"
    regular = [{"weekday": 1, "period_begin": "08:00", "period_end": "18:00"}]
    assert validate({"twentyfourseven": False, "regular_hours": regular}, "2.2.1", "Hours") == []
    # 2.1.1: exactly one of the two
    assert validate({"regular_hours": regular}, "2.1.1", "Hours") == []
    assert validate({"twentyfourseven": True}, "2.1.1", "Hours") == []
    both = {"regular_hours": regular, "twentyfourseven": False}
    assert validate(both, "2.1.1", "Hours")[0].keyword == "oneOf"
    assert validate({}, "2.1.1", "Hours")[0].keyword == "oneOf"
    assert (
        validate({**regular[0], "period_end": "24:00"}, "2.1.1", "RegularHours")[0].keyword
        == "pattern"
    )

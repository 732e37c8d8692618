"""Sorting the target's requests to our counterpart: schemas of pushes, URL ownership rules."""

from __future__ import annotations

import pytest

from conformance.checks._incoming import Incoming, push_schema
from conformance.checks.test_client import _owner_problem
from ocpi_core.exchange import Exchange


def _request(method: str, module: str, role: str, *segments: str, body: object = None) -> Incoming:
    url = "http://127.0.0.1:1/ocpi/2.2.1/receiver/" + "/".join((module, *segments))
    exchange = Exchange(method, url, (), None, 200, (), None, "2026-03-01T12:00:00Z", 0.01)
    return Incoming(exchange, module, role, tuple(segments), body)


@pytest.mark.parametrize(
    ("method", "module", "segments", "schema"),
    [
        ("PUT", "locations", ("NL", "MCK", "L1"), "Location"),
        ("PUT", "locations", ("NL", "MCK", "L1", "E1"), "EVSE"),
        ("PATCH", "locations", ("NL", "MCK", "L1", "E1"), "EVSEPatch"),
        ("PATCH", "locations", ("NL", "MCK", "L1", "E1", "1"), "ConnectorPatch"),
        ("PUT", "sessions", ("NL", "MCK", "S1"), "Session"),
        ("PATCH", "sessions", ("NL", "MCK", "S1"), "SessionPatch"),
        ("PUT", "tariffs", ("NL", "MCK", "T1"), "Tariff"),
        ("DELETE", "tariffs", ("NL", "MCK", "T1"), None),
        ("PUT", "tokens", ("NL", "MSP", "U1"), "Token"),
        ("POST", "cdrs", (), "CDR"),
        ("PUT", "sessions", ("NL", "MCK"), None),
    ],
)
def test_push_schema(method: str, module: str, segments: tuple[str, ...], schema: str) -> None:
    assert push_schema(_request(method, module, "RECEIVER", *segments)) == schema


def test_push_schema_only_for_receivers() -> None:
    assert push_schema(_request("POST", "commands", "SENDER", "START_SESSION", "x")) is None


def test_owner_problem() -> None:
    body = {"country_code": "NL", "party_id": "MCK", "id": "L1"}
    parties = {("NL", "MCK")}
    assert (
        _owner_problem(
            _request("PUT", "locations", "RECEIVER", "nl", "mck", "L1", body=body), parties
        )
        is None
    )
    assert "URL party XX/MCK" in _owner_problem(
        _request("PUT", "locations", "RECEIVER", "XX", "MCK", "L1", body=body), parties
    )
    mismatch = _owner_problem(
        _request("PUT", "locations", "RECEIVER", "NL", "MCK", "L2", body=body), parties
    )
    assert mismatch == "id 'L1' in the body, 'L2' in the URL"
    short = _owner_problem(_request("PUT", "locations", "RECEIVER", "NL", body=body), parties)
    assert short.startswith("1 path segment(s)")

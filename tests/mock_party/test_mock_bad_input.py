"""Bad input anywhere gets an OCPI envelope with a 4xx, never an HTML page or a 500."""

from __future__ import annotations

import pytest
from mock_support import OcpiActions, assert_envelope, location

V = "/ocpi/2.2.1"
JUNK = [b"", b"{", b"[]", b'"text"', b"{}", b'{"last_updated": "later"}', b'{"id": 5}']
CPO_WRITES = [
    ("PUT", "/receiver/tokens/DE/PRT/T1"),
    ("PATCH", "/receiver/tokens/DE/PRT/T1"),
    ("PUT", "/receiver/tokens/DE/PRT/T1?type=NOPE"),
    ("POST", "/receiver/commands/START_SESSION"),
    ("POST", "/receiver/commands/STOP_SESSION"),
    ("POST", "/receiver/commands/RESERVE_NOW"),
    ("POST", "/receiver/commands/CANCEL_RESERVATION"),
    ("POST", "/receiver/commands/UNLOCK_CONNECTOR"),
    ("PUT", "/receiver/chargingprofiles/S1"),
    ("PUT", "/receiver/hubclientinfo/DE/PRT"),
    ("PUT", "/sender/sessions/S1/charging_preferences"),
]
EMSP_WRITES = [
    ("PUT", "/receiver/locations/DE/PRT/L1"),
    ("PUT", "/receiver/locations/DE/PRT/L1/E1"),
    ("PUT", "/receiver/locations/DE/PRT/L1/E1/1"),
    ("PATCH", "/receiver/locations/DE/PRT/L1"),
    ("PATCH", "/receiver/locations/DE/PRT/L1/L1-E1"),
    ("PATCH", "/receiver/locations/DE/PRT/L1/L1-E1/1"),
    ("PUT", "/receiver/sessions/DE/PRT/S1"),
    ("PATCH", "/receiver/sessions/DE/PRT/S1"),
    ("PUT", "/receiver/tariffs/DE/PRT/T1"),
    ("POST", "/receiver/cdrs"),
    ("POST", "/sender/tokens/T1/authorize"),
    ("POST", "/sender/commands/START_SESSION/1"),
]


def _send(actions: OcpiActions, method: str, path: str, body: bytes):
    headers = {**actions.headers(), "Content-Type": "application/json"}
    return actions.client.open(f"{V}{path}", method=method, data=body, headers=headers)


@pytest.mark.parametrize(("method", "path"), CPO_WRITES)
def test_cpo_writes(ocpi, method, path):
    for body in JUNK:
        response = _send(ocpi, method, path, body)
        assert 400 <= response.status_code < 500, (body, response.get_data())
        assert_envelope(response)


@pytest.mark.parametrize(("method", "path"), EMSP_WRITES)
def test_emsp_writes(make_app, method, path):
    app = make_app(roles=("EMSP",))
    actions = OcpiActions(app.test_client(), app)
    actions.register(role="CPO")
    actions.put(f"{V}/receiver/locations/DE/PRT/L1", location(("DE", "PRT"), "L1"))
    for body in JUNK:
        response = _send(actions, method, path, body)
        if path.endswith("/authorize") and body == b"":
            assert response.status_code == 404  # no body is fine; the token is unknown
        else:
            assert 400 <= response.status_code < 500, (body, response.get_data())
        assert_envelope(response)


@pytest.mark.parametrize(
    "path",
    [
        "/sender/locations?offset=1e3",
        "/sender/locations/%00",
        "/sender/locations/a/b/c/d",
        "/receiver/tokens/D/P",
        "/nowhere",
    ],
)
def test_odd_urls(ocpi, path):
    response = ocpi.get(f"{V}{path}")
    assert 400 <= response.status_code < 500
    assert_envelope(response)


def test_leap_second_is_stored(make_app):
    app = make_app(roles=("EMSP",))
    actions = OcpiActions(app.test_client(), app)
    actions.register(role="CPO")
    body = location(("DE", "PRT"), "L1", "2016-12-31T23:59:60Z")
    assert actions.put(f"{V}/receiver/locations/DE/PRT/L1", body).status_code == 201

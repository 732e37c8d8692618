"""The Sender side of a mock CPO shared by two registered eMSP partners, over real loopback:
each sees only the Sessions and CDRs of its own tokens, and a STOP_SESSION or a charging
profile on the other's session is refused (HTTP 403, OCPI 2000, REJECTED, a message naming why);
the sessions of a party no partner holds (demo data) stay visible to both."""

from __future__ import annotations

import httpx
import pytest
from mock_support import OcpiActions, assert_envelope, auth

from mock_party.modules._objects import own_key
from mock_party.objects import get_objects
from mock_party.store import get_store

V = "/ocpi/2.2.1"
STAMP = "2026-01-01T00:00:00Z"
PARTIES = {"one": ("DE", "ONE"), "two": ("DE", "TWO"), "demo": ("NL", "DMO")}


def _token(party: tuple[str, str]) -> dict:
    return {
        "country_code": party[0],
        "party_id": party[1],
        "uid": f"UID-{party[1]}",
        "type": "RFID",
        "contract_id": f"{party[0]}-{party[1]}-C1",
    }


def _objects(app) -> None:
    """A session and a CDR per party, stored as the CPO's own."""
    with app.test_request_context(), get_store().transaction():
        objects = get_objects()
        for name, party in PARTIES.items():
            session = {
                "country_code": "NL",
                "party_id": "MCK",
                "id": f"S-{name}",
                "status": "ACTIVE",
                "cdr_token": _token(party),
                "location_id": "LOC1",
                "evse_uid": "EVSE1",
                "connector_id": "1",
                "last_updated": STAMP,
            }
            objects.put(own_key("sessions", f"S-{name}"), session)
            cdr = {"country_code": "NL", "party_id": "MCK", "id": f"C-{name}"}
            objects.put(
                own_key("cdrs", f"C-{name}"),
                {**cdr, "cdr_token": _token(party), "last_updated": STAMP},
            )


@pytest.fixture
def cpo(make_app, served):
    app = make_app(locations=1, command_delay=30)
    actions = OcpiActions(app.test_client(), app)
    actions.register(party=PARTIES["one"], token="emsp-one-token-1234")
    actions.register(party=PARTIES["two"], token="emsp-two-token-1234")
    _objects(app)
    return served(app).url


def _ids(url: str, token: str, module: str) -> set[str]:
    response = httpx.get(f"{url}{V}/sender/{module}", headers=auth(token), timeout=10)
    body = assert_envelope(response, 1000)
    assert int(response.headers["X-Total-Count"]) == len(body["data"])
    return {o["id"] for o in body["data"]}


@pytest.mark.parametrize("module", ["sessions", "cdrs"])
def test_each_emsp_sees_its_own_and_the_demo_data(cpo, module):
    prefix = "S" if module == "sessions" else "C"
    assert _ids(cpo, "emsp-one-token-1234", module) == {f"{prefix}-one", f"{prefix}-demo"}
    assert _ids(cpo, "emsp-two-token-1234", module) == {f"{prefix}-two", f"{prefix}-demo"}


def test_a_page_of_ones_own_counts_and_links_right(cpo):
    response = httpx.get(
        f"{cpo}{V}/sender/sessions", params={"limit": 1}, headers=auth("emsp-two-token-1234")
    )
    assert response.headers["X-Total-Count"] == "2"
    assert [o["id"] for o in response.json()["data"]] == ["S-two"]
    assert "offset=1" in response.headers["Link"]


def _stop(url: str, token: str, session_id: str) -> httpx.Response:
    body = {"response_url": "http://127.0.0.1:9/result", "session_id": session_id}
    return httpx.post(f"{url}{V}/receiver/commands/STOP_SESSION", json=body, headers=auth(token))


def test_stop_session_on_anothers_session_is_refused(cpo):
    refused = _stop(cpo, "emsp-one-token-1234", "S-two")
    assert refused.status_code == 403, refused.text
    body = assert_envelope(refused, 2000)
    assert body["data"]["result"] == "REJECTED"
    assert "DE/TWO" in body["status_message"] and "another eMSP" in body["status_message"]
    accepted = _stop(cpo, "emsp-two-token-1234", "S-two")
    assert assert_envelope(accepted, 1000)["data"]["result"] == "ACCEPTED"


def test_charging_profile_on_anothers_session_is_refused(cpo):
    profile = {
        "charging_profile": {
            "charging_rate_unit": "W",
            "charging_profile_period": [{"start_period": 0, "limit": 7000}],
        },
        "response_url": "http://127.0.0.1:9/result",
    }
    url = f"{cpo}{V}/receiver/chargingprofiles/S-one"
    refused = httpx.put(url, json=profile, headers=auth("emsp-two-token-1234"))
    assert refused.status_code == 403, refused.text
    body = assert_envelope(refused, 2000)
    assert body["data"]["result"] == "REJECTED" and "another eMSP" in body["status_message"]
    deleted = httpx.delete(
        url, params={"response_url": "http://127.0.0.1:9/r"}, headers=auth("emsp-two-token-1234")
    )
    assert deleted.status_code == 403
    own = httpx.put(url, json=profile, headers=auth("emsp-one-token-1234"))
    assert assert_envelope(own, 1000)["data"]["result"] == "ACCEPTED"


def test_start_session_with_anothers_token_is_refused(cpo):
    one = auth("emsp-one-token-1234")
    locations = httpx.get(f"{cpo}{V}/sender/locations", headers=one).json()["data"]
    location = locations[0]["id"]

    def start(party: tuple[str, str]) -> httpx.Response:
        token = {**_token(party), "valid": True, "whitelist": "ALWAYS", "last_updated": STAMP}
        body = {
            "response_url": "http://127.0.0.1:9/result",
            "token": {**token, "issuer": "Someone"},
            "location_id": location,
        }
        return httpx.post(f"{cpo}{V}/receiver/commands/START_SESSION", json=body, headers=one)

    refused = start(PARTIES["two"])
    assert refused.status_code == 403, refused.text
    body = assert_envelope(refused, 2000)
    assert body["data"]["result"] == "REJECTED" and "DE/TWO" in body["status_message"]
    assert assert_envelope(start(PARTIES["one"]), 1000)["data"]["result"] == "ACCEPTED"

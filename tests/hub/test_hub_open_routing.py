"""Open routing by content in the mock hub (2.2.1 §4.1.8.4): a request without OCPI-to-* goes
where its content says (a Session or CDR to the eMSP of its cdr_token, a command to the CPO of
its Location, an authorization to the eMSP that knows the token), over real HTTP to a platform
behind the hub; only pushes meant for everybody are broadcast."""

from __future__ import annotations

import base64

import httpx
import pytest
from hub_support import emsp_registered, make_hub, platform, routing, wait_for

from mock_party.server import serve_in_thread

CPA, CPB, EMA, EMB = ("NL", "CPA"), ("DE", "CPB"), ("NL", "EMA"), ("BE", "EMB")
SESSIONS = "/ocpi/2.2.1/receiver/sessions"
COMMANDS = "/ocpi/2.2.1/receiver/commands"
TOKEN = {  # a Token of the platform FR/EMX
    "country_code": "FR",
    "party_id": "EMX",
    "uid": "T1",
    "type": "RFID",
    "contract_id": "FR-EMX-C1",
    "issuer": "EMX",
    "valid": True,
    "whitelist": "ALLOWED",
    "last_updated": "2026-01-01T10:00:00Z",
}


def _session(owner: tuple[str, str], session_id: str, emsp: tuple[str, str]) -> dict:
    return {
        "country_code": owner[0],
        "party_id": owner[1],
        "id": session_id,
        "start_date_time": "2026-01-01T10:00:00Z",
        "kwh": 1.5,
        "cdr_token": {
            "country_code": emsp[0],
            "party_id": emsp[1],
            "uid": "TOKEN1",
            "type": "RFID",
            "contract_id": f"{emsp[0]}-{emsp[1]}-C1",
        },
        "auth_method": "WHITELIST",
        "location_id": "LOC1",
        "evse_uid": "EVSE1",
        "connector_id": "1",
        "currency": "EUR",
        "status": "ACTIVE",
        "last_updated": "2026-01-01T10:00:00Z",
    }


@pytest.fixture
def hub(tmp_path):
    return make_hub(tmp_path)


def _from(response) -> tuple[str, str]:
    headers = response.headers
    found = (
        routing(response)
        if hasattr(headers, "to_wsgi_list")
        else {k.lower(): v for k, v in headers.items() if k.lower().startswith("ocpi-")}
    )
    return (found.get("ocpi-from-country-code"), found.get("ocpi-from-party-id"))


def test_a_session_goes_to_the_emsp_of_its_cdr_token_and_its_patch_follows(hub) -> None:
    cpo = platform(hub, "CPO", "FR", "CPX")
    path = f"{SESSIONS}/FR/CPX/S1"
    pushed = cpo.put(path, _session(("FR", "CPX"), "S1", EMB))  # no OCPI-to-*
    assert pushed.status_code in (200, 201), pushed.json
    assert routing(pushed) == {
        "ocpi-to-country-code": "FR",
        "ocpi-to-party-id": "CPX",
        "ocpi-from-country-code": "BE",
        "ocpi-from-party-id": "EMB",
    }
    patch = {"kwh": 7.25, "last_updated": "2026-01-01T11:00:00Z"}  # names no eMSP
    patched = cpo.client.patch(path, json=patch, headers=cpo.headers())
    assert patched.status_code == 200, patched.json
    assert _from(patched) == EMB
    assert cpo.get(path, to=EMB).json["data"]["kwh"] == 7.25
    assert cpo.get(path, to=EMA).status_code == 404  # never broadcast


def test_a_cdr_goes_to_the_emsp_of_its_cdr_token_only(hub) -> None:
    cpo = platform(hub, "CPO", "FR", "CPX")
    cdr = {
        **_session(("FR", "CPX"), "CDR1", EMA),
        "end_date_time": "2026-01-01T11:00:00Z",
        "cdr_location": {
            "id": "LOC1",
            "address": "Street 1",
            "city": "Town",
            "country": "NLD",
            "coordinates": {"latitude": "52.00001", "longitude": "4.00001"},
            "evse_uid": "EVSE1",
            "evse_id": "NL*CPX*E1",
            "connector_id": "1",
            "connector_standard": "IEC_62196_T2",
            "connector_format": "SOCKET",
            "connector_power_type": "AC_3_PHASE",
        },
        "charging_periods": [
            {
                "start_date_time": "2026-01-01T10:00:00Z",
                "dimensions": [{"type": "ENERGY", "volume": 1.5}],
            }
        ],
        "total_cost": {"excl_vat": 1.0},
        "total_energy": 1.5,
        "total_time": 1.0,
    }
    for name in ("kwh", "location_id", "evse_uid", "connector_id", "status"):
        del cdr[name]
    posted = cpo.client.post("/ocpi/2.2.1/receiver/cdrs", json=cdr, headers=cpo.headers())
    assert posted.status_code in (200, 201), posted.json
    assert _from(posted) == EMA
    stored = cpo.get("/ocpi/2.2.1/receiver/cdrs/FR/CPX/CDR1", to=EMA)
    elsewhere = cpo.get("/ocpi/2.2.1/receiver/cdrs/FR/CPX/CDR1", to=EMB)
    assert (stored.status_code, elsewhere.status_code) == (200, 404)


def test_content_naming_nobody_the_hub_knows_is_refused_not_broadcast(hub) -> None:
    cpo = platform(hub, "CPO", "FR", "CPX")
    unknown = cpo.put(f"{SESSIONS}/FR/CPX/S2", _session(("FR", "CPX"), "S2", ("XX", "ZZZ")))
    assert (unknown.status_code, unknown.json["status_code"]) == (404, 4001)
    never = cpo.client.patch(f"{SESSIONS}/FR/CPX/S3", json={"kwh": 1}, headers=cpo.headers())
    assert never.json["status_code"] == 4001
    assert "OCPI-to-*" in never.json["status_message"]
    emsp = platform(hub, "EMSP", "FR", "EMX")
    stop = emsp.client.post(
        f"{COMMANDS}/STOP_SESSION",
        json={"response_url": "http://emsp.invalid/r", "session_id": "NOPE"},
        headers=emsp.headers(),
    )
    assert stop.json["status_code"] == 4001
    assert "no Session NOPE" in stop.json["status_message"]


def test_a_token_pushed_without_ocpi_to_is_still_broadcast(hub) -> None:
    emsp = platform(hub, "EMSP", "FR", "EMX")
    pushed = emsp.put("/ocpi/2.2.1/receiver/tokens/FR/EMX/T1", TOKEN)
    assert "Broadcast to 2 parties, 2 accepted" in pushed.json["status_message"]


def _shared_location(emsp, cpo: tuple[str, str], other: tuple[str, str]) -> dict:
    """A Location of ``cpo`` whose id ``other`` uses too (both number theirs alike)."""
    theirs = {o["id"] for o in emsp.get("/ocpi/2.2.1/sender/locations", to=other).json["data"]}
    mine = emsp.get("/ocpi/2.2.1/sender/locations", to=cpo).json["data"]
    return next(o for o in mine if o["id"] in theirs and o.get("evses"))


def test_commands_go_to_the_cpo_of_the_location_and_a_reservation_is_remembered(hub) -> None:
    emsp = platform(hub, "EMSP", "FR", "EMX")
    location = _shared_location(emsp, CPB, CPA)
    reserve = {
        "response_url": "http://emsp.invalid/r1",
        "token": TOKEN,
        "expiry_date": "2099-01-01T00:00:00Z",
        "reservation_id": "R1",
        "location_id": location["id"],
    }
    ambiguous = emsp.client.post(f"{COMMANDS}/RESERVE_NOW", json=reserve, headers=emsp.headers())
    assert ambiguous.json["status_code"] == 4001
    assert "held by several CPOs (NL/CPA, DE/CPB)" in ambiguous.json["status_message"]
    reserve["evse_uid"] = location["evses"][0]["uid"]  # the EVSE tells which CPO it is
    reserved = emsp.client.post(f"{COMMANDS}/RESERVE_NOW", json=reserve, headers=emsp.headers())
    assert reserved.status_code == 200, reserved.json
    assert reserved.json["data"]["result"] == "ACCEPTED"
    assert _from(reserved) == CPB
    cancel = {"response_url": "http://emsp.invalid/r2", "reservation_id": "R1"}
    cancelled = emsp.client.post(
        f"{COMMANDS}/CANCEL_RESERVATION", json=cancel, headers=emsp.headers()
    )
    assert cancelled.status_code == 200, cancelled.json
    assert _from(cancelled) == CPB
    nowhere = dict(reserve, location_id="NO-SUCH-LOCATION", evse_uid=None)
    del nowhere["evse_uid"]
    refused = emsp.client.post(f"{COMMANDS}/RESERVE_NOW", json=nowhere, headers=emsp.headers())
    assert refused.json["status_code"] == 4001
    assert "no CPO behind this hub has Location NO-SUCH-LOCATION" in refused.json["status_message"]


def test_an_authorization_goes_to_the_emsp_that_knows_the_token(hub) -> None:
    cpo = platform(hub, "CPO", "FR", "CPX")
    tokens = cpo.get("/ocpi/2.2.1/sender/tokens", to=EMB).json["data"]
    uid = tokens[0]["uid"]
    answered = cpo.client.post(
        f"/ocpi/2.2.1/sender/tokens/{uid}/authorize?type={tokens[0]['type']}",
        headers=cpo.headers(),
    )
    assert answered.status_code == 200, answered.json
    assert answered.json["data"]["token"]["uid"] == uid
    assert routing(answered) == {
        "ocpi-to-country-code": "FR",
        "ocpi-to-party-id": "CPX",
        "ocpi-from-country-code": "BE",
        "ocpi-from-party-id": "EMB",
    }
    unknown = cpo.client.post("/ocpi/2.2.1/sender/tokens/NOPE/authorize", headers=cpo.headers())
    assert (unknown.status_code, unknown.json["status_code"]) == (404, 2004)


def test_the_broadcast_fault_sends_a_session_to_every_emsp(tmp_path) -> None:
    hub = make_hub(tmp_path, faults=("hub.open_routing_broadcasts_content",))
    cpo = platform(hub, "CPO", "FR", "CPX")
    path = f"{SESSIONS}/FR/CPX/S1"
    pushed = cpo.put(path, _session(("FR", "CPX"), "S1", EMB))
    assert "Broadcast to 2 parties" in pushed.json["status_message"]
    assert cpo.get(path, to=EMA).status_code == 200  # the leak the fault stands for


def _token_a(hub_url: str) -> str:
    return httpx.post(f"{hub_url}/admin/tokens-a", json={}).json()["data"]["token"]


def test_over_http_a_session_reaches_its_platform_and_a_command_result_comes_back(
    tmp_path,
) -> None:
    hub = make_hub(tmp_path, command_delay=0)
    with (
        serve_in_thread(hub) as hub_server,
        emsp_registered(
            tmp_path, hub_server.url, _token_a(hub_server.url), ("FR", "EMX"), tokens=2
        ) as emx,
        emsp_registered(tmp_path, hub_server.url, _token_a(hub_server.url), ("FR", "EMY")) as emy,
    ):
        from_emx = {
            "Authorization": "Token " + base64.b64encode(emx.token_to_hub.encode()).decode(),
            "OCPI-from-country-code": "FR",
            "OCPI-from-party-id": "EMX",
        }
        cpo = platform(hub, "CPO", "FR", "CPX")
        pushed = httpx.put(
            f"{hub_server.url}{SESSIONS}/FR/CPX/S9",
            json=_session(("FR", "CPX"), "S9", ("FR", "EMX")),
            headers=cpo.headers(),
        )
        assert pushed.status_code in (200, 201), pushed.text
        assert _from(pushed) == ("FR", "EMX")

        def held(url: str) -> list:
            found = httpx.get(f"{url}/admin/objects/sessions?side=receiver").json()["data"]
            return [s for s in found if s["id"] == "S9"]

        assert held(emx.url) and not held(emy.url)
        stop = {
            "response_url": f"{emx.url}/ocpi/2.2.1/sender/commands/STOP/ref-0",
            "session_id": "S9",
        }
        stopped = httpx.post(
            f"{hub_server.url}{COMMANDS}/STOP_SESSION",
            json=stop,
            headers=from_emx,
            timeout=30,
        )
        # routed to CPX, whose Session it is (a platform of this test with no endpoints)
        assert "FR/CPX offers no commands receiver" in stopped.json()["status_message"]

        # EMX starts a session at an EVSE of CPB; its result comes back through the
        # hub's relay to the response_url EMX gave
        emsp = platform(hub, "EMSP", "FR", "EMZ")
        location = _shared_location(emsp, CPB, CPA)
        token = httpx.get(f"{emx.url}/admin/objects/tokens").json()["data"][0]
        start = {
            "response_url": f"{emx.url}/ocpi/2.2.1/sender/commands/START_SESSION/ref-1",
            "token": token,
            "location_id": location["id"],
            "evse_uid": location["evses"][0]["uid"],
        }
        answered = httpx.post(
            f"{hub_server.url}{COMMANDS}/START_SESSION", json=start, headers=from_emx, timeout=30
        )
        assert answered.status_code == 200, answered.text
        assert answered.json()["data"]["result"] == "ACCEPTED"
        assert _from(answered) == CPB

        def results() -> list:
            found = httpx.get(f"{emx.url}/admin/objects/commandresults?side=receiver")
            return found.json()["data"]

        arrived = wait_for(results, "the command result at EMX")
        assert arrived[0]["_key"]["id"].endswith("START_SESSION/ref-1")


def test_a_charging_profile_goes_to_the_other_party_of_its_session(hub) -> None:
    cpo = platform(hub, "CPO", "FR", "CPX")
    assert cpo.put(f"{SESSIONS}/FR/CPX/S7", _session(("FR", "CPX"), "S7", EMA)).status_code < 300
    active = {"start_date_time": "2026-01-01T10:00:00Z", "charging_profile": {}}
    path = "/ocpi/2.2.1/receiver/chargingprofiles/S7"
    pushed = cpo.client.put(path, json=active, headers=cpo.headers())  # no OCPI-to-*
    assert _from(pushed) == EMA  # the eMSP the Session went to answered, no other
    emsp = platform(hub, "EMSP", "FR", "EMX")
    unknown = emsp.client.put(
        "/ocpi/2.2.1/receiver/chargingprofiles/NOPE", json={}, headers=emsp.headers()
    )
    assert (unknown.status_code, unknown.json["status_code"]) == (404, 4001)
    assert "no Session NOPE" in unknown.json["status_message"]

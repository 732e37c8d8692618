"""The mock's Receiver interfaces (Flask test client): PUT/PATCH/GET rules of every module."""

from __future__ import annotations

import pytest
from mock_support import (
    PARTNER_PARTY,
    STAMP,
    OcpiActions,
    assert_envelope,
    assert_valid,
    auth,
    connector,
    evse,
    location,
    period,
    session,
    tariff,
    token,
)

V = "/ocpi/2.2.1"
LOC = f"{V}/receiver/locations/DE/PRT/LOC-1"


@pytest.fixture
def emsp(make_app):
    """A mock eMSP with a registered CPO partner DE/PRT."""
    app = make_app(roles=("EMSP",))
    actions = OcpiActions(app.test_client(), app)
    actions.register(role="CPO")
    return actions


def test_location_put_creates_then_replaces(emsp):
    first = emsp.put(LOC, location(PARTNER_PARTY))
    assert first.status_code == 201
    assert_envelope(first, 1000)
    assert "data" not in first.json
    again = emsp.put(LOC, location(PARTNER_PARTY, name="Renamed"))
    assert again.status_code == 200
    got = emsp.get(LOC)
    assert got.status_code == 200
    assert_valid(assert_envelope(got, 1000)["data"], "Location")
    assert got.json["data"]["name"] == "Renamed"


def test_ids_are_case_insensitive(emsp):
    emsp.put(LOC, location(PARTNER_PARTY))
    assert emsp.get(f"{V}/receiver/locations/de/prt/loc-1").status_code == 200


def test_evse_and_connector_put_and_get_move_parents(emsp):
    emsp.put(LOC, location(PARTNER_PARTY))
    later = "2024-03-05T08:00:00Z"
    response = emsp.put(f"{LOC}/EVSE-9", evse("EVSE-9", later))
    assert response.status_code == 201
    assert emsp.put(f"{LOC}/EVSE-9/2", connector("2", "2024-03-06T08:00:00Z")).status_code == 201
    got = emsp.get(f"{LOC}/EVSE-9/2")
    assert got.json["data"]["id"] == "2"
    assert_valid(got.json["data"], "Connector")
    whole = emsp.get(LOC).json["data"]
    assert [e["uid"] for e in whole["evses"]] == ["LOC-1-E1", "EVSE-9"]
    assert whole["last_updated"] == "2024-03-06T08:00:00Z"
    assert whole["evses"][1]["last_updated"] == "2024-03-06T08:00:00Z"


def test_evse_put_without_location_is_404(emsp):
    response = emsp.put(f"{LOC}/EVSE-9", evse("EVSE-9"))
    assert response.status_code == 404
    assert_envelope(response, 2003)


def test_patch_merges_and_needs_last_updated(emsp):
    emsp.put(LOC, location(PARTNER_PARTY))
    missing = emsp.patch(f"{LOC}/LOC-1-E1", {"status": "CHARGING"})
    assert missing.status_code == 400
    assert_envelope(missing, 2001)
    assert "last_updated" in missing.json["status_message"]
    stamp = "2024-03-02T00:00:00Z"
    ok = emsp.patch(f"{LOC}/LOC-1-E1", {"status": "CHARGING", "last_updated": stamp})
    assert ok.status_code == 200
    data = emsp.get(LOC).json["data"]
    assert data["evses"][0]["status"] == "CHARGING"
    assert data["evses"][0]["connectors"][0]["id"] == "1"  # untouched
    assert data["last_updated"] == "2024-03-02T00:00:00Z"
    named = emsp.patch(LOC, {"name": "New name", "last_updated": "2024-03-03T00:00:00Z"})
    assert named.status_code == 200
    assert emsp.get(LOC).json["data"]["name"] == "New name"


def test_patch_of_unknown_object_is_404(emsp):
    response = emsp.patch(LOC, {"name": "x", "last_updated": STAMP})
    assert response.status_code == 404
    assert_envelope(response)


@pytest.mark.parametrize(
    ("url", "body", "field"),
    [
        (f"{V}/receiver/locations/DE/PRT/OTHER", location(PARTNER_PARTY), "id"),
        (f"{V}/receiver/locations/DE/PRT/LOC-1", location(("DE", "XYZ")), "party_id"),
        (f"{LOC}/EVSE-2", evse("EVSE-3"), "uid"),
    ],
    ids=["id", "party", "evse-uid"],
)
def test_url_and_body_must_match(emsp, url, body, field):
    if "EVSE" in url:
        emsp.put(LOC, location(PARTNER_PARTY))
    response = emsp.put(url, body)
    assert response.status_code == 400
    assert_envelope(response, 2001)
    assert field in response.json["status_message"]


def test_other_partys_objects_are_not_reachable(emsp):
    other = ("FR", "OTH")
    url = f"{V}/receiver/locations/FR/OTH/LOC-1"
    response = emsp.put(url, location(other))
    assert response.status_code == 404
    assert_envelope(response)
    assert emsp.get(url).status_code == 404
    # a second partner cannot see the first one's objects either
    emsp.put(LOC, location(PARTNER_PARTY))
    emsp.register(party=other, role="CPO", token="second-partner")
    assert emsp.get(LOC).status_code == 404


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"[]", b'{"id": "LOC-1"}'],
    ids=["not-json", "array", "incomplete"],
)
def test_bad_bodies_get_2001_envelopes(emsp, body):
    response = emsp.client.put(
        LOC, data=body, headers={**emsp.headers(), "Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert_envelope(response, 2001)


def test_receiver_base_url_needs_a_token_and_says_what_to_use(emsp):
    with_token_a = emsp.client.get(f"{V}/receiver/locations", headers=auth("token-A-1234"))
    assert with_token_a.status_code == 401
    response = emsp.get(f"{V}/receiver/locations")
    assert response.status_code == 404
    assert "{country_code}/{party_id}/{location_id}" in response.json["status_message"]


def test_sessions_patch_appends_periods_and_put_replaces(emsp):
    url = f"{V}/receiver/sessions/DE/PRT/S-1"
    body = session(PARTNER_PARTY)
    body["charging_periods"] = [period(STAMP, 1.0)]
    assert emsp.put(url, body).status_code == 201
    patch = {"kwh": 3.0, "charging_periods": [period("2024-03-01T10:30:00Z", 2.0)]}
    assert emsp.patch(url, {**patch, "last_updated": "2024-03-01T10:30:00Z"}).status_code == 200
    data = emsp.get(url).json["data"]
    assert [p["start_date_time"] for p in data["charging_periods"]] == [
        STAMP,
        "2024-03-01T10:30:00Z",
    ]
    assert data["kwh"] == 3.0
    assert_valid(data, "Session")
    body["charging_periods"] = []
    assert emsp.put(url, body).status_code == 200
    assert emsp.get(url).json["data"]["charging_periods"] == []
    no_stamp = emsp.patch(url, {"kwh": 4.0})
    assert no_stamp.status_code == 400 and no_stamp.json["status_code"] == 2001


def test_tariffs_put_get_delete(emsp):
    url = f"{V}/receiver/tariffs/DE/PRT/T-1"
    assert emsp.put(url, tariff(PARTNER_PARTY)).status_code == 201
    assert_valid(emsp.get(url).json["data"], "Tariff")
    assert emsp.delete(url).status_code == 200
    assert emsp.get(url).status_code == 404
    assert emsp.delete(url).status_code == 404


def test_cdr_post_answers_location_header(emsp):
    cdr = _cdr()
    response = emsp.post(f"{V}/receiver/cdrs", cdr)
    assert response.status_code == 201
    assert_envelope(response, 1000)
    where = response.headers["Location"]
    assert where == "http://localhost/ocpi/2.2.1/receiver/cdrs/DE/PRT/CDR-1"
    got = emsp.get(where.removeprefix("http://localhost"))
    assert got.json["data"] == cdr
    assert emsp.post(f"{V}/receiver/cdrs", cdr).status_code == 200  # the same CDR again
    changed = emsp.post(f"{V}/receiver/cdrs", {**cdr, "total_energy": 99})
    assert changed.status_code == 400 and changed.json["status_code"] == 2001
    assert emsp.get(f"{V}/receiver/cdrs").status_code == 405


def _cdr() -> dict:
    return {
        "country_code": "DE",
        "party_id": "PRT",
        "id": "CDR-1",
        "start_date_time": STAMP,
        "end_date_time": "2024-03-01T11:00:00Z",
        "cdr_token": {
            "country_code": "NL",
            "party_id": "MCK",
            "uid": "TOK-1",
            "type": "RFID",
            "contract_id": "NL-MCK-C1",
        },
        "auth_method": "WHITELIST",
        "cdr_location": {
            "id": "LOC-1",
            "address": "Stationsplein 1",
            "city": "Utrecht",
            "country": "NLD",
            "coordinates": {"latitude": "52.08900", "longitude": "5.11000"},
            "evse_uid": "LOC-1-E1",
            "evse_id": "NL*MCK*E1",
            "connector_id": "1",
            "connector_standard": "IEC_62196_T2",
            "connector_format": "SOCKET",
            "connector_power_type": "AC_3_PHASE",
        },
        "currency": "EUR",
        "charging_periods": [period(STAMP, 5.0)],
        "total_cost": {"excl_vat": 1.5, "incl_vat": 1.82},
        "total_energy": 5.0,
        "total_time": 1.0,
        "last_updated": "2024-03-01T11:00:00Z",
    }


def test_tokens_receiver_uses_type_parameter(ocpi):
    # the default app is a CPO: tokens Receiver
    url = f"{V}/receiver/tokens/DE/PRT/TOK-1"
    assert ocpi.put(url, token(PARTNER_PARTY)).status_code == 201
    app_user = token(PARTNER_PARTY, type_="APP_USER")
    assert ocpi.put(url, app_user).status_code == 400  # type defaults to RFID
    assert ocpi.put(f"{url}?type=APP_USER", app_user).status_code == 201
    assert ocpi.get(url).json["data"]["type"] == "RFID"
    assert ocpi.get(f"{url}?type=APP_USER").json["data"]["type"] == "APP_USER"
    assert ocpi.get(f"{url}?type=OTHER").status_code == 404
    assert ocpi.get(f"{url}?type=OTHER").json["status_code"] == 2004
    assert ocpi.get(f"{url}?type=CARD").json["status_code"] == 2001
    patched = ocpi.patch(url, {"valid": False, "last_updated": "2024-04-01T00:00:00Z"})
    assert patched.status_code == 200
    assert ocpi.get(url).json["data"]["valid"] is False
    assert ocpi.patch(url, {"valid": True}).json["status_code"] == 2001


def test_hubclientinfo_put_get(ocpi):
    ocpi.register(party=("DE", "HUB"), role="HUB", token="hub-token-1234")  # only a Hub writes
    url = f"{V}/receiver/hubclientinfo/FR/ABC"
    info = {
        "country_code": "FR",
        "party_id": "ABC",
        "role": "CPO",
        "status": "CONNECTED",
        "last_updated": STAMP,
    }
    assert ocpi.put(url, info).status_code == 201
    got = ocpi.get(url)
    assert got.json["data"] == info
    assert "OCPI-from-party-id" not in got.headers  # a configuration module: no routing headers
    assert ocpi.put(f"{V}/receiver/hubclientinfo/FR/XYZ", info).json["status_code"] == 2001


def test_functional_answers_carry_routing_headers(ocpi):
    response = ocpi.get(f"{V}/sender/locations")
    assert response.headers["OCPI-from-country-code"] == "NL"
    assert response.headers["OCPI-from-party-id"] == "MCK"
    assert response.headers["OCPI-to-party-id"] == "PRT"


def test_interfaces_of_other_roles_are_not_served(ocpi):
    response = ocpi.get(f"{V}/sender/tokens")
    assert response.status_code == 404
    assert_envelope(response)
    assert "does not offer" in response.json["status_message"]


def test_unknown_version_is_3002(ocpi):
    response = ocpi.get("/ocpi/2.1.1/sender/locations")
    assert response.status_code == 404
    assert response.json["status_code"] == 3002

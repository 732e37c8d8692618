"""The mock hub routes by the OCPI-to/from headers (2.2.1 §4.1.8): forward to the party
named, GET All over all Senders with pagination across parties, broadcast pushes to the
opposite role, hub errors for unknown or disconnected parties, and party isolation."""

from __future__ import annotations

import pytest
from hub_support import make_hub, platform, routing

from mock_party import MockConfig
from mock_party.config import ConfigError

LOCATIONS = "/ocpi/2.2.1/sender/locations"
CPA, CPB, EMA, EMB, HUB = ("NL", "CPA"), ("DE", "CPB"), ("NL", "EMA"), ("BE", "EMB"), ("NL", "HUB")


@pytest.fixture
def hub(tmp_path):
    return make_hub(tmp_path)


@pytest.fixture
def emsp(hub):
    return platform(hub, "EMSP", "FR", "EMX")


def test_a_request_goes_to_the_party_named_and_comes_back_routed(emsp) -> None:
    response = emsp.get(LOCATIONS, to=CPB)
    assert response.status_code == 200, response.json
    owners = {(o["country_code"], o["party_id"]) for o in response.json["data"]}
    assert owners == {CPB}
    assert response.headers["X-Total-Count"] == "3"
    assert routing(response) == {
        "ocpi-to-country-code": "FR",
        "ocpi-to-party-id": "EMX",
        "ocpi-from-country-code": "DE",
        "ocpi-from-party-id": "CPB",
    }


def test_get_all_aggregates_every_sender_and_pages_across_parties(emsp) -> None:
    seen = []
    url = LOCATIONS + "?limit=2"
    for _ in range(10):
        response = emsp.get(url.replace("http://localhost", ""), to=HUB)
        assert response.status_code == 200, response.json
        assert response.headers["X-Total-Count"] == "6"
        assert routing(response)["ocpi-from-party-id"] == "HUB"
        seen += [(o["country_code"], o["party_id"], o["id"]) for o in response.json["data"]]
        if "Link" not in response.headers:
            break
        url = response.headers["Link"].split(">")[0].lstrip("<")
    assert len(seen) == len(set(seen)) == 6
    assert [s[:2] for s in seen] == [CPA] * 3 + [CPB] * 3


def test_an_open_list_request_is_a_get_all_too(emsp) -> None:
    response = emsp.get(LOCATIONS)
    assert response.headers["X-Total-Count"] == "6"


def test_an_open_get_of_one_object_goes_to_the_party_that_holds_it(tmp_path) -> None:
    hub = make_hub(tmp_path, hub_parties=("EMSP/NL/EMA", "CPO/DE/CPB", "EMSP/BE/EMB"))
    emsp = platform(hub, "EMSP", "FR", "EMX")
    at_cpb = emsp.get(LOCATIONS, to=CPB).json["data"][-1]
    response = emsp.get(f"{LOCATIONS}/{at_cpb['id']}")  # no OCPI-to-*: the hub decides
    assert response.status_code == 200, response.json
    assert response.json["data"] == at_cpb
    assert routing(response) == {
        "ocpi-to-country-code": "FR",
        "ocpi-to-party-id": "EMX",
        "ocpi-from-country-code": "DE",
        "ocpi-from-party-id": "CPB",
    }
    unknown = emsp.get(f"{LOCATIONS}/NO-SUCH-LOCATION")
    assert unknown.status_code == 404 and unknown.json["status_code"] == 4001
    message = unknown.json["status_message"]
    assert "no party behind this hub has locations NO-SUCH-LOCATION" in message


def test_an_open_get_of_an_id_two_parties_use_is_answered_by_one_of_them(emsp) -> None:
    location = emsp.get(LOCATIONS, to=CPB).json["data"][0]
    response = emsp.get(f"{LOCATIONS}/{location['id']}")
    assert response.status_code == 200, response.json
    owner = (response.json["data"]["country_code"], response.json["data"]["party_id"])
    assert owner in (CPA, CPB)  # both CPOs' Faker data number their Locations alike
    found = routing(response)
    assert (found["ocpi-from-country-code"], found["ocpi-from-party-id"]) == owner


def test_an_open_get_addressed_to_the_hub_is_not_routed(emsp) -> None:
    listed = emsp.get(LOCATIONS, to=CPA).json["data"]
    response = emsp.get(f"{LOCATIONS}/{listed[0]['id']}", to=HUB)
    assert response.json["status_code"] == 4001  # to the hub itself: neither routed nor GET All


def test_an_unknown_party_gets_4001(emsp) -> None:
    response = emsp.get(LOCATIONS, to=("XX", "ZZZ"))
    assert response.status_code == 404
    assert response.json["status_code"] == 4001
    assert "XX/ZZZ" in response.json["status_message"]


def test_the_sender_must_be_named_and_be_the_callers_own(emsp) -> None:
    headers = emsp.headers(CPA)
    del headers["OCPI-from-party-id"], headers["OCPI-from-country-code"]
    assert emsp.client.get(LOCATIONS, headers=headers).json["status_code"] == 2001
    headers = emsp.headers(CPA) | {"OCPI-from-party-id": "EMA", "OCPI-from-country-code": "NL"}
    refused = emsp.client.get(LOCATIONS, headers=headers)
    assert refused.status_code == 403 and "not one of your" in refused.json["status_message"]


def test_a_disconnected_party_gets_4003_and_clientinfo_tells(hub, emsp) -> None:
    admin = hub.test_client()
    changed = admin.post("/admin/hub/clients/DE/CPB", json={"status": "OFFLINE"})
    assert changed.status_code == 200, changed.json
    response = emsp.get(LOCATIONS, to=CPB)
    assert response.json["status_code"] == 4003
    assert emsp.get(LOCATIONS, to=HUB).headers["X-Total-Count"] == "3"  # CPB left out
    infos = emsp.client.get("/ocpi/2.2.1/sender/hubclientinfo", headers=emsp.headers())
    statuses = {(i["country_code"], i["party_id"]): i["status"] for i in infos.json["data"]}
    assert statuses == {CPA: "CONNECTED", CPB: "OFFLINE", EMA: "CONNECTED", EMB: "CONNECTED"}


def test_clientinfo_sender_is_paginated_and_unrouted(hub, emsp) -> None:
    response = emsp.client.get(
        "/ocpi/2.2.1/sender/hubclientinfo?limit=3",
        headers={"Authorization": emsp.headers()["Authorization"]},
    )
    assert response.status_code == 200
    assert response.headers["X-Total-Count"] == "4"
    assert len(response.json["data"]) == 3 and "Link" in response.headers
    assert routing(response) == {}


def _location(party: tuple[str, str], location_id: str) -> dict:
    return {
        "country_code": party[0],
        "party_id": party[1],
        "id": location_id,
        "publish": True,
        "address": "Street 1",
        "city": "Town",
        "country": "NLD",
        "coordinates": {"latitude": "52.00001", "longitude": "4.00001"},
        "time_zone": "Europe/Amsterdam",
        "last_updated": "2026-01-01T00:00:00Z",
    }


def test_a_broadcast_push_reaches_every_emsp_and_isolation_holds(hub) -> None:
    cpo = platform(hub, "CPO", "FR", "CPX")
    other = platform(hub, "CPO", "FR", "CPY")
    path = "/ocpi/2.2.1/receiver/locations/FR/CPX/LOC1"
    pushed = cpo.put(path, _location(("FR", "CPX"), "LOC1"), to=HUB)
    assert pushed.status_code == 200, pushed.json
    assert "Broadcast to 2 parties, 2 accepted" in pushed.json["status_message"]
    for emsp in (EMA, EMB):
        stored = cpo.get(path, to=emsp)
        assert stored.status_code == 200, stored.json
        assert stored.json["data"]["id"] == "LOC1"
        # another CPO reaches the same eMSP but never CPX's object
        assert other.get(path, to=emsp).status_code == 404


def test_a_platform_can_not_overwrite_another_partys_object(hub) -> None:
    cpo = platform(hub, "CPO", "FR", "CPX")
    other = platform(hub, "CPO", "FR", "CPY")
    path = "/ocpi/2.2.1/receiver/locations/FR/CPX/LOC1"
    assert cpo.put(path, _location(("FR", "CPX"), "LOC1"), to=EMA).status_code == 201
    assert other.put(path, _location(("FR", "CPX"), "LOC1"), to=EMA).status_code == 404


def test_a_hub_is_not_offered_in_2_1_1() -> None:
    with pytest.raises(ConfigError, match="2.1.1 has no hub role"):
        MockConfig(roles=("HUB",), versions=("2.1.1",))
    with pytest.raises(ConfigError, match="ROLE/COUNTRY_CODE/PARTY_ID"):
        MockConfig(roles=("HUB",), hub_parties=("CPO-NL-CPA",))

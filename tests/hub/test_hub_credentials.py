"""The mock hub's Credentials in each version, over loopback: a 2.2.1 hub answers with its one
role HUB; a 2.3.0 hub, whose Role enum has no HUB, gives its own party in ``hub_party_id`` and
lists the parties reachable through it in ``roles`` (2.3.0 §7.3.1), its caller's own left out.
A mock platform that registers with a 2.3.0 hub knows it for a Hub by that ``hub_party_id``:
it takes the hub's ClientInfo pushes."""

from __future__ import annotations

import httpx
import pytest
from hub_support import emsp_registered, make_hub, platform, wait_for

from mock_party.server import serve_in_thread
from mock_party.store import get_store
from ocpi_core.client import OcpiClient
from ocpi_core.schemas import validate

EMSP = ("FR", "EMX")
HUB_PARTIES = [
    ("CPO", "NL", "CPA"),
    ("CPO", "DE", "CPB"),
    ("EMSP", "NL", "EMA"),
    ("EMSP", "BE", "EMB"),
]


def _hub(tmp_path, version: str, faults: tuple[str, ...] = ()):
    return make_hub(tmp_path, versions=(version,), faults=faults)


def _parties(roles: list[dict]) -> list[tuple[str, str, str]]:
    return [(r["role"], r["country_code"], r["party_id"]) for r in roles]


def test_a_2_3_0_hub_names_itself_in_hub_party_id_and_a_platform_takes_it_for_a_hub(tmp_path):
    hub = _hub(tmp_path, "2.3.0")
    platform(hub, "CPO", "FR", "CPX")  # another platform already registered with the hub
    hub_server = serve_in_thread(hub)
    try:
        with emsp_registered(tmp_path, hub_server.url, "hub-token-A", EMSP, "2.3.0") as emsp:
            with emsp.app.app_context():
                (partner,) = get_store().partners()
            # the eMSP keeps the hub as a partner of role HUB (read from hub_party_id) first
            assert _parties(partner.roles) == [
                ("HUB", "NL", "HUB"),
                *HUB_PARTIES,
                ("CPO", "FR", "CPX"),
            ]

            with OcpiClient(token=partner.token_out or "", version="2.3.0") as client:
                answer = client.get(f"{hub_server.url}/ocpi/2.3.0/credentials")
            assert answer.http_status == 200 and validate(answer.data, "2.3.0", "Credentials") == []
            data = answer.data
            assert data["hub_party_id"] == "NLHUB"
            # the parties behind the hub, each its own; not the hub, not the caller itself
            assert _parties(data["roles"]) == [*HUB_PARTIES, ("CPO", "FR", "CPX")]
            assert data["roles"][0]["business_details"] == {"name": "Mock CPO NL/CPA"}

            def client_infos() -> list[dict]:
                listed = httpx.get(
                    f"{emsp.url}/admin/objects/hubclientinfo?side=receiver&version=2.3.0",
                    timeout=5,
                ).json()["data"]
                parties = {(i["country_code"], i["party_id"]) for i in listed}
                return listed if parties >= expected else []  # the pushes arrive one by one

            # the hub pushes ClientInfo; the eMSP takes it, as a Hub's (403 for anyone else)
            expected = {(cc, pid) for _, cc, pid in HUB_PARTIES}
            wait_for(client_infos, "the hub's ClientInfo of each of its parties to reach the eMSP")
    finally:
        hub_server.stop()


def test_a_2_2_1_hub_answers_with_its_one_role_hub(tmp_path):
    hub = _hub(tmp_path, "2.2.1")
    emsp = platform(hub, "EMSP", *EMSP)
    answer = emsp.client.get("/ocpi/2.2.1/credentials", headers=emsp.headers())
    assert answer.status_code == 200
    data = answer.get_json()["data"]
    assert validate(data, "2.2.1", "Credentials") == []
    assert "hub_party_id" not in data
    assert _parties(data["roles"]) == [("HUB", "NL", "HUB")]


@pytest.mark.parametrize(
    ("fault", "hub_party_id", "roles"),
    [
        ((), "NLHUB", HUB_PARTIES),  # the caller's own party is not listed
        (("hub.credentials_without_hub_party_id",), None, HUB_PARTIES),
        (("hub.credentials_lists_only_itself",), "NLHUB", [("OTHER", "NL", "HUB")]),
    ],
)
def test_the_faults_break_the_2_3_0_credentials(tmp_path, fault, hub_party_id, roles):
    hub = _hub(tmp_path, "2.3.0", fault)
    emsp = platform(hub, "EMSP", *EMSP)
    data = emsp.client.get("/ocpi/2.3.0/credentials", headers=emsp.headers()).get_json()["data"]
    assert validate(data, "2.3.0", "Credentials") == []
    assert data.get("hub_party_id") == hub_party_id
    assert _parties(data["roles"]) == roles

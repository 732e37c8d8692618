"""Done-when of the hub: a real platform (a mock CPO in another process) registers with the
mock hub over loopback; an eMSP pulls that CPO's locations through the hub by the routing
headers and gets only its objects; a push from the CPO reaches the eMSP through the hub."""

from __future__ import annotations

import httpx
import pytest
from hub_support import connected_parties, emsp_registered, make_hub, mock_process, wait_for

from mock_party.server import serve_in_thread
from ocpi_core.client import OcpiClient

CPO = ("FR", "CPX")
EMSP = ("FR", "EMX")


@pytest.fixture
def hub(tmp_path):
    app = make_hub(tmp_path, locations=2, tariffs=1, tokens=1, sessions=0, cdrs=0)
    server = serve_in_thread(app)
    yield app, server.url
    server.stop()


@pytest.fixture
def cpo_process(hub, tmp_path):
    _, hub_url = hub
    with mock_process(
        "--role", "cpo", "--country-code", CPO[0], "--party-id", CPO[1], "--locations", "5",
        "--database", str(tmp_path / "cpo.sqlite"), "--command-delay", "0",
        "--register-to", f"{hub_url}/ocpi/versions", "--peer-token-a", "hub-token-A",
    ) as url:  # fmt: skip
        yield url


def test_a_real_cpo_behind_the_hub_serves_and_pushes_to_an_emsp(hub, cpo_process, tmp_path):
    hub_app, hub_url = hub
    wait_for(lambda: CPO in connected_parties(hub_url), "the CPO process to register")

    # an eMSP platform (a mock eMSP on loopback) registers with the hub too
    token_a = httpx.post(f"{hub_url}/admin/tokens-a", json={}).json()["data"]["token"]
    with emsp_registered(tmp_path, hub_url, token_a, EMSP) as emsp:
        routing = {
            "OCPI-from-country-code": EMSP[0],
            "OCPI-from-party-id": EMSP[1],
            "OCPI-to-country-code": CPO[0],
            "OCPI-to-party-id": CPO[1],
        }
        with OcpiClient(token=emsp.token_to_hub, version="2.2.1").with_headers(routing) as client:
            pages = list(client.iter_pages(f"{hub_url}/ocpi/2.2.1/sender/locations?limit=2"))
        assert len(pages) == 3  # the CPO's pages of 2, followed through the hub's Link
        pulled = [o for page in pages for o in page.data]
        owners = {(o["country_code"], o["party_id"]) for o in pulled}
        assert owners == {CPO} and len(pulled) == 5

        # the CPO changes a location of its own: it pushes to the hub, the hub broadcasts it
        location = dict(pulled[0], name="Renamed through the hub")
        put = httpx.put(f"{cpo_process}/admin/objects/locations", json=location, timeout=30)
        assert put.status_code == 200, put.text
        assert [d["ok"] for d in put.json()["data"]["deliveries"]] == [True]

        def received():
            found = httpx.get(
                f"{emsp.url}/admin/objects/locations?side=receiver", timeout=5
            ).json()["data"]
            return [o for o in found if o["id"] == location["id"]]

        arrived = wait_for(received, "the push to reach the eMSP")
        assert arrived[0]["name"] == "Renamed through the hub"
        assert (arrived[0]["country_code"], arrived[0]["party_id"]) == CPO

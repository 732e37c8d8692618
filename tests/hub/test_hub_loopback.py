"""Done-when of the hub: a real platform (a mock CPO in another process) registers with the
mock hub over loopback; an eMSP pulls that CPO's locations through the hub by the routing
headers and gets only its objects; a push from the CPO reaches the eMSP through the hub."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import httpx
import pytest

from mock_party import MockConfig, create_app
from mock_party.server import serve_in_thread
from mock_party.store import get_store
from ocpi_core.client import OcpiClient

CPO = ("FR", "CPX")
EMSP = ("FR", "EMX")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait(predicate, what: str, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = predicate()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def hub(tmp_path):
    app = create_app(
        MockConfig(
            roles=("HUB",),
            party_id="HUB",
            database=str(tmp_path / "hub.sqlite"),
            token_a="hub-token-A",
            locations=2,
            tariffs=1,
            tokens=1,
            sessions=0,
            cdrs=0,
        )
    )
    server = serve_in_thread(app)
    yield app, server.url
    server.stop()


@pytest.fixture
def cpo_process(hub, tmp_path):
    _, hub_url = hub
    port = _free_port()
    command = [
        os.path.join(os.path.dirname(sys.executable), "ocpi-mock"), "serve",
        "--role", "cpo", "--port", str(port),
        "--country-code", CPO[0], "--party-id", CPO[1], "--locations", "5",
        "--database", str(tmp_path / "cpo.sqlite"), "--command-delay", "0",
        "--register-to", f"{hub_url}/ocpi/versions", "--peer-token-a", "hub-token-A",
    ]  # fmt: skip
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    popen = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
    )
    yield f"http://127.0.0.1:{port}"
    popen.terminate()
    try:
        popen.wait(timeout=10)
    except subprocess.TimeoutExpired:
        popen.kill()


def _registered_parties(hub_url: str) -> set[tuple[str, str]]:
    try:
        data = httpx.get(f"{hub_url}/admin/hub/parties", timeout=2).json()["data"]
    except (httpx.HTTPError, KeyError, ValueError):
        return set()
    return {(p["country_code"], p["party_id"]) for p in data if p["status"] == "CONNECTED"}


def test_a_real_cpo_behind_the_hub_serves_and_pushes_to_an_emsp(hub, cpo_process, tmp_path):
    hub_app, hub_url = hub
    _wait(lambda: CPO in _registered_parties(hub_url), "the CPO process to register")

    # an eMSP platform (a mock eMSP on loopback) registers with the hub too
    emsp_app = create_app(
        MockConfig(
            roles=("EMSP",),
            country_code=EMSP[0],
            party_id=EMSP[1],
            database=str(tmp_path / "emsp.sqlite"),
            tokens=0,
        )
    )
    emsp_server = serve_in_thread(emsp_app)
    try:
        token_a = httpx.post(f"{hub_url}/admin/tokens-a", json={}).json()["data"]["token"]
        registered = httpx.post(
            f"{emsp_server.url}/admin/register",
            json={"versions_url": f"{hub_url}/ocpi/versions", "token_a": token_a},
            timeout=30,
        )
        assert registered.status_code == 200, registered.text
        with emsp_app.app_context():
            token_to_hub = get_store().partners()[0].token_out

        routing = {
            "OCPI-from-country-code": EMSP[0],
            "OCPI-from-party-id": EMSP[1],
            "OCPI-to-country-code": CPO[0],
            "OCPI-to-party-id": CPO[1],
        }
        with OcpiClient(token=token_to_hub, version="2.2.1").with_headers(routing) as client:
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
                f"{emsp_server.url}/admin/objects/locations?side=receiver", timeout=5
            ).json()["data"]
            return [o for o in found if o["id"] == location["id"]]

        arrived = _wait(received, "the push to reach the eMSP")
        assert arrived[0]["name"] == "Renamed through the hub"
        assert (arrived[0]["country_code"], arrived[0]["party_id"]) == CPO
    finally:
        emsp_server.stop()

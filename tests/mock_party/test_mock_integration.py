"""A mock CPO and a mock eMSP on real loopback HTTP (waitress): they register with each other,
the CPO's session simulator and commands reach the eMSP, and every answer is schema-valid."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from mock_support import STAMP, assert_envelope, assert_valid, period, session, token

from mock_party import MockConfig, create_app
from mock_party.server import ServerThread
from ocpi_core.client import OcpiClient, OcpiResponse

pytestmark = pytest.mark.slow

V = "2.2.1"


@dataclass
class Party:
    """One served mock: its app, server and the token its partner uses to call it."""

    app: Any
    server: ServerThread
    partner_token: str = ""

    @property
    def url(self) -> str:
        return self.server.url

    def admin(self, method: str, path: str, body: Any = None) -> dict[str, Any]:
        response = httpx.request(method, f"{self.url}/admin{path}", json=body, timeout=30)
        assert response.status_code < 300, response.text
        return response.json()["data"]

    def received(self, module: str) -> list[dict[str, Any]]:
        return self.admin("GET", f"/objects/{module}?side=receiver")

    def client(self) -> OcpiClient:
        return OcpiClient(token=self.partner_token, version=V)

    def endpoint(self, module: str, interface: str) -> str:
        return f"{self.url}/ocpi/{V}/{interface}/{module}"


def wait_for(condition: Callable[[], Any], timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.05)


@pytest.fixture
def pair(tmp_path, served) -> tuple[Party, Party]:
    """A mock CPO (small data set) and a mock eMSP, registered with each other."""
    cpo_app = create_app(
        MockConfig(
            roles=("CPO",),
            party_id="CPO",
            database=str(tmp_path / "cpo.sqlite"),
            locations=4,
            tariffs=3,
            tokens=4,
            sessions=3,
            cdrs=3,
            command_delay=0.05,
        )
    )
    emsp_app = create_app(
        MockConfig(
            roles=("EMSP",),
            party_id="MSP",
            database=str(tmp_path / "emsp.sqlite"),
            locations=0,
            tariffs=0,
            sessions=0,
            cdrs=0,
            tokens=12,
        )
    )
    cpo = Party(cpo_app, served(cpo_app))
    emsp = Party(emsp_app, served(emsp_app))
    registered = cpo.admin(
        "POST",
        "/register",
        {"versions_url": f"{emsp.url}/ocpi/versions", "token_a": emsp_app.config["OCPI_TOKEN_A"]},
    )
    assert registered["version"] == V
    # each side's partner record holds the token the other side calls it with
    cpo_partner = cpo.admin("GET", "/partners")[0]
    emsp_partner = emsp.admin("GET", "/partners")[0]
    assert cpo_partner["registered"] and emsp_partner["registered"]
    from mock_party.store import Store

    def token_in(app: Any) -> str:
        store = Store(app.config["OCPI_DATABASE"])
        try:
            return store.partners()[0].token_in or ""
        finally:
            store.close()

    cpo.partner_token = token_in(cpo_app)  # what the eMSP sends to the CPO
    emsp.partner_token = token_in(emsp_app)  # what the CPO sends to the eMSP
    return cpo, emsp


def _sender_token(emsp: Party, whitelist: str) -> dict[str, Any]:
    """A valid token of the eMSP with this whitelist, whose authorization says ALLOWED."""
    tokens = emsp.admin("GET", "/objects/tokens")
    found = next(t for t in tokens if t["whitelist"] == whitelist and t["valid"])
    emsp.admin("POST", f"/tokens/{found['uid']}/allowed", {"allowed": None, "type": found["type"]})
    return found


def test_simulated_session_reaches_the_emsp(pair):
    cpo, emsp = pair
    never = _sender_token(emsp, "NEVER")  # needs the eMSP's real-time authorization
    result = cpo.admin(
        "POST", "/simulate", {"token_uid": never["uid"], "token_type": never["type"], "updates": 2}
    )
    assert result["allowed"] == "ALLOWED" and result["auth_method"] == "AUTH_REQUEST"
    failed = [d for d in result["deliveries"] if not d["ok"] and d["http_status"] != 404]
    assert not failed, failed
    sessions = emsp.received("sessions")
    assert [s["id"] for s in sessions] == [result["session_id"]]
    pushed = sessions[0]
    assert_valid(pushed, "Session")
    assert pushed["status"] == "COMPLETED"
    assert pushed["auth_method"] == "AUTH_REQUEST" and pushed["authorization_reference"]
    assert len(pushed["charging_periods"]) == 3  # two updates and the last stretch
    assert pushed["cdr_token"]["uid"] == never["uid"]
    cdrs = emsp.received("cdrs")
    assert [c["id"] for c in cdrs] == [result["cdr_id"]]
    assert_valid(cdrs[0], "CDR")
    assert cdrs[0]["total_energy"] == pushed["kwh"]
    # the EVSE PATCH found no Location at the eMSP: the CPO PUT the whole Location instead
    locations = emsp.received("locations")
    assert len(locations) == 1
    assert_valid(locations[0], "Location")
    evse = next(e for e in locations[0]["evses"] if e["uid"] == cdrs[0]["cdr_location"]["evse_uid"])
    assert evse["status"] == "AVAILABLE"
    # the CPO's own lists have it too
    with cpo.client() as client:
        listed = client.get(cpo.endpoint("cdrs", "sender"), params={"limit": 100})
    assert result["cdr_id"] in [c["id"] for c in listed.data]


def test_cdr_totals_reconcile_with_the_tariff(pair):
    from decimal import Decimal

    from ocpi_core.pricing import price_cdr

    cpo, emsp = pair
    result = cpo.admin("POST", "/simulate", {"updates": 1, "minutes": 95})
    cdr = next(c for c in emsp.received("cdrs") if c["id"] == result["cdr_id"])
    priced = price_cdr(cdr, cdr.get("tariffs") or [], time_zone=None)
    assert abs(priced.total_cost.excl_vat - Decimal(str(cdr["total_cost"]["excl_vat"]))) < Decimal(
        "0.01"
    )


def test_refused_tokens_start_nothing(pair):
    cpo, emsp = pair
    blocked = next(t for t in emsp.admin("GET", "/objects/tokens") if t["whitelist"] == "NEVER")
    emsp.admin(
        "POST",
        f"/tokens/{blocked['uid']}/allowed",
        {"allowed": "NO_CREDIT", "type": blocked["type"]},
    )
    result = cpo.admin(
        "POST", "/simulate", {"token_uid": blocked["uid"], "token_type": blocked["type"]}
    )
    assert result["allowed"] == "NO_CREDIT" and result["session_id"] is None
    unknown = httpx.post(
        f"{cpo.url}/admin/simulate", json={"token_uid": "NO-SUCH-TOKEN"}, timeout=30
    )
    assert unknown.status_code == 404 and unknown.json()["status_code"] == 2004
    assert emsp.received("sessions") == []


def test_commands_from_the_emsp_to_the_cpo(pair):
    cpo, emsp = pair
    with cpo.client() as client:
        locations = client.get(cpo.endpoint("locations", "sender"), params={"limit": 50}).data
    location, evse = next(
        (loc, e) for loc in locations for e in loc["evses"] if e["status"] == "AVAILABLE"
    )
    ours = _sender_token(emsp, "ALLOWED")
    started = emsp.admin(
        "POST",
        "/commands/START_SESSION",
        {"token": ours, "location_id": location["id"], "evse_uid": evse["uid"]},
    )
    assert started["http_status"] == 200
    assert started["response"]["data"] == {"result": "ACCEPTED", "timeout": 30}
    results = wait_for(lambda: emsp.received("commandresults"))
    assert results[0]["result"] == "ACCEPTED"
    pushed = wait_for(lambda: emsp.received("sessions"))
    assert pushed[0]["status"] == "ACTIVE" and pushed[0]["auth_method"] == "COMMAND"
    stopped = emsp.admin("POST", "/commands/STOP_SESSION", {"session_id": pushed[0]["id"]})
    assert stopped["response"]["data"]["result"] == "ACCEPTED"
    cdrs = wait_for(lambda: emsp.received("cdrs"))
    assert cdrs[0]["session_id"] == pushed[0]["id"]
    wait_for(lambda: emsp.received("sessions")[0]["status"] == "COMPLETED")
    assert (
        len(
            wait_for(
                lambda: (
                    len(emsp.received("commandresults")) == 2 and emsp.received("commandresults")
                )
            )
        )
        == 2
    )


def _check(response: OcpiResponse, http: int, code: int, name: str | None) -> None:
    assert response.http_status == http, (response.url, response.text)
    assert response.headers["content-type"].startswith("application/json")
    assert_envelope_body(response.body, code)
    if name is not None:
        assert_valid(response.data, name)


def assert_envelope_body(body: Any, code: int) -> None:
    class _R:
        json = body

    assert_envelope(_R, code)


def test_every_cpo_endpoint_answers_valid_envelopes(pair):
    cpo, emsp = pair
    cc, pid = "NL", "MSP"  # the eMSP's party, as the CPO knows it
    with cpo.client() as c:
        for module, name in (("locations", "Location"), ("sessions", "Session"),
                             ("cdrs", "CDR"), ("tariffs", "Tariff")):  # fmt: skip
            _check(c.get(cpo.endpoint(module, "sender"), params={"limit": 2}), 200, 1000, name)
        location = c.get(cpo.endpoint("locations", "sender")).data[0]
        evse = location["evses"][0]
        base = f"{cpo.endpoint('locations', 'sender')}/{location['id']}"
        _check(c.get(base), 200, 1000, "Location")
        _check(c.get(f"{base}/{evse['uid']}"), 200, 1000, "EVSE")
        _check(c.get(f"{base}/{evse['uid']}/{evse['connectors'][0]['id']}"), 200, 1000, "Connector")
        _check(c.get(f"{base}/nope"), 404, 2000, None)
        _check(c.get(f"{cpo.endpoint('locations', 'sender')}/nope"), 404, 2003, None)
        tokens = cpo.endpoint("tokens", "receiver")
        _check(c.put(f"{tokens}/{cc}/{pid}/T-1", token((cc, pid), "T-1")), 201, 1000, None)
        _check(c.get(f"{tokens}/{cc}/{pid}/T-1"), 200, 1000, "Token")
        _check(c.patch(f"{tokens}/{cc}/{pid}/T-1", {"valid": False}), 400, 2001, None)
        commands = cpo.endpoint("commands", "receiver")
        answer = c.post(
            f"{commands}/UNLOCK_CONNECTOR",
            {
                "response_url": f"{emsp.endpoint('commands', 'sender')}/UNLOCK_CONNECTOR/1",
                "location_id": location["id"],
                "evse_uid": evse["uid"],
                "connector_id": evse["connectors"][0]["id"],
            },
        )
        _check(answer, 200, 1000, "CommandResponse")
        unknown = c.post(
            f"{commands}/START_SESSION",
            {"response_url": f"{emsp.url}/x", "token": token((cc, pid)), "location_id": "NOPE"},
        )
        _check(unknown, 404, 2003, "CommandResponse")
        assert unknown.data["result"] == "REJECTED"
        stop = c.post(
            f"{commands}/STOP_SESSION", {"response_url": f"{emsp.url}/x", "session_id": "NOPE"}
        )
        _check(stop, 200, 1000, "CommandResponse")
        assert stop.data["result"] == "UNKNOWN_SESSION"
        _check(c.post(f"{commands}/FLY_AWAY", {}), 404, 2000, None)
        _check(c.post(f"{commands}/START_SESSION", {"token": "x"}), 400, 2001, None)
        session_id = c.get(cpo.endpoint("sessions", "sender")).data[0]["id"]
        profiles = f"{cpo.endpoint('chargingprofiles', 'receiver')}/{session_id}"
        profile = {
            "charging_rate_unit": "W",
            "charging_profile_period": [{"start_period": 0, "limit": 7400}],
        }
        results = f"{emsp.url}/results"
        _check(
            c.put(profiles, {"charging_profile": profile, "response_url": results}),
            200,
            1000,
            "ChargingProfileResponse",
        )
        _check(
            c.get(profiles, params={"duration": 600, "response_url": results}),
            200,
            1000,
            "ChargingProfileResponse",
        )
        _check(c.get(profiles, params={"response_url": results}), 400, 2001, None)
        _check(
            c.delete(profiles, params={"response_url": results}),
            200,
            1000,
            "ChargingProfileResponse",
        )
        unknown_profile = c.delete(
            f"{cpo.endpoint('chargingprofiles', 'receiver')}/NOPE", params={"response_url": results}
        )
        assert unknown_profile.data["result"] == "UNKNOWN_SESSION"
        preferences = f"{cpo.endpoint('sessions', 'sender')}/{session_id}/charging_preferences"
        answer = c.put(preferences, {"profile_type": "FAST"})
        assert answer.http_status in (200, 404)
        assert_envelope_body(answer.body, 1000 if answer.http_status == 200 else 2001)
        info = {
            "country_code": "FR",
            "party_id": "HUB",
            "role": "HUB",
            "status": "CONNECTED",
            "last_updated": STAMP,
        }
        hub = f"{cpo.endpoint('hubclientinfo', 'receiver')}/FR/HUB"
        _check(c.put(hub, info), 403, 2000, None)  # only a Hub partner writes ClientInfo
        _check(c.get(hub), 404, 2000, None)


def test_every_emsp_endpoint_answers_valid_envelopes(pair):
    cpo, emsp = pair
    cc, pid = "NL", "CPO"
    with emsp.client() as c:
        _check(c.get(emsp.endpoint("tokens", "sender"), params={"limit": 3}), 200, 1000, "Token")
        tokens = c.get(emsp.endpoint("tokens", "sender"), params={"limit": 50}).data
        authorize = emsp.endpoint("tokens", "sender")
        first = tokens[0]
        refs = {"location_id": "LOC1", "evse_uids": ["E1"]}
        answer = c.post(
            f"{authorize}/{first['uid']}/authorize", refs, params={"type": first["type"]}
        )
        _check(answer, 200, 1000, "AuthorizationInfo")
        assert answer.data["token"]["uid"] == first["uid"]
        _check(c.post(f"{authorize}/NO-SUCH/authorize"), 404, 2004, None)
        assert "data" not in c.post(f"{authorize}/NO-SUCH/authorize").body
        _check(
            c.post(
                f"{authorize}/{first['uid']}/authorize",
                {"evse_uids": []},
                params={"type": first["type"]},
            ),
            400,
            2001,
            None,
        )
        for state in ("ALLOWED", "BLOCKED", "EXPIRED", "NO_CREDIT", "NOT_ALLOWED"):
            emsp.admin(
                "POST", f"/tokens/{first['uid']}/allowed", {"allowed": state, "type": first["type"]}
            )
            answer = c.post(f"{authorize}/{first['uid']}/authorize", params={"type": first["type"]})
            _check(answer, 200, 1000, "AuthorizationInfo")
            assert answer.data["allowed"] == state
        receivers = {
            m: emsp.endpoint(m, "receiver") for m in ("locations", "sessions", "tariffs", "cdrs")
        }
        from mock_support import location, tariff

        _check(
            c.put(f"{receivers['locations']}/{cc}/{pid}/L1", location((cc, pid), "L1")),
            201,
            1000,
            None,
        )
        _check(c.get(f"{receivers['locations']}/{cc}/{pid}/L1"), 200, 1000, "Location")
        _check(c.get(f"{receivers['locations']}/{cc}/{pid}/L1/L1-E1"), 200, 1000, "EVSE")
        _check(c.get(f"{receivers['locations']}/{cc}/{pid}/L1/L1-E1/1"), 200, 1000, "Connector")
        _check(c.get(f"{receivers['locations']}/{cc}/{pid}/NOPE"), 404, 2003, None)
        _check(
            c.put(f"{receivers['tariffs']}/{cc}/{pid}/T1", tariff((cc, pid), "T1")), 201, 1000, None
        )
        _check(c.get(f"{receivers['tariffs']}/{cc}/{pid}/T1"), 200, 1000, "Tariff")
        _check(
            c.put(f"{receivers['sessions']}/{cc}/{pid}/S1", session((cc, pid), "S1")),
            201,
            1000,
            None,
        )
        _check(c.get(f"{receivers['sessions']}/{cc}/{pid}/S1"), 200, 1000, "Session")
        _check(c.get(f"{receivers['sessions']}/ZZ/ZZZ/S1"), 404, 2000, None)
        result = c.post(
            f"{emsp.endpoint('commands', 'sender')}/START_SESSION/abc", {"result": "ACCEPTED"}
        )
        _check(result, 200, 1000, None)
        _check(
            c.post(f"{emsp.endpoint('commands', 'sender')}/x", {"result": "MAYBE"}), 400, 2001, None
        )


def test_token_a_gets_401_on_every_module(pair):
    cpo, emsp = pair
    fresh = httpx.post(f"{emsp.url}/admin/tokens-a", json={}, timeout=10).json()["data"]["token"]
    with OcpiClient(token=fresh, version=V) as client:
        for party in (cpo, emsp):
            details = client.get(f"{party.url}/ocpi/{V}")
            for endpoint in details.data["endpoints"] if details.http_status == 200 else []:
                if endpoint["identifier"] != "credentials":
                    assert client.get(endpoint["url"]).http_status == 401, endpoint


def test_parallel_patches_lose_nothing(pair):
    cpo, emsp = pair
    cc, pid = "NL", "CPO"
    url = f"{emsp.endpoint('sessions', 'receiver')}/{cc}/{pid}/S-PAR"
    with emsp.client() as client:
        assert client.put(url, session((cc, pid), "S-PAR")).http_status == 201
    count, workers = 48, 8
    errors: list[str] = []

    def patch(worker: int) -> None:
        with emsp.client() as client:
            for i in range(worker, count, workers):
                body = {
                    "charging_periods": [period(f"2024-03-01T10:{i:02d}:00Z", 0.5)],
                    "last_updated": f"2024-03-01T10:{i:02d}:00Z",
                }
                response = client.patch(url, body)
                if response.http_status != 200:
                    errors.append(response.text)

    def put(worker: int) -> None:
        with emsp.client() as client:
            for i in range(worker, count, workers):
                body = session((cc, pid), f"S-PUT-{i}")
                response = client.put(
                    f"{emsp.endpoint('sessions', 'receiver')}/{cc}/{pid}/S-PUT-{i}", body
                )
                if response.http_status != 201:
                    errors.append(response.text)

    threads = [threading.Thread(target=f, args=(w,)) for w in range(workers) for f in (patch, put)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors[:3]
    with emsp.client() as client:
        stored = client.get(url).data
    assert len(stored["charging_periods"]) == count
    ids = {s["id"] for s in emsp.received("sessions")}
    assert {f"S-PUT-{i}" for i in range(count)} <= ids


def test_restart_keeps_partners_tokens_and_pushed_objects(pair, tmp_path, served):
    cpo, emsp = pair
    cpo.admin("POST", "/simulate", {"updates": 0})
    before = {m: emsp.received(m) for m in ("sessions", "cdrs", "locations")}
    own = emsp.admin("GET", "/objects/tokens")
    emsp.server.stop()
    again = create_app(emsp.app.config["OCPI_MOCK"])
    restarted = Party(again, served(again), emsp.partner_token)
    assert restarted.admin("GET", "/objects/tokens") == own  # not seeded twice
    assert {m: restarted.received(m) for m in before} == before
    partners = restarted.admin("GET", "/partners")
    assert len(partners) == 1 and partners[0]["registered"]
    with restarted.client() as client:  # the CPO's token still works
        assert client.get(restarted.endpoint("tokens", "sender")).http_status == 200


def test_simulation_hooks_for_a_cli(pair):
    from mock_party.simulate import SimulationError, request_simulation, run_simulation

    cpo, emsp = pair
    result = request_simulation(cpo.url, updates=1, minutes=30)
    assert result["allowed"] == "ALLOWED" and result["cdr_id"]
    with pytest.raises(SimulationError, match="No charge point"):
        request_simulation(emsp.url)
    direct = run_simulation(cpo.app, updates=0)
    assert direct.cdr_id and direct.session_id
    assert {c["id"] for c in emsp.received("cdrs")} == {result["cdr_id"], direct.cdr_id}

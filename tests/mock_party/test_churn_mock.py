"""Status churn of the mock CPO (mock_party/churn.py), over real loopback servers: each change
moves the EVSE's and its Location's last_updated, shows in the Sender list and its date_from
filter, and is PATCHed to a real mock eMSP (2.2.1 and 2.1.1 shapes); the ticker's schedule lives
in the store, so two apps on one database share it; the CLI switches it on a served mock."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import httpx
from click.testing import CliRunner
from mock_support import NO_DATA, auth, evse, location, put_own

from mock_party import MockConfig, create_app
from mock_party.churn import parse_rate
from mock_party.cli import main as mock_cli
from mock_party.objects import format_datetime
from mock_party.store import Store
from ocpi_core.schemas import validate

OURS = ("NL", "MCK")


def _cpo(tmp_path, name: str = "cpo", **config):
    app = create_app(
        MockConfig(
            database=str(tmp_path / f"{name}.sqlite"),
            token_a=f"{name}-token-A",
            **{**NO_DATA, **config},
        )
    )
    put_own(
        app,
        "locations",
        *(
            location(OURS, f"LOC-{n}", evses=[evse(f"LOC-{n}-E1"), evse(f"LOC-{n}-E2")])
            for n in (1, 2)
        ),
    )
    return app


def _admin(url: str, body: dict | None = None) -> dict:
    answer = httpx.post(f"{url}/admin/churn", json=body, timeout=30) if body else None
    if answer is None:
        answer = httpx.get(f"{url}/admin/churn", timeout=30)
    assert answer.status_code == 200, answer.text
    return answer.json()["data"]


def _register(emsp_url: str, cpo_url: str, token_a: str = "cpo-token-A") -> None:
    registered = httpx.post(
        f"{emsp_url}/admin/register",
        json={"versions_url": f"{cpo_url}/ocpi/versions", "token_a": token_a},
        timeout=30,
    )
    assert registered.status_code == 200, registered.text


def _token_in(app) -> str:
    store = Store(app.config["OCPI_DATABASE"])
    try:
        return store.partners()[0].token_in
    finally:
        store.close()


def _sender(url: str, token: str, version: str = "2.2.1", **params) -> list[dict]:
    headers = {"Authorization": f"Token {token}"} if version == "2.1.1" else auth(token)
    answer = httpx.get(
        f"{url}/ocpi/{version}/sender/locations", params=params, headers=headers, timeout=30
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["data"]


def _evses(locations: list[dict]) -> dict[str, dict]:
    return {e["uid"]: {**e, "_location": loc} for loc in locations for e in loc["evses"]}


def test_each_change_is_pushed_to_a_real_emsp_and_shown_by_the_sender(tmp_path, served) -> None:
    cpo = _cpo(tmp_path)
    emsp = create_app(MockConfig(roles=("EMSP",), database=str(tmp_path / "e.sqlite"), **NO_DATA))
    cpo_server, emsp_server = served(cpo), served(emsp)
    _register(emsp_server.url, cpo_server.url)
    # the eMSP first gets the Locations (a PATCH of an EVSE it does not know falls back to PUT)
    made = _admin(cpo_server.url, {"steps": 12})["made"]
    assert len(made) == 12
    known: set[str] = set()
    for change in made:
        assert not validate(change["patch"], "2.2.1", "EVSEPatch"), change["patch"]
        assert change["patch"]["last_updated"]
        first, *fallback = change["deliveries"]
        assert first["method"] == "PATCH"
        assert first["url"].endswith(
            f"/locations/NL/MCK/{change['location_id']}/{change['evse_uid']}"
        )
        if change["location_id"] in known:
            assert first["ok"] and not fallback, change
        else:  # new to the eMSP: 404, then the whole Location
            assert first["http_status"] == 404 and [d["method"] for d in fallback] == ["PUT"]
            assert fallback[0]["ok"]
            known.add(change["location_id"])
    statuses = {c["patch"].get("status") for c in made} - {None}
    assert statuses & {"CHARGING", "OUTOFORDER", "RESERVED", "AVAILABLE"}

    sender = _evses(_sender(cpo_server.url, _token_in(cpo)))
    base = f"{emsp_server.url}/ocpi/2.2.1/receiver/locations/NL/MCK"
    token = _token_in(emsp)
    for uid, own in sender.items():
        loc = own["_location"]
        pushed = httpx.get(f"{base}/{loc['id']}/{uid}", headers=auth(token), timeout=30)
        changed = [c for c in made if c["evse_uid"] == uid]
        if not changed:
            continue
        got = pushed.json()["data"]
        assert got["status"] == own["status"]  # the status pushed is the status served
        assert got["last_updated"] == own["last_updated"] == changed[-1]["patch"]["last_updated"]
        assert got.get("status_schedule", []) == own.get("status_schedule", [])
        # the Location's last_updated follows its newest EVSE, at the CPO and at the eMSP
        assert loc["last_updated"] == max(e["last_updated"] for e in loc["evses"])
        stored_location = httpx.get(f"{base}/{loc['id']}", headers=auth(token), timeout=30)
        assert stored_location.json()["data"]["last_updated"] >= got["last_updated"]


def test_a_reservation_is_planned_in_the_schedule_before_it_is_taken(tmp_path) -> None:
    cpo = _cpo(tmp_path, seed=7)
    client = cpo.test_client()
    made = client.post("/admin/churn", json={"steps": 200}).json["data"]["made"]
    by_evse: dict[str, list[dict]] = {}
    for change in made:
        by_evse.setdefault(change["evse_uid"], []).append(change)
    reserved = 0
    for changes in by_evse.values():
        for earlier, later in zip(changes, changes[1:], strict=False):
            assert later["patch"]["last_updated"] >= earlier["patch"]["last_updated"]
            if later["patch"].get("status") == "RESERVED":
                reserved += 1
                planned = earlier["patch"].get("status_schedule")
                assert planned and planned[0]["status"] == "RESERVED", earlier
                assert later["patch"]["status_schedule"] == []
                assert later["before"] == "AVAILABLE"
    assert reserved > 0
    seen = {(c["before"], c["patch"].get("status")) for c in made}
    assert {("AVAILABLE", "CHARGING"), ("CHARGING", "AVAILABLE")} <= seen
    assert ("AVAILABLE", "OUTOFORDER") in seen and ("OUTOFORDER", "AVAILABLE") in seen


def test_the_ticker_changes_the_list_by_itself_and_stops(tmp_path, served) -> None:
    cpo = _cpo(tmp_path)
    emsp = create_app(MockConfig(roles=("EMSP",), database=str(tmp_path / "e.sqlite"), **NO_DATA))
    cpo_server, emsp_server = served(cpo), served(emsp)
    _register(emsp_server.url, cpo_server.url)
    token = _token_in(cpo)
    t0 = format_datetime(datetime.now(UTC))
    assert _sender(cpo_server.url, token, date_from=t0) == []
    settings = _admin(cpo_server.url, {"per_minute": 1200, "minutes": 1})
    assert settings["active"] and settings["until"]
    deadline = time.monotonic() + 10
    while _admin(cpo_server.url)["changes"] < 3 and time.monotonic() < deadline:
        time.sleep(0.1)
    _admin(cpo_server.url, {"per_minute": 0})
    stopped = _admin(cpo_server.url)
    assert stopped["changes"] >= 3 and not stopped["active"]
    time.sleep(0.5)
    assert _admin(cpo_server.url)["changes"] == stopped["changes"]
    # the incremental pull finds what changed, each Location once
    changed = _sender(cpo_server.url, token, date_from=t0)
    assert changed and len({loc["id"] for loc in changed}) == len(changed)
    assert all(loc["last_updated"] >= t0 for loc in changed)


def test_two_apps_on_one_store_share_one_schedule(tmp_path) -> None:
    first = _cpo(tmp_path)
    second = create_app(
        MockConfig(database=str(tmp_path / "cpo.sqlite"), token_a="cpo-token-A", **NO_DATA)
    )
    client = first.test_client()
    client.post("/admin/churn", json={"per_minute": 240, "minutes": 1})  # 4 a second
    second.test_client().post("/admin/churn", json={"per_minute": 240, "minutes": 1})
    time.sleep(1.5)
    client.post("/admin/churn", json={"per_minute": 0})
    changes = client.get("/admin/churn").json["data"]["changes"]
    # one schedule: at most 1.5 s x 4/s (+1 for the edge), never twice that
    assert 1 <= changes <= 7


def test_pushes_take_the_shape_of_a_211_partner(tmp_path, served) -> None:
    cpo = _cpo(tmp_path, versions=("2.1.1", "2.2.1"))
    emsp = create_app(
        MockConfig(
            roles=("EMSP",), versions=("2.1.1",), database=str(tmp_path / "e.sqlite"), **NO_DATA
        )
    )
    cpo_server, emsp_server = served(cpo), served(emsp)
    _register(emsp_server.url, cpo_server.url)
    made = cpo.test_client().post("/admin/churn", json={"steps": 6}).json["data"]["made"]
    assert all(c["deliveries"][-1]["ok"] for c in made), made
    token = _token_in(emsp)
    last = made[-1]
    pushed_to = last["deliveries"][0]["url"]  # the EVSE's URL at the eMSP
    assert "/ocpi/2.1.1/" in pushed_to
    got = httpx.get(pushed_to, headers={"Authorization": f"Token {token}"}, timeout=30)
    assert got.status_code == 200, got.text
    data = got.json()["data"]
    assert not validate(data, "2.1.1", "EVSE")
    served_211 = _evses(_sender(cpo_server.url, _token_in(cpo), "2.1.1"))
    assert data["status"] == served_211[last["evse_uid"]]["status"]


def test_the_cli_switches_the_churn_of_a_served_mock(tmp_path, served) -> None:
    server = served(_cpo(tmp_path))
    runner = CliRunner()
    on = runner.invoke(
        mock_cli,
        ["simulate", "--mock", server.url, "--status-churn", "30/min", "--churn-minutes", "5"],
    )
    assert on.exit_code == 0, on.output
    assert "30 change(s) a minute until" in on.output
    assert _admin(server.url)["per_minute"] == 30
    off = runner.invoke(mock_cli, ["simulate", "--mock", server.url, "--status-churn", "off"])
    assert off.exit_code == 0 and "status churn off" in off.output
    bad = runner.invoke(mock_cli, ["simulate", "--mock", server.url, "--status-churn", "fast"])
    assert bad.exit_code == 2 and "not a rate" in bad.output
    lone = runner.invoke(mock_cli, ["simulate", "--mock", server.url, "--churn-minutes", "2"])
    assert lone.exit_code == 2


def test_rates_and_bad_admin_input(tmp_path) -> None:
    assert parse_rate("6/min") == 6 and parse_rate("0.5/s") == 30 and parse_rate("30/h") == 0.5
    assert parse_rate("off") == 0 and parse_rate(" 12 ") == 12
    client = _cpo(tmp_path).test_client()
    for body in (
        {},
        {"per_minute": -1},
        {"per_minute": "many"},
        {"steps": 1.5},
        {"minutes": 3},
        {"rate": 5},
    ):
        answer = client.post("/admin/churn", json=body)
        assert answer.status_code == 400 and answer.json["status_code"] == 2001, body
    emsp = create_app(
        MockConfig(roles=("EMSP",), database=str(tmp_path / "emsp.sqlite"), **NO_DATA)
    )
    refused = emsp.test_client().post("/admin/churn", json={"steps": 1})
    assert refused.status_code == 409 and refused.json["status_code"] == 2001


def test_serve_time_churn_resumes_from_the_store(tmp_path) -> None:
    app = _cpo(tmp_path, status_churn=600)
    deadline = time.monotonic() + 10
    while app.test_client().get("/admin/churn").json["data"]["changes"] < 2:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    again = create_app(
        MockConfig(database=str(tmp_path / "cpo.sqlite"), token_a="cpo-token-A", **NO_DATA)
    )  # a restart without the option: the stored churn goes on
    settings = again.test_client().get("/admin/churn").json["data"]
    assert settings["active"] and settings["per_minute"] == 600
    again.test_client().post("/admin/churn", json={"per_minute": 0})

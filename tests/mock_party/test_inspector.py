"""The inspector's JSON endpoint and recording, over real loopback: a mock eMSP registers with a
mock CPO by the real handshake, and what the CPO recorded is read back from
``/admin/ui/live.json`` and the page: every exchange with its partner, module, status and
bodies, no token in clear anywhere, filters, the bound on what is kept, and ``ui=False``."""

from __future__ import annotations

import base64
import time
from typing import Any

import httpx
from mock_support import MockPair, OcpiActions, auth

from mock_party import recording
from mock_party.store import Store

TOKEN_A = "planted-token-A-0123456789"


def live(base: str, **params: Any) -> dict[str, Any]:
    response = httpx.get(f"{base}/admin/ui/live.json", params=params, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()["data"]


def wait_for(base: str, count: int, **params: Any) -> list[dict[str, Any]]:
    """The exchanges, once at least ``count`` are recorded (the recorder writes within
    0.1 s)."""
    deadline = time.monotonic() + 10
    while True:
        exchanges = live(base, **params)["exchanges"]
        if len(exchanges) >= count or time.monotonic() > deadline:
            return exchanges
        time.sleep(0.05)


def registered_pair(tmp_path, served, **cpo_config: Any):
    """A mock CPO (data set of 2 Locations) and a mock eMSP registered with it by the real
    credentials handshake; the CPO's base URL and the tokens the two now share."""
    pair = MockPair.serve(tmp_path, served, TOKEN_A, push=False, **cpo_config)
    return pair.cpo, pair.register()


def test_live_json_shows_each_exchange_with_its_partner_and_no_token(tmp_path, served):
    base, partner = registered_pair(tmp_path, served)
    token_c, token_b = partner.token_in, partner.token_out
    # a token where no masker looks by field name: in the query string
    pulled = httpx.get(
        f"{base}/ocpi/2.2.1/sender/locations",
        params={"limit": 1, "note": token_c},
        headers=auth(token_c),
        timeout=10,
    )
    assert pulled.status_code == 200
    exchanges = wait_for(base, 4)
    # the handshake (versions list, version details, credentials POST), then the pull
    assert [(e["method"], e["module"], e["status"]) for e in reversed(exchanges)] == [
        ("GET", "versions", 200),
        ("GET", "versions", 200),
        ("POST", "credentials", 200),
        ("GET", "locations", 200),
    ]
    newest, registration = exchanges[0], exchanges[1]
    assert newest["partner_id"] == partner.id
    assert newest["partner"] == f"#{partner.id} NL/EMP"
    assert newest["path"].startswith("/ocpi/2.2.1/sender/locations?limit=1&note=****")
    assert '"country_code": "NL"' in newest["response_body"]
    assert newest["duration_ms"] > 0
    assert newest["request_headers"]["Authorization"].startswith("Token ****")
    # the registration is the partner's too, though it came with token A
    assert registration["partner_id"] == partner.id
    assert '"token": "****' in registration["request_body"]
    assert '"token": "****' in registration["response_body"]

    page = httpx.get(f"{base}/admin/ui", timeout=10).text
    everything = str(exchanges) + page
    for secret in (TOKEN_A, token_b, token_c):
        assert secret not in everything
        assert base64.b64encode(secret.encode()).decode() not in everything
    assert "/ocpi/2.2.1/credentials" in page and "NL/EMP" in page
    # masked at rest too, not only when the inspector shows them
    assert_no_secret_stored(str(tmp_path / "cpo.sqlite"), TOKEN_A, token_b, token_c)


def assert_no_secret_stored(database: str, *secrets: str) -> None:
    store = Store(database)
    try:
        stored = str(store.exchanges())
    finally:
        store.close()
    assert stored.count("****") > 0
    for secret in secrets:
        assert secret not in stored
        assert base64.b64encode(secret.encode()).decode() not in stored


def test_a_partner_deleted_before_the_write_still_has_its_token_masked(
    tmp_path, served, monkeypatch
):
    """The recorder masks the secrets the store knows when it writes; a token the store forgot
    since the request (its partner deleted meanwhile) was handed over by the request."""
    monkeypatch.setattr(recording, "FLUSH_EVERY", 1.0)  # the write waits a second
    base, partner = registered_pair(tmp_path, served)
    wait_for(base, 3)
    token_c = partner.token_in
    pulled = httpx.get(
        f"{base}/ocpi/2.2.1/sender/locations",
        params={"limit": 1, "note": token_c},
        headers=auth(token_c),
        timeout=10,
    )
    assert pulled.status_code == 200
    store = Store(str(tmp_path / "cpo.sqlite"))
    try:
        store.delete_partner(partner.id)
        assert token_c not in store.secrets()
        assert store.last_exchange_id() == 3  # the pull is not written yet
    finally:
        store.close()
    (newest, *_) = wait_for(base, 4)
    assert newest["path"].startswith("/ocpi/2.2.1/sender/locations?limit=1&note=****")
    assert_no_secret_stored(str(tmp_path / "cpo.sqlite"), token_c, partner.token_out)


def test_filters_by_partner_module_and_after(make_app, served):
    app = make_app()
    base = served(app).url
    tokens = {"DE": "first-partner-token", "FR": "second-partner-token"}
    ids = {
        country: OcpiActions(app.test_client(), app).register(party=(country, "PRT"), token=token)
        for country, token in tokens.items()
    }
    for token in tokens.values():
        for module in ("locations", "tariffs"):
            answer = httpx.get(f"{base}/ocpi/2.2.1/sender/{module}", headers=auth(token))
            assert answer.status_code == 200, answer.text
    assert len(wait_for(base, 4)) == 4
    first = live(base, partner=ids["DE"])["exchanges"]
    assert {(e["partner_id"], e["module"]) for e in first} == {
        (ids["DE"], "locations"),
        (ids["DE"], "tariffs"),
    }
    tariffs = live(base, module="tariffs")["exchanges"]
    assert sorted(e["partner_id"] for e in tariffs) == sorted(ids.values())
    newest = live(base)
    assert newest["last_id"] == max(e["id"] for e in newest["exchanges"])
    assert live(base, after=newest["last_id"])["exchanges"] == []
    assert [e["id"] for e in live(base, after=newest["last_id"] - 1)["exchanges"]] == [
        newest["last_id"]
    ]
    assert {p["label"] for p in newest["partners"]} == {
        f"#{ids['DE']} DE/PRT",
        f"#{ids['FR']} FR/PRT",
    }
    for bad in ({"module": "nonsense"}, {"after": "²"}, {"partner": "-1"}):
        refused = httpx.get(f"{base}/admin/ui/live.json", params=bad, timeout=10)
        assert refused.status_code == 400
        assert refused.json()["status_code"] == 2001


def test_only_the_newest_exchanges_are_kept(make_app, served):
    base = served(make_app(exchanges_kept=5)).url
    for _ in range(12):
        assert httpx.get(f"{base}/ocpi/versions", headers=auth("token-A-1234")).status_code == 200
    deadline = time.monotonic() + 10
    while live(base)["last_id"] < 12 and time.monotonic() < deadline:
        time.sleep(0.05)
    exchanges = live(base)["exchanges"]
    assert [e["id"] for e in exchanges] == [12, 11, 10, 9, 8]


def test_the_recorder_thread_ends_when_idle_and_comes_back(make_app, served, monkeypatch):
    """A process that makes many apps (a test run, a tool embedding the mock) keeps no writer
    thread, nor its store connection, for each app once its traffic has stopped."""
    monkeypatch.setattr(recording, "IDLE", 0.3)
    app = make_app()
    base = served(app).url
    recorder = app.extensions["ocpi_recorder"]
    headers = auth("token-A-1234")
    assert httpx.get(f"{base}/ocpi/versions", headers=headers).status_code == 200
    assert [e["id"] for e in wait_for(base, 1)] == [1]
    deadline = time.monotonic() + 10
    while recorder.running() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not recorder.running()
    # the next exchange starts it again, and nothing is lost in between
    for _ in range(3):
        assert httpx.get(f"{base}/ocpi/versions", headers=headers).status_code == 200
    assert [e["id"] for e in wait_for(base, 4)] == [4, 3, 2, 1]


def test_without_the_ui_nothing_is_served_nor_recorded(make_app, served):
    app = make_app(ui=False)
    base = served(app).url
    assert httpx.get(f"{base}/ocpi/versions", headers=auth("token-A-1234")).status_code == 200
    for path in ("/admin/ui", "/admin/ui/live.json", "/admin/ui/static/inspector.js"):
        answer = httpx.get(base + path, timeout=10)
        assert answer.status_code == 404
        assert answer.json()["status_code"] == 2000
    time.sleep(0.3)  # longer than the recorder would take
    store = Store(app.config["OCPI_DATABASE"])
    try:
        assert store.last_exchange_id() == 0
    finally:
        store.close()
    # the admin API itself stays
    assert httpx.get(f"{base}/admin/faults", timeout=10).status_code == 200


def test_the_session_buttons_start_a_session_and_stop_it_with_a_cdr(make_app, served):
    base = served(make_app(locations=2, push=False)).url
    started = httpx.post(f"{base}/admin/ui/sessions", json={}, timeout=10)
    assert started.status_code == 200, started.text
    session_id = started.json()["data"]["session_id"]
    stopped = httpx.post(f"{base}/admin/ui/sessions/{session_id}/stop", timeout=10)
    assert stopped.status_code == 200, stopped.text
    assert stopped.json()["data"]["cdr_id"]
    again = httpx.post(f"{base}/admin/ui/sessions/{session_id}/stop", timeout=10)
    assert again.json()["status_code"] != 1000  # a stopped session is not ACTIVE any more
    refused = httpx.post(f"{base}/admin/ui/sessions", json={"token_uid": "NOPE"}, timeout=10)
    assert refused.json()["status_code"] == 2004
    assert "Unknown token NOPE" in refused.json()["status_message"]

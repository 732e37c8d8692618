"""Demand pricing in the mock: a price change (now or scheduled) ends one Tariff and starts its
successor, both are pushed with the changed Locations to a real eMSP over loopback, and a
simulated session across the change at varying power is priced per period by the Tariff in
force (checked by hand, not only by the engine)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
from click.testing import CliRunner
from mock_support import NO_DATA, auth, connector, evse, location, put_own

from mock_party import MockConfig, create_app
from mock_party.cli import main as mock_cli
from mock_party.objects import format_datetime
from mock_party.store import Store
from ocpi_core.pricing import price_cdr

OURS = ("NL", "MCK")
V = "/ocpi/2.2.1"


def _tariff() -> dict:
    return {
        "country_code": "NL",
        "party_id": "MCK",
        "id": "T-1",
        "currency": "EUR",
        "elements": [
            {  # charging slower than 11 kW costs more per kWh
                "price_components": [
                    {"type": "ENERGY", "price": 0.50, "vat": 21.0, "step_size": 1}
                ],
                "restrictions": {"max_power": 11.0},
            },
            {"price_components": [{"type": "ENERGY", "price": 0.30, "vat": 21.0, "step_size": 1}]},
        ],
        "last_updated": "2024-03-01T10:00:00Z",
    }


def _cpo(tmp_path, name: str = "cpo"):
    app = create_app(
        MockConfig(database=str(tmp_path / f"{name}.sqlite"), token_a=f"{name}-token-A", **NO_DATA)
    )
    place = location(
        OURS, "LOC-1", evses=[evse("LOC-1-E1", connectors=[connector(tariff_ids=["T-1"])])]
    )
    put_own(app, "tariffs", _tariff())
    put_own(app, "locations", place)
    return app


def _admin(app, path: str, body: dict):
    return app.test_client().post(f"/admin{path}", json=body)


def test_a_price_change_is_pushed_to_a_real_emsp(tmp_path, served) -> None:
    cpo = _cpo(tmp_path)
    emsp = create_app(MockConfig(roles=("EMSP",), database=str(tmp_path / "e.sqlite"), **NO_DATA))
    cpo_server, emsp_server = served(cpo), served(emsp)
    registered = httpx.post(
        f"{emsp_server.url}/admin/register",
        json={"versions_url": f"{cpo_server.url}/ocpi/versions", "token_a": "cpo-token-A"},
        timeout=30,
    )
    assert registered.status_code == 200
    answer = _admin(cpo, "/tariffs/T-1/change", {"factor": 2})
    assert answer.status_code == 200
    change = answer.json["data"]
    assert [d["ok"] for d in change["deliveries"]] == [True, True, True]
    when = change["new"]["start_date_time"]
    assert change["old"]["end_date_time"] == when
    store = Store(emsp.config["OCPI_DATABASE"])
    try:
        token = store.partners()[0].token_in
    finally:
        store.close()
    base = f"{emsp_server.url}{V}/receiver"
    old = httpx.get(f"{base}/tariffs/NL/MCK/T-1", headers=auth(token)).json()["data"]
    new = httpx.get(f"{base}/tariffs/NL/MCK/T-1-2", headers=auth(token)).json()["data"]
    assert old["end_date_time"] == when and "start_date_time" not in old
    assert new["start_date_time"] == when
    assert [c["price"] for e in new["elements"] for c in e["price_components"]] == [1.0, 0.6]
    place = httpx.get(f"{base}/locations/NL/MCK/LOC-1", headers=auth(token)).json()["data"]
    assert place["evses"][0]["connectors"][0]["tariff_ids"] == ["T-1", "T-1-2"]


def test_a_session_across_a_change_is_priced_per_period_at_its_power(tmp_path) -> None:
    cpo = _cpo(tmp_path)
    now = datetime.now(UTC)
    at = format_datetime(now - timedelta(minutes=20))
    assert _admin(cpo, "/tariffs/T-1/change", {"factor": 2, "at": at}).status_code == 200
    result = _admin(
        cpo, "/simulate", {"minutes": 60, "updates": 1, "power_kw": [22, 7], "token_type": "RFID"}
    ).json["data"]
    from mock_support import OcpiActions

    actions = OcpiActions(cpo.test_client(), cpo)
    actions.register()
    cdr = next(
        c for c in actions.get(f"{V}/sender/cdrs").json["data"] if c["id"] == result["cdr_id"]
    )
    periods = cdr["charging_periods"]
    assert [p["tariff_id"] for p in periods] == ["T-1", "T-1", "T-1-2"]
    assert periods[2]["start_date_time"] == at  # a new period at the price change
    powers = [{d["type"]: d["volume"] for d in p["dimensions"]} for p in periods]
    assert [(p["MIN_POWER"], p["MAX_POWER"]) for p in powers] == [(22, 22), (7, 7), (7, 7)]
    assert powers[0]["MAX_CURRENT"] == round(22000 / (3 * 230), 2)
    energy = [Decimal(str(p["ENERGY"])) for p in powers]
    # 22 kW is not below max_power 11: 0.30; 7 kW is: 0.50, doubled after the change
    expected = (
        energy[0] * Decimal("0.30") + energy[1] * Decimal("0.50") + energy[2] * Decimal("1.00")
    )
    assert abs(Decimal(str(cdr["total_cost"]["excl_vat"])) - expected) < Decimal("0.01")
    assert price_cdr(cdr).total_cost.excl_vat == Decimal(str(cdr["total_cost"]["excl_vat"]))
    assert {t["id"] for t in cdr["tariffs"]} == {"T-1", "T-1-2"}


def test_a_scheduled_change_waits_for_its_moment(tmp_path) -> None:
    cpo = _cpo(tmp_path)
    later = format_datetime(datetime.now(UTC) + timedelta(hours=2))
    assert _admin(cpo, "/tariffs/T-1/change", {"factor": 1.5, "at": later}).status_code == 200
    result = _admin(cpo, "/simulate", {"minutes": 30, "updates": 1}).json["data"]
    from mock_support import OcpiActions

    actions = OcpiActions(cpo.test_client(), cpo)
    actions.register()
    cdr = next(
        c for c in actions.get(f"{V}/sender/cdrs").json["data"] if c["id"] == result["cdr_id"]
    )
    assert {p["tariff_id"] for p in cdr["charging_periods"]} == {"T-1"}
    listed = {t["id"]: t for t in actions.get(f"{V}/sender/tariffs").json["data"]}
    assert listed["T-1-2"]["start_date_time"] == later == listed["T-1"]["end_date_time"]


def test_bad_changes_are_refused(tmp_path) -> None:
    cpo = _cpo(tmp_path)
    unknown = _admin(cpo, "/tariffs/NOPE/change", {"factor": 2})
    assert (unknown.status_code, unknown.json["status_code"]) == (404, 2003)
    assert _admin(cpo, "/tariffs/T-1/change", {}).json["status_code"] == 2001
    assert _admin(cpo, "/tariffs/T-1/change", {"factor": "x"}).json["status_code"] == 2001
    assert (
        _admin(cpo, "/tariffs/T-1/change", {"factor": 2, "at": "5 pm"}).json["status_code"] == 2001
    )
    assert _admin(cpo, "/tariffs/T-1/change", {"elements": [{}]}).json["status_code"] == 2001
    assert _admin(cpo, "/tariffs/T-1/change", {"factor": 2}).status_code == 200
    ended = _admin(cpo, "/tariffs/T-1/change", {"factor": 2})
    assert ended.status_code == 400 and "ended" in ended.json["status_message"]


def test_tariff_change_and_power_on_the_command_line(tmp_path, served) -> None:
    server = served(_cpo(tmp_path))
    runner = CliRunner()
    changed = runner.invoke(
        mock_cli, ["tariff-change", "T-1", "--factor", "1.5", "--mock", server.url]
    )
    assert changed.exit_code == 0, changed.output
    assert "T-1-2 starts then" in changed.output
    missing = runner.invoke(
        mock_cli, ["tariff-change", "NOPE", "--factor", "2", "--mock", server.url]
    )
    assert missing.exit_code == 1 and "Unknown tariff NOPE" in missing.output
    simulated = runner.invoke(
        mock_cli, ["simulate", "--mock", server.url, "--power-kw", "22,3.7", "--token-type", "RFID"]
    )
    assert simulated.exit_code == 0, simulated.output
    bad = runner.invoke(mock_cli, ["simulate", "--mock", server.url, "--power-kw", "fast"])
    assert bad.exit_code == 2 and "--power-kw" in bad.output

"""The 2.3.0 Payments module of the mock: the PTP's Sender (lists, GET, PUT, PATCH, activation,
deactivation, capture of card-paid CDRs), the CPO's Receiver and card-paid data set, the
activation and assignment flows between a real PTP and a real CPO over loopback, and the Faker
data's validity over many seeds."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import httpx
import pytest
from mock_support import NO_DATA, auth

from mock_party import MockConfig, create_app
from mock_party.fake import generate_dataset
from mock_party.fake.payments import card_paid, card_payments, ptp_payments
from mock_party.shapes import to_version
from mock_party.store import Store
from ocpi_core.schemas import validate

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
V = "/ocpi/2.3.0"
STAMP = "2026-06-01T10:00:00Z"


def _partner(app, token_in: str, token_out: str, role: str, party, endpoints) -> None:
    store = Store(app.config["OCPI_DATABASE"])
    try:
        store.add_partner(
            versions_url="http://partner.invalid/ocpi/versions",
            token_in=token_in,
            token_out=token_out,
            version="2.3.0",
            endpoints=endpoints,
            roles=[
                {
                    "role": role,
                    "business_details": {"name": role},
                    "country_code": party[0],
                    "party_id": party[1],
                }
            ],
            registered=True,
        )
    finally:
        store.close()


def _app(tmp_path, name: str, role: str, **changes):
    values = {"database": str(tmp_path / f"{name}.sqlite"), "versions": ("2.3.0",)}
    values.update(changes)
    return create_app(MockConfig(roles=(role,), command_delay=0.05, **values))


@pytest.fixture
def ptp(tmp_path):
    app = _app(tmp_path, "ptp", "EMSP", **{**NO_DATA, "tokens": 1})
    _partner(app, "cpo-in", "cpo-out", "CPO", ("NL", "CPO"), [])
    return app


def _get(app, path: str, token: str = "cpo-in", **kw):
    return app.test_client().get(V + path, headers=auth(token), **kw)


def test_ptp_lists_its_terminals_and_confirmations_paginated(ptp) -> None:
    first = _get(ptp, "/sender/payments/terminals?limit=3")
    assert first.status_code == 200
    assert first.headers["X-Total-Count"] == "8"
    assert 'rel="next"' in first.headers["Link"]
    terminals = first.json["data"]
    assert len(terminals) == 3
    assert all(validate(t, "2.3.0", "Terminal") == [] for t in terminals)
    facs = _get(ptp, "/sender/payments/financial-advice-confirmations").json["data"]
    assert facs and all(validate(f, "2.3.0", "FinancialAdviceConfirmation") == [] for f in facs)
    one = _get(ptp, f"/sender/payments/terminals/{terminals[0]['terminal_id']}")
    assert one.json["data"] == terminals[0]
    assert _get(ptp, "/sender/payments/terminals/nope").status_code == 404
    # the module is 2.3.0's only
    old = ptp.test_client().get("/ocpi/2.2.1/sender/payments/terminals", headers=auth("cpo-in"))
    assert old.status_code == 404


def test_ptp_takes_put_and_patch_of_a_terminal_by_the_rules(ptp) -> None:
    client = ptp.test_client()
    terminal = _get(ptp, "/sender/payments/terminals").json["data"][0]
    url = f"{V}/sender/payments/terminals/{terminal['terminal_id']}"
    put = {**terminal, "customer_reference": "CUST-NEW", "last_updated": STAMP}
    assert client.put(url, json=put, headers=auth("cpo-in")).status_code == 200
    assert _get(ptp, url.removeprefix(V)).json["data"]["customer_reference"] == "CUST-NEW"
    patch = {"location_ids": ["LOC-A"], "evse_uids": ["E-1"], "last_updated": STAMP}
    assert client.patch(url, json=patch, headers=auth("cpo-in")).status_code == 200
    got = _get(ptp, url.removeprefix(V)).json["data"]
    assert (got["location_ids"], got["evse_uids"], got["customer_reference"]) == (
        ["LOC-A"],
        ["E-1"],
        "CUST-NEW",
    )
    no_stamp = client.patch(url, json={"reference": "X"}, headers=auth("cpo-in"))
    assert (no_stamp.status_code, no_stamp.json["status_code"]) == (400, 2001)
    other_id = client.put(url, json={**put, "terminal_id": "OTHER"}, headers=auth("cpo-in"))
    assert other_id.json["status_code"] == 2001
    unknown = client.put(
        f"{V}/sender/payments/terminals/NOPE",
        json={**put, "terminal_id": "NOPE"},
        headers=auth("cpo-in"),
    )
    assert unknown.status_code == 404
    bad = client.patch(
        url, json={"location_ids": "LOC-A", "last_updated": STAMP}, headers=auth("cpo-in")
    )
    assert bad.json["status_code"] == 2001


def test_ptp_deactivates_a_terminal(ptp) -> None:
    client = ptp.test_client()
    terminal = _get(ptp, "/sender/payments/terminals").json["data"][0]
    url = f"{V}/sender/payments/terminals/{terminal['terminal_id']}/deactivate"
    assert client.post(url, headers=auth("cpo-in")).status_code == 200
    assert _get(ptp, "/sender/payments/terminals").headers["X-Total-Count"] == "7"
    assert client.post(url, headers=auth("cpo-in")).status_code == 404


def _card_cdr(location_id: str, evse_uid: str, reference: str | None = "PAY-1") -> dict:
    cdr = {
        "country_code": "NL",
        "party_id": "CPO",
        "id": "CDR-1",
        "start_date_time": "2026-06-01T08:00:00Z",
        "end_date_time": "2026-06-01T09:00:00Z",
        "cdr_token": {
            "country_code": "NL",
            "party_id": "CPO",
            "uid": "ADHOC1",
            "type": "AD_HOC_USER",
            "contract_id": "NL-CPO-ADHOC1",
        },
        "auth_method": "COMMAND",
        "cdr_location": {
            "id": location_id,
            "address": "Teststraat 1",
            "city": "Utrecht",
            "postal_code": "3511AA",
            "country": "NLD",
            "coordinates": {"latitude": "52.090740", "longitude": "5.121420"},
            "evse_uid": evse_uid,
            "evse_id": "NL*CPO*E1",
            "connector_id": "1",
            "connector_standard": "IEC_62196_T2",
            "connector_format": "SOCKET",
            "connector_power_type": "AC_3_PHASE",
        },
        "currency": "EUR",
        "charging_periods": [
            {
                "start_date_time": "2026-06-01T08:00:00Z",
                "dimensions": [{"type": "ENERGY", "volume": 10}],
            }
        ],
        "total_cost": {"before_taxes": 3.0, "taxes": [{"name": "VAT", "amount": 0.63}]},
        "total_energy": 10.0,
        "total_time": 1.0,
        "last_updated": STAMP,
    }
    if reference:
        cdr["authorization_reference"] = reference
    return cdr


@pytest.mark.parametrize("fault", [None, "payments.capture_amount_wrong"])
def test_ptp_captures_a_cdr_paid_at_its_terminal(tmp_path, fault) -> None:
    app = _app(
        tmp_path, "ptp", "EMSP", **{**NO_DATA, "tokens": 1}, faults=(fault,) if fault else ()
    )
    _partner(app, "cpo-in", "cpo-out", "CPO", ("NL", "CPO"), [])
    client = app.test_client()
    terminal = _get(app, "/sender/payments/terminals").json["data"][0]
    url = f"{V}/sender/payments/terminals/{terminal['terminal_id']}"
    patch = {"location_ids": ["LOC-PAID"], "last_updated": STAMP}
    assert client.patch(url, json=patch, headers=auth("cpo-in")).status_code == 200
    before = int(
        _get(app, "/sender/payments/financial-advice-confirmations").headers["X-Total-Count"]
    )
    # not at one of our terminals, or no payment reference: nothing to capture
    for cdr in (
        _card_cdr("LOC-ELSEWHERE", "E9") | {"id": "CDR-0"},
        _card_cdr("LOC-PAID", "E1", None) | {"id": "CDR-00"},
    ):
        assert (
            client.post(f"{V}/receiver/cdrs", json=cdr, headers=auth("cpo-in")).status_code == 201
        )
    assert (
        client.post(
            f"{V}/receiver/cdrs", json=_card_cdr("LOC-PAID", "E1"), headers=auth("cpo-in")
        ).status_code
        == 201
    )
    facs = _get(app, "/sender/payments/financial-advice-confirmations").json["data"]
    assert len(facs) == before + 1
    fac = next(f for f in facs if f["authorization_reference"] == "PAY-1")
    assert validate(fac, "2.3.0", "FinancialAdviceConfirmation") == []
    assert fac["currency"] == "EUR"
    expected = 4.0 if fault else 3.0
    assert (fac["total_costs"]["before_taxes"], fac["total_costs"]["taxes"]) == (
        expected,
        [{"name": "VAT", "amount": 0.63}],
    )


def test_activation_and_assignment_between_a_real_ptp_and_cpo(tmp_path, served) -> None:
    ptp = _app(tmp_path, "ptp", "EMSP", **{**NO_DATA, "tokens": 1})
    cpo = _app(tmp_path, "cpo", "CPO", **{**NO_DATA, "locations": 2})
    ptp_server, cpo_server = served(ptp), served(cpo)
    to_cpo = {
        "identifier": "payments",
        "role": "RECEIVER",
        "url": f"{cpo_server.url}{V}/receiver/payments",
    }
    to_ptp = {
        "identifier": "payments",
        "role": "SENDER",
        "url": f"{ptp_server.url}{V}/sender/payments",
    }
    _partner(ptp, "cpo-calls-ptp", "ptp-calls-cpo", "CPO", ("NL", "CPO"), [to_cpo])
    _partner(cpo, "ptp-calls-cpo", "cpo-calls-ptp", "EMSP", ("DE", "PTP"), [to_ptp])
    with httpx.Client(base_url=ptp_server.url + V, headers=auth("cpo-calls-ptp")) as http:
        activated = http.post(
            "/sender/payments/terminals/activate",
            json={"reference": "SERIAL-42", "address": "Hauptstrasse 1", "last_updated": STAMP},
        )
        assert activated.status_code == 201
        terminal = activated.json()["data"]
        assert terminal["reference"] == "SERIAL-42" and terminal["terminal_id"]
        # the PTP creates it on the CPO, soon after its answer
        at_cpo = None
        for _ in range(100):
            at_cpo = httpx.get(
                f"{cpo_server.url}{V}/receiver/payments/terminals/{terminal['terminal_id']}",
                headers=auth("ptp-calls-cpo"),
            )
            if at_cpo.status_code == 200:
                break
            time.sleep(0.05)
        assert at_cpo is not None and at_cpo.json()["data"]["reference"] == "SERIAL-42"
        # the CPO assigns it and PATCHes the assignment to the PTP
        assigned = httpx.post(
            f"{cpo_server.url}/admin/payments/assign",
            json={
                "terminal_id": terminal["terminal_id"],
                "location_ids": ["LOC-9"],
                "evse_uids": ["E-9"],
            },
        )
        assert assigned.status_code == 200
        assert [d["http_status"] for d in assigned.json()["data"]["deliveries"]] == [200]
        got = http.get(f"/sender/payments/terminals/{terminal['terminal_id']}").json()["data"]
        assert (got["location_ids"], got["evse_uids"]) == (["LOC-9"], ["E-9"])
    unknown = httpx.post(f"{cpo_server.url}/admin/payments/assign", json={"terminal_id": "NOPE"})
    assert (unknown.status_code, unknown.json()["status_code"]) == (404, 2003)


def test_the_cpo_data_set_is_consistent_for_card_payment(tmp_path) -> None:
    app = _app(tmp_path, "cpo", "CPO", locations=30, sessions=30, cdrs=40)
    _partner(app, "emsp-in", "emsp-out", "EMSP", ("DE", "EMS"), [])
    cdrs = _get(app, "/sender/cdrs", "emsp-in").json["data"]
    locations = _get(app, "/sender/locations", "emsp-in").json["data"]
    evses = {(loc["id"], e["uid"]): e for loc in locations for e in loc.get("evses") or []}
    paid = [c for c in cdrs if card_paid(c) and not c.get("credit")]
    assert paid, "the data set has card-paid CDRs"
    for cdr in paid:
        assert cdr["authorization_reference"]
        where = (cdr["cdr_location"]["id"], cdr["cdr_location"]["evse_uid"])
        assert "CREDIT_CARD_PAYABLE" in evses[where]["capabilities"]


@pytest.mark.parametrize("seed", range(40))
def test_payments_fake_data_is_valid(seed: int) -> None:
    own = ptp_payments(seed=seed, now=NOW)
    assert all(validate(t, "2.3.0", "Terminal") == [] for t in own.terminals)
    assert all(validate(f, "2.3.0", "FinancialAdviceConfirmation") == [] for f in own.confirmations)
    data = generate_dataset(seed=seed, now=NOW, locations=12, sessions=12, cdrs=16, tokens=0)
    card = card_payments(
        seed=seed, now=NOW, locations=data.locations, sessions=data.sessions, cdrs=data.cdrs
    )
    for kind, module, bodies in (
        ("Location", "locations", card.locations),
        ("Session", "sessions", card.sessions),
        ("CDR", "cdrs", card.cdrs),
    ):
        for body in bodies:
            assert validate(body, "2.2.1", kind) == [], (kind, body.get("id"))
            assert validate(to_version(module, body, "2.3.0"), "2.3.0", kind) == []
    assert all(validate(t, "2.3.0", "Terminal") == [] for t in card.terminals)
    assert all(
        validate(f, "2.3.0", "FinancialAdviceConfirmation") == [] for f in card.confirmations
    )
    covered = {loc for t in card.terminals for loc in t["location_ids"]}
    for cdr in card.cdrs:
        if card_paid(cdr) and not cdr.get("credit"):
            assert cdr["authorization_reference"] and cdr["cdr_location"]["id"] in covered

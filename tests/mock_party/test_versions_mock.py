"""One mock serving 2.1.1, 2.2.1 and 2.3.0 at once: each version's details, credentials,
objects, Receiver rules and faults, on the Flask test client."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest
from mock_support import NO_DATA, PARTNER_TOKEN, OcpiActions

from mock_party.fake import generate_dataset
from mock_party.objects import RECEIVER, Objects, stored_module
from mock_party.store import Store
from ocpi_core.schemas import validate

ALL = ("2.1.1", "2.2.1", "2.3.0")
DATA = {"locations": 6, "tariffs": 6, "tokens": 6, "sessions": 6, "cdrs": 6}
LISTS = {
    "locations": "Location",
    "sessions": "Session",
    "cdrs": "CDR",
    "tariffs": "Tariff",
    "tokens": "Token",
}


def plain(token: str) -> dict[str, str]:
    return {"Authorization": f"Token {token}"}


def encoded(token: str) -> dict[str, str]:
    return {"Authorization": "Token " + base64.b64encode(token.encode()).decode()}


def _auth(version: str, token: str) -> dict[str, str]:
    return plain(token) if version == "2.1.1" else encoded(token)


@pytest.fixture
def both(make_app):
    """A CPO and eMSP with data, serving every version."""
    return make_app(roles=("CPO", "EMSP"), versions=ALL, **DATA)


def test_versions_list_and_details_per_version(both) -> None:
    client = both.test_client()
    listed = client.get("/ocpi/versions", headers=plain("token-A-1234")).json["data"]
    assert [v["version"] for v in listed] == list(ALL)
    for version in ALL:
        details = client.get(f"/ocpi/{version}", headers=_auth(version, "token-A-1234")).json
        assert validate(details["data"], version, "VersionDetails") == []
        modules = {e["identifier"] for e in details["data"]["endpoints"]}
        if version == "2.1.1":
            assert all("role" not in e for e in details["data"]["endpoints"])
            assert not modules & {"chargingprofiles", "hubclientinfo"}
        else:
            assert {"chargingprofiles", "hubclientinfo"} <= modules
    # 2.2+ is Base64 only: a plain token is refused there
    assert client.get("/ocpi/2.2.1", headers=plain("token-A-1234")).status_code == 401


def test_sender_lists_are_valid_in_each_version(both) -> None:
    actions = OcpiActions(both.test_client(), both)
    actions.register(role="EMSP")
    for version in ALL:
        headers = _auth(version, PARTNER_TOKEN)
        for module, name in LISTS.items():
            interface = "sender"
            response = actions.client.get(
                f"/ocpi/{version}/{interface}/{module}?date_from=2000-01-01T00:00:00Z",
                headers=headers,
            )
            assert response.status_code == 200, (version, module, response.json)
            items = response.json["data"]
            assert items, (version, module)
            for item in items:
                found = validate(item, version, name)
                assert not found, f"{version} {module}: {found[0]}"
            if version == "2.1.1":
                assert all("country_code" not in item for item in items)
    one = actions.client.get(
        "/ocpi/2.1.1/sender/locations/LOC000001", headers=plain(PARTNER_TOKEN)
    ).json["data"]
    assert "type" in one and validate(one, "2.1.1", "Location") == []


def test_2_1_1_credentials_are_flat(make_app) -> None:
    app = make_app(versions=("2.1.1",))
    client = app.test_client()
    got = client.get("/ocpi/2.1.1/credentials", headers=plain("token-A-1234")).json["data"]
    assert set(got) == {"token", "url", "business_details", "party_id", "country_code"}
    assert validate(got, "2.1.1", "Credentials") == []


def _tariff_211(tariff_id: str) -> dict:
    return {
        "id": tariff_id,
        "currency": "EUR",
        "elements": [{"price_components": [{"type": "ENERGY", "price": 0.3, "step_size": 1}]}],
        "last_updated": "2024-03-01T10:00:00Z",
    }


def test_2_1_1_receiver_rules_and_objects_kept_per_version(make_app) -> None:
    app = make_app(roles=("EMSP",), versions=("2.1.1", "2.2.1"), **NO_DATA)
    actions = OcpiActions(app.test_client(), app)
    actions.register(party=("DE", "PRT"), role="CPO")
    url = "/ocpi/2.1.1/receiver/tariffs/DE/PRT/T1"
    headers = plain(PARTNER_TOKEN)
    put = actions.client.put(url, json=_tariff_211("T1"), headers=headers)
    assert put.status_code == 201, put.json
    # 2.1.1 Tariffs take PATCH, without last_updated
    patch = actions.client.patch(url, json={"currency": "USD"}, headers=headers)
    assert patch.status_code == 200, patch.json
    assert actions.client.get(url, headers=headers).json["data"]["currency"] == "USD"
    # not reachable under 2.2.1, whose Tariffs take no PATCH
    other = actions.client.get(url.replace("2.1.1", "2.2.1"), headers=encoded(PARTNER_TOKEN))
    assert other.status_code == 404
    patch_22 = actions.client.patch(
        url.replace("2.1.1", "2.2.1"), json={"currency": "USD"}, headers=encoded(PARTNER_TOKEN)
    )
    assert patch_22.status_code == 405
    store = Store(app.config["OCPI_DATABASE"])
    try:
        stored = list(Objects(store.db).iter(stored_module("tariffs", "2.1.1"), RECEIVER))
    finally:
        store.close()
    assert [o.key.id for o in stored] == ["T1"]


def test_2_1_1_cdr_post_belongs_to_the_caller(make_app) -> None:
    app = make_app(roles=("EMSP",), versions=("2.1.1",), **NO_DATA)
    cdr = generate_dataset(
        seed=1, now=datetime(2026, 1, 1, tzinfo=UTC), version="2.1.1", sessions=0, cdrs=1
    ).cdrs[0]
    actions = OcpiActions(app.test_client(), app)
    actions.register(party=("DE", "PRT"), role="CPO")
    posted = actions.client.post(
        "/ocpi/2.1.1/receiver/cdrs", json=cdr, headers=plain(PARTNER_TOKEN)
    )
    assert posted.status_code == 201, posted.json
    assert posted.headers["Location"].endswith(f"/ocpi/2.1.1/receiver/cdrs/DE/PRT/{cdr['id']}")


def test_2_1_1_authorize_by_uid_without_the_token_in_the_answer(make_app) -> None:
    app = make_app(roles=("EMSP",), versions=("2.1.1", "2.2.1"), tokens=6)
    actions = OcpiActions(app.test_client(), app)
    actions.register(party=("DE", "PRT"), role="CPO")
    tokens = actions.client.get("/ocpi/2.1.1/sender/tokens", headers=plain(PARTNER_TOKEN))
    token = next(t for t in tokens.json["data"] if t["type"] == "OTHER")
    answer = actions.client.post(
        f"/ocpi/2.1.1/sender/tokens/{token['uid']}/authorize?type=OTHER",
        headers=plain(PARTNER_TOKEN),
    )
    assert answer.status_code == 200, answer.json
    assert validate(answer.json["data"], "2.1.1", "AuthorizationInfo") == []
    assert "token" not in answer.json["data"]


def test_2_1_1_command_answers_a_command_response(make_app) -> None:
    app = make_app(versions=("2.1.1",), locations=2, tariffs=2, tokens=0, sessions=0, cdrs=0)
    actions = OcpiActions(app.test_client(), app)
    actions.register(party=("DE", "PRT"), role="EMSP")
    body = {"response_url": "http://partner.invalid/r", "session_id": "nope"}
    answer = actions.client.post(
        "/ocpi/2.1.1/receiver/commands/STOP_SESSION", json=body, headers=plain(PARTNER_TOKEN)
    )
    assert answer.json["data"] == {"result": "UNKNOWN_SESSION"}
    cancel = actions.client.post(
        "/ocpi/2.1.1/receiver/commands/CANCEL_RESERVATION",
        json={"response_url": "http://x.invalid/r", "reservation_id": "1"},
        headers=plain(PARTNER_TOKEN),
    )
    assert cancel.status_code == 404  # no CANCEL_RESERVATION in 2.1.1


@pytest.mark.parametrize("version", ["2.1.1", "2.3.0"])
@pytest.mark.parametrize(
    "fault", ["schema.required_field_dropped", "schema.bad_enum", "schema.overlong_string"]
)
def test_schema_faults_break_objects_in_every_version(make_app, version: str, fault: str) -> None:
    app = make_app(versions=(version,), faults=(fault,), **DATA)
    actions = OcpiActions(app.test_client(), app)
    actions.register(role="EMSP")
    for module in ("locations", "sessions", "cdrs", "tariffs"):
        items = actions.client.get(
            f"/ocpi/{version}/sender/{module}?date_from=2000-01-01T00:00:00Z",
            headers=_auth(version, PARTNER_TOKEN),
        ).json["data"]
        assert all(validate(i, version, LISTS[module]) for i in items), (module, fault)


@pytest.mark.parametrize("version", ["2.1.1", "2.3.0"])
def test_the_total_mismatch_fault_moves_each_versions_total(make_app, version: str) -> None:
    clean = make_app(versions=(version,), **DATA)
    actions = OcpiActions(clean.test_client(), clean)
    actions.register(role="EMSP")
    path = f"/ocpi/{version}/sender/cdrs"
    before = actions.client.get(path, headers=_auth(version, PARTNER_TOKEN)).json["data"]
    clean.extensions["ocpi_faults"].set(["pricing.cdr_total_mismatch"])
    after = actions.client.get(path, headers=_auth(version, PARTNER_TOKEN)).json["data"]

    def total(cdr: dict) -> float:
        cost = cdr["total_cost"]
        return cost if version == "2.1.1" else cost["before_taxes"]

    assert [round(total(a) - total(b), 4) for a, b in zip(after, before, strict=True)] == [
        1.5
    ] * len(before)


def test_2_3_0_cpo_takes_payment_terminals_and_confirmations(make_app) -> None:
    app = make_app(versions=("2.2.1", "2.3.0"), **NO_DATA)
    actions = OcpiActions(app.test_client(), app)
    actions.register(role="EMSP")
    details = actions.get("/ocpi/2.3.0").json["data"]["endpoints"]
    assert {"identifier": "payments", "role": "RECEIVER"}.items() <= next(
        e for e in details if e["identifier"] == "payments"
    ).items()
    assert all(e["identifier"] != "payments" for e in actions.get("/ocpi/2.2.1").json["data"][
        "endpoints"
    ])  # fmt: skip
    base = "/ocpi/2.3.0/receiver/payments"
    terminal = {
        "terminal_id": "T-1",
        "location_ids": ["LOC1"],
        "last_updated": "2026-01-01T00:00:00Z",
    }
    assert actions.post(f"{base}/terminals", terminal).status_code == 201
    assert actions.get(f"{base}/terminals/T-1").json["data"] == terminal
    confirmation = {
        "id": "FAC-1",
        "authorization_reference": "AUTH-1",
        "total_costs": {"before_taxes": 10, "taxes": [{"name": "VAT", "amount": 2.1}]},
        "currency": "EUR",
        "eft_data": ["PAN 1234"],
        "capture_status_code": "SUCCESS",
        "last_updated": "2026-01-01T00:00:00Z",
    }
    assert actions.post(f"{base}/financial-advice-confirmations", confirmation).status_code == 201
    assert actions.get(f"{base}/financial-advice-confirmations/FAC-1").status_code == 200
    assert actions.get(f"{base}/terminals/nope").status_code == 404
    assert actions.post(f"{base}/terminals", {"location_ids": []}).status_code == 400
    assert actions.get("/ocpi/2.2.1/receiver/payments/terminals/T-1").status_code == 404


def test_2_3_0_token_types_are_an_open_enum(make_app) -> None:
    app = make_app(versions=("2.3.0",), **NO_DATA)
    actions = OcpiActions(app.test_client(), app)
    actions.register(party=("DE", "PRT"), role="EMSP")
    token = {
        "country_code": "DE",
        "party_id": "PRT",
        "uid": "U1",
        "type": "EMAID",
        "contract_id": "DE-PRT-C1",
        "issuer": "Partner",
        "valid": True,
        "whitelist": "ALLOWED",
        "vendor_extension": {"unknown": "fields are ignored in 2.3.0"},
        "last_updated": "2026-01-01T00:00:00Z",
    }
    url = "/ocpi/2.3.0/receiver/tokens/DE/PRT/U1?type=EMAID"
    assert actions.put(url, token).status_code == 201
    assert actions.get(url).json["data"]["type"] == "EMAID"
    custom = actions.put(
        url.replace("EMAID", "X_PARKING_CARD"), {**token, "type": "X_PARKING_CARD"}
    )
    assert custom.status_code == 201, custom.json

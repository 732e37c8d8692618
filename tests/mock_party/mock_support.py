"""Small, schema-valid OCPI 2.2.1 objects built by hand for the mock's tests, and the two ways
a test meets a mock as a partner: stored directly (``OcpiActions``) or by the real credentials
handshake between a served mock CPO and a served mock eMSP (``MockPair``)."""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from flask import Flask
from flask.testing import FlaskClient

from mock_party import MockConfig, create_app
from mock_party.server import ServerThread
from mock_party.store import Partner, Store
from ocpi_core.schemas import validate

STAMP = "2024-03-01T10:00:00Z"
NO_DATA = {"locations": 0, "tariffs": 0, "tokens": 0, "sessions": 0, "cdrs": 0}
PARTNER_TOKEN = "partner-token-1234"
PARTNER_PARTY = ("DE", "PRT")


def auth(token: str) -> dict[str, str]:
    return {"Authorization": "Token " + base64.b64encode(token.encode()).decode()}


def store_partner(
    database: str,
    token: str,
    *,
    token_out: str,
    role: str = "EMSP",
    party: tuple[str, str] = PARTNER_PARTY,
    endpoints: list[dict[str, Any]] | None = None,
) -> int:
    """A registered 2.2.1 partner of ``role`` and ``party`` stored in ``database`` directly (no
    handshake), calling with ``token``; its id."""
    store = Store(database)
    try:
        return store.add_partner(
            versions_url="http://partner.invalid/ocpi/versions",
            token_in=token,
            token_out=token_out,
            version="2.2.1",
            endpoints=endpoints or [],
            roles=[
                {
                    "role": role,
                    "business_details": {"name": "Partner"},
                    "country_code": party[0],
                    "party_id": party[1],
                }
            ],
            registered=True,
        )
    finally:
        store.close()


@dataclass
class OcpiActions:
    """Acting on a mock as a registered partner (like the tutorial's AuthActions)."""

    client: FlaskClient
    app: Flask
    token: str = PARTNER_TOKEN

    def register(
        self,
        party: tuple[str, str] = PARTNER_PARTY,
        role: str = "EMSP",
        token: str = PARTNER_TOKEN,
        endpoints: list[dict[str, Any]] | None = None,
    ) -> int:
        """Store a registered partner directly (no handshake): the token it calls us with."""
        partner_id = store_partner(
            self.app.config["OCPI_DATABASE"],
            token,
            token_out="token-we-send-" + token,
            role=role,
            party=party,
            endpoints=endpoints,
        )
        self.token = token
        return partner_id

    def headers(self, **extra: str) -> dict[str, str]:
        return {**auth(self.token), **extra}

    def get(self, path: str, **kwargs: Any):
        return self.client.get(path, headers=self.headers(), **kwargs)

    def put(self, path: str, body: Any, **kwargs: Any):
        return self.client.put(path, json=body, headers=self.headers(), **kwargs)

    def patch(self, path: str, body: Any, **kwargs: Any):
        return self.client.patch(path, json=body, headers=self.headers(), **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any):
        return self.client.post(path, json=body, headers=self.headers(), **kwargs)

    def delete(self, path: str, **kwargs: Any):
        return self.client.delete(path, headers=self.headers(), **kwargs)


def serve_emsp(served: Callable[[Flask], ServerThread], database: str) -> str:
    """A mock eMSP NL/EMP (no data, no pushes) served on loopback; its base URL."""
    config = MockConfig(roles=("EMSP",), party_id="EMP", database=database, **NO_DATA, push=False)
    return served(create_app(config)).url


def register_emsp(emsp: str, cpo: str, token_a: str, cpo_database: str) -> Partner:
    """The mock eMSP at ``emsp`` registers with the CPO at ``cpo`` by the real credentials
    handshake over HTTP; the CPO's partner (its only one) as the CPO stored it."""
    answer = httpx.post(
        f"{emsp}/admin/register",
        json={"versions_url": f"{cpo}/ocpi/versions", "token_a": token_a},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    store = Store(cpo_database)
    try:
        (partner,) = store.partners()
    finally:
        store.close()
    return partner


@dataclass(frozen=True)
class MockPair:
    """A served mock CPO (2 Locations, so EVSEs to pick) and a served mock eMSP, not yet
    registered with each other: base URLs, the CPO's database and its token A."""

    cpo: str
    emsp: str
    cpo_database: str
    token_a: str

    @classmethod
    def serve(
        cls,
        tmp_path: Path,
        served: Callable[[Flask], ServerThread],
        token_a: str,
        **cpo_config: Any,
    ) -> MockPair:
        cpo_database = str(tmp_path / "cpo.sqlite")
        values = {**NO_DATA, "locations": 2, **cpo_config}
        cpo = served(create_app(MockConfig(database=cpo_database, token_a=token_a, **values)))
        emsp = serve_emsp(served, str(tmp_path / "emsp.sqlite"))
        return cls(cpo.url, emsp, cpo_database, token_a)

    def register(self) -> Partner:
        """The eMSP registers with the CPO (the real handshake); the CPO's partner."""
        return register_emsp(self.emsp, self.cpo, self.token_a, self.cpo_database)


def connector(connector_id: str = "1", stamp: str = STAMP, **extra: Any) -> dict[str, Any]:
    return {
        "id": connector_id,
        "standard": "IEC_62196_T2",
        "format": "SOCKET",
        "power_type": "AC_3_PHASE",
        "max_voltage": 230,
        "max_amperage": 16,
        "last_updated": stamp,
        **extra,
    }


def evse(uid: str = "EVSE-1", stamp: str = STAMP, **extra: Any) -> dict[str, Any]:
    return {
        "uid": uid,
        "evse_id": f"NL*MCK*E{uid[-6:].replace('-', '')}",
        "status": "AVAILABLE",
        "connectors": [connector("1", stamp)],
        "last_updated": stamp,
        **extra,
    }


def location(
    party: tuple[str, str], location_id: str = "LOC-1", stamp: str = STAMP, **extra: Any
) -> dict[str, Any]:
    return {
        "country_code": party[0],
        "party_id": party[1],
        "id": location_id,
        "publish": True,
        "address": "Stationsplein 1",
        "city": "Utrecht",
        "postal_code": "3511",
        "country": "NLD",
        "coordinates": {"latitude": "52.08900", "longitude": "5.11000"},
        "evses": [evse(f"{location_id}-E1", stamp)],
        "time_zone": "Europe/Amsterdam",
        "last_updated": stamp,
        **extra,
    }


def tariff(party: tuple[str, str], tariff_id: str = "T-1", stamp: str = STAMP) -> dict[str, Any]:
    return {
        "country_code": party[0],
        "party_id": party[1],
        "id": tariff_id,
        "currency": "EUR",
        "elements": [
            {
                "price_components": [
                    {"type": "ENERGY", "price": 0.30, "vat": 21.0, "step_size": 1},
                    {"type": "TIME", "price": 2.00, "vat": 21.0, "step_size": 60},
                ]
            }
        ],
        "last_updated": stamp,
    }


def token(
    party: tuple[str, str],
    uid: str = "TOK-1",
    stamp: str = STAMP,
    *,
    type_: str = "RFID",
    whitelist: str = "ALWAYS",
    valid: bool = True,
) -> dict[str, Any]:
    return {
        "country_code": party[0],
        "party_id": party[1],
        "uid": uid,
        "type": type_,
        "contract_id": f"{party[0]}-{party[1]}-C{uid}",
        "issuer": "Test Issuer",
        "valid": valid,
        "whitelist": whitelist,
        "last_updated": stamp,
    }


def session(party: tuple[str, str], session_id: str = "S-1", stamp: str = STAMP) -> dict:
    return {
        "country_code": party[0],
        "party_id": party[1],
        "id": session_id,
        "start_date_time": stamp,
        "kwh": 0,
        "cdr_token": {
            "country_code": "DE",
            "party_id": "PRT",
            "uid": "TOK-1",
            "type": "RFID",
            "contract_id": "DE-PRT-CTOK-1",
        },
        "auth_method": "WHITELIST",
        "location_id": "LOC-1",
        "evse_uid": "LOC-1-E1",
        "connector_id": "1",
        "currency": "EUR",
        "charging_periods": [],
        "status": "ACTIVE",
        "last_updated": stamp,
    }


def period(start: str, kwh: float) -> dict[str, Any]:
    return {"start_date_time": start, "dimensions": [{"type": "ENERGY", "volume": kwh}]}


def assert_valid(document: Any, name: str) -> None:
    items = document if isinstance(document, list) else [document]
    for item in items:
        violations = validate(item, "2.2.1", name)
        assert not violations, f"{name}: {violations[0]}"


def assert_envelope(response: Any, status_code: int | None = None) -> dict[str, Any]:
    """A Flask or httpx response whose body is a valid OCPI envelope; returns the body."""
    body = response.json() if callable(getattr(response, "json", None)) else response.json
    violations = validate(body, "2.2.1", "Response")
    assert not violations, f"not an envelope: {violations[0]} in {body}"
    if status_code is not None:
        assert body["status_code"] == status_code, body
    return body


def put_own(app: Flask, module: str, *bodies: dict[str, Any]) -> None:
    """Store objects as the mock's own (Sender side) in one transaction, in the given order."""
    from mock_party.objects import SENDER, ObjectKey, Objects

    store = Store(app.config["OCPI_DATABASE"])
    try:
        with store.transaction():
            Objects(store.db).put_many(
                [
                    (
                        ObjectKey(
                            module,
                            SENDER,
                            body["country_code"],
                            body["party_id"],
                            body["uid"] if module == "tokens" else body["id"],
                            body["type"] if module == "tokens" else "",
                        ),
                        body,
                        {},
                    )
                    for body in bodies
                ]
            )
    finally:
        store.close()

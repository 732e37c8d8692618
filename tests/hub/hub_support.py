"""Helpers of the hub tests: a hub on a temporary database and a platform registered in it."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from mock_party import MockConfig, create_app
from mock_party.store import get_store

SMALL = dict(locations=3, tariffs=1, tokens=2, sessions=1, cdrs=1)


def make_hub(tmp_path, **changes: Any) -> Flask:
    values: dict[str, Any] = dict(
        roles=("HUB",),
        party_id="HUB",
        database=str(tmp_path / "hub.sqlite"),
        token_a="hub-token-A",
        **SMALL,
    )
    values.update(changes)
    return create_app(MockConfig(**values))


@dataclass
class Platform:
    """A platform as the hub knows it after registration (made directly in the hub's store:
    these tests are about routing, the handshake has its own tests)."""

    client: FlaskClient
    token: str
    role: str
    country_code: str
    party_id: str

    def headers(self, to: tuple[str, str] | None = None, **extra: str) -> dict[str, str]:
        headers = {
            "Authorization": "Token " + base64.b64encode(self.token.encode()).decode(),
            "OCPI-from-country-code": self.country_code,
            "OCPI-from-party-id": self.party_id,
            **extra,
        }
        if to is not None:
            headers["OCPI-to-country-code"], headers["OCPI-to-party-id"] = to
        return headers

    def get(self, path: str, to: tuple[str, str] | None = None, **kwargs: Any):
        return self.client.get(path, headers=self.headers(to), **kwargs)

    def put(self, path: str, body: Any, to: tuple[str, str] | None = None):
        return self.client.put(path, json=body, headers=self.headers(to))


def platform(hub: Flask, role: str, country_code: str, party_id: str) -> Platform:
    token = f"token-{country_code}-{party_id}"
    with hub.app_context():
        store = get_store()
        partner_id = store.add_partner(
            versions_url=f"http://platform.invalid/{party_id}",
            token_in=token,
            version="2.2.1",
            roles=[
                {
                    "role": role,
                    "country_code": country_code,
                    "party_id": party_id,
                    "business_details": {"name": party_id},
                }
            ],
            registered=True,
        )
        store.update_partner(partner_id, token_out="not-used")
    return Platform(hub.test_client(), token, role, country_code, party_id)


def routing(response) -> dict[str, str]:
    return {k.lower(): v for k, v in response.headers if k.lower().startswith("ocpi-")}

"""The parties a mock hub plays itself: their identities, and one mock app for each.

Each party is a complete mock CPO or eMSP (``create_app``) with its own Faker data set and
SQLite file, reached in process through its WSGI app. The hub acts towards a party on behalf of
one requesting party at a time: it holds one partner registration per requester in the party's
store, whose only credentials role is that requester. So the party's own ownership rules keep
platforms apart (a platform reaches only objects of the party it was routed to and its own).
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass, field
from typing import Any

from flask import Flask

from mock_party.config import ConfigError, MockConfig

__all__ = [
    "DEFAULT_PARTIES",
    "HubParty",
    "LocalParty",
    "Requester",
    "parse_parties",
    "reachable_roles",
    "start",
]

DEFAULT_PARTIES = ("CPO/NL/CPA", "CPO/DE/CPB", "EMSP/NL/EMA", "EMSP/BE/EMB")
_PARTY_ROLES = ("CPO", "EMSP")


@dataclass(frozen=True)
class HubParty:
    role: str
    country_code: str
    party_id: str

    @property
    def key(self) -> tuple[str, str]:
        return (self.country_code.upper(), self.party_id.upper())


@dataclass(frozen=True)
class Requester:
    """The party a request came from: its identity and role."""

    role: str
    country_code: str
    party_id: str
    business_name: str = ""

    @property
    def key(self) -> tuple[str, str]:
        return (self.country_code.upper(), self.party_id.upper())


def parse_parties(specs: tuple[str, ...]) -> list[HubParty]:
    """``ROLE/CC/PID`` strings (e.g. ``CPO/NL/CPA``) as parties; a ConfigError names the bad
    one. Two parties may not share a country_code and party_id."""
    parties: list[HubParty] = []
    for spec in specs:
        parts = spec.strip().split("/")
        if len(parts) != 3:
            raise ConfigError(f"hub_parties: {spec!r} is not ROLE/COUNTRY_CODE/PARTY_ID")
        role, country, party = parts[0].upper(), parts[1].upper(), parts[2].upper()
        if role not in _PARTY_ROLES:
            raise ConfigError(f"hub_parties: {spec!r}: role must be one of CPO, EMSP")
        if len(country) != 2 or not country.isalpha():
            raise ConfigError(f"hub_parties: {spec!r}: country_code must be two letters")
        if not (1 <= len(party) <= 3) or not party.isalnum():
            raise ConfigError(f"hub_parties: {spec!r}: party_id must be 1 to 3 letters or digits")
        found = HubParty(role, country, party)
        if any(p.key == found.key for p in parties):
            raise ConfigError(f"hub_parties: {country}/{party} is named twice")
        parties.append(found)
    return parties


@dataclass
class LocalParty:
    """A party played in process: its app, and the hub's token per requester."""

    party: HubParty
    app: Flask
    tokens: dict[tuple[str, str], str] = field(default_factory=dict)

    def authorization(
        self, requester: Requester, version: str, platform: tuple[str, list] | None = None
    ) -> str:
        """The Authorization header the hub uses towards this party on behalf of
        ``requester`` (a partner registration made the first time). ``platform`` (a name and
        its roles: the fault hub.acts_for_platform) registers the requester's whole platform
        instead, all its parties in one."""
        key = requester.key if platform is None else ("platform", platform[0])
        token = self.tokens.get(key)
        if token is None:
            roles = [_role_record(requester)] if platform is None else platform[1]
            token = self._register("/".join(key), roles, version)
            self.tokens[key] = token
        return "Token " + base64.b64encode(token.encode()).decode()

    def _register(self, name: str, roles: list[dict[str, Any]], version: str) -> str:
        from mock_party.handshake import new_token
        from mock_party.store import get_store

        marker = f"hub-on-behalf-of:{name}"
        with self.app.app_context():
            store = get_store()
            for partner in store.partners():
                if partner.versions_url == marker and partner.token_in:
                    return partner.token_in
            token = new_token()
            store.add_partner(
                versions_url=marker,
                token_in=token,
                token_out=token,  # its asynchronous results come back to the hub's relay
                version=version,
                roles=roles,
                registered=True,
            )
        return token


def _role_record(requester: Requester) -> dict[str, Any]:
    return {
        "role": requester.role,
        "business_details": {"name": requester.business_name or requester.party_id},
        "country_code": requester.country_code,
        "party_id": requester.party_id,
    }


def _database(hub_database: str, party: HubParty) -> str:
    root, _ = os.path.splitext(hub_database)
    return f"{root}.{party.country_code}-{party.party_id}.sqlite".lower()


def start(config: MockConfig, hub_database: str) -> list[LocalParty]:
    """One mock app per configured party, next to the hub's database file (so a restarted
    hub finds its parties' data again). Each party's seed differs, so their data does."""
    from mock_party.app import create_app

    local = []
    for index, party in enumerate(parse_parties(config.hub_parties or DEFAULT_PARTIES)):
        party_config = MockConfig(
            roles=(party.role,),
            versions=config.versions,
            country_code=party.country_code,
            party_id=party.party_id,
            business_name=_business_name(party),
            database=_database(hub_database, party),
            seed=config.seed + 101 * (index + 1),
            page_limit=config.page_limit,
            http_timeout=config.http_timeout,
            locations=config.locations,
            tariffs=config.tariffs,
            tokens=config.tokens,
            sessions=config.sessions,
            cdrs=config.cdrs,
            command_delay=config.command_delay,
            command_result=config.command_result,
            push=False,
        )
        local.append(LocalParty(party=party, app=create_app(party_config)))
    return local


def reachable_roles(local: list[LocalParty], caller_id: int | None) -> list[dict[str, Any]]:
    """The CredentialsRoles of the parties reachable through the hub, as a 2.3.0 hub lists them
    in its Credentials (2.3.0 §7.3.1): the parties it plays, then those of every registered
    platform but the caller's own (``caller_id``)."""
    from mock_party.store import get_store

    roles = [
        {
            "role": party.party.role,
            "business_details": {"name": _business_name(party.party)},
            "party_id": party.party.party_id,
            "country_code": party.party.country_code,
        }
        for party in local
    ]
    seen = {party.party.key for party in local}
    for partner in get_store().partners():
        if not partner.registered or partner.id == caller_id:
            continue
        for role in partner.roles:
            key = (str(role.get("country_code", "")).upper(), str(role.get("party_id", "")).upper())
            if str(role.get("role")).upper() != "HUB" and key not in seen:  # 2.3.0 has no HUB
                seen.add(key)
                roles.append(role)
    return roles


def _business_name(party: HubParty) -> str:
    return f"Mock {party.role} {party.country_code}/{party.party_id}"

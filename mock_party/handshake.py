"""The credentials handshake, from either side.

``fetch_endpoints`` is what a party does with a peer's versions URL: pick the version and read its
endpoints. ``register_with`` is the whole registration started by the mock (it is the Sender of
the handshake); the Receiver side lives in ``modules/credentials.py``.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from mock_party.config import MockConfig
from mock_party.store import Partner, Store
from mock_party.versions import partner_roles, profile, version_key
from ocpi_core.client import OcpiClient, OcpiClientError, TargetUnreachable
from ocpi_core.versions import as_hub_party_id, rules

__all__ = [
    "HandshakeError",
    "PeerVersion",
    "fetch_endpoints",
    "new_token",
    "our_credentials",
    "register_with",
]


class HandshakeError(Exception):
    """The peer could not be used; ``status_code`` is the OCPI code to answer with."""

    def __init__(self, message: str, status_code: int = 3001) -> None:
        super().__init__(message)
        self.status_code = status_code


@dataclass(frozen=True)
class PeerVersion:
    version: str
    details_url: str
    endpoints: list[dict[str, Any]]


def new_token() -> str:
    return secrets.token_urlsafe(24)


def our_credentials(
    config: MockConfig,
    token: str,
    versions_url: str,
    version: str = "2.2.1",
    reachable: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Our Credentials object in ``version``'s shape (2.1.1: one flat party, no roles).

    A hub answers with its role HUB up to 2.2.1; on 2.3.0, which has no Role HUB, with its own
    party in ``hub_party_id`` and the CredentialsRoles of the parties reachable through it
    (``reachable``) in ``roles`` (2.3.0 §7.3.1).
    """
    if "HUB" in config.roles and rules(version).hub_party_id:
        return {
            "token": token,
            "url": versions_url,
            "hub_party_id": as_hub_party_id((config.country_code, config.party_id)),
            "roles": reachable or [_hub_itself(config)],
        }
    if not profile(version).credentials_roles:
        return {
            "token": token,
            "url": versions_url,
            "business_details": {"name": config.business_name},
            "party_id": config.party_id,
            "country_code": config.country_code,
        }
    roles = [
        {
            "role": role,
            "business_details": {"name": config.business_name},
            "party_id": config.party_id,
            "country_code": config.country_code,
        }
        for role in config.roles
    ] + [
        {
            "role": role,
            "business_details": {"name": f"{config.business_name} {country}/{party}"},
            "party_id": party,
            "country_code": country,
        }
        for role, country, party in config.more_parties
    ]
    return {"token": token, "url": versions_url, "roles": roles}


def _hub_itself(config: MockConfig) -> dict[str, Any]:
    # roles holds one at least: a 2.3.0 hub with nobody behind it names itself, as OTHER
    return {
        "role": "OTHER",
        "business_details": {"name": config.business_name},
        "party_id": config.party_id,
        "country_code": config.country_code,
    }


def fetch_endpoints(
    versions_url: str, token: str, wanted: tuple[str, ...], *, timeout: float = 10.0
) -> PeerVersion:
    """GET the peer's versions, choose the highest version we both speak, GET its details.

    The versions list belongs to no version, so its token goes in the form of our highest
    version first and, refused with 401, in the other form (as the spec advises 2.2+
    implementations facing 2.1.1 parties); the details go in the chosen version's form.
    """
    import httpx

    ordered = sorted(wanted, key=version_key, reverse=True)
    timeout_ = httpx.Timeout(timeout, connect=5.0)
    with OcpiClient(token=token, version=ordered[0], timeout=timeout_) as client:
        try:
            versions = client.get(versions_url)
            if versions.http_status == 401:
                first = profile(ordered[0]).token_form
                other = "plain" if first == "base64" else "base64"
                versions = client.get(versions_url, token_form=other)
            if versions.http_status != 200 or not versions.is_envelope:
                raise HandshakeError(
                    f"GET {versions_url} answered HTTP {versions.http_status}"
                    + (f" ({versions.envelope_problem})" if not versions.is_envelope else "")
                )
            offered = {
                v.get("version"): v.get("url") for v in versions.data or [] if isinstance(v, dict)
            }
            mutual = [v for v in ordered if v in offered]
            if not mutual:
                raise HandshakeError(
                    f"no mutual version: the peer offers {sorted(k for k in offered if k)},"
                    f" we speak {list(wanted)}",
                    status_code=3002,
                )
            version = mutual[0]
            details_url = offered[version]
            details = client.get(details_url, token_form=profile(version).token_form)
            if details.http_status != 200 or not details.is_envelope:
                raise HandshakeError(f"GET {details_url} answered HTTP {details.http_status}")
            endpoints = (details.data or {}).get("endpoints") or []
        except TargetUnreachable as exc:
            raise HandshakeError(str(exc)) from exc
        except OcpiClientError as exc:
            raise HandshakeError(str(exc)) from exc
    if not any(e.get("identifier") == "credentials" for e in endpoints):
        raise HandshakeError(
            f"the peer's {version} details list no credentials endpoint", status_code=3003
        )
    return PeerVersion(version=version, details_url=details_url, endpoints=endpoints)


def register_with(
    store: Store,
    config: MockConfig,
    *,
    our_versions_url: str,
    their_versions_url: str,
    token_a: str,
) -> Partner:
    """Register with a peer using its token A; afterwards each side holds the other's token."""
    peer = fetch_endpoints(
        their_versions_url, token_a, config.versions, timeout=config.http_timeout
    )
    credentials_url = next(e["url"] for e in peer.endpoints if e.get("identifier") == "credentials")
    token_b = new_token()
    partner_id = store.add_partner(
        versions_url=their_versions_url,
        token_in=token_b,
        version=peer.version,
        endpoints=peer.endpoints,
    )
    with OcpiClient(token=token_a, version=peer.version) as client:
        try:
            response = client.post(
                credentials_url,
                our_credentials(config, token_b, our_versions_url, peer.version),
            )
        except OcpiClientError as exc:
            store.delete_partner(partner_id)
            raise HandshakeError(str(exc)) from exc
    if (
        response.http_status not in (200, 201)
        or not response.is_envelope
        or (response.status_code != 1000)
    ):
        store.delete_partner(partner_id)
        raise HandshakeError(
            f"POST {credentials_url} answered HTTP {response.http_status}: {response.text[:300]}"
        )
    theirs = response.data or {}
    store.update_partner(
        partner_id,
        token_out=theirs.get("token"),
        roles=partner_roles(theirs, peer.version, config.roles),
        registered=True,
    )
    partner = store.partner(partner_id)
    assert partner is not None
    return partner

"""What differs between the OCPI versions the suite tests, as data.

Checks and the session ask ``rules(version)`` instead of comparing version strings, so a version's
rules live in one place. Sources: the spec digest §1, §2, §4, §5 and §6.2/§6.3.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

__all__ = [
    "SINCE_2_2",
    "VERSIONS",
    "VersionRules",
    "as_hub_party_id",
    "credentials_body",
    "credentials_hub",
    "credentials_parties",
    "not_applicable",
    "party_records",
    "rules",
]

_COMMON_MODULES = frozenset(
    {"credentials", "locations", "sessions", "cdrs", "tariffs", "tokens", "commands"}
)


@dataclass(frozen=True)
class VersionRules:
    """One OCPI version's rules, as far as the checks depend on them.

    token_form: how the ``Authorization`` token is sent (2.1.1 plain, 2.2+ Base64).
    endpoint_role: whether an Endpoint carries ``role`` (SENDER/RECEIVER), 2.2+.
    credentials_roles: Credentials has ``roles[]`` (2.2+) instead of one party's
        ``business_details``/``party_id``/``country_code`` (2.1.1).
    modules: the module identifiers the version defines.
    patch_needs_last_updated: every PATCH carries ``last_updated`` (2.2+).
    message_ids: ``X-Request-ID``/``X-Correlation-ID`` exist (2.2+).
    routing_headers: ``OCPI-to-*``/``OCPI-from-*`` exist (2.2+).
    unknown_fields_ignored: receivers SHALL NOT reject undocumented fields (2.3.0).
    command_result: the object a CPO posts to ``response_url`` with a command's outcome (2.1.1
        posts a CommandResponse there).
    authorization_names_token: an AuthorizationInfo carries the Token it is for (2.2+).
    hub_party_id: a Hub names itself in Credentials ``hub_party_id`` (country code and party
        id in one five-character string) and lists the parties reachable through it in
        ``roles``; the Role enum has no ``HUB`` (2.3.0). Before: one CredentialsRole ``HUB``.
    """

    number: str
    token_form: Literal["plain", "base64"]
    endpoint_role: bool
    credentials_roles: bool
    modules: frozenset[str]
    patch_needs_last_updated: bool
    message_ids: bool
    routing_headers: bool
    unknown_fields_ignored: bool
    command_result: str = "CommandResult"
    authorization_names_token: bool = True
    hub_party_id: bool = False


_RULES = {
    "2.1.1": VersionRules(
        number="2.1.1",
        token_form="plain",
        endpoint_role=False,
        credentials_roles=False,
        modules=_COMMON_MODULES,
        patch_needs_last_updated=False,
        message_ids=False,
        routing_headers=False,
        unknown_fields_ignored=False,
        command_result="CommandResponse",
        authorization_names_token=False,
    ),
    "2.2.1": VersionRules(
        number="2.2.1",
        token_form="base64",
        endpoint_role=True,
        credentials_roles=True,
        modules=_COMMON_MODULES | {"chargingprofiles", "hubclientinfo"},
        patch_needs_last_updated=True,
        message_ids=True,
        routing_headers=True,
        unknown_fields_ignored=False,
    ),
    "2.3.0": VersionRules(
        number="2.3.0",
        token_form="base64",
        endpoint_role=True,
        credentials_roles=True,
        modules=_COMMON_MODULES | {"chargingprofiles", "hubclientinfo", "payments"},
        patch_needs_last_updated=True,
        message_ids=True,
        routing_headers=True,
        unknown_fields_ignored=True,
        hub_party_id=True,
    ),
}

VERSIONS = tuple(_RULES)
SINCE_2_2 = ("2.2.1", "2.3.0")  # for a check marker's ``versions``

# Checks named after a module that some versions lack (check id prefix → module identifier).
_MODULE_OF_PREFIX = {
    "chargingprofiles": "chargingprofiles",
    "hubclientinfo": "hubclientinfo",
    "payments": "payments",
}


def rules(version: str) -> VersionRules:
    try:
        return _RULES[version]
    except KeyError:
        raise ValueError(
            f"unknown OCPI version {version!r}; use one of: {', '.join(VERSIONS)}"
        ) from None


def not_applicable(check_id: str, versions: tuple[str, ...] | None, version: str) -> str | None:
    """Why a check does not apply to ``version`` (a skip reason), or ``None`` when it does."""
    module = _MODULE_OF_PREFIX.get(check_id.split(".", 1)[0])
    if module is not None and module not in rules(version).modules:
        return f"does not apply to {version}: OCPI {version} has no {module} module"
    if versions is not None and version not in versions:
        return f"does not apply to {version} (OCPI {', '.join(versions)} only)"
    return None


def credentials_body(
    version: str,
    *,
    token: str,
    url: str,
    roles: tuple[str, ...],
    business_name: str,
    party_id: str,
    country_code: str,
    more_parties: tuple[tuple[str, str, str], ...] = (),
) -> dict[str, Any]:
    """Our Credentials object in ``version``'s shape (2.1.1: one party, no roles).

    ``more_parties``: (role, country_code, party_id) of the other parties our platform hosts,
    listed as CredentialsRoles after our own (2.2+ only: 2.1.1 has one party a connection).
    """
    if not rules(version).credentials_roles:
        return {
            "token": token,
            "url": url,
            "business_details": {"name": business_name},
            "party_id": party_id,
            "country_code": country_code,
        }
    return {
        "token": token,
        "url": url,
        "roles": [
            {
                "role": role,
                "business_details": {"name": business_name},
                "party_id": party_id,
                "country_code": country_code,
            }
            for role in roles
        ]
        + [
            {
                "role": role,
                "business_details": {"name": f"{business_name} {country}/{party}"},
                "party_id": party,
                "country_code": country,
            }
            for role, country, party in more_parties
        ],
    }


def credentials_parties(version: str, data: Any) -> list[dict[str, Any]]:
    """The parties a Credentials object names, as role-like dicts (2.1.1: its one party,
    without a role)."""
    if not isinstance(data, dict):
        return []
    if rules(version).credentials_roles:
        return [r for r in data.get("roles") or [] if isinstance(r, dict)]
    party = {k: data.get(k) for k in ("business_details", "party_id", "country_code")}
    return [party] if party["party_id"] or party["country_code"] else []


def as_hub_party_id(party: tuple[str, str]) -> str:
    """A party as 2.3.0's ``hub_party_id``: country code and party id in one string."""
    return f"{party[0]}{party[1]}"


def credentials_hub(version: str, data: Any) -> tuple[str, str] | None:
    """The Hub a Credentials object says it is, as (country_code, party_id), upper case:
    2.2.1 its first CredentialsRole ``HUB``, 2.3.0 its ``hub_party_id`` (``None`` when it
    names none, or a ``hub_party_id`` that is not two letters and one to three more)."""
    if not isinstance(data, dict) or not rules(version).credentials_roles:
        return None
    if rules(version).hub_party_id:
        value = data.get("hub_party_id")
        if not isinstance(value, str) or not 3 <= len(value) <= 5:
            return None
        country, party = value[:2].upper(), value[2:].upper()
        return (country, party) if country.isalpha() and party.isalnum() else None
    for role in credentials_parties(version, data):
        if str(role.get("role") or "").upper() == "HUB":
            country, party = role.get("country_code"), role.get("party_id")
            if isinstance(country, str) and isinstance(party, str) and country and party:
                return country.upper(), party.upper()
    return None


def party_records(version: str, data: Any) -> list[dict[str, Any]]:
    """The parties of a Credentials object as one model for every version: the CredentialsRoles
    (``credentials_parties``), and on 2.3.0 the Hub of ``hub_party_id`` first, as a record of
    role ``HUB`` as 2.2.1 gives it. What a party keeps of its partner, never sent on the wire."""
    parties = credentials_parties(version, data)
    hub = credentials_hub(version, data) if rules(version).hub_party_id else None
    if hub is None:
        return parties
    record = {"role": "HUB", "business_details": {"name": "Hub " + as_hub_party_id(hub)}}
    return [{**record, "country_code": hub[0], "party_id": hub[1]}, *parties]

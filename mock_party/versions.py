"""The OCPI versions the mock speaks, and what differs between them, as data.

One :class:`VersionProfile` per version; the views, the handshake and the serializer consult it
instead of comparing version strings. The shapes of the objects live in ``mock_party.shapes``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from ocpi_core.versions import party_records, rules

__all__ = ["PROFILES", "VersionProfile", "profile", "version_key"]

_COMMANDS_22 = MappingProxyType(
    {
        "CANCEL_RESERVATION": "CancelReservation",
        "RESERVE_NOW": "ReserveNow",
        "START_SESSION": "StartSession",
        "STOP_SESSION": "StopSession",
        "UNLOCK_CONNECTOR": "UnlockConnector",
    }
)
_COMMANDS_211 = MappingProxyType(
    {k: v for k, v in _COMMANDS_22.items() if k != "CANCEL_RESERVATION"}
)


@dataclass(frozen=True)
class VersionProfile:
    """What one OCPI version looks like from the mock.

    number: the VersionNumber.
    token_form: how the Authorization token is written (``plain`` or ``base64``).
    credentials_roles: Credentials carry ``roles`` (2.2+) rather than one flat party (2.1.1).
    endpoint_role: Endpoints in the version details carry a ``role``.
    modules: the functional modules the version has.
    owner_fields: client-owned objects carry ``country_code``/``party_id`` (2.2+).
    patch_needs_last_updated: every PATCH must carry ``last_updated`` (2.2+).
    token_key_type: tokens are identified by uid *and* type (2.2+); 2.1.1 URLs have no type.
    token_types: the TokenType values (``type`` query parameter); None for 2.3.0's open enum.
    commands: command name -> its request object.
    command_result: the object POSTed to a command's response_url.
    command_response_timeout: the CommandResponse has ``timeout``/``message`` (2.2+).
    authorization_token: AuthorizationInfo carries the Token (2.2+).
    charging_preferences: Sessions have the charging_preferences PUT (2.2+).
    tariff_patch: Tariff Receivers take PATCH (2.1.1 only; removed in 2.2).
    """

    number: str
    token_form: str
    credentials_roles: bool
    endpoint_role: bool
    modules: frozenset[str]
    owner_fields: bool
    patch_needs_last_updated: bool
    token_key_type: bool
    token_types: tuple[str, ...] | None
    commands: Mapping[str, str]
    command_result: str
    command_response_timeout: bool
    authorization_token: bool
    charging_preferences: bool
    tariff_patch: bool


def _from_rules(version: str) -> dict[str, Any]:
    """The protocol facts the suite's version rules already state (ocpi_core.versions),
    so the mock and the suite cannot disagree on them."""
    r = rules(version)
    return {
        "number": version,
        "token_form": r.token_form,
        "credentials_roles": r.credentials_roles,
        "endpoint_role": r.endpoint_role,
        "modules": r.modules - {"credentials"},
        "patch_needs_last_updated": r.patch_needs_last_updated,
        "command_result": r.command_result,
        "authorization_token": r.authorization_names_token,
    }


_V22 = dict(
    owner_fields=True,
    token_key_type=True,
    commands=_COMMANDS_22,
    command_response_timeout=True,
    charging_preferences=True,
    tariff_patch=False,
)

PROFILES: Mapping[str, VersionProfile] = MappingProxyType(
    {
        "2.1.1": VersionProfile(
            **_from_rules("2.1.1"),
            owner_fields=False,
            token_key_type=False,
            token_types=("OTHER", "RFID"),
            commands=_COMMANDS_211,
            command_response_timeout=False,
            charging_preferences=False,
            tariff_patch=True,
        ),
        "2.2.1": VersionProfile(
            **_from_rules("2.2.1"),
            token_types=("AD_HOC_USER", "APP_USER", "OTHER", "RFID"),
            **_V22,
        ),
        # 2.3.0 TokenType is an open enum: any value is a type
        "2.3.0": VersionProfile(**_from_rules("2.3.0"), token_types=None, **_V22),
    }
)


def profile(version: str) -> VersionProfile:
    """The profile of ``version``; KeyError for a version the mock does not speak."""
    return PROFILES[version]


def version_key(version: str) -> tuple[int, ...]:
    """For ordering versions: ``2.1.1`` < ``2.2.1`` < ``2.3.0``."""
    return tuple(int(p) for p in version.split(".") if p.isdigit())


def partner_roles(body: Mapping[str, Any], version: str, our_roles: tuple[str, ...]) -> list:
    """The CredentialsRoles of a partner from its Credentials; a 2.1.1 partner names one party
    and no role: the role opposite to ours. A 2.3.0 Hub's ``hub_party_id`` is kept as a first
    record of role HUB, as a 2.2.1 Hub gives it, so that the rules for a Hub partner (it pushes
    ClientInfo, it speaks for the parties behind it) read one model in every version."""
    if profile(version).credentials_roles:
        return party_records(version, body)
    role = "EMSP" if "CPO" in our_roles else "CPO"
    return [
        {
            "role": role,
            "business_details": body.get("business_details") or {},
            "party_id": body.get("party_id"),
            "country_code": body.get("country_code"),
        }
    ]


__all__ += ["partner_roles"]

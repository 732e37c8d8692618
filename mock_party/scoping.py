"""The CPO's Sessions and CDRs kept apart per eMSP partner: a partner sees only those of its own
tokens and may command (STOP_SESSION) or set charging profiles only on its own sessions.

A session or CDR belongs to the party of its ``cdr_token`` (country_code/party_id). It is
hidden from a caller when another registered partner holds that party as an eMSP; the
sessions of a party no partner holds (the seeded demo data) stay visible to every partner.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from mock_party.auth import Caller, current_caller
from mock_party.store import Partner, get_store

__all__ = ["caller_foreign", "foreign_parties", "owner_of", "session_refusal", "visible"]

Party = tuple[str, str]
SCOPED_MODULES = ("sessions", "cdrs")


def _parties(partner: Partner) -> set[Party]:
    return {
        (str(r.get("country_code", "")).upper(), str(r.get("party_id", "")).upper())
        for r in partner.roles
        if r.get("role") == "EMSP"
    }


def foreign_parties(partners: Iterable[Partner], caller: Caller) -> set[Party]:
    """The eMSP parties registered partners other than the caller hold."""
    mine = caller.partner.id if caller.partner is not None else None
    found: set[Party] = set()
    for partner in partners:
        if partner.registered and partner.id != mine:
            found |= _parties(partner)
    if caller.partner is not None:
        found -= _parties(caller.partner)
    return found


def owner_of(body: dict[str, Any]) -> Party | None:
    """The party of a Session's or CDR's token (stored in the 2.2.1 shape)."""
    token = body.get("cdr_token")
    if not isinstance(token, dict):
        return None
    return str(token.get("country_code", "")).upper(), str(token.get("party_id", "")).upper()


def visible(body: dict[str, Any], foreign: set[Party]) -> bool:
    return owner_of(body) not in foreign


def caller_foreign() -> set[Party]:
    """The parties hidden from the request's caller."""
    return foreign_parties(get_store().partners(), current_caller())


def session_refusal(session_id: str, body: dict[str, Any], foreign: set[Party]) -> str | None:
    """Why the caller may not act on this session (``None`` when it may)."""
    owner = owner_of(body)
    if owner is None or owner not in foreign:
        return None
    return (
        f"Session {session_id} was started with a token of {owner[0]}/{owner[1]}, another "
        "eMSP: only that eMSP may command it or set its charging profile"
    )

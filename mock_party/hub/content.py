"""Open routing by content (2.2.1/2.3.0 transport §4.1.8.4): where the hub sends a request
that names no receiver (no OCPI-to-*), judged by what the request carries.

- a Session or CDR pushed to the eMSP Receiver goes to the eMSP its ``cdr_token`` names; a
  PATCH that names none goes where the hub sent that object before (4001 when it never did:
  a Session is one driver's, never broadcast);
- a command to the CPO Receiver goes to the CPO holding its ``location_id`` (START_SESSION,
  RESERVE_NOW, UNLOCK_CONNECTOR: each CPO's Locations Sender is asked; its ``evse_uid`` picks
  one when several CPOs use the id); STOP_SESSION to the CPO whose Session the hub routed to the
  requester, CANCEL_RESERVATION to the CPO its RESERVE_NOW went to; else 4001 — a command is
  never broadcast;
- a charging profile (``{chargingprofiles receiver}/{session_id}``) goes to the other party of
  that Session, as STOP_SESSION does (4001 when the hub routed no such Session);
- a real-time authorization (``POST {tokens sender}/{uid}/authorize``) goes to each eMSP in
  turn, answered by the first that knows the token (404/2004 when none does);
- any other push (Locations, Tariffs, Tokens, …) is for everybody: a broadcast.

What the hub routed is remembered in its database (table ``hub_routes``), so a later PATCH or
STOP_SESSION finds its way: (module, object id, owner, receiver), the owner being the party the
object belongs to (the CPO of a Session, the eMSP of a reservation).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from mock_party.hub import forward as hop
from mock_party.hub.parties import Requester
from mock_party.ocpi import OcpiError, ocpi_timestamp
from mock_party.store import Partner, Store, get_store

__all__ = [
    "BROADCAST",
    "Decision",
    "authorize_sources",
    "decide",
    "ensure_table",
    "is_authorize",
    "party_of",
    "remember",
    "remember_routed",
]

_TABLE = """
CREATE TABLE IF NOT EXISTS hub_routes (
    module TEXT NOT NULL,
    object_id TEXT NOT NULL COLLATE NOCASE,
    owner TEXT NOT NULL COLLATE NOCASE,       -- CC/PID of the party the object belongs to
    receiver TEXT NOT NULL COLLATE NOCASE,    -- CC/PID of the party the hub sent it to
    last_updated TEXT NOT NULL,
    UNIQUE (module, object_id, owner)
);
"""
_PERSONAL = ("sessions", "cdrs")  # one driver's data: routed by cdr_token, never broadcast
_BY_LOCATION = ("START_SESSION", "RESERVE_NOW", "UNLOCK_CONNECTOR")
_EMSP_ROLES = ("EMSP", "OTHER", "NSP", "NAP", "SCSP")


@dataclass(frozen=True)
class Decision:
    """Where an open request goes: ``destination``, or every party of the role (``broadcast``)."""

    destination: hop.Destination | None = None
    broadcast: bool = False


BROADCAST = Decision(broadcast=True)


def ensure_table(store: Store) -> None:
    store.db.execute(_TABLE)  # SQLite only, as the hub's other tables


def _label(key: tuple[str, str]) -> str:
    return f"{key[0]}/{key[1]}"


def _key_of(label: str) -> tuple[str, str]:
    country, _, party = label.partition("/")
    return (country.upper(), party.upper())


def remember(module: str, object_id: str, owner: tuple[str, str], receiver: tuple[str, str]):
    """Note that ``module`` object ``object_id`` of ``owner`` went to ``receiver``."""
    store = get_store()
    with store.transaction():
        store.db.execute(
            "INSERT INTO hub_routes (module, object_id, owner, receiver, last_updated)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (module, object_id, owner)"
            " DO UPDATE SET receiver = excluded.receiver, last_updated = excluded.last_updated",
            (module, object_id, _label(owner), _label(receiver), ocpi_timestamp()),
        )


def _receiver_of(module: str, object_id: str, owner: tuple[str, str]) -> tuple[str, str] | None:
    row = (
        get_store()
        .db.execute(
            "SELECT receiver FROM hub_routes WHERE module = ? AND object_id = ? AND owner = ?",
            (module, object_id, _label(owner)),
        )
        .fetchone()
    )
    return _key_of(row[0]) if row else None


def _owners_of(module: str, object_id: str, receiver: tuple[str, str]) -> list[tuple[str, str]]:
    rows = (
        get_store()
        .db.execute(
            "SELECT owner FROM hub_routes WHERE module = ? AND object_id = ? AND receiver = ?",
            (module, object_id, _label(receiver)),
        )
        .fetchall()
    )
    return [_key_of(row[0]) for row in rows]


def _unknown(message: str) -> OcpiError:
    return OcpiError(
        f"Unknown receiver: {message}; name the party in OCPI-to-* (2.2.1 §4.1.8.4)",
        status_code=4001,
        http_status=404,
    )


def _document(body: bytes) -> dict[str, Any] | None:
    try:
        found = json.loads(body) if body else None
    except ValueError:
        return None
    return found if isinstance(found, dict) else None


def party_of(value: Any) -> tuple[str, str] | None:
    if not isinstance(value, dict):
        return None
    country, party = value.get("country_code"), value.get("party_id")
    if isinstance(country, str) and isinstance(party, str) and country and party:
        return (country.upper(), party.upper())
    return None


def is_authorize(method: str, interface: str, module: str, rest: str) -> bool:
    """Whether the request is a real-time authorization: POST {tokens sender}/{uid}/authorize."""
    parts = rest.strip("/").split("/")
    return (
        method == "POST"
        and interface == "sender"
        and module == "tokens"
        and len(parts) == 2
        and parts[1] == "authorize"
    )


def decide(
    requester: Requester,
    caller: Partner | None,
    *,
    method: str,
    body: bytes,
    version: str,
    module: str,
    interface: str,
    rest: str,
    query: str,
) -> Decision:
    """Where a push or command to a Receiver without OCPI-to-* goes; OcpiError 4001 when its
    content names no party the hub can route it to."""
    if interface != "receiver":
        raise _unknown(f"a {method} to a Sender interface names no receiver")
    if module in _PERSONAL and method in ("PUT", "PATCH", "POST"):
        return Decision(_token_owner(requester, module, rest, _document(body)))
    if module == "chargingprofiles" and method in ("PUT", "DELETE"):
        return Decision(_session_party(requester, rest.strip("/").split("/")[0]))
    if module == "commands" and method == "POST":
        context = dict(version=version, module=module, interface=interface, rest=rest)
        return Decision(_command_target(requester, caller, _document(body) or {}, context))
    return BROADCAST


def _object_id(module: str, rest: str, document: dict[str, Any] | None) -> str | None:
    """The id of the Session or CDR a push is about: the URL's last segment, or the body's."""
    parts = [p for p in rest.strip("/").split("/") if p]
    if len(parts) == 3:
        return parts[2]
    found = (document or {}).get("id")
    return str(found) if isinstance(found, str) and found else None


def _token_owner(
    requester: Requester, module: str, rest: str, document: dict[str, Any] | None
) -> hop.Destination:
    object_id = _object_id(module, rest, document)
    named = party_of((document or {}).get("cdr_token"))
    if named is None and object_id is not None:
        named = _receiver_of(module, object_id, requester.key)
    if named is None:
        raise _unknown(
            f"this {module} object names no eMSP in cdr_token, and the hub has not sent it "
            "anywhere before"
        )
    if named == requester.key:
        raise _unknown(f"cdr_token names {_label(named)}, the requester itself")
    return hop.find_destination(named)


def _command_target(
    requester: Requester, caller: Partner | None, document: dict[str, Any], context: dict[str, str]
) -> hop.Destination:
    command = context["rest"].strip("/").split("/")[0].upper()
    if command in _BY_LOCATION:
        return _location_holder(requester, caller, document, context)
    if command == "STOP_SESSION":
        return _session_party(requester, document.get("session_id"))
    if command == "CANCEL_RESERVATION":
        reservation_id = document.get("reservation_id")
        found = (
            _receiver_of("reservations", str(reservation_id), requester.key)
            if reservation_id is not None
            else None
        )
        if found is None:
            raise _unknown(
                f"the hub has routed no reservation {reservation_id} of {_label(requester.key)}"
            )
        return hop.find_destination(found)
    raise _unknown(f"the hub cannot tell from a {command or 'command'} which CPO it is for")


def _session_party(requester: Requester, session_id: Any) -> hop.Destination:
    """The other party of a Session the hub routed: for an eMSP, the CPO that pushed it to
    the eMSP; for a CPO, the eMSP it went to."""
    if not isinstance(session_id, str) or not session_id:
        raise _unknown("the request names no session_id")
    if requester.role == "CPO":
        found = _receiver_of("sessions", session_id, requester.key)
        parties = [found] if found is not None else []
    else:
        parties = _owners_of("sessions", session_id, requester.key)
    if not parties:
        raise _unknown(
            f"the hub has routed no Session {session_id} between {_label(requester.key)} "
            "and another party"
        )
    if len(parties) > 1:
        raise _unknown(f"Sessions {session_id} of several CPOs came to {_label(requester.key)}")
    return hop.find_destination(parties[0])


def _cpo_candidates(
    requester: Requester, caller: Partner | None, version: str
) -> list[hop.Destination]:
    """Every connected CPO with a Locations Sender and a Commands Receiver, but the requester
    (a platform's other parties too: the requester's own platform may host the CPO)."""
    found = [
        d
        for d in hop.sources_for_get_all("locations", version, None)
        if d.role == "CPO" and d.key != requester.key
    ]
    return [
        d
        for d in found
        if d.partner is None or d.partner.endpoint("commands", "RECEIVER") is not None
    ]


def _location_holder(
    requester: Requester, caller: Partner | None, document: dict[str, Any], context: dict[str, str]
) -> hop.Destination:
    location_id = document.get("location_id")
    if not isinstance(location_id, str) or not location_id:
        raise _unknown("the command names no location_id")
    evse_uid = document.get("evse_uid")
    holders: list[hop.Destination] = []
    for candidate in _cpo_candidates(requester, caller, context["version"]):
        location = _location_at(candidate, requester, location_id, context["version"])
        if location is None:
            continue
        evses = [e.get("uid") for e in location.get("evses") or [] if isinstance(e, dict)]
        if isinstance(evse_uid, str) and evse_uid and evse_uid not in evses:
            continue
        holders.append(candidate)
    if not holders:
        raise _unknown(f"no CPO behind this hub has Location {location_id}")
    if len(holders) > 1:
        names = ", ".join(h.label for h in holders)
        raise _unknown(f"Location {location_id} is held by several CPOs ({names})")
    return holders[0]


def _location_at(
    source: hop.Destination, requester: Requester, location_id: str, version: str
) -> dict[str, Any] | None:
    """The Location ``location_id`` as ``source`` gives it (its own: owned by it), else None."""
    try:
        reply = hop.forward(
            source,
            requester,
            hop.routing_headers(source.key, requester.key),
            version=version,
            module="locations",
            interface="sender",
            rest=location_id,
            query="",
            method="GET",
            body=b"",
        )
    except OcpiError:
        return None
    found = reply.envelope() or {}
    data = found.get("data")
    if reply.status != 200 or found.get("status_code") != 1000 or not isinstance(data, dict):
        return None
    owner = party_of(data)
    if data.get("id") != location_id or (owner is not None and owner != source.key):
        return None
    return data


def authorize_sources(
    requester: Requester, caller: Partner | None, version: str
) -> list[hop.Destination]:
    """The eMSPs to ask about a token, in turn: every connected one with a Tokens Sender, the
    requester's own platform's too, never the requester."""
    return [
        d
        for d in hop.sources_for_get_all("tokens", version, None)
        if d.role in _EMSP_ROLES and d.key != requester.key
    ]


def remember_routed(
    requester: Requester,
    destination: hop.Destination,
    reply: hop.Reply,
    *,
    method: str,
    body: bytes,
    module: str,
    interface: str,
    rest: str,
) -> None:
    """Note a push of a Session or CDR, or a RESERVE_NOW, routed to ``destination`` (whether
    by OCPI-to-* or by content) and accepted there (``reply``), so that what follows it can be
    routed without OCPI-to-*. Anything else is let go before a body is parsed: every routed
    request passes here, list pages included."""
    if interface != "receiver" or method == "GET":
        return
    reserving = module == "commands" and rest.strip("/").upper() == "RESERVE_NOW"
    if module not in _PERSONAL and not reserving:
        return
    if reply.status >= 300 or (reply.envelope() or {}).get("status_code") != 1000:
        return
    document = _document(body)
    if module in _PERSONAL:
        object_id = _object_id(module, rest, document)
        if object_id is not None:
            remember(module, object_id, requester.key, destination.key)
    elif document:
        reservation_id = document.get("reservation_id")
        if reservation_id is not None:
            remember("reservations", str(reservation_id), requester.key, destination.key)

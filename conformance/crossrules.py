"""Rules about OCPI objects that JSON Schema cannot express, as pure functions.

Each function takes plain JSON documents (dicts, lists) and returns the problems it found as
short sentences for people, an empty list when there are none. The checks turn them into
failures; the suite's own tests call them directly.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

__all__ = [
    "MODULE_OBJECTS",
    "cdr_location_problems",
    "cdr_session_problems",
    "conflicting_ids",
    "describe_key",
    "differences",
    "duplicate_connector_ids",
    "duplicate_evse_uids",
    "future_last_updated",
    "missing_tariff_ids",
    "object_key",
    "parse_datetime",
    "pushed_differences",
    "repeated_keys",
    "session_location_problems",
    "stale_parents",
]

# The schema name of the objects each Sender list returns.
MODULE_OBJECTS: dict[str, str] = {
    "locations": "Location",
    "sessions": "Session",
    "cdrs": "CDR",
    "tariffs": "Tariff",
    "tokens": "Token",
    "hubclientinfo": "ClientInfo",
}

_DATETIME = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z)?$",
)


def parse_datetime(value: object) -> datetime | None:
    """An OCPI 2.2.1 DateTime as an aware UTC datetime, or ``None`` when it is not one.

    UTC only, ``Z`` optional, fractional seconds allowed; offsets such as ``+00:00`` are not
    OCPI DateTimes.
    """
    if not isinstance(value, str):
        return None
    match = _DATETIME.match(value)
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, _ = match.groups()
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    try:
        return datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second), micro, UTC
        )
    except ValueError:
        return None


def _ci(value: object) -> object:
    # country_code, party_id and the ids are CiStrings: compared case-insensitively
    return value.upper() if isinstance(value, str) else _hashable(value)


def _hashable(value: object) -> object:
    """A key part that can be hashed: a list or an object where a string belongs (a broken
    server's id) becomes its JSON text."""
    if isinstance(value, list | dict):
        return json.dumps(value, sort_keys=True, default=str)
    return value


def object_key(module: str, obj: Mapping[str, Any]) -> tuple[Any, ...]:
    """What identifies an object of ``module`` among those of one server (a list item that is
    no object at all, as a broken page holds, is told apart by its JSON text)."""
    if not isinstance(obj, Mapping):
        return ("(not an object)", _hashable(obj))
    owner = (_ci(obj.get("country_code")), _ci(obj.get("party_id")))
    if module == "tokens":
        return (*owner, _ci(obj.get("uid")), _hashable(obj.get("type")))
    if module == "hubclientinfo":
        return (*owner, _hashable(obj.get("role")))
    return (*owner, _ci(obj.get("id")))


def describe_key(key: Sequence[Any]) -> str:
    return "/".join(str(part) for part in key)


def repeated_keys(module: str, objects: Iterable[Mapping[str, Any]]) -> dict[tuple, int]:
    """Keys that occur more than once, with how often."""
    counts = Counter(object_key(module, o) for o in objects)
    return {key: n for key, n in counts.items() if n > 1}


def conflicting_ids(module: str, objects: Iterable[Mapping[str, Any]]) -> list[str]:
    """Keys shared by objects that differ: two objects with one id.

    The same object returned twice is a pagination problem, not an identity problem, and is
    left to the pagination checks.
    """
    seen: dict[tuple, Mapping[str, Any]] = {}
    found: list[str] = []
    for obj in objects:
        key = object_key(module, obj)
        if key in seen and seen[key] != obj and describe_key(key) not in found:
            found.append(describe_key(key))
        seen.setdefault(key, obj)
    return found


def future_last_updated(
    obj: Mapping[str, Any], now: datetime, tolerance: timedelta, path: str = "$"
) -> list[str]:
    """``last_updated`` values later than ``now + tolerance``, nested EVSEs and Connectors too."""
    found: list[str] = []
    stamp = parse_datetime(obj.get("last_updated"))
    if stamp is not None and stamp > now + tolerance:
        found.append(f"{path}.last_updated = {obj.get('last_updated')}")
    for i, evse in _indexed(obj.get("evses")):
        found += future_last_updated(evse, now, tolerance, f"{path}.evses[{i}]")
    for i, connector in _indexed(obj.get("connectors")):
        found += future_last_updated(connector, now, tolerance, f"{path}.connectors[{i}]")
    return found


def duplicate_evse_uids(location: Mapping[str, Any]) -> list[str]:
    """EVSE uids used more than once within one Location."""
    counts = Counter(_ci(e.get("uid")) for e in _objects(location.get("evses")))
    return sorted(str(uid) for uid, n in counts.items() if n > 1)


def duplicate_connector_ids(location: Mapping[str, Any]) -> list[str]:
    """``evse_uid/connector_id`` pairs used more than once within one EVSE."""
    found: list[str] = []
    for evse in _objects(location.get("evses")):
        counts = Counter(_ci(c.get("id")) for c in _objects(evse.get("connectors")))
        found += [f"{evse.get('uid')}/{cid}" for cid, n in counts.items() if n > 1]
    return found


def stale_parents(location: Mapping[str, Any]) -> list[str]:
    """Where a Location is older than one of its EVSEs, or an EVSE than one of its Connectors.

    A change to a child moves its parents' ``last_updated`` (2.2.1 §8.2.1.1.1), so a parent is
    never older than its children.
    """
    found: list[str] = []
    parent = parse_datetime(location.get("last_updated"))
    for evse in _objects(location.get("evses")):
        stamp = parse_datetime(evse.get("last_updated"))
        if parent is not None and stamp is not None and stamp > parent:
            found.append(
                f"location {location.get('id')} ({location.get('last_updated')}) is older than "
                f"its EVSE {evse.get('uid')} ({evse.get('last_updated')})"
            )
        for connector in _objects(evse.get("connectors")):
            child = parse_datetime(connector.get("last_updated"))
            if stamp is not None and child is not None and child > stamp:
                found.append(
                    f"EVSE {evse.get('uid')} of location {location.get('id')} "
                    f"({evse.get('last_updated')}) is older than its connector "
                    f"{connector.get('id')} ({connector.get('last_updated')})"
                )
    return found


def missing_tariff_ids(
    locations: Iterable[Mapping[str, Any]], tariffs: Iterable[Mapping[str, Any]]
) -> list[str]:
    """Connector ``tariff_ids`` that name no Tariff of the same CPO."""
    known = {
        (_ci(t.get("country_code")), _ci(t.get("party_id")), _ci(t.get("id")))
        for t in _objects(tariffs)
    }
    found: list[str] = []
    for location in _objects(locations):
        owner = (_ci(location.get("country_code")), _ci(location.get("party_id")))
        for evse in _objects(location.get("evses")):
            for connector in _objects(evse.get("connectors")):
                # 2.1.1 names one tariff_id, 2.2+ a list of tariff_ids
                single = connector.get("tariff_id")
                given = connector.get("tariff_ids")
                ids = given if isinstance(given, list) else [single] if single else []
                for tariff_id in ids:
                    if (*owner, _ci(tariff_id)) not in known:
                        found.append(
                            f"location {location.get('id')}, EVSE {evse.get('uid')}, connector "
                            f"{connector.get('id')}: tariff {tariff_id!r}"
                        )
    return found


def _location_index(locations: Iterable[Mapping[str, Any]]) -> dict[tuple, Mapping[str, Any]]:
    return {
        (_ci(loc.get("country_code")), _ci(loc.get("party_id")), _ci(loc.get("id"))): loc
        for loc in _objects(locations)
    }


def _place_problems(
    owner: tuple[Any, Any],
    location_id: Any,
    evse_uid: Any,
    connector_id: Any,
    index: Mapping[tuple, Mapping[str, Any]],
) -> tuple[list[str], Mapping[str, Any] | None]:
    """Problems of a (location, EVSE, connector) reference, and the EVSE when found.

    A reference to a location that is not in the list is no problem (it may be unpublished);
    a known location must have the EVSE and connector. ``#NA`` (reservations) is accepted.
    """
    location = index.get((*owner, _ci(location_id)))
    if location is None or evse_uid == "#NA":
        return [], None
    evse = next(
        (e for e in _objects(location.get("evses")) if _ci(e.get("uid")) == _ci(evse_uid)), None
    )
    if evse is None:
        return [f"location {location_id} has no EVSE {evse_uid!r}"], None
    if connector_id != "#NA" and not any(
        _ci(c.get("id")) == _ci(connector_id) for c in _objects(evse.get("connectors"))
    ):
        return [
            f"EVSE {evse_uid} of location {location_id} has no connector {connector_id!r}"
        ], evse
    return [], evse


def _index_of(
    locations: Iterable[Mapping[str, Any]] | Mapping[tuple, Any],
) -> Mapping[tuple, Mapping[str, Any]]:
    return locations if isinstance(locations, Mapping) else _location_index(locations)


def cdr_location_problems(
    cdr: Mapping[str, Any], locations: Iterable[Mapping[str, Any]] | Mapping[tuple, Any]
) -> list[str]:
    """Where a CDR's ``cdr_location`` does not fit the Location it names (EVSE, connector,
    evse_id)."""
    where = _mapping(cdr.get("cdr_location"))
    owner = (_ci(cdr.get("country_code")), _ci(cdr.get("party_id")))
    problems, evse = _place_problems(
        owner,
        where.get("id"),
        where.get("evse_uid"),
        where.get("connector_id"),
        _index_of(locations),
    )
    evse_id = where.get("evse_id")
    if (
        evse is not None
        and evse_id not in (None, "#NA")
        and evse.get("evse_id") not in (None, evse_id)
    ):
        problems.append(
            f"EVSE {where.get('evse_uid')}: evse_id {evse_id!r} in the CDR, "
            f"{evse.get('evse_id')!r} in the location"
        )
    return problems


def session_location_problems(
    session: Mapping[str, Any], locations: Iterable[Mapping[str, Any]] | Mapping[tuple, Any]
) -> list[str]:
    """Where a Session names an EVSE or connector its (known) Location does not have."""
    owner = (_ci(session.get("country_code")), _ci(session.get("party_id")))
    problems, _ = _place_problems(
        owner,
        session.get("location_id"),
        session.get("evse_uid"),
        session.get("connector_id"),
        _index_of(locations),
    )
    return problems


def cdr_session_problems(
    cdr: Mapping[str, Any], sessions: Iterable[Mapping[str, Any]] | Mapping[tuple, Any]
) -> list[str]:
    """Where a CDR disagrees with the Session it names (location, EVSE, connector, token)."""
    if isinstance(sessions, Mapping):
        index = sessions
    else:
        index = {object_key("sessions", s): s for s in sessions}
    session_id = cdr.get("session_id")
    if not session_id:
        return []
    session = index.get((_ci(cdr.get("country_code")), _ci(cdr.get("party_id")), _ci(session_id)))
    if session is None:
        return []
    where = _mapping(cdr.get("cdr_location"))
    token = _mapping(cdr.get("cdr_token"))
    pairs = [
        ("location id", where.get("id"), session.get("location_id")),
        ("EVSE uid", where.get("evse_uid"), session.get("evse_uid")),
        ("connector id", where.get("connector_id"), session.get("connector_id")),
        ("token uid", token.get("uid"), _session_token(session, "uid")),
        ("token type", token.get("type"), _session_token(session, "type")),
    ]
    return [
        f"{what}: {ours!r} in the CDR, {theirs!r} in session {session_id}"
        for what, ours, theirs in pairs
        if "#NA" not in (ours, theirs) and _ci(ours) != _ci(theirs)
    ]


def _session_token(session: Mapping[str, Any], field: str) -> Any:
    return _mapping(session.get("cdr_token")).get(field)


def _mapping(value: Any) -> Mapping[str, Any]:
    """``value`` when it is a JSON object, else an empty one (the schema checks report it)."""
    return value if isinstance(value, Mapping) else {}


def _objects(value: Any) -> list[Mapping[str, Any]]:
    """The JSON objects in ``value`` when it is a list (or another iterable of objects); a
    value of a wrong type has none (the schema checks report it)."""
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
        return []
    return [item for item in value if isinstance(item, Mapping)]


def _indexed(value: Any) -> list[tuple[int, Mapping[str, Any]]]:
    if not isinstance(value, list):
        return []
    return [(i, item) for i, item in enumerate(value) if isinstance(item, Mapping)]


def differences(expected: Any, actual: Any, path: str = "$", limit: int = 10) -> list[str]:
    """Where two JSON documents differ, one line per difference (at most ``limit``).

    DateTimes are compared as instants, so ``…:00Z`` equals ``…:00.000Z``.
    """
    found: list[str] = []
    _diff(expected, actual, path, found, limit)
    return found


def pushed_differences(sent: Mapping[str, Any], stored: Any, path: str = "$") -> list[str]:
    """Fields we pushed that the server does not give back as we sent them.

    Fields the server adds are not differences (it may fill in defaults); a field we sent must
    come back with the same value.
    """
    if not isinstance(stored, Mapping):
        return [f"{path}: expected an object, got {type(stored).__name__}"]
    found: list[str] = []
    for key, value in sent.items():
        if value is None:
            continue
        if key not in stored:
            found.append(f"{path}.{key}: missing (sent {_short(value)})")
            continue
        if isinstance(value, Mapping):
            found += pushed_differences(value, stored[key], f"{path}.{key}")
        else:
            _diff(value, stored[key], f"{path}.{key}", found, 10)
    return found[:10]


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _diff(expected: Any, actual: Any, path: str, found: list[str], limit: int) -> None:
    if len(found) >= limit:
        return
    if isinstance(expected, Mapping) and isinstance(actual, Mapping):
        for key in list(expected) + [k for k in actual if k not in expected]:
            if key not in actual:
                found.append(f"{path}.{key}: missing")
            elif key not in expected:
                found.append(f"{path}.{key}: unexpected {_short(actual[key])}")
            else:
                _diff(expected[key], actual[key], f"{path}.{key}", found, limit)
            if len(found) >= limit:
                return
        return
    if isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            found.append(f"{path}: {len(expected)} item(s) expected, {len(actual)} found")
            return
        for i, (a, b) in enumerate(zip(expected, actual, strict=True)):
            _diff(a, b, f"{path}[{i}]", found, limit)
        return
    if expected == actual and type(expected) is type(actual):
        return
    if _numbers_equal(expected, actual):
        return
    left, right = parse_datetime(expected), parse_datetime(actual)
    if left is not None and left == right:
        return
    found.append(f"{path}: {_short(expected)} expected, {_short(actual)} found")


def _numbers_equal(a: Any, b: Any) -> bool:
    numbers = (int, float)
    return (
        isinstance(a, numbers)
        and isinstance(b, numbers)
        and not isinstance(a, bool)
        and not isinstance(b, bool)
        and a == b
    )

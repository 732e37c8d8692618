"""The session simulator of a mock CPO: a token charges at an EVSE, start to CDR.

``start_session`` authorizes the token (whitelist, or the eMSP's real-time authorization for a
token the whitelist does not cover), sets the EVSE to CHARGING and creates the Session;
``update_session`` adds a charging period; ``stop_session`` completes the Session, frees the EVSE
and creates the CDR, priced with the tariff engine so that its totals match its tariffs. Every
step is stored first and then pushed to the partners (EVSE status PATCH, Session PUT and PATCH,
CDR POST). ``simulate_session`` runs the whole story; :func:`run_simulation` is the entry point
for code outside a request (the CLI).

All functions but ``run_simulation`` need an app context.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from flask import Flask, current_app

from mock_party.config import MockConfig
from mock_party.demand import change_moments, tariff_in_force
from mock_party.objects import (
    RECEIVER,
    SENDER,
    ObjectKey,
    Objects,
    StoredObject,
    format_datetime,
    get_objects,
)
from mock_party.price_changes import split_at_price_changes
from mock_party.push import Delivery, object_path, push, push_object
from mock_party.shapes import token_from_211
from mock_party.store import Partner, get_store
from mock_party.versions import profile
from ocpi_core.client import OcpiClient, OcpiClientError

__all__ = [
    "SimulationError",
    "SimulationResult",
    "authorize_token",
    "request_simulation",
    "run_simulation",
    "set_evse_status",
    "simulate_session",
    "start_authorized_session",
    "start_session",
    "stop_session",
    "update_session",
]

log = logging.getLogger(__name__)
T = TypeVar("T")

POWER_KW = Decimal("11")  # the simulated charging power
LOCAL_WHITELISTS = ("ALWAYS", "ALLOWED")


class SimulationError(Exception):
    """The simulation cannot go on: unknown location, EVSE busy, token refused, …"""

    def __init__(self, message: str, status_code: int = 2001) -> None:
        super().__init__(message)
        self.status_code = status_code


@dataclass(frozen=True)
class Authorization:
    allowed: str  # AllowedType
    auth_method: str  # AuthMethod
    token: dict[str, Any]
    authorization_reference: str | None = None
    source: str = "whitelist"  # whitelist, real-time, command, offline


@dataclass(frozen=True)
class SimulationResult:
    session_id: str | None
    cdr_id: str | None
    allowed: str
    auth_method: str | None
    deliveries: tuple[Delivery, ...] = field(default=())

    def as_dict(self) -> dict[str, Any]:
        return {
            "session_id": self.session_id,
            "cdr_id": self.cdr_id,
            "allowed": self.allowed,
            "auth_method": self.auth_method,
            "deliveries": [d.as_dict() for d in self.deliveries],
        }


def _config() -> MockConfig:
    return current_app.config["OCPI_MOCK"]


def _now() -> datetime:
    return datetime.now(UTC)


def _own(module: str, object_id: str) -> ObjectKey:
    config = _config()
    return ObjectKey(module, SENDER, config.country_code, config.party_id, object_id)


def _number(value: Decimal, places: int = 4) -> float:
    return float(round(value, places))


def _write(change: Callable[[Objects], T]) -> T:
    """Run ``change`` in one IMMEDIATE transaction (pushes happen after it, never inside)."""
    with get_store().transaction():
        return change(get_objects())


# ---- charge points ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ChargePoint:
    location: dict[str, Any]
    evse: dict[str, Any]
    connector: dict[str, Any]


def _evse(location: dict[str, Any], evse_uid: str) -> dict[str, Any] | None:
    return next(
        (e for e in location.get("evses") or [] if e.get("uid", "").upper() == evse_uid.upper()),
        None,
    )


def find_charge_point(
    location_id: str | None = None, evse_uid: str | None = None, connector_id: str | None = None
) -> ChargePoint:
    """The charge point asked for, or the first available one."""
    objects = get_objects()
    if location_id is not None:
        found = objects.get(_own("locations", location_id))
        if found is None:
            raise SimulationError(f"Unknown location {location_id}", 2003)
        candidates: list[StoredObject] = [found]
    else:
        candidates = list(objects.iter("locations", SENDER))
    for stored in candidates:
        location = stored.body
        for evse in location.get("evses") or []:
            if evse_uid is not None and evse.get("uid", "").upper() != evse_uid.upper():
                continue
            if evse_uid is None and evse.get("status") != "AVAILABLE":
                continue
            for connector in evse.get("connectors") or []:
                if connector_id is None or connector.get("id", "").upper() == connector_id.upper():
                    return ChargePoint(location, evse, connector)
    where = "/".join(p for p in (location_id, evse_uid, connector_id) if p) or "any location"
    raise SimulationError(f"No charge point to use at {where}", 2003 if location_id else 2001)


def _change_evse_status(
    objects: Objects, location_id: str, evse_uid: str, status: str, stamp: str
) -> dict[str, Any]:
    """In a write transaction: an EVSE's status (and the Location's last_updated); the
    Location."""
    stored = objects.get(_own("locations", location_id))
    evse = _evse(stored.body, evse_uid) if stored else None
    if stored is None or evse is None:
        raise SimulationError(f"Unknown EVSE {location_id}/{evse_uid}", 2003)
    evse["status"] = status
    evse["last_updated"] = stamp
    stored.body["last_updated"] = stamp
    objects.put(stored.key, stored.body)
    return stored.body


def _push_evse_status(
    location: dict[str, Any], evse_uid: str, status: str, stamp: str
) -> list[Delivery]:
    config = _config()
    path = object_path(config.country_code, config.party_id, location["id"])
    return push(
        get_store(),
        config,
        "locations",
        "PATCH",
        path + object_path(evse_uid),
        {"status": status, "last_updated": stamp},
        fallback=(path, location),
    )


def set_evse_status(location_id: str, evse_uid: str, status: str) -> list[Delivery]:
    """Change an EVSE's status (and the Location's last_updated), then PATCH it to partners."""
    stamp = format_datetime(_now())
    location = _write(
        lambda objects: _change_evse_status(objects, location_id, evse_uid, status, stamp)
    )
    return _push_evse_status(location, evse_uid, status, stamp)


# ---- authorization ---------------------------------------------------------------------------


def _token_parties(partner: Partner) -> set[tuple[str, str]]:
    return {
        (str(r.get("country_code", "")).upper(), str(r.get("party_id", "")).upper())
        for r in partner.roles
    }


def _real_time(
    token_uid: str,
    token_type: str,
    known: dict[str, Any] | None,
    location_id: str,
    evse_uid: str,
) -> Authorization | None:
    """Ask the eMSP with a tokens Sender interface (the token's owner when ``known``); None
    when none could answer."""
    owner = (known["country_code"].upper(), known["party_id"].upper()) if known else None
    config = _config()
    for partner in get_store().partners():
        url = partner.endpoint("tokens", "SENDER")
        if url is None or not partner.registered or not partner.token_out:
            continue
        if owner is not None and owner not in _token_parties(partner):
            continue
        version = partner.version or config.versions[0]
        # the type as the partner's version names it (2.1.1 knows only RFID and OTHER)
        asked_type = token_type if profile(version).token_key_type else (
            "RFID" if token_type == "RFID" else "OTHER"
        )  # fmt: skip
        with OcpiClient(token=partner.token_out, version=version) as client:
            try:
                response = client.post(
                    f"{url.rstrip('/')}{object_path(token_uid)}/authorize",
                    {"location_id": location_id, "evse_uids": [evse_uid]},
                    params={"type": asked_type},
                )
            except OcpiClientError as exc:
                log.warning("real-time authorization at partner %s failed: %s", partner.id, exc)
                continue
        if response.http_status == 404 or (response.is_envelope and response.status_code == 2004):
            if known is not None:  # its owner does not know it (any more)
                return Authorization("NOT_ALLOWED", "AUTH_REQUEST", known, source="real-time")
            continue
        data = response.data if response.is_envelope else None
        if response.http_status == 200 and isinstance(data, dict) and "allowed" in data:
            # a 2.1.1 AuthorizationInfo has no token: the partner's party owns it
            owner_role = partner.roles[0] if partner.roles else {}
            bare = token_from_211(
                {"uid": token_uid, "type": token_type, "issuer": "?", "valid": True},
                str(owner_role.get("country_code") or "XX"),
                str(owner_role.get("party_id") or "XXX"),
            )
            return Authorization(
                allowed=data["allowed"],
                auth_method="AUTH_REQUEST",
                token=data.get("token") or known or bare,
                authorization_reference=data.get("authorization_reference"),
                source="real-time",
            )
    return None


def _known_token(token_uid: str | None, token_type: str) -> dict[str, Any] | None:
    objects = get_objects()
    for side in (RECEIVER, SENDER):
        if token_uid is None:
            found = next(iter(objects.iter("tokens", side)), None)
        else:
            found = objects.find("tokens", side, token_uid, token_type)
        if found is not None:
            return found.body
    return None


def _ad_hoc_token() -> dict[str, Any]:
    config = _config()
    uid = "SIM" + uuid.uuid4().hex[:12].upper()
    return {
        "country_code": config.country_code,
        "party_id": config.party_id,
        "uid": uid,
        "type": "AD_HOC_USER",
        "contract_id": f"{config.country_code}-{config.party_id}-{uid}",
        "issuer": config.business_name[:64],
        "valid": True,
        "whitelist": "ALWAYS",
        "last_updated": format_datetime(_now()),
    }


def authorize_token(
    token_uid: str | None, token_type: str, location_id: str, evse_uid: str
) -> Authorization:
    """Whether the token may charge here (spec 2.2.1 §12.4.4 WhitelistType).

    ALWAYS and ALLOWED tokens are allowed on the CPO's own list when valid; others go to the
    eMSP's real-time authorization; ALLOWED_OFFLINE tokens are allowed when no eMSP answers.
    Without a token uid the first known token is used, else an ad-hoc one.
    """
    token = _known_token(token_uid, token_type)
    if token is None and token_uid is None:
        token = _ad_hoc_token()
    if token is not None and token.get("valid") and token.get("whitelist") in LOCAL_WHITELISTS:
        return Authorization("ALLOWED", "WHITELIST", token)
    uid = token["uid"] if token else token_uid
    type_ = token["type"] if token else token_type
    assert uid is not None
    answer = _real_time(uid, type_, token, location_id, evse_uid)
    if answer is not None:
        return answer
    if token is not None and token.get("valid") and token.get("whitelist") == "ALLOWED_OFFLINE":
        return Authorization("ALLOWED", "WHITELIST", token, source="offline")
    if token is None:
        raise SimulationError(f"Unknown token {token_uid} ({token_type})", 2004)
    return Authorization("NOT_ALLOWED", "AUTH_REQUEST", token, source="real-time")


# ---- the session -----------------------------------------------------------------------------


def _cdr_token(token: dict[str, Any]) -> dict[str, Any]:
    return {k: token[k] for k in ("country_code", "party_id", "uid", "type", "contract_id")}


def _tariffs_of(connector: dict[str, Any]) -> list[dict[str, Any]]:
    objects = get_objects()
    found = [
        objects.get(_own("tariffs", tariff_id)) for tariff_id in connector.get("tariff_ids") or []
    ]
    return [t.body for t in found if t is not None]


def _currency(tariffs: list[dict[str, Any]]) -> str:
    return tariffs[0]["currency"] if tariffs else "EUR"


def start_session(
    *,
    token: dict[str, Any],
    auth_method: str,
    location_id: str | None = None,
    evse_uid: str | None = None,
    connector_id: str | None = None,
    authorization_reference: str | None = None,
    started_at: datetime | None = None,
    session_id: str | None = None,
) -> tuple[dict[str, Any], list[Delivery]]:
    """EVSE to CHARGING, a new ACTIVE Session; both pushed."""
    config = _config()
    point = find_charge_point(location_id, evse_uid, connector_id)
    started = started_at or _now()
    tariffs = _tariffs_of(point.connector)
    session: dict[str, Any] = {
        "country_code": config.country_code,
        "party_id": config.party_id,
        "id": session_id or uuid.uuid4().hex,
        "start_date_time": format_datetime(started),
        "kwh": 0,
        "cdr_token": _cdr_token(token),
        "auth_method": auth_method,
        "location_id": point.location["id"],
        "evse_uid": point.evse["uid"],
        "connector_id": point.connector["id"],
        "currency": _currency(tariffs),
        "charging_periods": [],
        "status": "ACTIVE",
        "last_updated": format_datetime(_now()),
    }
    own = (token.get("country_code"), token.get("party_id")) == (
        config.country_code,
        config.party_id,
    )
    if token.get("type") == "AD_HOC_USER" and own and not authorization_reference:
        # paid at the charge point's terminal: the payment's reference maps it
        authorization_reference = "PAY" + uuid.uuid4().hex[:20].upper()
    if authorization_reference:
        session["authorization_reference"] = authorization_reference
    cursor = {"charged_until": session["start_date_time"]}
    stamp = format_datetime(_now())

    def change(objects: Objects) -> dict[str, Any]:
        # looked at and taken in one transaction: two starts at one EVSE never both succeed
        stored = objects.get(_own("locations", point.location["id"]))
        status = (_evse(stored.body, point.evse["uid"]) or {}).get("status") if stored else None
        if status not in ("AVAILABLE", "RESERVED"):
            raise SimulationError(f"EVSE {point.evse['uid']} is {status}, not AVAILABLE", 2001)
        location = _change_evse_status(
            objects, point.location["id"], point.evse["uid"], "CHARGING", stamp
        )
        objects.put(_own("sessions", session["id"]), session, meta=cursor)
        return location

    location = _write(change)
    deliveries = _push_evse_status(location, point.evse["uid"], "CHARGING", stamp)
    path = object_path(config.country_code, config.party_id, session["id"])
    deliveries += push_object(get_store(), config, "sessions", "PUT", path, session)
    return session, deliveries


def _period(
    start: datetime,
    end: datetime,
    kwh: Decimal,
    tariff_id: str | None,
    power: Decimal | None = None,
    amps: Decimal | None = None,
) -> dict:
    hours = Decimal((end - start).total_seconds()) / Decimal(3600)
    period: dict[str, Any] = {
        "start_date_time": format_datetime(start),
        "dimensions": [
            {"type": "ENERGY", "volume": _number(kwh, 3)},
            {"type": "TIME", "volume": _number(hours, 6)},
        ],
    }
    if power is not None:  # a steady power through the period: its lowest and highest
        period["dimensions"] += [
            {"type": "MIN_POWER", "volume": _number(power, 3)},
            {"type": "MAX_POWER", "volume": _number(power, 3)},
        ]
    if amps is not None:
        period["dimensions"] += [
            {"type": "MIN_CURRENT", "volume": _number(amps, 2)},
            {"type": "MAX_CURRENT", "volume": _number(amps, 2)},
        ]
    if tariff_id:
        period["tariff_id"] = tariff_id
    return period


def _session(session_id: str) -> StoredObject:
    stored = get_objects().get(_own("sessions", session_id))
    if stored is None:
        raise SimulationError(f"Unknown session {session_id}", 2001)
    return stored


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value.removesuffix("Z")).replace(tzinfo=UTC)


def _charged_until(stored: StoredObject, at: datetime) -> datetime:
    """Where the next charging period starts: where the simulator left off, or (for a session
    it did not start) its last report: the latest of its start, its periods' starts and its
    last_updated."""
    if "charged_until" in stored.meta:
        mark = _parse(stored.meta["charged_until"])
    else:
        periods = stored.body.get("charging_periods") or []
        body = stored.body
        moments = [body["start_date_time"], body["last_updated"]]
        mark = max(_parse(v) for v in moments + [p["start_date_time"] for p in periods])
    return min(mark, at)


def _amps(session: dict[str, Any], power: Decimal) -> Decimal | None:
    """The current per phase that draws ``power`` kW on the session's connector."""
    connector = _connector(session)
    kind = (connector or {}).get("power_type")
    volts = Decimal(str((connector or {}).get("max_voltage") or 0))
    if kind == "AC_3_PHASE":
        return power * 1000 / (3 * (volts or Decimal(230)))
    if kind == "AC_1_PHASE":
        return power * 1000 / (volts or Decimal(230))
    return power * 1000 / volts if volts else None


def update_session(
    session_id: str, at: datetime | None = None, power_kw: float | None = None
) -> list[Delivery]:
    """Add charging up to ``at`` (now by default), at ``power_kw`` (the simulator's 11 kW by
    default; a given power is reported in the periods), priced by the Tariff in force: one
    period, or one more at each price change on the way (mock_party.demand); PATCH them."""
    config = _config()
    at = at or _now()
    stamp = format_datetime(_now())

    def change(objects: Objects) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
        stored = _session(session_id)
        session = stored.body
        if session["status"] != "ACTIVE":
            raise SimulationError(f"Session {session_id} is {session['status']}, not ACTIVE")
        start = _charged_until(stored, at)
        power = POWER_KW if power_kw is None else Decimal(str(power_kw))
        amps = None if power_kw is None else _amps(session, power)
        tariffs = [t for t in (_own_tariff(i) for i in _tariff_ids(session)) if t is not None]
        bounds = [start, *change_moments(tariffs, start, at), at]
        periods = []
        for begin, end in zip(bounds, bounds[1:], strict=False):
            kwh = power * Decimal((end - begin).total_seconds()) / Decimal(3600)
            tariff_id = tariff_in_force(tariffs, begin)
            shown = None if power_kw is None else power
            periods.append(_period(begin, end, kwh, tariff_id, shown, amps))
        # and one more wherever a tariff's restrictions change the price on the way
        periods = split_at_price_changes(
            periods,
            tariffs,
            time_zone=_time_zone(objects, session),
            end=int(at.timestamp()),
            energy_before=Decimal(str(session["kwh"])),
            session_start=session["start_date_time"],
            energy_places=3,
            time_places=6,
        )
        for period in periods:
            added = sum(
                (Decimal(str(d["volume"])) for d in period["dimensions"] if d["type"] == "ENERGY"),
                Decimal(0),
            )
            session["kwh"] = _number(Decimal(str(session["kwh"])) + added, 3)
        session["charging_periods"] = [*session.get("charging_periods", []), *periods]
        session["last_updated"] = stamp
        cursor = {**stored.meta, "charged_until": at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")}
        objects.put(stored.key, session, meta=cursor)
        patch = {"kwh": session["kwh"], "charging_periods": periods, "last_updated": stamp}
        return patch, session

    patch, session = _write(change)
    path = object_path(config.country_code, config.party_id, session_id)
    return push(get_store(), config, "sessions", "PATCH", path, patch, fallback=(path, session))


def _time_zone(objects: Objects, session: dict[str, Any]) -> str:
    """The IANA zone of the session's Location (its tariffs' times of day are local there)."""
    location = objects.get(_own("locations", session["location_id"]))
    return str((location.body if location else {}).get("time_zone") or "UTC")


def _connector(session: dict[str, Any]) -> dict[str, Any] | None:
    objects = get_objects()
    location = objects.get(_own("locations", session["location_id"]))
    evse = _evse(location.body, session["evse_uid"]) if location else None
    for connector in (evse or {}).get("connectors") or []:
        if connector.get("id", "").upper() == session["connector_id"].upper():
            return connector
    return None


def _tariff_ids(session: dict[str, Any]) -> list[str]:
    return list((_connector(session) or {}).get("tariff_ids") or [])


def _own_tariff(tariff_id: str) -> dict[str, Any] | None:
    found = get_objects().get(_own("tariffs", tariff_id))
    return found.body if found is not None else None


def _cdr_location(location: dict[str, Any], evse: dict[str, Any], connector: dict) -> dict:
    cdr_location: dict[str, Any] = {
        "id": location["id"],
        "address": location["address"][:45],
        "city": location["city"],
        "country": location["country"],
        "coordinates": location["coordinates"],
        "evse_uid": evse["uid"],
        "evse_id": evse.get("evse_id") or evse["uid"],
        "connector_id": connector["id"],
        "connector_standard": connector["standard"],
        "connector_format": connector["format"],
        "connector_power_type": connector["power_type"],
    }
    for name in ("name", "postal_code", "state"):
        if location.get(name):
            cdr_location[name] = location[name]
    return cdr_location


def _price(cdr: dict[str, Any], time_zone: str | None) -> None:
    """Fill the CDR's cost fields with what the tariff engine computes from its tariffs."""
    from ocpi_core.pricing import PricingError, price_cdr

    try:
        result = price_cdr(cdr, cdr.get("tariffs") or [], version="2.2.1", time_zone=time_zone)
    except PricingError as exc:
        log.warning("CDR %s could not be priced: %s", cdr["id"], exc)
        cdr["total_cost"] = {"excl_vat": 0}
        return

    def money(value: Any) -> dict[str, Any]:
        price: dict[str, Any] = {"excl_vat": _number(value.excl_vat)}
        if value.incl_vat is not None:
            price["incl_vat"] = _number(value.incl_vat)
        return price

    cdr["total_cost"] = money(result.total_cost)
    for kind in ("fixed", "energy", "time", "parking", "reservation"):
        amount = result.cost_of(kind)
        if amount.excl_vat:
            cdr[f"total_{kind}_cost"] = money(amount)


def stop_session(
    session_id: str, at: datetime | None = None, power_kw: float | None = None
) -> tuple[dict, list[Delivery]]:
    """Complete the Session, free the EVSE, create the CDR; all pushed. Returns the CDR."""
    config = _config()
    at = at or _now()
    deliveries = update_session(session_id, at, power_kw)
    stamp = format_datetime(_now())

    def change(objects: Objects) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
        stored = _session(session_id)
        session = stored.body
        location = objects.get(_own("locations", session["location_id"]))
        evse = _evse(location.body, session["evse_uid"]) if location else None
        connector = next(
            (
                c
                for c in (evse or {}).get("connectors") or []
                if c.get("id", "").upper() == session["connector_id"].upper()
            ),
            None,
        )
        if location is None or evse is None or connector is None:
            raise SimulationError(f"The charge point of session {session_id} is gone")
        tariffs = [t for t in _tariffs_of(connector) if t["currency"] == session["currency"]]
        periods = [p for p in session["charging_periods"]]
        start = _parse(session["start_date_time"])
        cdr: dict[str, Any] = {
            "country_code": config.country_code,
            "party_id": config.party_id,
            "id": "CDR" + uuid.uuid4().hex[:24].upper(),
            "start_date_time": session["start_date_time"],
            "end_date_time": format_datetime(at),
            "session_id": session["id"],
            "cdr_token": session["cdr_token"],
            "auth_method": session["auth_method"],
            "cdr_location": _cdr_location(location.body, evse, connector),
            "currency": session["currency"],
            "charging_periods": periods,
            "total_energy": session["kwh"],
            "total_time": _number(Decimal((at - start).total_seconds()) / Decimal(3600), 6),
            "last_updated": stamp,
        }
        if tariffs:
            cdr["tariffs"] = tariffs
        if session.get("authorization_reference"):
            cdr["authorization_reference"] = session["authorization_reference"]
        _price(cdr, location.body.get("time_zone"))
        session.update(
            status="COMPLETED",
            end_date_time=cdr["end_date_time"],
            total_cost=cdr["total_cost"],
            last_updated=stamp,
        )
        objects.put(stored.key, session)
        objects.put(_own("cdrs", cdr["id"]), cdr)
        # the EVSE is free in the same transaction: whoever sees the CDR sees it AVAILABLE
        freed = _change_evse_status(
            objects, session["location_id"], session["evse_uid"], "AVAILABLE", stamp
        )
        return session, cdr, freed

    session, cdr, location = _write(change)
    store = get_store()
    path = object_path(config.country_code, config.party_id, session_id)
    deliveries += push(
        store,
        config,
        "sessions",
        "PATCH",
        path,
        {
            "status": "COMPLETED",
            "end_date_time": session["end_date_time"],
            "total_cost": session["total_cost"],
            "last_updated": stamp,
        },
        fallback=(path, session),
    )
    deliveries += _push_evse_status(location, session["evse_uid"], "AVAILABLE", stamp)
    deliveries += push_object(store, config, "cdrs", "POST", "", cdr)
    return cdr, deliveries


def start_authorized_session(
    point: ChargePoint, auth: Authorization, started_at: datetime | None = None
) -> tuple[dict[str, Any], list[Delivery]]:
    """:func:`start_session` at ``point`` for a token :func:`authorize_token` allowed there."""
    return start_session(
        token=auth.token,
        auth_method=auth.auth_method,
        location_id=point.location["id"],
        evse_uid=point.evse["uid"],
        connector_id=point.connector["id"],
        authorization_reference=auth.authorization_reference,
        started_at=started_at,
    )


def simulate_session(
    *,
    token_uid: str | None = None,
    token_type: str = "RFID",
    location_id: str | None = None,
    evse_uid: str | None = None,
    connector_id: str | None = None,
    updates: int = 2,
    minutes: float = 60.0,
    step_delay: float = 0.0,
    power_kw: list[float] | None = None,
) -> SimulationResult:
    """A whole charging session: authorize, start, ``updates`` progress PATCHes, stop, CDR.

    The session covers the ``minutes`` before now (so its CDR is complete at once);
    ``step_delay`` seconds pass between the pushes, to watch them arrive. ``power_kw`` gives
    the charging power of each stretch between two pushes, in turn (charging speed changes:
    the periods report it, and power-based tariff elements price it).
    """
    powers = list(power_kw or [])

    def power(step: int) -> float | None:
        return powers[(step - 1) % len(powers)] if powers else None

    point = find_charge_point(location_id, evse_uid, connector_id)
    auth = authorize_token(token_uid, token_type, point.location["id"], point.evse["uid"])
    if auth.allowed != "ALLOWED":
        return SimulationResult(None, None, auth.allowed, auth.auth_method)
    end = _now()
    start = end - timedelta(minutes=minutes)
    session, deliveries = start_authorized_session(point, auth, started_at=start)
    for step in range(1, updates + 1):
        time.sleep(step_delay)
        moment = start + (end - start) * step / (updates + 1)
        deliveries += update_session(session["id"], moment, power(step))
    time.sleep(step_delay)
    cdr, more = stop_session(session["id"], end, power(updates + 1))
    return SimulationResult(
        session["id"], cdr["id"], auth.allowed, auth.auth_method, tuple(deliveries + more)
    )


def run_simulation(app: Flask, **options: Any) -> SimulationResult:
    """``simulate_session(**options)`` for ``app``, from outside a request (e.g. a CLI)."""
    with app.app_context():
        return simulate_session(**options)


def request_simulation(mock_url: str, *, timeout: float = 60.0, **options: Any) -> dict[str, Any]:
    """``POST /admin/simulate`` on a running mock at ``mock_url`` (e.g. for a CLI command):
    the result as a dict; a SimulationError with the mock's message when it refuses."""
    import httpx

    try:
        response = httpx.post(
            f"{mock_url.rstrip('/')}/admin/simulate", json=options, timeout=timeout
        )
    except httpx.HTTPError as exc:
        raise SimulationError(f"Network error: {exc} ({mock_url})", 3001) from exc
    try:
        body = response.json()
    except ValueError:
        body = {}
    if response.status_code != 200 or not isinstance(body, dict) or "data" not in body:
        message = body.get("status_message") if isinstance(body, dict) else None
        code = body.get("status_code", 3001) if isinstance(body, dict) else 3001
        raise SimulationError(message or f"HTTP {response.status_code}", code)
    return body["data"]

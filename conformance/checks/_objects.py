"""The objects the suite pushes to a target's Receiver interfaces, valid by construction.

Each factory takes the owning party and the moment to stamp (no clock reads inside), and makes
ids unique per run so repeated runs against one sandbox do not collide. Our own test data: no
spec example is copied here.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

__all__ = [
    "COMMANDS",
    "cdr",
    "charging_profile",
    "connector",
    "evse",
    "location",
    "new_id",
    "ocpi_time",
    "session",
    "tariff",
    "token",
]

Party = tuple[str, str]
COMMANDS = (
    "CANCEL_RESERVATION",
    "RESERVE_NOW",
    "START_SESSION",
    "STOP_SESSION",
    "UNLOCK_CONNECTOR",
)


def new_id(prefix: str) -> str:
    """A unique CiString(36) id such as ``OCT-LOC-5f2c1a9e0b``."""
    return f"OCT-{prefix}-{secrets.token_hex(5)}".upper()


def ocpi_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def token(party: Party, uid: str, now: datetime, **changes: Any) -> dict[str, Any]:
    country_code, party_id = party
    body = {
        "country_code": country_code,
        "party_id": party_id,
        "uid": uid,
        "type": "RFID",
        "contract_id": f"{country_code}-{party_id}-C{uid[-8:]}",
        "visual_number": f"Card {uid[-6:]}",
        "issuer": "ocpi-conformance test issuer",
        "valid": True,
        "whitelist": "ALLOWED",
        "language": "en",
        "last_updated": ocpi_time(now),
    }
    body.update(changes)
    return body


def connector(connector_id: str, now: datetime, **changes: Any) -> dict[str, Any]:
    body = {
        "id": connector_id,
        "standard": "IEC_62196_T2",
        "format": "SOCKET",
        "power_type": "AC_3_PHASE",
        "max_voltage": 230,
        "max_amperage": 32,
        "max_electric_power": 22080,
        "last_updated": ocpi_time(now),
    }
    body.update(changes)
    return body


def evse(uid: str, now: datetime, **changes: Any) -> dict[str, Any]:
    body = {
        "uid": uid,
        "evse_id": f"NL*OCT*E{uid[-8:]}",
        "status": "AVAILABLE",
        "capabilities": ["RFID_READER", "REMOTE_START_STOP_CAPABLE"],
        "connectors": [connector("1", now)],
        "last_updated": ocpi_time(now),
    }
    body.update(changes)
    return body


def location(party: Party, location_id: str, now: datetime, **changes: Any) -> dict[str, Any]:
    country_code, party_id = party
    body = {
        "country_code": country_code,
        "party_id": party_id,
        "id": location_id,
        "publish": True,
        "name": "Conformance test site",
        "address": "Teststraat 1",
        "city": "Utrecht",
        "postal_code": "3511AA",
        "country": "NLD",
        "coordinates": {"latitude": "52.090740", "longitude": "5.121420"},
        "parking_type": "ON_STREET",
        "evses": [evse(f"{location_id}-E1", now)],
        "time_zone": "Europe/Amsterdam",
        "last_updated": ocpi_time(now),
    }
    body.update(changes)
    return body


def tariff(party: Party, tariff_id: str, now: datetime, **changes: Any) -> dict[str, Any]:
    country_code, party_id = party
    body = {
        "country_code": country_code,
        "party_id": party_id,
        "id": tariff_id,
        "currency": "EUR",
        "elements": [
            {"price_components": [{"type": "ENERGY", "price": 0.3, "vat": 21.0, "step_size": 1}]},
            {"price_components": [{"type": "FLAT", "price": 0.5, "step_size": 1}]},
        ],
        "last_updated": ocpi_time(now),
    }
    body.update(changes)
    return body


def _cdr_token(owner: Party, uid: str) -> dict[str, Any]:
    country_code, party_id = owner
    return {
        "country_code": country_code,
        "party_id": party_id,
        "uid": uid,
        "type": "RFID",
        "contract_id": f"{country_code}-{party_id}-C{uid[-8:]}",
    }


def charging_period(start: datetime, kwh: float) -> dict[str, Any]:
    return {
        "start_date_time": ocpi_time(start),
        "dimensions": [{"type": "ENERGY", "volume": kwh}],
    }


def session(
    party: Party,
    session_id: str,
    token_owner: Party,
    now: datetime,
    *,
    location_id: str,
    evse_uid: str = "E1",
    connector_id: str = "1",
    **changes: Any,
) -> dict[str, Any]:
    country_code, party_id = party
    start = now - timedelta(minutes=30)
    body = {
        "country_code": country_code,
        "party_id": party_id,
        "id": session_id,
        "start_date_time": ocpi_time(start),
        "kwh": 5.5,
        "cdr_token": _cdr_token(token_owner, f"{session_id[-10:]}T"),
        "auth_method": "WHITELIST",
        "location_id": location_id,
        "evse_uid": evse_uid,
        "connector_id": connector_id,
        "currency": "EUR",
        "charging_periods": [charging_period(start, 5.5)],
        "status": "ACTIVE",
        "last_updated": ocpi_time(now),
    }
    body.update(changes)
    return body


def cdr(
    party: Party, cdr_id: str, token_owner: Party, now: datetime, **changes: Any
) -> dict[str, Any]:
    country_code, party_id = party
    start, end = now - timedelta(hours=2), now - timedelta(hours=1)
    body = {
        "country_code": country_code,
        "party_id": party_id,
        "id": cdr_id,
        "start_date_time": ocpi_time(start),
        "end_date_time": ocpi_time(end),
        "cdr_token": _cdr_token(token_owner, f"{cdr_id[-10:]}T"),
        "auth_method": "WHITELIST",
        "cdr_location": {
            "id": f"{cdr_id}-L",
            "address": "Teststraat 1",
            "city": "Utrecht",
            "postal_code": "3511AA",
            "country": "NLD",
            "coordinates": {"latitude": "52.090740", "longitude": "5.121420"},
            "evse_uid": "E1",
            "evse_id": "NL*OCT*E00000001",
            "connector_id": "1",
            "connector_standard": "IEC_62196_T2",
            "connector_format": "SOCKET",
            "connector_power_type": "AC_3_PHASE",
        },
        "currency": "EUR",
        "charging_periods": [charging_period(start, 10.0)],
        "total_cost": {"excl_vat": 3.0, "incl_vat": 3.63},
        "total_energy": 10.0,
        "total_energy_cost": {"excl_vat": 3.0, "incl_vat": 3.63},
        "total_time": 1.0,
        "last_updated": ocpi_time(now),
    }
    body.update(changes)
    return body


def charging_profile(limit_amps: float = 16.0) -> dict[str, Any]:
    return {
        "charging_rate_unit": "A",
        "min_charging_rate": 6.0,
        "charging_profile_period": [{"start_period": 0, "limit": limit_amps}],
    }


# ---- the same objects in another version's shape ------------------------------------------

_FIELDS_211 = {
    "Connector": (
        "id", "standard", "format", "power_type", "voltage", "amperage", "tariff_id",
        "terms_and_conditions", "last_updated",
    ),
    "EVSE": (
        "uid", "evse_id", "status", "status_schedule", "capabilities", "connectors",
        "floor_level", "coordinates", "physical_reference", "directions", "parking_restrictions",
        "images", "last_updated",
    ),
    "Location": (
        "id", "type", "name", "address", "city", "postal_code", "country", "coordinates",
        "related_locations", "evses", "directions", "operator", "suboperator", "owner",
        "facilities", "time_zone", "opening_times", "charging_when_closed", "images",
        "energy_mix", "last_updated",
    ),
    "Token": (
        "uid", "type", "auth_id", "visual_number", "issuer", "valid", "whitelist", "language",
        "last_updated",
    ),
    "Tariff": (
        "id", "currency", "tariff_alt_text", "tariff_alt_url", "elements", "energy_mix",
        "last_updated",
    ),
    "Session": (
        "id", "start_datetime", "end_datetime", "kwh", "auth_id", "auth_method", "location",
        "meter_id", "currency", "charging_periods", "total_cost", "status", "last_updated",
    ),
    "CDR": (
        "id", "start_date_time", "stop_date_time", "auth_id", "auth_method", "location",
        "meter_id", "currency", "tariffs", "charging_periods", "total_cost", "total_energy",
        "total_time", "total_parking_time", "remark", "last_updated",
    ),
}  # fmt: skip


def shape(kind: str, body: dict[str, Any], version: str) -> dict[str, Any]:
    """``body``, a 2.2.1 ``kind`` (Location, EVSE, Connector, Token, Tariff, Session, CDR) as
    built above, in the shape of ``version``: 2.1.1 has no owner fields, plain-number costs and
    a whole Location in Sessions and CDRs; 2.3.0 has taxes in Price and ``tax_included``."""
    if version == "2.1.1":
        return _to_211(kind, body)
    if version == "2.3.0":
        return _to_230(kind, body)
    return body


def _keep(kind: str, body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k in _FIELDS_211[kind]}


def _excl(price: Any) -> Any:
    return price.get("excl_vat") if isinstance(price, dict) else price


def _to_211(kind: str, body: dict[str, Any]) -> dict[str, Any]:
    out = dict(body)
    if kind == "Connector":
        out["voltage"], out["amperage"] = body.get("max_voltage"), body.get("max_amperage")
        if body.get("tariff_ids"):
            out["tariff_id"] = body["tariff_ids"][0]
    elif kind == "EVSE":
        out["connectors"] = [_to_211("Connector", c) for c in body.get("connectors") or []]
    elif kind == "Location":
        out["type"] = body.get("parking_type") or "UNKNOWN"
        out["evses"] = [_to_211("EVSE", e) for e in body.get("evses") or []]
    elif kind == "Token":
        out["auth_id"] = body.get("contract_id")
    elif kind == "Tariff":
        out["elements"] = [
            {
                **element,
                "price_components": [
                    {k: v for k, v in c.items() if k != "vat"}
                    for c in element.get("price_components") or []
                ],
            }
            for element in body.get("elements") or []
        ]
    elif kind in ("Session", "CDR"):
        out["auth_id"] = (body.get("cdr_token") or {}).get("contract_id")
        out["location"] = _where_211(body)
        if "total_cost" in body:
            out["total_cost"] = _excl(body["total_cost"])
        if kind == "Session":
            out["start_datetime"] = body.get("start_date_time")
            if body.get("end_date_time"):
                out["end_datetime"] = body["end_date_time"]
        else:
            out["stop_date_time"] = body.get("end_date_time")
    return _keep(kind, out)


def _where_211(body: dict[str, Any]) -> dict[str, Any]:
    """The whole 2.1.1 Location a Session or CDR carries, from its 2.2.1 references."""
    where = body.get("cdr_location") or {}
    last_updated = body.get("last_updated")
    plug = {
        "id": where.get("connector_id") or body.get("connector_id") or "1",
        "standard": where.get("connector_standard", "IEC_62196_T2"),
        "format": where.get("connector_format", "SOCKET"),
        "power_type": where.get("connector_power_type", "AC_3_PHASE"),
        "voltage": 230,
        "amperage": 32,
        "last_updated": last_updated,
    }
    evse_ = {
        "uid": where.get("evse_uid") or body.get("evse_uid") or "E1",
        "status": "CHARGING",
        "connectors": [plug],
        "last_updated": last_updated,
    }
    if where.get("evse_id"):
        evse_["evse_id"] = where["evse_id"]
    return {
        "id": where.get("id") or body.get("location_id"),
        "type": "ON_STREET",
        "address": where.get("address", "Teststraat 1"),
        "city": where.get("city", "Utrecht"),
        "postal_code": where.get("postal_code", "3511AA"),
        "country": where.get("country", "NLD"),
        "coordinates": where.get("coordinates", {"latitude": "52.090740", "longitude": "5.121420"}),
        "evses": [evse_],
        "last_updated": last_updated,
    }


def _price_230(price: Any) -> Any:
    if not isinstance(price, dict) or "excl_vat" not in price:
        return price
    out: dict[str, Any] = {"before_taxes": price["excl_vat"]}
    if price.get("incl_vat") is not None:
        tax = round(price["incl_vat"] - price["excl_vat"], 4)
        out["taxes"] = [{"name": "VAT", "amount": tax}]
    return out


def _to_230(kind: str, body: dict[str, Any]) -> dict[str, Any]:
    out = dict(body)
    if kind == "Tariff":
        out.setdefault("tax_included", "NO")
        for key in ("min_price", "max_price"):
            if key in out:
                out[key] = _price_230(out[key])
    for key in ("total_cost", "total_fixed_cost", "total_energy_cost", "total_time_cost",
                "total_parking_cost", "total_reservation_cost"):  # fmt: skip
        if key in out:
            out[key] = _price_230(out[key])
    return out

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

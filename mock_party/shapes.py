"""Our objects in the shape of each OCPI version: pure functions from the 2.2.1 shape.

The mock keeps its own data (and generates it) in the 2.2.1 shape; on the way out to a 2.1.1 or a
2.3.0 partner each object goes through :func:`to_version`. The functions only read their input,
so the same object always gives the same output, and they work on partial objects (PATCH bodies)
too: a field absent from the input stays absent, unless ``partial`` is False and the target
version requires it.

2.1.1 (spec 2.1.1-d2): no owner fields (country_code, party_id) inside objects, plain-number
costs excluding VAT, a whole Location inside Sessions and CDRs, ASCII-only strings, smaller enums,
coordinates with exactly six decimals, ``voltage``/``amperage``/``tariff_id`` on Connectors,
``auth_id`` instead of ``contract_id``/``cdr_token``. 2.3.0: Price is ``before_taxes`` plus a
list of ``taxes``, Tariffs say ``tax_included`` and their limits are PriceLimits.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

__all__ = [
    "BASE_VERSION",
    "Lookup",
    "ascii_text",
    "command_result_211",
    "cdr_to_211",
    "location_to_211",
    "no_lookup",
    "price_to_230",
    "session_to_211",
    "tariff_to_211",
    "to_version",
    "token_from_211",
    "token_to_211",
]

BASE_VERSION = "2.2.1"
Json = dict[str, Any]
# (module, id) -> one of our objects in the 2.2.1 shape, or None
Lookup = Callable[[str, str], Mapping[str, Any] | None]


def no_lookup(module: str, object_id: str) -> None:
    return None


# ---- 2.1.1 -------------------------------------------------------------------------------------

_LOCATION_TYPES = {
    "ON_STREET": "ON_STREET",
    "PARKING_GARAGE": "PARKING_GARAGE",
    "UNDERGROUND_GARAGE": "UNDERGROUND_GARAGE",
    "PARKING_LOT": "PARKING_LOT",
    "ALONG_MOTORWAY": "OTHER",
    "ON_DRIVEWAY": "OTHER",
}
_FACILITIES_211 = frozenset(
    [
        "HOTEL",
        "RESTAURANT",
        "CAFE",
        "MALL",
        "SUPERMARKET",
        "SPORT",
        "RECREATION_AREA",
        "NATURE",
        "MUSEUM",
        "BUS_STOP",
        "TAXI_STAND",
        "TRAIN_STATION",
        "AIRPORT",
        "CARPOOL_PARKING",
        "FUEL_STATION",
        "WIFI",
    ]
)
_CAPABILITIES_211 = frozenset(
    [
        "CHARGING_PROFILE_CAPABLE",
        "CREDIT_CARD_PAYABLE",
        "REMOTE_START_STOP_CAPABLE",
        "RESERVABLE",
        "RFID_READER",
        "UNLOCK_CAPABLE",
    ]
)
# Connector standards 2.1.1 does not know, as the nearest one it does.
_STANDARDS_211 = {
    "CHAOJI": "CHADEMO",
    "DOMESTIC_M": "DOMESTIC_L",
    "DOMESTIC_N": "DOMESTIC_J",
    "DOMESTIC_O": "DOMESTIC_L",
    "GBT_AC": "IEC_62196_T2",
    "GBT_DC": "IEC_62196_T2_COMBO",
    "PANTOGRAPH_BOTTOM_UP": "IEC_62196_T2_COMBO",
    "PANTOGRAPH_TOP_DOWN": "IEC_62196_T2_COMBO",
    # North American plugs: 2.1.1 has only the household "Type B"
    **{
        f"NEMA_{kind}": "DOMESTIC_B"
        for kind in ("5_20", "6_30", "6_50", "10_30", "10_50", "14_30", "14_50")
    },
}
_POWER_TYPES_211 = {"AC_2_PHASE": "AC_1_PHASE", "AC_2_PHASE_SPLIT": "AC_1_PHASE"}
_DIMENSIONS_211 = frozenset(
    {"ENERGY", "FLAT", "MAX_CURRENT", "MIN_CURRENT", "PARKING_TIME", "TIME"}
)
_TOKEN_TYPES_211 = frozenset({"OTHER", "RFID"})
_SESSION_STATUSES_211 = {"RESERVATION": "PENDING"}
_AUTH_METHODS_211 = {"COMMAND": "AUTH_REQUEST"}
# 2.1.1 knows no current or reservation restrictions: elements using them are left out
_RESTRICTIONS_ONLY_22 = ("min_current", "max_current", "reservation")
# CommandResultType (2.2+) as the 2.1.1 CommandResponseType of the asynchronous result
_RESULTS_211 = {"ACCEPTED": "ACCEPTED", "NOT_SUPPORTED": "NOT_SUPPORTED", "TIMEOUT": "TIMEOUT"}

_LOCATION_DROPPED = ("country_code", "party_id", "publish", "publish_allowed_to", "state")
_SESSION_211 = (
    "id", "start_datetime", "end_datetime", "kwh", "auth_id", "auth_method", "location",
    "meter_id", "currency", "charging_periods", "total_cost", "status", "last_updated",
)  # fmt: skip
_CDR_211 = (
    "id", "start_date_time", "stop_date_time", "auth_id", "auth_method", "location", "meter_id",
    "currency", "tariffs", "charging_periods", "total_cost", "total_energy", "total_time",
    "total_parking_time", "remark", "last_updated",
)  # fmt: skip
_TOKEN_211 = (
    "uid", "type", "auth_id", "visual_number", "issuer", "valid", "whitelist", "language",
    "last_updated",
)  # fmt: skip


# letters NFKD does not take apart, as their usual ASCII spelling
_ASCII = str.maketrans(
    {"ß": "ss", "Æ": "AE", "æ": "ae", "Ø": "O", "ø": "o", "Œ": "OE", "œ": "oe", "Ł": "L",
     "ł": "l", "Đ": "D", "đ": "d", "–": "-", "—": "-", "‘": "'", "’": "'", "“": '"', "”": '"'}
)  # fmt: skip


def ascii_text(text: str) -> str:
    """``text`` in printable ASCII (2.1.1 strings): accents dropped, the rest as ``?``."""
    plain = unicodedata.normalize("NFKD", text.translate(_ASCII))
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    return "".join(c if " " <= c <= "~" else "?" for c in plain)


def _ascii_all(document: Any) -> Any:
    if isinstance(document, str):
        return ascii_text(document)
    if isinstance(document, list):
        return [_ascii_all(item) for item in document]
    if isinstance(document, dict):
        return {key: _ascii_all(value) for key, value in document.items()}
    return document


def _six_decimals(value: str) -> str:
    return f"{Decimal(value):.6f}"


def _geo_211(point: Mapping[str, Any]) -> Json:
    out = dict(point)
    for key in ("latitude", "longitude"):
        if isinstance(out.get(key), str):
            out[key] = _six_decimals(out[key])
    return out


def _excl_vat(price: Any) -> Any:
    return price.get("excl_vat") if isinstance(price, Mapping) else price


def _energy_mix_211(mix: Mapping[str, Any]) -> Json:
    out = dict(mix)
    if out.get("environ_impact"):
        out["environ_impact"] = [
            {"source": i.get("category"), "amount": i.get("amount")} for i in out["environ_impact"]
        ]
    return out


def connector_to_211(connector: Mapping[str, Any], tariff_id: str | None = None) -> Json:
    """A Connector of 2.1.1; ``tariff_id`` overrides the first of ``tariff_ids``."""
    out: Json = {}
    for key, value in connector.items():
        if key == "standard":
            out[key] = _STANDARDS_211.get(value, value)
        elif key == "power_type":
            out[key] = _POWER_TYPES_211.get(value, value)
        elif key == "max_voltage":
            out["voltage"] = value
        elif key == "max_amperage":
            out["amperage"] = value
        elif key == "tariff_ids":
            if value:
                out["tariff_id"] = value[0]
        elif key not in ("max_electric_power", "capabilities"):
            out[key] = value
    if tariff_id is not None:
        out["tariff_id"] = tariff_id
    return out


def evse_to_211(evse: Mapping[str, Any]) -> Json:
    out: Json = {}
    for key, value in evse.items():
        if key == "capabilities":
            out[key] = [c for c in value or [] if c in _CAPABILITIES_211]
        elif key == "connectors":
            out[key] = [connector_to_211(c) for c in value or []]
        elif key == "coordinates":
            out[key] = _geo_211(value)
        elif key not in ("parking", "accepted_service_providers"):
            out[key] = value
    return out


def _hours_211(hours: Mapping[str, Any]) -> Json:
    # 2.1.1: either regular_hours or twentyfourseven, never both
    out = dict(hours)
    if out.get("twentyfourseven"):
        out.pop("regular_hours", None)
    else:
        out.pop("twentyfourseven", None)
        out.setdefault("regular_hours", [])
    return out


def location_to_211(location: Mapping[str, Any], *, partial: bool = False) -> Json:
    out: Json = {}
    for key, value in location.items():
        if key in _LOCATION_DROPPED or key in ("parking_places", "help_phone"):
            continue
        if key == "parking_type":
            out["type"] = _LOCATION_TYPES.get(value, "OTHER")
        elif key == "evses":
            out[key] = [evse_to_211(e) for e in value or []]
        elif key == "coordinates":
            out[key] = _geo_211(value)
        elif key == "related_locations":
            out[key] = [_geo_211(r) for r in value or []]
        elif key == "facilities":
            out[key] = [f for f in value or [] if f in _FACILITIES_211]
        elif key == "opening_times":
            out[key] = _hours_211(value)
        elif key == "energy_mix":
            out[key] = _energy_mix_211(value)
        else:
            out[key] = value
    if not partial:
        out.setdefault("type", "UNKNOWN")
        out.setdefault("postal_code", "")  # required in 2.1.1; some places have none
    return _ascii_all(out)


def _only(location: Mapping[str, Any], evse_uid: Any, connector_id: Any, tariff: Any) -> Json:
    """The 2.1.1 Location of a Session or CDR: only its EVSE and connector (spec 2.1.1
    sessions §3.1 "location")."""
    out = dict(location)
    evses = []
    for evse in location.get("evses") or []:
        if str(evse.get("uid", "")).upper() != str(evse_uid).upper():
            continue
        plugs = [
            c
            for c in evse.get("connectors") or []
            if str(c.get("id", "")).upper() == str(connector_id).upper()
        ]
        if plugs:
            plug = dict(plugs[0])
            if tariff is not None:
                plug["tariff_ids"] = [tariff]
            evses.append({**evse, "connectors": [plug]})
    out["evses"] = evses
    return location_to_211(out)


def _where(body: Mapping[str, Any], lookup: Lookup) -> Json | None:
    """The Location a 2.2.1 Session or CDR is at, as 2.1.1 wants it inside."""
    place = body.get("cdr_location") or {}
    location_id = body.get("location_id") or place.get("id")
    evse_uid = body.get("evse_uid") or place.get("evse_uid")
    connector_id = body.get("connector_id") or place.get("connector_id")
    if location_id is None:
        return None
    periods = body.get("charging_periods") or []
    tariff = next((p["tariff_id"] for p in periods if p.get("tariff_id")), None)
    found = lookup("locations", str(location_id))
    if found is not None:
        return _only(found, evse_uid, connector_id, tariff)
    if not place:
        return None
    # not one of ours (any more): built from the CDR's own CdrLocation
    stamp = body.get("last_updated")
    plug: Json = {
        "id": place.get("connector_id"),
        "standard": place.get("connector_standard"),
        "format": place.get("connector_format"),
        "power_type": place.get("connector_power_type"),
        "max_voltage": 230,
        "max_amperage": 16,
        "last_updated": stamp,
    }
    if tariff is not None:
        plug["tariff_ids"] = [tariff]
    evse = {"uid": place.get("evse_uid"), "evse_id": place.get("evse_id"), "status": "UNKNOWN"}
    evse.update(connectors=[plug], last_updated=stamp)
    location = {
        k: v for k, v in place.items() if k in ("id", "name", "address", "city", "postal_code")
    }
    location.update(country=place.get("country"), coordinates=place.get("coordinates"))
    location.update(evses=[evse], last_updated=stamp)
    return location_to_211(location)


def _periods_211(periods: list[Json]) -> list[Json]:
    out = []
    for period in periods:
        dimensions = [d for d in period.get("dimensions") or [] if d.get("type") in _DIMENSIONS_211]
        if dimensions:
            out.append({"start_date_time": period["start_date_time"], "dimensions": dimensions})
    return out


def session_to_211(
    session: Mapping[str, Any], lookup: Lookup = no_lookup, *, partial: bool = False
) -> Json:
    out: Json = dict(session)
    if "start_date_time" in out:
        out["start_datetime"] = out["start_date_time"]
    if out.get("end_date_time"):
        out["end_datetime"] = out["end_date_time"]
    if "cdr_token" in out:
        out["auth_id"] = out["cdr_token"].get("contract_id")
    if "auth_method" in out:
        out["auth_method"] = _AUTH_METHODS_211.get(out["auth_method"], out["auth_method"])
    if "status" in out:
        out["status"] = _SESSION_STATUSES_211.get(out["status"], out["status"])
    if "total_cost" in out:
        out["total_cost"] = _excl_vat(out["total_cost"])
    if "charging_periods" in out:
        out["charging_periods"] = _periods_211(out["charging_periods"] or [])
    where = _where(session, lookup) if "location_id" in session else None
    if where is not None:
        out["location"] = where
    elif not partial and "location_id" in session:
        out["location"] = _bare_location(session)
    if not partial and out.get("total_cost") is not None and "location" in out:
        # 2.1.1 tariffs lack some restrictions and the price limits: price it again
        out["total_cost"] = _price_211(out, [], session, lookup, None, session=True)
    return _ascii_all({k: v for k, v in out.items() if k in _SESSION_211})


def _bare_location(body: Mapping[str, Any]) -> Json:
    """A stand-in 2.1.1 Location for an object whose location we no longer have."""
    return {
        "id": str(body.get("location_id")),
        "type": "UNKNOWN",
        "address": "",
        "city": "",
        "postal_code": "",
        "country": "NLD",
        "coordinates": {"latitude": "0.000000", "longitude": "0.000000"},
        "last_updated": body.get("last_updated"),
    }


def tariff_to_211(tariff: Mapping[str, Any]) -> Json:
    out: Json = {}
    for key, value in tariff.items():
        if key == "elements":
            out[key] = [
                {
                    **element,
                    "price_components": [
                        {k: v for k, v in c.items() if k != "vat"}
                        for c in element.get("price_components") or []
                    ],
                }
                for element in value or []
                if not any(
                    (element.get("restrictions") or {}).get(name) is not None
                    for name in _RESTRICTIONS_ONLY_22
                )
            ]
        elif key in ("tariff_alt_text", "tariff_alt_url", "id", "currency", "last_updated"):
            out[key] = value
        elif key == "energy_mix":
            out[key] = _energy_mix_211(value)
    return _ascii_all(out)


def cdr_to_211(
    cdr: Mapping[str, Any], lookup: Lookup = no_lookup, *, time_zone: str | None = None
) -> Json:
    """A CDR of 2.1.1, its total_cost priced again under the 2.1.1 tariffs (which lack the
    restrictions and limits 2.1.1 cannot express)."""
    out: Json = dict(cdr)
    out["stop_date_time"] = cdr.get("end_date_time")
    out["auth_id"] = (cdr.get("cdr_token") or {}).get("contract_id")
    out["auth_method"] = _AUTH_METHODS_211.get(cdr.get("auth_method"), cdr.get("auth_method"))
    out["location"] = _where(cdr, lookup) or _bare_location(
        {"location_id": (cdr.get("cdr_location") or {}).get("id"), **cdr}
    )
    periods = _periods_211(cdr.get("charging_periods") or [])
    if periods:
        out["charging_periods"] = periods
        first = (cdr.get("charging_periods") or [{}])[0].get("start_date_time")
        if periods[0]["start_date_time"] != first:  # a reservation went first: not in 2.1.1
            out["start_date_time"] = periods[0]["start_date_time"]
    else:  # only a reservation: nothing 2.1.1 can bill
        nothing = {"type": "TIME", "volume": 0}
        out["charging_periods"] = [
            {"start_date_time": cdr["start_date_time"], "dimensions": [nothing]}
        ]
    tariffs = [tariff_to_211(t) for t in cdr.get("tariffs") or []]
    if "tariffs" in cdr:
        out["tariffs"] = tariffs
    out["total_cost"] = _price_211(out, tariffs, cdr, lookup, time_zone)
    return _ascii_all({k: v for k, v in out.items() if k in _CDR_211})


def _price_211(
    doc211: Json,
    tariffs: list[Json],
    original: Mapping[str, Any],
    lookup: Lookup,
    time_zone: str | None,
    *,
    session: bool = False,
) -> Any:
    """total_cost of a 2.1.1 CDR or Session, priced under the 2.1.1 tariffs: those it embeds,
    else the one its connector names."""
    from ocpi_core.pricing import PricingError, price_cdr, price_session

    if not tariffs:
        tariff_id = None
        for evse in doc211["location"].get("evses") or []:
            for connector in evse.get("connectors") or []:
                tariff_id = connector.get("tariff_id")
        found = lookup("tariffs", tariff_id) if tariff_id else None
        tariffs = [tariff_to_211(found)] if found else []
    fallback = abs(_excl_vat(original.get("total_cost")) or 0)
    if not tariffs:
        return fallback
    zone = time_zone or doc211["location"].get("time_zone") or "UTC"
    try:
        if session:
            result = price_session(doc211, tariffs, version="2.1.1", time_zone=zone)
        else:
            result = price_cdr(doc211, tariffs, version="2.1.1", time_zone=zone)
    except PricingError:
        return fallback
    return _number(result.total_cost.excl_vat)


def _number(value: Decimal) -> int | float:
    rounded = round(Decimal(value), 4)
    return int(rounded) if rounded == rounded.to_integral_value() else float(rounded)


def token_to_211(token: Mapping[str, Any]) -> Json:
    out: Json = dict(token)
    if "contract_id" in out:
        out["auth_id"] = out["contract_id"]
    if "type" in out and out["type"] not in _TOKEN_TYPES_211:
        out["type"] = "OTHER"
    return _ascii_all({k: v for k, v in out.items() if k in _TOKEN_211})


def token_from_211(token: Mapping[str, Any], country_code: str, party_id: str) -> Json:
    """A 2.1.1 Token (from a partner, e.g. in a command) in the 2.2.1 shape of our data."""
    out: Json = {k: v for k, v in token.items() if k != "auth_id"}
    out.update(country_code=country_code, party_id=party_id)
    out["contract_id"] = token.get("auth_id") or token.get("uid")
    return out


def command_result_211(result: str) -> str:
    """A CommandResultType as the CommandResponseType a 2.1.1 response_url receives."""
    return _RESULTS_211.get(result, "REJECTED")


# ---- 2.3.0 -------------------------------------------------------------------------------------

_PRICES = (
    "total_cost", "total_fixed_cost", "total_energy_cost", "total_time_cost",
    "total_parking_cost", "total_reservation_cost",
)  # fmt: skip


def price_to_230(price: Any) -> Any:
    """A 2.2.1 Price as a 2.3.0 one: ``before_taxes`` and VAT among the ``taxes``."""
    if not isinstance(price, Mapping) or "excl_vat" not in price:
        return price
    out: Json = {"before_taxes": price["excl_vat"]}
    if price.get("incl_vat") is not None:
        tax = Decimal(str(price["incl_vat"])) - Decimal(str(price["excl_vat"]))
        out["taxes"] = [{"name": "VAT", "amount": _number(tax)}] if tax else []
    return out


def _limit_230(price: Any) -> Any:
    if not isinstance(price, Mapping) or "excl_vat" not in price:
        return price
    out: Json = {"before_taxes": price["excl_vat"]}
    if price.get("incl_vat") is not None:
        out["after_taxes"] = price["incl_vat"]
    return out


def _pick(seed: str, options: int) -> int:
    return int(hashlib.sha256(seed.encode()).hexdigest()[:8], 16) % options


def _connector_230(connector: Mapping[str, Any], evse_uid: str) -> Json:
    out = dict(connector)
    # plug & charge on some DC connectors (chosen by their uid, so always the same ones)
    if out.get("power_type") == "DC" and _pick(f"{evse_uid}/{out.get('id')}", 3) == 0:
        out["capabilities"] = ["ISO_15118_2_PLUG_AND_CHARGE"]
    return out


def _location_230(location: Mapping[str, Any]) -> Json:
    out = dict(location)
    if out.get("evses"):
        out["evses"] = [
            {**e, "connectors": [_connector_230(c, str(e.get("uid"))) for c in e["connectors"]]}
            if e.get("connectors")
            else e
            for e in out["evses"]
        ]
    if "id" in out and _pick(str(out["id"]), 2) == 0:
        out["help_phone"] = "+31" + str(100000000 + _pick(str(out["id"]), 899999999))
    return out


def _tariff_230(tariff: Mapping[str, Any], *, partial: bool) -> Json:
    out = dict(tariff)
    for key in ("min_price", "max_price"):
        if key in out:
            out[key] = _limit_230(out[key])
    if not partial:
        # our prices are excluding VAT; the components name the VAT rate
        out.setdefault("tax_included", "NO")
    return out


def _prices_230(body: Mapping[str, Any]) -> Json:
    out = dict(body)
    for key in _PRICES:
        if key in out:
            out[key] = price_to_230(out[key])
    if isinstance(out.get("tariffs"), list):
        out["tariffs"] = [_tariff_230(t, partial=False) for t in out["tariffs"]]
    return out


# ---- the entry point ---------------------------------------------------------------------------


def to_version(
    module: str,
    body: Mapping[str, Any],
    version: str,
    lookup: Lookup = no_lookup,
    *,
    partial: bool = False,
) -> Json:
    """``body``, one of our ``module`` objects in the 2.2.1 shape, in ``version``'s shape.

    ``lookup`` finds our other objects (a 2.1.1 Session or CDR embeds its Location);
    ``partial`` says ``body`` is a PATCH (only the fields it has are mapped).
    """
    if version == BASE_VERSION:
        return dict(body)
    if version == "2.1.1":
        if module == "locations":
            return location_to_211(body, partial=partial)
        if module == "sessions":
            return session_to_211(body, lookup, partial=partial)
        if module == "cdrs":
            return cdr_to_211(body, lookup)
        if module == "tariffs":
            return tariff_to_211(body)
        if module == "tokens":
            return token_to_211(body)
        return dict(body)
    if version == "2.3.0":
        if module == "locations":
            return _location_230(body)
        if module == "tariffs":
            return _tariff_230(body, partial=partial)
        return _prices_230(body)
    raise ValueError(f"no shape for OCPI {version!r}")

"""Small builders for hand-written tariffs and CDRs in the pricing tests (our own data)."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from ocpi_core.pricing import Money, PriceResult, load_json

REPO = Path(__file__).resolve().parents[2]
EXAMPLES_DIR = (
    REPO / os.environ.get("OCPI_SPEC_EXAMPLES", "../shared/ocpi-spec/examples")
).resolve()

D = Decimal


def spec_example(version: str, name: str) -> dict[str, Any]:
    """A spec example read at test time (the spec is CC BY-ND: we never commit copies)."""
    path = EXAMPLES_DIR / version / name
    if not path.is_file():
        pytest.skip(
            f"spec example {version}/{name} not found under {EXAMPLES_DIR}; "
            "set OCPI_SPEC_EXAMPLES to the spec's examples folder"
        )
    return load_json(path)


def utc(local: str, zone: str = "UTC") -> str:
    """A local ``YYYY-MM-DDTHH:MM[:SS]`` in ``zone`` as an OCPI UTC DateTime string."""
    moment = datetime.fromisoformat(local).replace(tzinfo=ZoneInfo(zone))
    return moment.astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%M:%SZ")


def component(kind: str, price: Any, vat: Any = None, step: int = 1) -> dict[str, Any]:
    data: dict[str, Any] = {"type": kind, "price": D(str(price)), "step_size": step}
    if vat is not None:
        data["vat"] = D(str(vat))
    return data


def element(*components: dict[str, Any], **restrictions: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"price_components": list(components)}
    if restrictions:
        data["restrictions"] = restrictions
    return data


def tariff(*elements: dict[str, Any], tariff_id: str = "T1", **extra: Any) -> dict[str, Any]:
    return {
        "country_code": "NL",
        "party_id": "TST",
        "id": tariff_id,
        "currency": extra.pop("currency", "EUR"),
        "elements": list(elements),
        "last_updated": "2024-01-01T00:00:00Z",
        **extra,
    }


def periods_cdr(
    start: str,
    spans: Iterable[tuple[float | int | str | Decimal, Mapping[str, Any]]],
    *,
    tariffs: list[dict[str, Any]] | None = None,
    tariff_id: str | None = None,
) -> dict[str, Any]:
    """A CDR from ``start`` (UTC string) and consecutive ``(minutes, dimensions)`` periods.

    Dimension volumes are given as the CDR carries them (kWh, hours, A, kW); ``"TIME"`` may also be
    given in minutes as ``"TIME_MIN"`` (and ``PARKING_MIN``, ``RESERVATION_MIN``) for readability.
    """
    moment = datetime.fromisoformat(start.replace("Z", "+00:00"))
    periods = []
    for minutes, dims in spans:
        dimensions = []
        for kind, volume in dims.items():
            name = {
                "TIME_MIN": "TIME",
                "PARKING_MIN": "PARKING_TIME",
                "RESERVATION_MIN": "RESERVATION_TIME",
            }.get(kind, kind)
            value = D(str(volume))
            if kind.endswith("_MIN"):
                value = value / 60
            dimensions.append({"type": name, "volume": value})
        period: dict[str, Any] = {"start_date_time": _z(moment), "dimensions": dimensions}
        if tariff_id:
            period["tariff_id"] = tariff_id
        periods.append(period)
        moment += timedelta(microseconds=int(D(str(minutes)) * 60_000_000))
    cdr: dict[str, Any] = {
        "country_code": "NL",
        "party_id": "TST",
        "id": "CDR1",
        "start_date_time": start,
        "end_date_time": _z(moment),
        "currency": "EUR",
        "charging_periods": periods,
    }
    if tariffs is not None:
        cdr["tariffs"] = tariffs
    return cdr


def _z(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ").replace(".000000Z", "Z")


def money(result: PriceResult, kind: str = "total") -> tuple[str, str | None]:
    value: Money = result.total_cost if kind == "total" else result.cost_of(kind)
    return str(value.excl_vat), None if value.incl_vat is None else str(value.incl_vat)

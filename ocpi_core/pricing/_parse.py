"""Reading OCPI documents into the engine's own immutable shapes.

Numbers become :class:`~decimal.Decimal` (floats go through ``str`` so ``0.1`` stays ``0.1``),
DateTimes become aware UTC datetimes, and a Tariff becomes a :class:`Tariff` whose restrictions are
already parsed (minutes of the day, dates, Decimals). Anything unusable raises
:class:`PricingError` naming the JSON path, because a tariff we cannot read cannot be priced.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from ocpi_core.pricing._model import Money, PricingError

__all__ = [
    "Component",
    "Element",
    "Restrictions",
    "Tariff",
    "VERSIONS",
    "as_list",
    "load_json",
    "parse_datetime",
    "parse_tariff",
    "to_decimal",
    "unwrap_list",
    "unwrap_object",
]

VERSIONS = ("2.1.1", "2.2.1", "2.3.0")
DAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
DIMENSIONS = ("ENERGY", "FLAT", "PARKING_TIME", "TIME")
_TIME_RE = re.compile(r"^([01][0-9]|2[0-4]):([0-5][0-9])$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Amounts, volumes and step sizes at or beyond this magnitude are refused: no real tariff or CDR
# comes near it, and products of such numbers would overflow the 50-digit decimal context.
MAGNITUDE_LIMIT = Decimal(10) ** 15


def to_decimal(value: Any, path: str = "$") -> Decimal:
    """A JSON number as Decimal. Floats are converted via ``str`` so no binary noise gets in.

    Raises :class:`PricingError` naming ``path`` for anything else, for NaN/Infinity and for
    numbers of magnitude 10^15 or more (beyond any real price or volume; see MAGNITUDE_LIMIT).
    """
    result = _decimal(value, path)
    if not result.is_finite():
        raise PricingError(f"{path}: {value!r} is not a finite number")
    if abs(result) >= MAGNITUDE_LIMIT:
        raise PricingError(
            f"{path}: {format(result, 'g')} is out of range (the engine reads numbers of "
            "magnitude below 10^15)"
        )
    return result


def as_list(value: Any, path: str, what: str) -> list[Any]:
    """A JSON array (None as empty); anything else raises :class:`PricingError` naming ``path``."""
    if value is None:
        return []
    if isinstance(value, Sequence) and not isinstance(value, str | bytes | Mapping):
        return list(value)
    raise PricingError(f"{path}: expected a list of {what}, got {_json_type(value)}")


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int | float | Decimal):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the string {value!r}"
    if isinstance(value, Mapping):
        return "an object"
    return type(value).__name__


def _decimal(value: Any, path: str) -> Decimal:
    if isinstance(value, bool):
        raise PricingError(f"{path}: expected a number, got {value!r}")
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, str):
        try:
            return Decimal(value.strip())
        except InvalidOperation:
            raise PricingError(f"{path}: {value!r} is not a number") from None
    raise PricingError(f"{path}: expected a number, got {value!r}")


def _opt_decimal(data: Mapping[str, Any], key: str, path: str) -> Decimal | None:
    value = data.get(key)
    return None if value is None else to_decimal(value, f"{path}.{key}")


def parse_datetime(value: Any, path: str = "$") -> datetime:
    """An OCPI DateTime (UTC, ``Z`` optional, fractions allowed) as an aware UTC datetime.

    Offsets other than UTC are not OCPI but are converted rather than refused; naive values are UTC.
    """
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if not isinstance(value, str):
        raise PricingError(f"{path}: expected a DateTime string, got {value!r}")
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise PricingError(f"{path}: {value!r} is not an RFC 3339 DateTime") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _opt_datetime(data: Mapping[str, Any], key: str, path: str) -> datetime | None:
    value = data.get(key)
    return None if value is None else parse_datetime(value, f"{path}.{key}")


def _time_of_day(value: Any, path: str) -> int:
    """``"HH:MM"`` as minutes since midnight; ``24:00`` is tolerated as the end of the day."""
    match = _TIME_RE.match(value) if isinstance(value, str) else None
    if not match or (match.group(1) == "24" and match.group(2) != "00"):
        raise PricingError(f"{path}: {value!r} is not a time of day HH:MM")
    return int(match.group(1)) * 60 + int(match.group(2))


def _date(value: Any, path: str) -> date:
    if not isinstance(value, str) or not _DATE_RE.match(value):
        raise PricingError(f"{path}: {value!r} is not a date YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise PricingError(f"{path}: {value!r} is not a valid date") from None


@dataclass(frozen=True)
class Component:
    """One PriceComponent, with its position in the element."""

    index: int
    type: str
    price: Decimal
    vat: Decimal | None
    step_size: int


@dataclass(frozen=True)
class Restrictions:
    """TariffRestrictions, parsed. Times are minutes since local midnight, durations seconds."""

    start_time: int | None = None
    end_time: int | None = None
    start_date: date | None = None
    end_date: date | None = None
    min_kwh: Decimal | None = None
    max_kwh: Decimal | None = None
    min_current: Decimal | None = None
    max_current: Decimal | None = None
    min_power: Decimal | None = None
    max_power: Decimal | None = None
    min_duration: Decimal | None = None
    max_duration: Decimal | None = None
    day_of_week: frozenset[str] = frozenset()
    reservation: str | None = None

    @property
    def has_time_window(self) -> bool:
        return self.start_time is not None or self.end_time is not None

    def window(self) -> tuple[int, int]:
        """The time-of-day window as ``(start, end)`` minutes; ``end`` 0 means 24:00."""
        start = self.start_time if self.start_time is not None else 0
        end = self.end_time if self.end_time is not None else 1440
        return start, 1440 if end == 0 else end

    def is_empty(self) -> bool:
        return self == Restrictions(reservation=self.reservation)


@dataclass(frozen=True)
class Element:
    index: int
    components: tuple[Component, ...]
    restrictions: Restrictions | None

    @property
    def reservation(self) -> str | None:
        return self.restrictions.reservation if self.restrictions else None

    def component(self, dimension: str) -> Component | None:
        """The element's first component of ``dimension`` (a second one would never be used)."""
        return next((c for c in self.components if c.type == dimension), None)


@dataclass(frozen=True)
class Tariff:
    id: str
    currency: str
    elements: tuple[Element, ...]
    min_price: Money | None = None
    max_price: Money | None = None
    start_date_time: datetime | None = None
    end_date_time: datetime | None = None
    tax_included: str | None = None
    type: str | None = None

    def valid_at(self, moment: datetime) -> bool:
        if self.start_date_time is not None and moment < self.start_date_time:
            return False
        return self.end_date_time is None or moment < self.end_date_time


def _parse_restrictions(data: Any, path: str, version: str) -> Restrictions | None:
    if data is None:
        return None
    if not isinstance(data, Mapping):
        raise PricingError(f"{path}: expected an object, got {data!r}")
    days = data.get("day_of_week") or []
    if isinstance(days, str):
        days = [days]  # tolerated here; check_tariff_sanity reports it
    days = as_list(days, f"{path}.day_of_week", "DayOfWeek strings")
    for i, day in enumerate(days):
        if not isinstance(day, str) or day not in DAYS:
            raise PricingError(f"{path}.day_of_week[{i}]: {day!r} is not one of {', '.join(DAYS)}")
    reservation = data.get("reservation")
    if reservation is not None and reservation not in ("RESERVATION", "RESERVATION_EXPIRES"):
        raise PricingError(
            f"{path}.reservation: {reservation!r} is not RESERVATION or RESERVATION_EXPIRES"
        )
    if version == "2.1.1":
        # 2.1.1 has no current or reservation restrictions; ignore them rather than guess.
        reservation = None
    times = {
        key: _time_of_day(data[key], f"{path}.{key}")
        for key in ("start_time", "end_time")
        if data.get(key) is not None
    }
    dates = {
        key: _date(data[key], f"{path}.{key}")
        for key in ("start_date", "end_date")
        if data.get(key) is not None
    }
    numbers = {
        key: _opt_decimal(data, key, path)
        for key in (
            "min_kwh",
            "max_kwh",
            "min_power",
            "max_power",
            "min_duration",
            "max_duration",
        )
    }
    if version != "2.1.1":
        numbers["min_current"] = _opt_decimal(data, "min_current", path)
        numbers["max_current"] = _opt_decimal(data, "max_current", path)
    return Restrictions(
        **times, **dates, **numbers, day_of_week=frozenset(days), reservation=reservation
    )


def _parse_component(data: Any, index: int, path: str, version: str) -> Component:
    if not isinstance(data, Mapping):
        raise PricingError(f"{path}: expected a PriceComponent object, got {data!r}")
    kind = data.get("type")
    if kind not in DIMENSIONS:
        raise PricingError(f"{path}.type: {kind!r} is not one of {', '.join(DIMENSIONS)}")
    if data.get("price") is None:
        raise PricingError(f"{path}.price: missing")
    step = data.get("step_size", 1)
    step_value = to_decimal(step if step is not None else 1, f"{path}.step_size")
    if step_value != step_value.to_integral_value() or step_value < 0:
        raise PricingError(f"{path}.step_size: {step!r} is not a non-negative integer")
    vat = None if version == "2.1.1" else _opt_decimal(data, "vat", path)
    return Component(
        index=index,
        type=kind,
        price=to_decimal(data["price"], f"{path}.price"),
        vat=vat,
        step_size=int(step_value),
    )


def _parse_limit(data: Any, path: str, version: str) -> Money | None:
    if data is None:
        return None
    if not isinstance(data, Mapping):
        raise PricingError(f"{path}: expected a price object, got {data!r}")
    if "before_taxes" in data or version == "2.3.0":
        excl, incl = "before_taxes", "after_taxes"
    else:
        excl, incl = "excl_vat", "incl_vat"
    if data.get(excl) is None:
        raise PricingError(f"{path}.{excl}: missing")
    return Money(to_decimal(data[excl], f"{path}.{excl}"), _opt_decimal(data, incl, path))


def parse_tariff(data: Any, version: str, path: str = "$") -> Tariff:
    """One OCPI Tariff object of ``version`` as a :class:`Tariff`."""
    if not isinstance(data, Mapping):
        raise PricingError(f"{path}: expected a Tariff object, got {type(data).__name__}")
    elements_data = data.get("elements")
    if not isinstance(elements_data, Sequence) or isinstance(elements_data, str):
        raise PricingError(f"{path}.elements: missing or not a list")
    elements = []
    for i, element in enumerate(elements_data):
        epath = f"{path}.elements[{i}]"
        if not isinstance(element, Mapping):
            raise PricingError(f"{epath}: expected a TariffElement object")
        components = as_list(
            element.get("price_components"), f"{epath}.price_components", "PriceComponent objects"
        )
        elements.append(
            Element(
                index=i,
                components=tuple(
                    _parse_component(c, j, f"{epath}.price_components[{j}]", version)
                    for j, c in enumerate(components)
                ),
                restrictions=_parse_restrictions(
                    element.get("restrictions"), f"{epath}.restrictions", version
                ),
            )
        )
    modern = version != "2.1.1"
    return Tariff(
        id=str(data.get("id", "")),
        currency=str(data.get("currency", "")),
        elements=tuple(elements),
        min_price=_parse_limit(data.get("min_price"), f"{path}.min_price", version)
        if modern
        else None,
        max_price=_parse_limit(data.get("max_price"), f"{path}.max_price", version)
        if modern
        else None,
        start_date_time=_opt_datetime(data, "start_date_time", path) if modern else None,
        end_date_time=_opt_datetime(data, "end_date_time", path) if modern else None,
        tax_included=data.get("tax_included") if version == "2.3.0" else None,
        type=data.get("type") if modern else None,
    )


def _is_envelope(doc: Any) -> bool:
    return isinstance(doc, Mapping) and "data" in doc and "status_code" in doc


def unwrap_list(doc: Any) -> list[Any]:
    """A single object, a list of objects, or an OCPI response envelope around either, as a list."""
    if _is_envelope(doc):
        doc = doc["data"]
    if doc is None:
        return []
    if isinstance(doc, Sequence) and not isinstance(doc, str | bytes):
        return list(doc)
    return [doc]


def unwrap_object(doc: Any, what: str = "object") -> Any:
    """The one object in ``doc`` (bare, in a one-item list, or in an envelope)."""
    items = unwrap_list(doc)
    if len(items) != 1:
        raise PricingError(f"expected exactly one {what}, found {len(items)}")
    return items[0]


def load_json(path: str | Path) -> Any:
    """A JSON file with every number read as Decimal (never float)."""
    text = Path(path).read_text(encoding="utf-8")
    try:
        return json.loads(text, parse_float=Decimal, parse_int=Decimal)
    except json.JSONDecodeError as exc:
        raise PricingError(f"{path}: not valid JSON ({exc})") from None

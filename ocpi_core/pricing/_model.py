"""The engine's public value types: money, options, results and findings."""

from __future__ import annotations

import decimal
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

__all__ = [
    "BreakdownLine",
    "ComponentSummary",
    "Finding",
    "Money",
    "PriceResult",
    "PricingError",
    "PricingOptions",
    "format_decimal",
]

ZERO = Decimal(0)
KINDS = ("fixed", "energy", "time", "parking", "reservation")


class PricingError(ValueError):
    """An input the engine cannot price (unreadable tariff, unknown time zone, bad option)."""


def format_decimal(value: Decimal, max_places: int | None = None) -> str:
    """A Decimal as plain digits (never exponent notation).

    With ``max_places``, longer fractions are rounded half-up to that many places and trailing
    zeros are dropped; without it the value is written exactly as it is.
    """
    if max_places is not None:
        if value.as_tuple().exponent < -max_places:  # type: ignore[operator]
            with decimal.localcontext() as ctx:
                ctx.prec = 60
                value = value.quantize(Decimal(1).scaleb(-max_places), rounding=ROUND_HALF_UP)
        text = format(value, "f")
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        return "0" if text in ("-0", "") else text
    return format(value, "f")


@dataclass(frozen=True)
class Money:
    """An amount excluding and including VAT (2.3.0: before and after taxes).

    ``incl_vat`` is None where it cannot be known: OCPI 2.1.1 has no VAT at all, and a 2.3.0
    tariff with ``tax_included: NO`` and no ``vat`` leaves the taxes to local law.
    """

    excl_vat: Decimal
    incl_vat: Decimal | None = None

    def __add__(self, other: Money) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        incl = (
            None
            if self.incl_vat is None or other.incl_vat is None
            else self.incl_vat + other.incl_vat
        )
        return Money(self.excl_vat + other.excl_vat, incl)

    @classmethod
    def zero(cls, with_vat: bool = True) -> Money:
        return cls(ZERO, ZERO if with_vat else None)

    @classmethod
    def total(cls, amounts: Iterable[Money], with_vat: bool = True) -> Money:
        result = cls.zero(with_vat)
        for amount in amounts:
            result = result + amount
        return result

    def to_json_dict(self, max_places: int | None = None) -> dict[str, str | None]:
        return {
            "excl_vat": format_decimal(self.excl_vat, max_places),
            "incl_vat": None
            if self.incl_vat is None
            else format_decimal(self.incl_vat, max_places),
        }

    def to_ocpi(self, version: str) -> Any:
        """This amount as an OCPI ``Price`` of ``version`` (2.1.1: a bare number excl. VAT)."""
        if version == "2.1.1":
            return self.excl_vat
        if version == "2.3.0":
            taxes = []
            if self.incl_vat is not None and self.incl_vat != self.excl_vat:
                taxes.append({"name": "VAT", "amount": self.incl_vat - self.excl_vat})
            return {"before_taxes": self.excl_vat, "taxes": taxes}
        price: dict[str, Decimal] = {"excl_vat": self.excl_vat}
        if self.incl_vat is not None:
            price["incl_vat"] = self.incl_vat
        return price


OPTION_CHOICES = {
    "step_size": ("session", "period", "ignore"),
    "element_selection": ("per_dimension", "first_element"),
    "missing_tariff_id": ("infer", "free"),
    "overnight_day": ("moment", "window_start"),
    "unknown_measurement": ("no_match", "match"),
}
ROUNDINGS = (
    "ROUND_HALF_UP",
    "ROUND_HALF_EVEN",
    "ROUND_HALF_DOWN",
    "ROUND_UP",
    "ROUND_DOWN",
    "ROUND_CEILING",
    "ROUND_FLOOR",
)


@dataclass(frozen=True)
class PricingOptions:
    """The choices OCPI leaves open, each with the default we document in ``docs/pricing.md``.

    - ``time_zone``: where tariff time/date/day restrictions are read when the caller gives no
      time zone and the input carries none (a 2.2.1 CDR has no ``time_zone``). Default ``"UTC"``.
    - ``decimals`` / ``rounding``: money is rounded to this many places with this
      :mod:`decimal` rounding mode; ``None`` keeps exact amounts. Default 2, ``ROUND_HALF_UP``.
    - ``round_lines``: round every breakdown line first, so totals are sums of rounded lines.
      Default False: each reported total is rounded from its exact value (as the spec's tables do).
    - ``step_size``: ``"session"`` (2.2+ rules: once per session on totals, last component's
      step), ``"period"`` (each breakdown line rounded on its own), ``"ignore"``.
    - ``element_selection``: ``"per_dimension"`` (2.2+; also our reading of 2.1.1) or
      ``"first_element"`` (literal 2.1.1: the first matching element prices every dimension).
    - ``missing_tariff_id``: a charging period without ``tariff_id`` is priced with the tariff
      inferred from the ones given (``"infer"``) or not at all (``"free"``, the literal 2.2.1 text).
    - ``split_periods``: split periods where a restriction changes inside them (time of day,
      date, duration, kWh), interpolating linearly. Default True.
    - ``overnight_day``: for a window across midnight (22:00-06:00) with ``day_of_week``, the
      day after midnight is the calendar day (``"moment"``) or the day the window opened
      (``"window_start"``).
    - ``unknown_measurement``: a power/current restriction on a period without that measurement
      does not match (``"no_match"``) or matches (``"match"``).
    """

    time_zone: str = "UTC"
    decimals: int | None = 2
    rounding: str = "ROUND_HALF_UP"
    round_lines: bool = False
    step_size: str = "session"
    element_selection: str = "per_dimension"
    missing_tariff_id: str = "infer"
    split_periods: bool = True
    overnight_day: str = "moment"
    unknown_measurement: str = "no_match"

    def __post_init__(self) -> None:
        for name, allowed in OPTION_CHOICES.items():
            value = getattr(self, name)
            if value not in allowed:
                raise PricingError(
                    f"PricingOptions.{name}: {value!r} is not one of {', '.join(allowed)}"
                )
        if self.rounding not in ROUNDINGS:
            raise PricingError(
                f"PricingOptions.rounding: {self.rounding!r} is not one of {', '.join(ROUNDINGS)}"
            )
        if self.decimals is not None and not 0 <= self.decimals <= 10:
            raise PricingError(f"PricingOptions.decimals: {self.decimals!r} is not in 0..10")

    def round(self, value: Decimal) -> Decimal:
        if self.decimals is None:
            return value
        return value.quantize(Decimal(1).scaleb(-self.decimals), rounding=self.rounding)

    def round_money(self, money: Money) -> Money:
        incl = None if money.incl_vat is None else self.round(money.incl_vat)
        return Money(self.round(money.excl_vat), incl)


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class BreakdownLine:
    """One priced stretch: a dimension within one charging period, priced by one component.

    ``kind`` says which CDR total the line counts towards (``fixed``, ``energy``, ``time``,
    ``parking``, ``reservation``, or ``limit`` for a min/max_price adjustment). ``volume`` is what
    was used (kWh, hours, or 1 for FLAT); ``billed_volume`` is after ``step_size``. A line with no
    ``element_index`` had no matching component: it is shown, at zero cost, to say why.
    """

    period_index: int | None
    start: datetime
    end: datetime
    kind: str
    dimension: str
    tariff_id: str | None
    element_index: int | None
    component_index: int | None
    price: Decimal | None
    vat: Decimal | None
    step_size: int | None
    unit: str
    volume: Decimal
    billed_volume: Decimal
    cost: Money
    why: str

    @property
    def component_path(self) -> str:
        if self.element_index is None:
            return "-"
        return f"elements[{self.element_index}].price_components[{self.component_index}]"

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "period_index": self.period_index,
            "start": _iso(self.start),
            "end": _iso(self.end),
            "kind": self.kind,
            "dimension": self.dimension,
            "tariff_id": self.tariff_id,
            "element_index": self.element_index,
            "component_index": self.component_index,
            "price": None if self.price is None else format_decimal(self.price, 10),
            "vat": None if self.vat is None else format_decimal(self.vat, 10),
            "step_size": self.step_size,
            "unit": self.unit,
            "volume": format_decimal(self.volume, 10),
            "billed_volume": format_decimal(self.billed_volume, 10),
            "cost": self.cost.to_json_dict(10),
            "why": self.why,
        }


@dataclass(frozen=True)
class ComponentSummary:
    """All breakdown lines of one price component (or one kind of adjustment) added up."""

    kind: str
    dimension: str
    tariff_id: str | None
    element_index: int | None
    component_index: int | None
    price: Decimal | None
    vat: Decimal | None
    unit: str
    volume: Decimal
    billed_volume: Decimal
    cost: Money

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "dimension": self.dimension,
            "tariff_id": self.tariff_id,
            "element_index": self.element_index,
            "component_index": self.component_index,
            "price": None if self.price is None else format_decimal(self.price, 10),
            "vat": None if self.vat is None else format_decimal(self.vat, 10),
            "unit": self.unit,
            "volume": format_decimal(self.volume, 10),
            "billed_volume": format_decimal(self.billed_volume, 10),
            "cost": self.cost.to_json_dict(10),
        }


@dataclass(frozen=True)
class PriceResult:
    """What a session costs under its tariff(s), with the lines that explain it.

    Totals are rounded as :class:`PricingOptions` says; ``total_cost`` includes min/max_price
    adjustments, the five dimension totals do not. Quantities are what was used (not billed):
    ``total_time`` is charging plus parking time, reservation time is apart.
    """

    currency: str
    total_cost: Money
    total_energy_cost: Money
    total_time_cost: Money
    total_parking_cost: Money
    total_fixed_cost: Money
    total_reservation_cost: Money
    total_energy: Decimal
    total_time: Decimal
    total_parking_time: Decimal
    breakdown: tuple[BreakdownLine, ...]
    total_reservation_time: Decimal = ZERO
    version: str = "2.2.1"
    time_zone: str = "UTC"
    notes: tuple[str, ...] = field(default=())

    def cost_of(self, kind: str) -> Money:
        """The total of one ``kind``: fixed, energy, time, parking or reservation."""
        return {
            "fixed": self.total_fixed_cost,
            "energy": self.total_energy_cost,
            "time": self.total_time_cost,
            "parking": self.total_parking_cost,
            "reservation": self.total_reservation_cost,
        }[kind]

    def by_component(self) -> tuple[ComponentSummary, ...]:
        """The breakdown added up per (tariff, element, price component), in first-use order."""
        groups: dict[tuple[Any, ...], list[BreakdownLine]] = {}
        for line in self.breakdown:
            key = (
                line.kind,
                line.dimension,
                line.tariff_id,
                line.element_index,
                line.component_index,
            )
            groups.setdefault(key, []).append(line)
        with_vat = self.total_cost.incl_vat is not None
        summaries = []
        for (kind, dimension, tariff_id, element, component), lines in groups.items():
            summaries.append(
                ComponentSummary(
                    kind=kind,
                    dimension=dimension,
                    tariff_id=tariff_id,
                    element_index=element,
                    component_index=component,
                    price=lines[0].price,
                    vat=lines[0].vat,
                    unit=lines[0].unit,
                    volume=sum((line.volume for line in lines), ZERO),
                    billed_volume=sum((line.billed_volume for line in lines), ZERO),
                    cost=Money.total((line.cost for line in lines), with_vat=with_vat),
                )
            )
        return tuple(summaries)

    def cdr_totals(self, version: str | None = None, quantity_places: int = 4) -> dict[str, Any]:
        """The CDR ``total_*`` fields for this result, as OCPI values with Decimal numbers.

        Quantities are rounded to ``quantity_places`` (OCPI numbers carry 4 decimals). The
        ``total_*_cost`` fields that 2.1.1 lacks are left out for that version.
        """
        version = version or self.version

        def qty(value: Decimal) -> Decimal:
            return value.quantize(Decimal(1).scaleb(-quantity_places), rounding=ROUND_HALF_UP)

        totals: dict[str, Any] = {
            "total_cost": self.total_cost.to_ocpi(version),
            "total_energy": qty(self.total_energy),
            "total_time": qty(self.total_time),
            "total_parking_time": qty(self.total_parking_time),
        }
        if version != "2.1.1":
            for kind in KINDS:
                totals[f"total_{kind}_cost"] = self.cost_of(kind).to_ocpi(version)
        return totals

    def to_json_dict(self) -> dict[str, Any]:
        """A JSON-ready document: every Decimal as a string, datetimes in RFC 3339 UTC."""
        return {
            "version": self.version,
            "currency": self.currency,
            "time_zone": self.time_zone,
            "total_cost": self.total_cost.to_json_dict(),
            "total_energy_cost": self.total_energy_cost.to_json_dict(),
            "total_time_cost": self.total_time_cost.to_json_dict(),
            "total_parking_cost": self.total_parking_cost.to_json_dict(),
            "total_fixed_cost": self.total_fixed_cost.to_json_dict(),
            "total_reservation_cost": self.total_reservation_cost.to_json_dict(),
            "total_energy": format_decimal(self.total_energy, 10),
            "total_time": format_decimal(self.total_time, 10),
            "total_parking_time": format_decimal(self.total_parking_time, 10),
            "total_reservation_time": format_decimal(self.total_reservation_time, 10),
            "breakdown": [line.to_json_dict() for line in self.breakdown],
            "by_component": [summary.to_json_dict() for summary in self.by_component()],
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class Finding:
    """One problem found in a CDR or tariff: a stable ``code``, a message for people, and where.

    ``level`` is ``"error"`` for a rule the spec states and ``"warning"`` for something that is
    allowed but almost certainly a mistake.
    """

    code: str
    message: str
    path: str = "$"
    level: str = "error"

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"

"""Pure checks around pricing: is a CDR consistent with itself, is a tariff sane, and do a CDR's
totals agree with ours. They return findings or comparison rows; they never raise on bad input.
"""

from __future__ import annotations

import contextlib
import decimal
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from ocpi_core.pricing._engine import price_cdr
from ocpi_core.pricing._model import (
    KINDS,
    Finding,
    PriceResult,
    PricingError,
    format_decimal,
)
from ocpi_core.pricing._parse import (
    DIMENSIONS,
    Element,
    Restrictions,
    parse_datetime,
    parse_tariff,
    to_decimal,
    unwrap_list,
)
from ocpi_core.pricing._restrictions import hm, window_matches
from ocpi_core.pricing._segments import seconds_between

__all__ = [
    "Comparison",
    "check_cdr_consistency",
    "check_tariff_sanity",
    "compare_with_cdr",
    "unsplit_period_findings",
]

ZERO = Decimal(0)
_TIME_DIMS = ("TIME", "PARKING_TIME", "RESERVATION_TIME")
# Current and power may be negative where a car feeds back; every other volume is a quantity.
_SIGNED_DIMS = ("CURRENT", "MIN_CURRENT", "MAX_CURRENT", "POWER", "MIN_POWER", "MAX_POWER")


def _context() -> decimal.Context:
    return decimal.Context(prec=50)


# -- CDR internal consistency ---------------------------------------------------------------------


def _dt(value: Any, path: str, findings: list[Finding]) -> datetime | None:
    try:
        return parse_datetime(value, path)
    except PricingError as exc:
        findings.append(Finding("cdr.datetime_invalid", str(exc).split(": ", 1)[-1], path))
        return None


def _num(value: Any, path: str, findings: list[Finding]) -> Decimal | None:
    if value is None:
        return None
    try:
        return to_decimal(value, path)
    except PricingError as exc:
        findings.append(Finding("cdr.number_invalid", str(exc).split(": ", 1)[-1], path))
        return None


def _hours(seconds: Decimal) -> str:
    return format_decimal(seconds, 4)


def check_cdr_consistency(
    cdr: Mapping[str, Any],
    tariffs: Sequence[Mapping[str, Any]] = (),
    *,
    version: str = "2.2.1",
    tolerance: Decimal = Decimal("0.001"),
) -> list[Finding]:
    """Findings where a CDR contradicts itself or its tariffs (never raises).

    Checked: charging periods present, in time order and inside the session; no period holding
    more TIME/PARKING_TIME/RESERVATION_TIME than its own duration; ``total_energy`` equal to the
    periods' ENERGY; ``total_time`` the session's duration (OCPI defines it so: charging and not
    charging) within a minute, and never below the periods' TIME + PARKING_TIME (equal to it when
    every period carries one of them: a period priced by energy only gives no time);
    ``total_parking_time`` equal to the periods' PARKING_TIME when any period gives one; the CDR's
    currency equal to every tariff's; every ``tariff_id`` of a period among the tariffs (the given
    ones, else the embedded ones).
    """
    findings: list[Finding] = []
    if not isinstance(cdr, Mapping):
        return [Finding("cdr.not_an_object", "the CDR is not a JSON object")]
    with decimal.localcontext(_context()):
        start = _dt(cdr.get("start_date_time"), "$.start_date_time", findings)
        end_key = "stop_date_time" if version == "2.1.1" else "end_date_time"
        end = _dt(cdr.get(end_key), f"$.{end_key}", findings)
        if start and end and end < start:
            findings.append(
                Finding("cdr.end_before_start", f"{end_key} is before start_date_time", "$")
            )
        periods = cdr.get("charging_periods")
        if not isinstance(periods, list) or not periods:
            findings.append(
                Finding(
                    "cdr.no_charging_periods",
                    "a CDR needs at least one charging period",
                    "$.charging_periods",
                )
            )
            periods = []
        sums = {kind: ZERO for kind in ("ENERGY", *_TIME_DIMS)}
        present: set[str] = set()
        all_timed = True  # every period carries TIME or PARKING_TIME
        starts: list[datetime | None] = []
        for i, period in enumerate(periods):
            path = f"$.charging_periods[{i}]"
            if not isinstance(period, Mapping):
                findings.append(Finding("cdr.period_invalid", "not an object", path))
                starts.append(None)
                all_timed = False
                continue
            starts.append(_dt(period.get("start_date_time"), f"{path}.start_date_time", findings))
            dims = period.get("dimensions")
            if dims is not None and not isinstance(dims, list):
                findings.append(
                    Finding(
                        "cdr.dimensions_invalid", "dimensions is not a list", f"{path}.dimensions"
                    )
                )
            dims = dims if isinstance(dims, list) else []
            for j, dim in enumerate(dims):
                if not isinstance(dim, Mapping) or not isinstance(dim.get("type"), str):
                    findings.append(
                        Finding(
                            "cdr.dimension_invalid",
                            "not a CdrDimension object with a type string",
                            f"{path}.dimensions[{j}]",
                        )
                    )
            kinds = {
                d.get("type")
                for d in dims
                if isinstance(d, Mapping) and isinstance(d.get("type"), str)
            }
            all_timed = all_timed and bool(kinds & {"TIME", "PARKING_TIME"})
            present |= {k for k in kinds if isinstance(k, str)}
            for j, dim in enumerate(dims):
                if not isinstance(dim, Mapping):
                    continue
                volume = _num(dim.get("volume"), f"{path}.dimensions[{j}].volume", findings)
                kind = dim.get("type")
                if volume is not None and volume < 0 and kind not in _SIGNED_DIMS:
                    timed = kind in _TIME_DIMS
                    findings.append(
                        Finding(
                            "cdr.negative_time" if timed else "cdr.negative_volume",
                            f"{kind} volume {volume} is negative (energy fed back is "
                            "ENERGY_EXPORT, not a negative volume)",
                            f"{path}.dimensions[{j}]",
                            "error" if timed else "warning",
                        )
                    )
                if volume is None or not isinstance(kind, str) or kind not in sums:
                    continue
                sums[kind] += volume
        _check_period_times(periods, starts, start, end, tolerance, findings)
        _check_totals(cdr, sums, present, all_timed and bool(periods), tolerance, findings)
        _check_total_time_span(cdr, sums, start, end, tolerance, findings)
        _check_tariff_refs(cdr, tariffs, periods, version, findings)
    return findings


def _check_period_times(
    periods: list[Any],
    starts: list[datetime | None],
    start: datetime | None,
    end: datetime | None,
    tolerance: Decimal,
    findings: list[Finding],
) -> None:
    previous: datetime | None = None
    for i, moment in enumerate(starts):
        path = f"$.charging_periods[{i}].start_date_time"
        if moment is None:
            continue
        if previous is not None and moment <= previous:
            findings.append(
                Finding(
                    "cdr.periods_not_ordered",
                    f"period {i} starts at {moment:%Y-%m-%dT%H:%M:%SZ}, not after period "
                    f"{i - 1} ({previous:%Y-%m-%dT%H:%M:%SZ}): periods overlap or are unordered",
                    path,
                )
            )
        if start is not None and moment < start:
            findings.append(
                Finding("cdr.period_before_start", "starts before the CDR's start", path)
            )
        if end is not None and moment > end:
            findings.append(Finding("cdr.period_after_end", "starts after the CDR's end", path))
        previous = moment if previous is None else max(previous, moment)
        following = next((s for s in starts[i + 1 :] if s is not None), end)
        period = periods[i]
        if following is None or not isinstance(period, Mapping):
            continue
        span = seconds_between(moment, following) / 3600
        used = ZERO
        dims = period.get("dimensions")
        for dim in dims if isinstance(dims, list) else []:
            if (
                isinstance(dim, Mapping)
                and isinstance(dim.get("type"), str)
                and dim["type"] in _TIME_DIMS
            ):
                with contextlib.suppress(PricingError):
                    used += to_decimal(dim.get("volume"))
        if used > span + tolerance and span >= 0:
            findings.append(
                Finding(
                    "cdr.period_time_exceeds_duration",
                    f"period {i} holds {_hours(used)} h of time dimensions but lasts "
                    f"{_hours(span)} h (until the next period or the CDR's end)",
                    f"$.charging_periods[{i}]",
                )
            )


def _check_totals(
    cdr: Mapping[str, Any],
    sums: dict[str, Decimal],
    present: set[str],
    all_timed: bool,
    tolerance: Decimal,
    findings: list[Finding],
) -> None:
    energy = _num(cdr.get("total_energy"), "$.total_energy", [])
    if energy is not None and abs(energy - sums["ENERGY"]) > tolerance:
        findings.append(
            Finding(
                "cdr.total_energy_mismatch",
                f"total_energy is {format_decimal(energy)} kWh but the sum of the periods' "
                f"ENERGY is {format_decimal(sums['ENERGY'], 6)} kWh",
                "$.total_energy",
            )
        )
    timed = sums["TIME"] + sums["PARKING_TIME"]
    total_time = _num(cdr.get("total_time"), "$.total_time", [])
    if total_time is not None and (present & {"TIME", "PARKING_TIME"}):
        short = timed - total_time > tolerance
        if short or (all_timed and abs(total_time - timed) > tolerance):
            relation = "is" if all_timed else "is at least"
            findings.append(
                Finding(
                    "cdr.total_time_mismatch",
                    f"total_time is {format_decimal(total_time)} h but the sum of the periods' "
                    f"TIME and PARKING_TIME is {format_decimal(timed, 6)} h (total_time "
                    f"{relation} that sum)",
                    "$.total_time",
                )
            )
    parking = _num(cdr.get("total_parking_time"), "$.total_parking_time", [])
    if parking is None:
        if sums["PARKING_TIME"] > tolerance:
            findings.append(
                Finding(
                    "cdr.total_parking_time_missing",
                    f"total_parking_time is absent but the periods hold "
                    f"{_hours(sums['PARKING_TIME'])} h of PARKING_TIME",
                    "$.total_parking_time",
                    level="warning",
                )
            )
    elif "PARKING_TIME" in present and abs(parking - sums["PARKING_TIME"]) > tolerance:
        findings.append(
            Finding(
                "cdr.total_parking_time_mismatch",
                f"total_parking_time is {format_decimal(parking)} h but the sum of the periods' "
                f"PARKING_TIME is {format_decimal(sums['PARKING_TIME'], 6)} h",
                "$.total_parking_time",
            )
        )


_SPAN_SLACK = Decimal(1) / 60  # one minute: CPOs round total_time


def _check_total_time_span(
    cdr: Mapping[str, Any],
    sums: dict[str, Decimal],
    start: datetime | None,
    end: datetime | None,
    tolerance: Decimal,
    findings: list[Finding],
) -> None:
    """total_time is the session's duration: not above the CDR's span, and not below it by more
    than its reservation time (the span starts at a reservation's start)."""
    total_time = _num(cdr.get("total_time"), "$.total_time", [])
    if total_time is None or start is None or end is None:
        return
    span = seconds_between(start, end) / 3600
    if total_time > span + tolerance:
        findings.append(
            Finding(
                "cdr.total_time_exceeds_session",
                f"total_time is {format_decimal(total_time)} h but the CDR spans only "
                f"{_hours(span)} h",
                "$.total_time",
            )
        )
    elif total_time < span - sums["RESERVATION_TIME"] - max(tolerance, _SPAN_SLACK):
        findings.append(
            Finding(
                "cdr.total_time_below_session",
                f"total_time is {format_decimal(total_time)} h but the session lasts "
                f"{_hours(span)} h (start_date_time to its end); total_time is the whole "
                "session's duration, charging and not charging",
                "$.total_time",
            )
        )


def _check_tariff_refs(
    cdr: Mapping[str, Any],
    tariffs: Sequence[Mapping[str, Any]],
    periods: list[Any],
    version: str,
    findings: list[Finding],
) -> None:
    docs = list(tariffs) or unwrap_list(cdr.get("tariffs"))
    source = "$.tariffs" if not tariffs else "tariffs"
    currency = cdr.get("currency")
    ids = set()
    for i, tariff in enumerate(docs):
        if not isinstance(tariff, Mapping):
            continue
        ids.add(str(tariff.get("id", "")).upper())
        if currency and tariff.get("currency") and tariff.get("currency") != currency:
            findings.append(
                Finding(
                    "cdr.currency_mismatch",
                    f"the CDR's currency {currency} differs from tariff "
                    f"{tariff.get('id')!r}'s {tariff.get('currency')}",
                    f"{source}[{i}].currency" if not tariffs else "$.currency",
                )
            )
    if version == "2.1.1" or not docs:
        return
    for i, period in enumerate(periods):
        if not isinstance(period, Mapping) or period.get("tariff_id") is None:
            continue
        if str(period["tariff_id"]).upper() not in ids:
            findings.append(
                Finding(
                    "cdr.unknown_tariff_id",
                    f"tariff_id {period['tariff_id']!r} is not one of the CDR's tariffs",
                    f"$.charging_periods[{i}].tariff_id",
                )
            )


# -- tariff sanity --------------------------------------------------------------------------------

_RANGES = (
    ("kwh", "kWh"),
    ("power", "kW"),
    ("current", "A"),
    ("duration", "s"),
)


def _minutes_of(r: Restrictions) -> frozenset[int]:
    start, end = r.window()
    return frozenset(m for m in range(1440) if window_matches(start, end, m))


def _never(r: Restrictions) -> str | None:
    """Why a restriction set can never hold, or None."""
    if r.has_time_window and not _minutes_of(r):
        start, end = r.window()
        return f"the time window {hm(start)}-{hm(end % 1440)} is empty"
    if r.start_date and r.end_date and r.start_date >= r.end_date:
        return f"start_date {r.start_date} is not before end_date {r.end_date}"
    for name, unit in _RANGES:
        low, high = getattr(r, f"min_{name}"), getattr(r, f"max_{name}")
        if low is not None and high is not None and low >= high:
            return (
                f"min_{name} {format_decimal(low)} {unit} is not below "
                f"max_{name} {format_decimal(high)} {unit}"
            )
    return None


def _covers(a: Restrictions | None, b: Restrictions | None) -> bool:
    """Whether ``a`` holds at every moment ``b`` holds (so an element with ``a`` shadows ``b``)."""
    if a is None or a.is_empty():
        return True
    if b is None:
        return False
    if a.has_time_window and not (b.has_time_window and _minutes_of(b) <= _minutes_of(a)):
        return False
    if a.start_date and not (b.start_date and b.start_date >= a.start_date):
        return False
    if a.end_date and not (b.end_date and b.end_date <= a.end_date):
        return False
    if a.day_of_week and not (b.day_of_week and b.day_of_week <= a.day_of_week):
        return False
    for name, _ in _RANGES:
        low_a, low_b = getattr(a, f"min_{name}"), getattr(b, f"min_{name}")
        high_a, high_b = getattr(a, f"max_{name}"), getattr(b, f"max_{name}")
        if low_a is not None and not (low_b is not None and low_b >= low_a):
            return False
        if high_a is not None and not (high_b is not None and high_b <= high_a):
            return False
    return True


def check_tariff_sanity(tariff: Mapping[str, Any], *, version: str = "2.2.1") -> list[Finding]:
    """Warnings about a tariff that is valid OCPI but cannot mean what its author intended.

    Restrictions that can never match, min_price above max_price, components never used because
    an earlier element always wins for their dimension, components a reservation element may not
    have, negative prices. An unreadable tariff gives one ``tariff.unreadable`` finding.
    """
    try:
        with decimal.localcontext(_context()):
            parsed = parse_tariff(tariff, version)
    except PricingError as exc:
        return [Finding("tariff.unreadable", str(exc), "$")]
    findings: list[Finding] = _tolerated(tariff, version)
    never: set[int] = set()
    for element in parsed.elements:
        path = f"$.elements[{element.index}]"
        if not element.components:
            findings.append(
                Finding("tariff.element_empty", "the element has no price components", path)
            )
        seen: set[str] = set()
        for c in element.components:
            cpath = f"{path}.price_components[{c.index}]"
            if c.type in seen:
                findings.append(
                    Finding(
                        "tariff.duplicate_dimension",
                        f"a second {c.type} component in one element is never used",
                        cpath,
                        "warning",
                    )
                )
            seen.add(c.type)
            if c.price < 0:
                findings.append(
                    Finding(
                        "tariff.negative_price", f"price {c.price} is negative", cpath, "warning"
                    )
                )
            if element.reservation and c.type not in ("FLAT", "TIME"):
                findings.append(
                    Finding(
                        "tariff.reservation_dimension",
                        f"a reservation element may only have FLAT and TIME components, "
                        f"not {c.type}",
                        cpath,
                    )
                )
        reason = _never(element.restrictions) if element.restrictions else None
        if reason:
            never.add(element.index)
            findings.append(
                Finding(
                    "tariff.restriction_never_matches",
                    f"the element can never apply: {reason}",
                    f"{path}.restrictions",
                    "warning",
                )
            )
    findings.extend(_shadowed(parsed.elements, never))
    findings.extend(_limits(parsed.min_price, parsed.max_price, version))
    return findings


_SPEC_TIME = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")


def _tolerated(tariff: Mapping[str, Any], version: str) -> list[Finding]:
    """What the engine reads leniently but the Tariff's definition does not allow: no elements,
    a price or vat given as a string, a negative vat, day_of_week given as one string, a time of
    day outside 00:00-23:59 (24:00)."""
    findings: list[Finding] = []
    elements = tariff.get("elements")
    if isinstance(elements, list) and not elements:
        findings.append(
            Finding("tariff.no_elements", "elements is empty: a Tariff has at least one", "$")
        )
    for i, element in enumerate(elements if isinstance(elements, list) else []):
        if not isinstance(element, Mapping):
            continue
        path = f"$.elements[{i}]"
        components = element.get("price_components")
        for j, c in enumerate(components if isinstance(components, list) else []):
            if not isinstance(c, Mapping):
                continue
            cpath = f"{path}.price_components[{j}]"
            for key in ("price", "vat", "step_size"):
                if isinstance(c.get(key), str):
                    findings.append(
                        Finding(
                            "tariff.number_as_string",
                            f"{key} is the string {c[key]!r}; it must be a JSON number",
                            f"{cpath}.{key}",
                        )
                    )
            vat = c.get("vat")
            if version != "2.1.1" and isinstance(vat, int | float | Decimal | str):
                with contextlib.suppress(PricingError):
                    if to_decimal(vat) < 0:
                        findings.append(
                            Finding(
                                "tariff.negative_vat",
                                f"vat {vat} is negative: a VAT percentage is 0 or more",
                                f"{cpath}.vat",
                                "warning",
                            )
                        )
        r = element.get("restrictions")
        if not isinstance(r, Mapping):
            continue
        if isinstance(r.get("day_of_week"), str):
            findings.append(
                Finding(
                    "tariff.day_of_week_not_a_list",
                    f"day_of_week is the string {r['day_of_week']!r}; it is a list of days",
                    f"{path}.restrictions.day_of_week",
                )
            )
        for key in ("start_time", "end_time"):
            value = r.get(key)
            if isinstance(value, str) and not _SPEC_TIME.match(value):
                findings.append(
                    Finding(
                        "tariff.time_of_day_invalid",
                        f"{key} {value!r} is not a time of day 00:00-23:59 (HH:MM, 24 h); "
                        "midnight is 00:00",
                        f"{path}.restrictions.{key}",
                    )
                )
    return findings


def _shadowed(elements: Sequence[Element], never: set[int]) -> list[Finding]:
    findings = []
    for later in elements:
        if later.index in never:
            continue
        for dimension in DIMENSIONS:
            component = later.component(dimension)
            if component is None:
                continue
            for earlier in elements[: later.index]:
                if earlier.index in never or earlier.reservation != later.reservation:
                    continue
                if earlier.component(dimension) and _covers(
                    earlier.restrictions, later.restrictions
                ):
                    findings.append(
                        Finding(
                            "tariff.component_shadowed",
                            f"this {dimension} component is never used: elements"
                            f"[{earlier.index}] also prices {dimension} and applies whenever "
                            f"this element does",
                            f"$.elements[{later.index}].price_components[{component.index}]",
                            "warning",
                        )
                    )
                    break
    return findings


def _limits(low: Any, high: Any, version: str) -> list[Finding]:
    findings = []
    excl, incl = ("before_taxes", "after_taxes") if version == "2.3.0" else ("excl_vat", "incl_vat")
    for name, limit in (("min_price", low), ("max_price", high)):
        if limit is not None and limit.incl_vat is not None and limit.incl_vat < limit.excl_vat:
            findings.append(
                Finding(
                    "tariff.limit_incl_below_excl",
                    f"{name}.{incl} is below {name}.{excl}",
                    f"$.{name}",
                    "warning",
                )
            )
    if low is not None and high is not None:
        for field, a, b in (
            (excl, low.excl_vat, high.excl_vat),
            (incl, low.incl_vat, high.incl_vat),
        ):
            if a is not None and b is not None and a > b:
                findings.append(
                    Finding(
                        "tariff.min_above_max",
                        f"min_price.{field} {format_decimal(a)} is above max_price.{field} "
                        f"{format_decimal(b)}",
                        "$.min_price",
                    )
                )
    return findings


# -- our numbers next to the CDR's ----------------------------------------------------------------


@dataclass(frozen=True)
class Comparison:
    """One figure of a CDR next to ours. ``ok`` is None when either side has no value."""

    field: str
    ours: Decimal | None
    theirs: Decimal | None
    ok: bool | None

    @property
    def difference(self) -> Decimal | None:
        if self.ours is None or self.theirs is None:
            return None
        return self.theirs - self.ours

    def to_json_dict(self) -> dict[str, Any]:
        def text(value: Decimal | None) -> str | None:
            return None if value is None else format_decimal(value, 10)

        return {
            "field": self.field,
            "ours": text(self.ours),
            "theirs": text(self.theirs),
            "difference": text(self.difference),
            "ok": self.ok,
        }


def _their_price(value: Any, version: str) -> tuple[Decimal | None, Decimal | None]:
    try:
        if value is None:
            return None, None
        if not isinstance(value, Mapping):
            return to_decimal(value), None
        if "before_taxes" in value or version == "2.3.0":
            before = to_decimal(value.get("before_taxes"))
            taxes = [t for t in value.get("taxes") or [] if isinstance(t, Mapping)]
            return before, before + sum((to_decimal(t.get("amount")) for t in taxes), ZERO)
        incl = value.get("incl_vat")
        return to_decimal(value.get("excl_vat")), None if incl is None else to_decimal(incl)
    except PricingError:
        return None, None


def compare_with_cdr(
    result: PriceResult,
    cdr: Mapping[str, Any],
    *,
    version: str | None = None,
    money_tolerance: Decimal = Decimal("0.01"),
    quantity_tolerance: Decimal = Decimal("0.001"),
) -> tuple[Comparison, ...]:
    """The CDR's totals next to ours, field by field.

    A Credit CDR carries the original's data with only ``total_cost`` negated (2.2.1 §10.1.1
    Credit CDRs), so only that figure is compared negated.

    Money fields give one row excl. and one incl. VAT (2.3.0: before/after taxes). A figure the
    CDR leaves out, or that we cannot know, gets ``ok=None``.
    """
    version = version or result.version
    sign = Decimal(-1) if cdr.get("credit") is True else Decimal(1)
    rows = []
    with decimal.localcontext(_context()):
        for key in ("total_cost", *(f"total_{kind}_cost" for kind in KINDS)):
            if version == "2.1.1" and key != "total_cost":
                continue
            ours = result.total_cost if key == "total_cost" else result.cost_of(key[6:-5])
            excl, incl = _their_price(cdr.get(key), version)
            parts = [("excl_vat", ours.excl_vat, excl)]
            if version != "2.1.1":
                parts.append(("incl_vat", ours.incl_vat, incl))
            for part, mine, theirs in parts:
                if theirs is not None and key == "total_cost":
                    theirs *= sign
                ok = (
                    None
                    if mine is None or theirs is None
                    else abs(theirs - mine) <= money_tolerance
                )
                rows.append(Comparison(f"{key}.{part}", mine, theirs, ok))
        for key, mine in (
            ("total_energy", result.total_energy),
            ("total_time", result.total_time),
            ("total_parking_time", result.total_parking_time),
        ):
            try:
                theirs = None if cdr.get(key) is None else to_decimal(cdr.get(key))
            except PricingError:
                theirs = None
            ok = None if theirs is None else abs(theirs - mine) <= quantity_tolerance
            rows.append(Comparison(key, mine, theirs, ok))
    return tuple(rows)


def unsplit_period_findings(
    cdr: Mapping[str, Any],
    tariffs: Sequence[Mapping[str, Any]] = (),
    *,
    version: str = "2.2.1",
    time_zone: str | None = None,
) -> list[Finding]:
    """Charging periods inside which another price component becomes active (a time of day, a
    kWh or duration threshold, a date): the CPO SHALL start a new period there (2.2.1 §10.3
    ChargingPeriod). Found by pricing with periods split and looking for a period whose dimension
    is priced by more than one component. Unreadable input gives no finding here (the pricing
    and consistency rules report it)."""
    try:
        result = price_cdr(cdr, tariffs, version=version, time_zone=time_zone)
    except PricingError:
        return []
    priced: dict[tuple[int, str], list[Any]] = {}
    for line in result.breakdown:
        if line.period_index is None or line.dimension == "FLAT" or line.kind == "limit":
            continue
        key = (line.period_index, line.dimension)
        who = (line.tariff_id, line.element_index, line.component_index, line.price)
        seen = priced.setdefault(key, [])
        if not seen or seen[-1][0] != who:
            seen.append((who, line.start))
    findings = []
    for (index, dimension), changes in sorted(priced.items()):
        if len(changes) < 2:
            continue
        steps = ", then ".join(
            f"{_priced_by(who)} from {moment:%Y-%m-%dT%H:%M:%SZ}" for who, moment in changes
        )
        findings.append(
            Finding(
                "cdr.period_not_split",
                f"period {index}'s {dimension} is priced by {steps}: another price component "
                "becomes active inside the period, where the CPO has to start a new charging "
                "period",
                f"$.charging_periods[{index}]",
            )
        )
    return findings


def _priced_by(who: tuple[Any, ...]) -> str:
    tariff_id, element, component, price = who
    if element is None:
        return "no element (free)"
    return (
        f"tariff {tariff_id} elements[{element}].price_components[{component}] "
        f"({format_decimal(price)})"
    )

"""Charging periods cut where their tariff's price can change inside them.

OCPI 2.2.1 (CDRs module, ChargingPeriod) asks the CPO to start a new charging period whenever a
relevant value or the tariff element that applies changes. Inside one of the mock's periods the
power, the current and the tariff stay the same, so what can still change is what a tariff
element's restrictions look at as the session goes on: the local time of day (``start_time`` /
``end_time``, and local midnight for ``day_of_week`` / ``start_date`` / ``end_date``), the time
since the session (or reservation) started (``min_duration`` / ``max_duration``) and the energy
charged so far (``min_kwh`` / ``max_kwh``). :func:`split_at_price_changes` cuts each period at
every such point inside it, so every period is priced by one component per dimension.

A cut may fall where no price actually changes (both sides match the same element): an extra
period never changes what the session costs, a missing one does.

Volumes are shared out by cumulative rounding, so the pieces of a period add up exactly to it;
a cut at a kWh threshold gets exactly the threshold as the energy before it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

__all__ = ["merge_at_price_changes", "split_at_price_changes"]

Json = dict[str, Any]

_TIME_DIMENSIONS = ("TIME", "PARKING_TIME", "RESERVATION_TIME")
# Levels read at the end of a period: only the last piece keeps them.
_LEVELS = frozenset({"STATE_OF_CHARGE"})
_DAY_RESTRICTIONS = ("day_of_week", "start_date", "end_date")


def _ms(value: str | int | datetime) -> int:
    """Epoch milliseconds of an OCPI DateTime, a datetime or epoch seconds (an int)."""
    if isinstance(value, int):
        return value * 1000
    if isinstance(value, str):
        value = datetime.fromisoformat(value.removesuffix("Z"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return round(value.timestamp() * 1000)


def _stamp(ms: int, with_ms: bool) -> str:
    moment = datetime.fromtimestamp(ms // 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{moment}.{ms % 1000:03d}Z" if with_ms else f"{moment}Z"


def _minutes(value: str) -> int:
    hours, minutes = value.split(":")
    return (int(hours) * 60 + int(minutes)) % 1440


def _restrictions(tariff: Mapping[str, Any] | None) -> list[Mapping[str, Any]]:
    elements = (tariff or {}).get("elements") or []
    return [e["restrictions"] for e in elements if e.get("restrictions")]


def _local_minutes(tariff: Mapping[str, Any] | None) -> set[int]:
    found: set[int] = set()
    for r in _restrictions(tariff):
        found.update(_minutes(r[key]) for key in ("start_time", "end_time") if r.get(key))
        if any(r.get(key) for key in _DAY_RESTRICTIONS):
            found.add(0)
    return found


def _durations(tariff: Mapping[str, Any] | None) -> set[Decimal]:
    return {
        Decimal(str(r[key]))
        for r in _restrictions(tariff)
        for key in ("min_duration", "max_duration")
        if r.get(key) is not None
    }


def _thresholds(tariff: Mapping[str, Any] | None) -> list[Decimal]:
    found = {
        Decimal(str(r[key]))
        for r in _restrictions(tariff)
        for key in ("min_kwh", "max_kwh")
        if r.get(key) is not None
    }
    return sorted(found)


def _time_of_day_cuts(minutes: set[int], zone: ZoneInfo, a: int, b: int) -> set[int]:
    """Instants (epoch ms) strictly inside (a, b) where the local time of day is one of
    ``minutes`` (both readings of an ambiguous local time)."""
    cuts: set[int] = set()
    if not minutes:
        return cuts
    day = datetime.fromtimestamp(a / 1000, zone).date() - timedelta(days=1)
    last = datetime.fromtimestamp(b / 1000, zone).date() + timedelta(days=1)
    while day <= last:
        for minute in minutes:
            for fold in (0, 1):
                local = datetime(day.year, day.month, day.day, minute // 60, minute % 60)
                moment = int(local.replace(tzinfo=zone, fold=fold).timestamp()) * 1000
                if a < moment < b:
                    cuts.add(moment)
        day += timedelta(days=1)
    return cuts


def _round(value: Fraction | Decimal, places: int) -> Decimal:
    if isinstance(value, Fraction):
        value = Decimal(value.numerator) / Decimal(value.denominator)
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _share(total: Decimal, offset: int, wall: int, places: int) -> Decimal:
    """The part of ``total`` used by ``offset`` of ``wall`` seconds, rounded (all at the end)."""
    if offset == 0:
        return Decimal(0)
    if offset == wall:
        return total
    return _round(Fraction(total) * Fraction(offset, wall), places)


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _energy_at(offset: int, anchors: Sequence[tuple[int, Decimal]]) -> Fraction:
    """Energy at ``offset`` seconds into a period, linear between the known (offset, kWh)."""
    for (lo, e_lo), (hi, e_hi) in zip(anchors, anchors[1:], strict=False):
        if lo <= offset <= hi:
            if hi == lo:
                return Fraction(e_hi)
            return Fraction(e_lo) + (Fraction(e_hi) - Fraction(e_lo)) * Fraction(
                offset - lo, hi - lo
            )
    return Fraction(anchors[-1][1])


def _volumes(period: Mapping[str, Any]) -> dict[str, Decimal]:
    found: dict[str, Decimal] = {}
    for dim in period.get("dimensions") or []:
        found[dim["type"]] = found.get(dim["type"], Decimal(0)) + Decimal(str(dim["volume"]))
    return found


def _reserved_only(period: Mapping[str, Any]) -> bool:
    kinds = set(_volumes(period))
    return "RESERVATION_TIME" in kinds and not kinds & {"TIME", "PARKING_TIME", "ENERGY"}


def split_at_price_changes(
    periods: Sequence[Mapping[str, Any]],
    tariffs: Sequence[Mapping[str, Any]],
    *,
    time_zone: str,
    end: str | int | datetime,
    energy_before: Decimal = Decimal(0),
    session_start: str | int | None = None,
    reservation_start: str | int | None = None,
    energy_places: int = 4,
    time_places: int = 4,
) -> list[Json]:
    """``periods`` (in time order, the last one ending at ``end``) with each one cut at every
    point inside it where its tariff (by ``tariff_id``, else the first of ``tariffs``) could
    change price. Moments are OCPI DateTimes, datetimes or epoch seconds (ints); a cut is
    stamped with milliseconds when its period's start is.

    ``energy_before`` is the kWh charged before the first period; durations count from
    ``session_start`` (by default the first period that is not only reservation) or, for
    reservation periods, from ``reservation_start`` (by default the first period's start).
    Volumes are rounded to ``energy_places`` (ENERGY) and ``time_places`` (hours) decimals.
    """
    if not periods:
        return []
    by_id = {str(t["id"]).upper(): t for t in tariffs}
    zone = ZoneInfo(time_zone)
    starts = [_ms(p["start_date_time"]) for p in periods]
    finish = _ms(end)
    bounds = [*starts[1:], finish]

    def origin(value: str | int | None, fallback: int) -> int:
        return fallback if value is None else _ms(value)

    charged = [s for s, p in zip(starts, periods, strict=True) if not _reserved_only(p)]
    session_origin = origin(session_start, charged[0] if charged else starts[0])
    reservation_origin = origin(reservation_start, starts[0])

    result: list[Json] = []
    used = energy_before
    for period, a, b in zip(periods, starts, bounds, strict=True):
        tariff_id = period.get("tariff_id")
        tariff = by_id.get(str(tariff_id).upper()) if tariff_id else None
        if tariff is None and tariffs:
            tariff = tariffs[0]
        volumes = _volumes(period)
        energy = volumes.get("ENERGY", Decimal(0))
        wall = b - a
        cuts = _time_of_day_cuts(_local_minutes(tariff), zone, a, b)
        base = reservation_origin if _reserved_only(period) else session_origin
        for duration in _durations(tariff):
            moment = base + int(duration * 1000)
            if a < moment < b:
                cuts.add(moment)
        anchors: dict[int, Decimal] = {}
        with_ms = "." in period["start_date_time"]
        unit = 1 if with_ms else 1000  # a cut at a kWh threshold falls on a tick of the stamps
        if energy > 0 and wall >= 2 * unit:
            for threshold in _thresholds(tariff):
                if used < threshold < used + energy:
                    share = Fraction(threshold - used) / Fraction(energy)
                    offset = min(max(round(share * wall / unit), 1), wall // unit - 1) * unit
                    anchors[offset] = threshold
                    cuts.add(a + offset)
        offsets = sorted(c - a for c in cuts)
        if not offsets:
            result.append(dict(period))
            used += energy
            continue
        known = sorted({0: used, **anchors, wall: used + energy}.items())
        points = [0, *offsets, wall]
        marks = [used, *(_round(_energy_at(o, known), energy_places) for o in offsets)]
        marks.append(used + energy)
        for n in range(len(points) - 1):
            lo, hi = points[n], points[n + 1]
            last = n == len(points) - 2
            dims: list[Json] = []
            for dim in period.get("dimensions") or []:
                kind = dim["type"]
                if kind == "ENERGY":
                    volume = marks[n + 1] - marks[n]
                elif kind in _TIME_DIMENSIONS:
                    total = volumes[kind]
                    volume = _share(total, hi, wall, time_places) - _share(
                        total, lo, wall, time_places
                    )
                elif kind in _LEVELS and not last:
                    continue
                else:
                    dims.append(dict(dim))
                    continue
                dims.append({"type": kind, "volume": _number(volume)})
            begin = period["start_date_time"] if lo == 0 else _stamp(a + lo, with_ms)
            piece: Json = {**period, "start_date_time": begin, "dimensions": dims}
            result.append(piece)
        used += energy
    return result


_SUMMED = frozenset({"ENERGY", *_TIME_DIMENSIONS})


def _alike(first: Mapping[str, Any], second: Mapping[str, Any]) -> bool:
    """Same tariff and the same dimensions, equal except in the volumes that add up."""
    if first.get("tariff_id") != second.get("tariff_id"):
        return False
    a, b = first.get("dimensions") or [], second.get("dimensions") or []
    return [d["type"] for d in a] == [d["type"] for d in b] and all(
        x["type"] in _SUMMED or x["volume"] == y["volume"] for x, y in zip(a, b, strict=True)
    )


def _joined(first: Mapping[str, Any], second: Mapping[str, Any]) -> Json:
    dims = []
    for x, y in zip(first["dimensions"], second["dimensions"], strict=True):
        if x["type"] in _SUMMED:
            total = Decimal(str(x["volume"])) + Decimal(str(y["volume"]))
            dims.append({"type": x["type"], "volume": _number(total)})
        else:
            dims.append(dict(x))
    return {**first, "dimensions": dims}


def merge_at_price_changes(
    periods: Sequence[Mapping[str, Any]],
    tariffs: Sequence[Mapping[str, Any]],
    *,
    time_zone: str,
    end: str | int | datetime,
) -> list[Json]:
    """The reverse of :func:`split_at_price_changes` (for a fault): two periods in a row that
    are alike and meet exactly where the price can change are joined into one that spans it."""
    if not periods:
        return []
    charged = [p for p in periods if not _reserved_only(p)]
    session_start = (charged[0] if charged else periods[0])["start_date_time"]
    options = {
        "time_zone": time_zone,
        "session_start": session_start,
        "reservation_start": periods[0]["start_date_time"],
    }
    merged: list[Json] = [dict(periods[0])]
    used = Decimal(0)  # energy before merged[-1]
    for n, period in enumerate(periods[1:], start=1):
        last = merged[-1]
        after = periods[n + 1]["start_date_time"] if n + 1 < len(periods) else end
        if _alike(last, period):
            joined = _joined(last, period)
            cut = split_at_price_changes(
                [joined], tariffs, end=after, energy_before=used, **options
            )
            if period["start_date_time"] in [p["start_date_time"] for p in cut[1:]]:
                merged[-1] = joined
                continue
        used += _volumes(last).get("ENERGY", Decimal(0))
        merged.append(dict(period))
    return merged

"""Whether a TariffRestrictions matches at a moment, and where restrictions can change.

Semantics (2.2.1 mod_tariffs, TariffRestrictions): every field present must hold (logical AND);
``start_time``/``start_date``/``min_*`` are inclusive, ``end_time``/``end_date``/``max_*``
exclusive; ``end_time`` before ``start_time`` wraps past midnight and ``00:00`` as ``end_time``
means the end of the day. Times and dates are local to the Location's time zone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from decimal import Decimal

from ocpi_core.pricing._model import PricingOptions, format_decimal
from ocpi_core.pricing._parse import DAYS, Restrictions

__all__ = ["Moment", "check", "hm", "local_boundaries", "window_matches"]


@dataclass(frozen=True)
class Moment:
    """What the restrictions look at, at the start of a stretch of the session.

    ``elapsed`` is seconds since the session (or reservation) started, ``energy`` the kWh used so
    far. Power and current are the lowest and highest values seen in the stretch (a ``min_*``
    restriction needs the lowest to hold, a ``max_*`` the highest); None when not measured.
    """

    local: datetime
    elapsed: Decimal
    energy: Decimal
    power_low: Decimal | None = None
    power_high: Decimal | None = None
    current_low: Decimal | None = None
    current_high: Decimal | None = None


def hm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _n(value: Decimal) -> str:
    return format_decimal(value, 6)


def window_matches(start: int, end: int, minute: int) -> bool:
    """``minute`` of the day inside the window ``[start, end)``, wrapping when end < start."""
    if start < end:
        return start <= minute < end
    if start > end:
        return minute >= start or minute < end
    return False


def check(r: Restrictions, m: Moment, options: PricingOptions) -> tuple[bool, str]:
    """``(matches, why)``: on a match the conditions that held, else the first that failed."""
    held: list[str] = []
    minute = m.local.hour * 60 + m.local.minute
    day = m.local.date()
    if r.has_time_window:
        start, end = r.window()
        label = f"{hm(start)}-{hm(end % 1440)}"
        if not window_matches(start, end, minute):
            return False, f"local time {hm(minute)} outside {label}"
        held.append(f"local time {hm(minute)} in {label}")
        if options.overnight_day == "window_start" and start > end and minute < end:
            day = day - timedelta(days=1)
    if r.start_date is not None and day < r.start_date:
        return False, f"date {day} before start_date {r.start_date}"
    if r.end_date is not None and day >= r.end_date:
        return False, f"date {day} not before end_date {r.end_date}"
    if r.start_date is not None or r.end_date is not None:
        held.append(f"date {day} in range")
    if r.day_of_week:
        name = DAYS[day.weekday()]
        if name not in r.day_of_week:
            return False, f"{name} not in day_of_week"
        held.append(f"{name} in day_of_week")
    if r.min_kwh is not None:
        if m.energy < r.min_kwh:
            return False, f"energy so far {_n(m.energy)} kWh below min_kwh {_n(r.min_kwh)}"
        held.append(f"energy so far {_n(m.energy)} kWh >= min_kwh {_n(r.min_kwh)}")
    if r.max_kwh is not None:
        if m.energy >= r.max_kwh:
            return False, f"energy so far {_n(m.energy)} kWh not below max_kwh {_n(r.max_kwh)}"
        held.append(f"energy so far {_n(m.energy)} kWh < max_kwh {_n(r.max_kwh)}")
    for quantity, unit, low, high in (
        ("current", "A", m.current_low, m.current_high),
        ("power", "kW", m.power_low, m.power_high),
    ):
        lower = getattr(r, f"min_{quantity}")
        upper = getattr(r, f"max_{quantity}")
        for bound, value, name in ((lower, low, "min"), (upper, high, "max")):
            if bound is None:
                continue
            if value is None:
                if options.unknown_measurement == "no_match":
                    return False, f"{name}_{quantity} set but the period has no {quantity} data"
                held.append(f"{name}_{quantity} assumed met (no {quantity} data)")
                continue
            if name == "min" and value < bound:
                return False, f"{quantity} {_n(value)} {unit} below min_{quantity} {_n(bound)}"
            if name == "max" and value >= bound:
                return False, f"{quantity} {_n(value)} {unit} not below max_{quantity} {_n(bound)}"
            sign = ">=" if name == "min" else "<"
            held.append(f"{quantity} {_n(value)} {unit} {sign} {name}_{quantity} {_n(bound)}")
    if r.min_duration is not None:
        if m.elapsed < r.min_duration:
            return False, f"duration {_n(m.elapsed)} s below min_duration {_n(r.min_duration)} s"
        held.append(f"duration {_n(m.elapsed)} s >= min_duration {_n(r.min_duration)} s")
    if r.max_duration is not None:
        if m.elapsed >= r.max_duration:
            return False, (
                f"duration {_n(m.elapsed)} s not below max_duration {_n(r.max_duration)} s"
            )
        held.append(f"duration {_n(m.elapsed)} s < max_duration {_n(r.max_duration)} s")
    return True, "; ".join(held) if held else "no restrictions"


def _offset_changes(tz: tzinfo, a: datetime, b: datetime) -> list[datetime]:
    """Instants in ``(a, b)`` where the zone's UTC offset changes (DST), to the second."""
    changes = []
    step = timedelta(hours=1)
    t = a
    while t < b:
        u = min(t + step, b)
        if t.astimezone(tz).utcoffset() != u.astimezone(tz).utcoffset():
            lo, hi = t, u
            while hi - lo > timedelta(seconds=1):
                mid = lo + (hi - lo) / 2
                if lo.astimezone(tz).utcoffset() == mid.astimezone(tz).utcoffset():
                    lo = mid
                else:
                    hi = mid
            if a < hi < b:
                changes.append(hi)
        t = u
    return changes


def local_boundaries(
    minutes: Iterable[int], tz: tzinfo, a: datetime, b: datetime
) -> list[datetime]:
    """UTC instants strictly inside ``(a, b)`` where the local time of day is one of ``minutes``.

    Both readings of an ambiguous or missing local time (DST) are included, and so are the DST
    changes themselves: an extra split never changes a price, a missing one could.
    """
    minutes = sorted(set(minutes))
    if not minutes or b <= a:
        return []
    found: set[datetime] = set()
    first = a.astimezone(tz).date() - timedelta(days=1)
    last = b.astimezone(tz).date() + timedelta(days=1)
    day = first
    while day <= last:
        midnight = datetime(day.year, day.month, day.day)
        for minute in minutes:
            naive = midnight + timedelta(minutes=minute)
            for fold in (0, 1):
                moment = naive.replace(tzinfo=tz, fold=fold).astimezone(UTC)
                if a < moment < b:
                    found.add(moment)
        day += timedelta(days=1)
    found.update(_offset_changes(tz, a, b))
    return sorted(found)

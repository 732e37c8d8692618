"""A session as a list of stretches, each in one state, ready to be priced.

A CDR period may hold reservation time, charging time and parking time at once; we lay them out
in that order over the period's wall-clock span (a period ends where the next one starts) and put
its energy on the charging part. A stretch is then split wherever a tariff restriction could
change inside it, interpolating time and energy linearly, so that the restrictions evaluated at the
start of each piece hold for the whole piece. Ratios are exact :class:`fractions.Fraction`; every
quantity stays a Decimal, and the pieces of a stretch add up exactly to the stretch.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, tzinfo
from decimal import Decimal
from fractions import Fraction
from typing import Any

from ocpi_core.pricing._model import PricingError
from ocpi_core.pricing._parse import as_list, parse_datetime, to_decimal
from ocpi_core.pricing._restrictions import local_boundaries
from ocpi_core.pricing._session import SessionSample

__all__ = ["Segment", "period_segments", "sample_segments", "seconds_between", "split_segments"]

ZERO = Decimal(0)
_US = timedelta(microseconds=1)


@dataclass(frozen=True)
class Segment:
    """One stretch of a session in one ``state`` (CHARGING, PARKING or RESERVATION).

    ``seconds`` is the time volume to bill (from the CDR's dimensions, or wall-clock for samples);
    ``energy`` the kWh in the stretch and ``energy_before`` the kWh used in the session before it.
    """

    period_index: int | None
    start: datetime
    end: datetime
    state: str
    seconds: Decimal
    energy: Decimal = ZERO
    energy_before: Decimal = ZERO
    power_low: Decimal | None = None
    power_high: Decimal | None = None
    current_low: Decimal | None = None
    current_high: Decimal | None = None
    tariff_id: str | None = None


def seconds_between(a: datetime, b: datetime) -> Decimal:
    return Decimal((b - a) // _US).scaleb(-6)


def _dec(value: Fraction) -> Decimal:
    return Decimal(value.numerator) / Decimal(value.denominator)


def _dimensions(period: Mapping[str, Any], path: str) -> dict[str, list[Decimal]]:
    values: dict[str, list[Decimal]] = {}
    dims = as_list(period.get("dimensions"), f"{path}.dimensions", "CdrDimension objects")
    for j, dim in enumerate(dims):
        if not isinstance(dim, Mapping) or "type" not in dim:
            raise PricingError(f"{path}.dimensions[{j}]: expected a CdrDimension object")
        if not isinstance(dim["type"], str):
            raise PricingError(
                f"{path}.dimensions[{j}].type: expected a CdrDimensionType string, got "
                f"{dim['type']!r}"
            )
        volume = dim.get("volume")
        if volume is None:
            raise PricingError(f"{path}.dimensions[{j}].volume: missing")
        values.setdefault(str(dim["type"]), []).append(
            to_decimal(volume, f"{path}.dimensions[{j}].volume")
        )
    return values


def _range(values: dict[str, list[Decimal]], low: str, mid: str, high: str) -> tuple[Any, Any]:
    """The lowest and highest of a measured quantity in a period, from its MIN/avg/MAX dims."""
    lows = values.get(low) or values.get(mid) or values.get(high)
    highs = values.get(high) or values.get(mid) or values.get(low)
    return (min(lows) if lows else None, max(highs) if highs else None)


def period_segments(
    periods: Sequence[Mapping[str, Any]],
    session_start: datetime,
    session_end: datetime,
    notes: list[str],
    path: str = "$.charging_periods",
) -> list[Segment]:
    """Segments for OCPI ChargingPeriods of a CDR or Session that ends at ``session_end``."""
    dated = []
    for i, period in enumerate(as_list(periods, path, "ChargingPeriod objects")):
        if not isinstance(period, Mapping):
            raise PricingError(f"{path}[{i}]: expected a ChargingPeriod object")
        start = parse_datetime(period.get("start_date_time"), f"{path}[{i}].start_date_time")
        dated.append((start, i, period))
    if [i for _, i, _ in sorted(dated, key=lambda x: (x[0], x[1]))] != list(range(len(dated))):
        notes.append("charging periods are not in time order; they were priced in time order")
    dated.sort(key=lambda x: (x[0], x[1]))
    segments: list[Segment] = []
    used = ZERO
    for k, (start, i, period) in enumerate(dated):
        end = dated[k + 1][0] if k + 1 < len(dated) else session_end
        if end < start:
            notes.append(f"charging period {i} starts after the session end")
            end = start
        values = _dimensions(period, f"{path}[{i}]")
        if "ENERGY" in values:
            energy = sum(values["ENERGY"], ZERO)
        else:
            imported = sum(values.get("ENERGY_IMPORT", []), ZERO)
            energy = imported - sum(values.get("ENERGY_EXPORT", []), ZERO)
        hours = {
            state: sum(values.get(dim, []), ZERO)
            for state, dim in (
                ("RESERVATION", "RESERVATION_TIME"),
                ("CHARGING", "TIME"),
                ("PARKING", "PARKING_TIME"),
            )
        }
        wall = seconds_between(start, end)
        if not any(dim in values for dim in ("TIME", "PARKING_TIME", "RESERVATION_TIME")):
            state = "CHARGING" if energy else "PARKING"
            hours[state] = wall / 3600
            if wall:
                notes.append(
                    f"charging period {i} has no TIME/PARKING_TIME dimension; its wall-clock "
                    f"duration was taken as {state.lower()} time"
                )
        power_low, power_high = _range(values, "MIN_POWER", "POWER", "MAX_POWER")
        current_low, current_high = _range(values, "MIN_CURRENT", "CURRENT", "MAX_CURRENT")
        if power_low is None and hours["CHARGING"] > 0:
            power_low = power_high = energy / hours["CHARGING"]
        parts = [(s, h * 3600) for s, h in hours.items() if h]
        if energy and not hours["CHARGING"]:
            parts.insert(1 if hours["RESERVATION"] else 0, ("CHARGING", ZERO))
        total = sum((seconds for _, seconds in parts), ZERO)
        cursor = start
        for n, (state, seconds) in enumerate(parts):
            if n == len(parts) - 1:
                part_end = end
            elif total > 0:
                share = Fraction(seconds) / Fraction(total)
                part_end = cursor + _US * round((end - start) // _US * share)
            else:
                part_end = cursor
            charging = state == "CHARGING"
            segments.append(
                Segment(
                    period_index=i,
                    start=cursor,
                    end=part_end,
                    state=state,
                    seconds=seconds,
                    energy=energy if charging else ZERO,
                    energy_before=used,
                    power_low=power_low if charging else ZERO,
                    power_high=power_high if charging else ZERO,
                    current_low=current_low if charging else ZERO,
                    current_high=current_high if charging else ZERO,
                    tariff_id=period.get("tariff_id"),
                )
            )
            if charging:
                used += energy
            cursor = part_end
    return segments


def sample_segments(
    samples: Sequence[SessionSample],
    session_start: datetime,
    session_end: datetime,
    notes: list[str],
) -> list[Segment]:
    """Segments between consecutive meter readings (the last one runs to the session end)."""
    if not samples:
        notes.append("the session has no samples: priced as charging from start to end, 0 kWh")
        samples = [SessionSample(session_start, ZERO)]
    if samples[0].timestamp > session_start:
        notes.append("the first sample is after the session start; the gap takes its state")
        samples = [replace(samples[0], timestamp=session_start), *samples[1:]]
    base = samples[0].energy_kwh
    segments = []
    for i, sample in enumerate(samples):
        following = samples[i + 1] if i + 1 < len(samples) else None
        start = max(sample.timestamp, session_start)
        end = min(following.timestamp if following else session_end, session_end)
        energy = following.energy_kwh - sample.energy_kwh if following else ZERO
        if end <= start:
            if energy:
                notes.append(f"sample {i}: {energy} kWh in no time; counted in an instant")
            else:
                continue
        if sample.state == "RESERVATION" and energy:
            notes.append(f"sample {i}: energy during a reservation is not priced")
            energy = ZERO
        power = sample.power_kw
        current = sample.current_a
        if sample.state != "CHARGING":
            power = ZERO if power is None else power
            current = ZERO if current is None else current
        segments.append(
            Segment(
                period_index=i,
                start=start,
                end=max(start, end),
                state=sample.state,
                seconds=seconds_between(start, max(start, end)),
                energy=energy,
                energy_before=sample.energy_kwh - base,
                power_low=power,
                power_high=power,
                current_low=current,
                current_high=current,
            )
        )
    return segments


def split_segments(
    segments: Iterable[Segment],
    *,
    minutes: Iterable[int],
    durations: Iterable[Decimal],
    kwh: Iterable[Decimal],
    tz: tzinfo,
    phase_start: Mapping[str, datetime],
) -> list[Segment]:
    """Each segment cut where a time-of-day, duration or kWh boundary falls strictly inside it.

    ``phase_start`` maps ``"RESERVATION"`` and ``"SESSION"`` to the instant durations count from.
    """
    minutes, durations, kwh = sorted(set(minutes)), sorted(set(durations)), sorted(set(kwh))
    pieces: list[Segment] = []
    for seg in segments:
        span = (seg.end - seg.start) // _US
        # (fraction of the segment, exact energy used at that point or None)
        cuts: dict[Fraction, Decimal | None] = {}
        if span > 0:
            instants = local_boundaries(minutes, tz, seg.start, seg.end)
            origin = phase_start["RESERVATION" if seg.state == "RESERVATION" else "SESSION"]
            for d in durations:
                moment = origin + _US * int(d * 1_000_000)
                if seg.start < moment < seg.end:
                    instants.append(moment)
            for moment in instants:
                cuts.setdefault(Fraction((moment - seg.start) // _US, span), None)
        if seg.energy and seg.state != "RESERVATION":
            after = seg.energy_before + seg.energy
            for threshold in kwh:
                if min(seg.energy_before, after) < threshold < max(seg.energy_before, after):
                    fraction = Fraction(threshold - seg.energy_before) / Fraction(seg.energy)
                    cuts[fraction] = threshold
        points = sorted(f for f in cuts if 0 < f < 1)
        if not points:
            pieces.append(seg)
            continue
        bounds = [Fraction(0), *points, Fraction(1)]
        used_seconds = ZERO
        for n in range(len(bounds) - 1):
            lo, hi = bounds[n], bounds[n + 1]
            last = n == len(bounds) - 2
            e_lo = _energy_at(seg, lo, cuts)
            e_hi = seg.energy_before + seg.energy if last else _energy_at(seg, hi, cuts)
            if last:
                seconds = seg.seconds - used_seconds
            else:
                seconds = _dec(Fraction(seg.seconds) * (hi - lo))
            used_seconds += seconds
            pieces.append(
                replace(
                    seg,
                    start=seg.start + _US * round(span * lo),
                    end=seg.end if last else seg.start + _US * round(span * hi),
                    seconds=seconds,
                    energy=e_hi - e_lo,
                    energy_before=e_lo,
                )
            )
    return pieces


def _energy_at(
    seg: Segment, fraction: Fraction, cuts: Mapping[Fraction, Decimal | None]
) -> Decimal:
    exact = cuts.get(fraction)
    if exact is not None:
        return exact
    if fraction == 0:
        return seg.energy_before
    return seg.energy_before + _dec(Fraction(seg.energy) * fraction)

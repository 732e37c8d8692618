"""The tariff engine: a session (CDR periods or samples) and its tariff(s) in, costs out.

How a session is priced, in order:

1. The session becomes stretches in one state each (:mod:`._segments`), cut wherever a restriction
   of any tariff could change (time of day, DST, date, duration, kWh).
2. Each stretch gets its tariff (its period's ``tariff_id``, else the one valid at the start).
3. Per stretch and dimension, the first element of that tariff that has a component of the
   dimension and whose restrictions all hold prices it (2.2.1 "per dimension" rule). Reservation
   stretches only look at ``reservation`` elements; an expired reservation tries the
   ``RESERVATION_EXPIRES`` elements first. FLAT is charged once per session (and once per
   reservation), by the first element with a FLAT component that matches.
4. ``step_size`` is applied once per session: to the energy total, to the total of the time
   dimension that was billed last (TIME or PARKING_TIME, never both), and to reservation time,
   each time with the step of the last component used; the surplus goes to the last line.
5. Lines are costed per component (VAT per component), totals rounded, min/max_price applied.
"""

from __future__ import annotations

import contextlib
import decimal
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import ROUND_CEILING, Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ocpi_core.pricing._model import (
    BreakdownLine,
    Money,
    PriceResult,
    PricingError,
    PricingOptions,
    format_decimal,
)
from ocpi_core.pricing._parse import (
    VERSIONS,
    Component,
    Element,
    Tariff,
    as_list,
    parse_datetime,
    parse_tariff,
    unwrap_list,
)
from ocpi_core.pricing._restrictions import Moment, check
from ocpi_core.pricing._segments import (
    Segment,
    period_segments,
    sample_segments,
    seconds_between,
    split_segments,
)
from ocpi_core.pricing._session import SessionDescription

__all__ = ["price_cdr", "price_session", "resolve_time_zone"]

ZERO = Decimal(0)
ONE = Decimal(1)
_HOUR = Decimal(3600)
_KWH = Decimal(1000)


def _context() -> decimal.Context:
    return decimal.Context(prec=50, rounding=decimal.ROUND_HALF_EVEN)


@contextlib.contextmanager
def _guarded() -> Iterator[None]:
    """The engine's decimal context; arithmetic that still leaves it becomes a PricingError.

    Input is range-checked where it is read (naming its path), so this is the last line only.
    """
    try:
        with decimal.localcontext(_context()):
            yield
    except (decimal.DecimalException, OverflowError) as exc:
        raise PricingError(
            f"$: the amounts are beyond the engine's decimal range ({type(exc).__name__})"
        ) from None


def _check_version(version: str) -> None:
    if version not in VERSIONS:
        raise PricingError(f"unknown OCPI version {version!r}; use one of {', '.join(VERSIONS)}")


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise PricingError(
            f"unknown time zone {name!r}; use an IANA name such as Europe/Amsterdam"
        ) from None


def resolve_time_zone(
    time_zone: str | None, document: Mapping[str, Any] | None, options: PricingOptions
) -> tuple[str, str]:
    """The time zone restrictions are read in, and where it came from.

    An explicit ``time_zone`` wins; then a ``time_zone`` the document carries itself (2.1.1 CDRs
    and Sessions embed the Location); then ``options.time_zone``.
    """
    if time_zone:
        return time_zone, "given"
    if document is not None:
        for key in ("location", "cdr_location"):
            place = document.get(key)
            if isinstance(place, Mapping) and place.get("time_zone"):
                return str(place["time_zone"]), f"the document's {key}.time_zone"
    return options.time_zone, "default"


def _minutes(seconds: Decimal) -> str:
    return f"{format_decimal(seconds / 60, 3)} min"


def tidy(value: Decimal) -> Decimal:
    """``value`` without trailing fractional zeros (``10.000`` -> ``10``), never in E-notation."""
    if value == value.to_integral_value():
        return value.quantize(ONE)
    return value.normalize()


@dataclass(frozen=True)
class _Line:
    """A breakdown line while it is being built; quantities in kWh, seconds or 1 (FLAT)."""

    seq: int
    period_index: int | None
    start: datetime
    end: datetime
    kind: str
    dimension: str
    tariff: Tariff | None
    element: Element | None
    component: Component | None
    quantity: Decimal
    billed: Decimal
    why: str

    def key(self) -> tuple[Any, ...]:
        return (
            self.period_index,
            self.kind,
            self.dimension,
            self.tariff.id if self.tariff else None,
            self.element.index if self.element else None,
            self.component.index if self.component else None,
        )


class _Pricer:
    """One pricing run. Holds the run's inputs; all results are returned, not stored globally."""

    def __init__(
        self,
        tariffs: list[Tariff],
        *,
        version: str,
        tz_name: str,
        options: PricingOptions,
        notes: list[str],
    ) -> None:
        self.tariffs = tariffs
        self.version = version
        self.tz_name = tz_name
        self.tz = _zone(tz_name)
        self.options = options
        self.notes = notes
        self.by_id = {t.id.upper(): t for t in tariffs}
        self.default_tariff: Tariff | None = None
        self.phase_start: dict[str, datetime] = {}
        self.expired = False

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    # -- set-up ---------------------------------------------------------------------------------

    def prepare(self, segments: list[Segment], expired: bool | None) -> list[Segment]:
        reservation = [s for s in segments if s.state == "RESERVATION"]
        session = [s for s in segments if s.state != "RESERVATION"]
        used = [s for s in session if s.seconds or s.energy]
        self.expired = bool(reservation) and not used if expired is None else bool(expired)
        if self.expired:
            if used:
                self.note("the reservation is marked expired but the session has charging data")
            session = []
            segments = reservation
        first = segments[0].start if segments else None
        self.phase_start = {
            "RESERVATION": reservation[0].start if reservation else first,
            "SESSION": session[0].start if session else first,
        }
        start = self.phase_start["SESSION"] or first
        self.default_tariff = self._default_tariff(start)
        if not self.options.split_periods or not segments:
            return segments
        minutes: set[int] = {0}
        durations: set[Decimal] = set()
        kwh: set[Decimal] = set()
        for tariff in self.tariffs:
            for element in tariff.elements:
                r = element.restrictions
                if r is None:
                    continue
                minutes.update(t % 1440 for t in (r.start_time, r.end_time) if t is not None)
                durations.update(d for d in (r.min_duration, r.max_duration) if d is not None)
                kwh.update(k for k in (r.min_kwh, r.max_kwh) if k is not None)
        return split_segments(
            segments,
            minutes=minutes,
            durations=durations,
            kwh=kwh,
            tz=self.tz,
            phase_start=self.phase_start,
        )

    def _default_tariff(self, start: datetime | None) -> Tariff | None:
        if not self.tariffs:
            self.note("no tariff was given: nothing is priced")
            return None
        valid = [t for t in self.tariffs if start is None or t.valid_at(start)]
        return (valid or self.tariffs)[0]

    def tariff_for(self, seg: Segment) -> Tariff | None:
        if seg.tariff_id is not None:
            found = self.by_id.get(str(seg.tariff_id).upper())
            if found is not None:
                return found
            self.note(f"tariff {seg.tariff_id!r} referenced by a charging period was not given")
        elif self.options.missing_tariff_id == "free":
            return None
        if self.default_tariff is not None and len(self.tariffs) > 1:
            self.note(
                f"periods without a known tariff_id are priced with tariff "
                f"{self.default_tariff.id!r} (the first valid at the session start)"
            )
        return self.default_tariff

    # -- choosing components --------------------------------------------------------------------

    def _candidates(self, tariff: Tariff, state: str) -> list[Element]:
        if state != "RESERVATION":
            return [e for e in tariff.elements if e.reservation is None]
        reserved = [e for e in tariff.elements if e.reservation == "RESERVATION"]
        if self.expired:
            return [e for e in tariff.elements if e.reservation == "RESERVATION_EXPIRES"] + reserved
        return reserved

    def _has_dimension(self, tariff: Tariff, kind: str, dimension: str) -> bool:
        """Whether the tariff prices ``dimension`` at all in this phase (else a line is noise)."""
        state = "RESERVATION" if kind == "reservation" else "CHARGING"
        return any(e.component(dimension) for e in self._candidates(tariff, state))

    def _moment(self, seg: Segment) -> Moment:
        phase = "RESERVATION" if seg.state == "RESERVATION" else "SESSION"
        origin = self.phase_start[phase] or seg.start
        return Moment(
            local=seg.start.astimezone(self.tz),
            elapsed=seconds_between(origin, seg.start),
            energy=seg.energy_before,
            power_low=seg.power_low,
            power_high=seg.power_high,
            current_low=seg.current_low,
            current_high=seg.current_high,
        )

    def select(
        self, dimension: str, seg: Segment, tariff: Tariff
    ) -> tuple[Element | None, Component | None, str]:
        moment = self._moment(seg)
        skipped: list[str] = []
        for element in self._candidates(tariff, seg.state):
            component = element.component(dimension)
            if self.options.element_selection == "per_dimension" and component is None:
                continue
            if element.restrictions is None:
                ok, text = True, "no restrictions"
            else:
                ok, text = check(element.restrictions, moment, self.options)
            if not ok:
                skipped.append(f"elements[{element.index}]: {text}")
                continue
            if component is None:
                return (
                    None,
                    None,
                    (
                        f"first matching element elements[{element.index}] has no {dimension} "
                        "component (first_element selection)"
                    ),
                )
            why = f"tariff {tariff.id} elements[{element.index}] ({text})"
            if skipped:
                why += "; skipped " + "; ".join(skipped)
            return element, component, why
        why = f"no element of tariff {tariff.id} prices {dimension} here"
        if skipped:
            why += ": skipped " + "; ".join(skipped)
        return None, None, why

    # -- lines ----------------------------------------------------------------------------------

    def lines(self, segments: list[Segment]) -> list[_Line]:
        lines: list[_Line] = []
        last: dict[str, int] = {}
        for seq, seg in enumerate(segments):
            tariff = self.tariff_for(seg)
            for dimension, kind, quantity in self._uses(seg):
                if tariff is None:
                    element = component = None
                    why = "no tariff applies to this period"
                else:
                    element, component, why = self.select(dimension, seg, tariff)
                line = _Line(
                    seq=seq,
                    period_index=seg.period_index,
                    start=seg.start,
                    end=seg.end,
                    kind=kind,
                    dimension=dimension,
                    tariff=tariff,
                    element=element,
                    component=component,
                    quantity=quantity,
                    billed=quantity if component is not None else ZERO,
                    why=why,
                )
                stream = f"{kind}/{dimension}"
                previous = lines[last[stream]] if stream in last else None
                if (
                    previous is not None
                    and previous.key() == line.key()
                    and previous.end == line.start
                ):
                    lines[last[stream]] = replace(
                        previous,
                        seq=seq,
                        end=line.end,
                        quantity=previous.quantity + quantity,
                        billed=previous.billed + line.billed,
                    )
                else:
                    last[stream] = len(lines)
                    lines.append(line)
        lines = [
            replace(line, quantity=tidy(line.quantity), billed=tidy(line.billed))
            for line in lines
            if line.component is not None
            or line.tariff is None
            or self._has_dimension(line.tariff, line.kind, line.dimension)
        ]
        lines.extend(self._flat_lines(segments))
        lines.sort(key=lambda line: (line.start, line.dimension != "FLAT", line.seq))
        return lines

    @staticmethod
    def _uses(seg: Segment) -> list[tuple[str, str, Decimal]]:
        uses = []
        if seg.state == "RESERVATION":
            if seg.seconds:
                uses.append(("TIME", "reservation", seg.seconds))
            return uses
        if seg.energy:
            uses.append(("ENERGY", "energy", seg.energy))
        if seg.seconds:
            if seg.state == "CHARGING":
                uses.append(("TIME", "time", seg.seconds))
            else:
                uses.append(("PARKING_TIME", "parking", seg.seconds))
        return uses

    def _flat_lines(self, segments: list[Segment]) -> list[_Line]:
        found = []
        for phase, kind, label in (
            ("RESERVATION", "reservation", "once per reservation"),
            ("SESSION", "fixed", "once per session"),
        ):
            for seq, seg in enumerate(segments):
                if (seg.state == "RESERVATION") != (phase == "RESERVATION"):
                    continue
                tariff = self.tariff_for(seg)
                if tariff is None:
                    continue
                element, component, why = self.select("FLAT", seg, tariff)
                if component is None or element is None:
                    continue
                others = {c.type for c in element.components} - {"FLAT"}
                if kind == "fixed" and others == {"PARKING_TIME"}:
                    # a fee next to parking prices only: CDR total_parking_cost "includes fixed
                    # price components", total_fixed_cost excludes those of parking
                    kind = "parking"
                found.append(
                    _Line(
                        seq=seq,
                        period_index=seg.period_index,
                        start=seg.start,
                        end=seg.start,
                        kind=kind,
                        dimension="FLAT",
                        tariff=tariff,
                        element=element,
                        component=component,
                        quantity=ONE,
                        billed=ONE,
                        why=f"FLAT fee, {label}: {why}",
                    )
                )
                break
        return found

    # -- step_size ------------------------------------------------------------------------------

    def apply_step_sizes(self, lines: list[_Line]) -> list[_Line]:
        mode = self.options.step_size
        if mode == "ignore":
            return lines
        lines = list(lines)
        if mode == "period":
            for i, line in enumerate(lines):
                if line.component is None or line.dimension == "FLAT":
                    continue
                step = _step(line)
                if step and line.quantity > 0:
                    billed = _round_up(line.quantity, step)
                    if billed != line.quantity:
                        lines[i] = replace(
                            line,
                            billed=billed,
                            why=line.why + f"; step_size {line.component.step_size} "
                            f"rounds this line up to {_amount_text(line.dimension, billed)}",
                        )
            return lines
        groups = (
            ("session energy", lambda ln: ln.dimension == "ENERGY"),
            ("session time", lambda ln: ln.kind in ("time", "parking")),
            ("reservation time", lambda ln: ln.kind == "reservation" and ln.dimension == "TIME"),
        )
        for label, member in groups:
            indices = [i for i, ln in enumerate(lines) if ln.component is not None and member(ln)]
            if not indices:
                continue
            last_index = max(indices, key=lambda i: (lines[i].seq, i))
            last = lines[last_index]
            same = [i for i in indices if lines[i].dimension == last.dimension]
            total = sum((lines[i].quantity for i in same), ZERO)
            step = _step(last)
            if not step or total <= 0:
                continue
            surplus = _round_up(total, step) - total
            if not surplus:
                continue
            assert last.component is not None
            lines[last_index] = replace(
                last,
                billed=last.billed + surplus,
                why=last.why
                + f"; step_size {last.component.step_size} of this last {last.dimension} "
                f"component rounds the {label} {_amount_text(last.dimension, total)} up to "
                f"{_amount_text(last.dimension, total + surplus)} "
                f"(+{_amount_text(last.dimension, surplus)} billed here)",
            )
        return lines

    # -- money ----------------------------------------------------------------------------------

    def money(self, line: _Line) -> Money:
        if line.component is None or line.tariff is None:
            return Money.zero(self.version != "2.1.1")
        units = line.billed / _HOUR if line.dimension in ("TIME", "PARKING_TIME") else line.billed
        amount = units * line.component.price
        if self.version == "2.1.1":
            return Money(amount, None)
        vat = line.component.vat
        factor = None if vat is None else 1 + vat / 100
        taxes = line.tariff.tax_included if self.version == "2.3.0" else None
        if self.version == "2.3.0" and taxes is None:
            self.note(f"tariff {line.tariff.id!r} has no tax_included; prices read as excl. taxes")
        if taxes == "YES":
            if factor is None:
                self.note(
                    f"tariff {line.tariff.id!r}: prices include taxes of unknown rate (no vat); "
                    "the amount is shown both excl. and incl. taxes"
                )
                return Money(amount, amount)
            return Money(amount / factor, amount)
        if taxes == "N/A":
            return Money(amount, amount)
        if taxes == "NO" and factor is None:
            return Money(amount, None)
        return Money(amount, amount if factor is None else amount * factor)


def _step(line: _Line) -> Decimal | None:
    assert line.component is not None
    step = line.component.step_size
    if step <= 0:
        return None
    return Decimal(step) / _KWH if line.dimension == "ENERGY" else Decimal(step)


def _round_up(quantity: Decimal, step: Decimal) -> Decimal:
    return (quantity / step).to_integral_value(rounding=ROUND_CEILING) * step


def _amount_text(dimension: str, quantity: Decimal) -> str:
    if dimension == "ENERGY":
        return f"{format_decimal(quantity, 6)} kWh"
    return _minutes(quantity)


def _bounded_incl(total: Money, excl: Decimal, tariff: Tariff, options: PricingOptions) -> Decimal:
    """The incl. VAT total for a bound given excl. VAT only: the VAT scales with the amount, so
    the session keeps its own VAT rate (a free session takes its tariff's one rate, if it has one
    rate; else no VAT is added)."""
    assert total.incl_vat is not None
    if total.excl_vat != 0:
        return options.round(total.incl_vat * excl / total.excl_vat)
    rates = {c.vat or ZERO for e in tariff.elements for c in e.components}
    rate = rates.pop() if len(rates) == 1 else ZERO
    return options.round(excl * (1 + rate / 100))


def _limit_lines(
    total: Money,
    tariff: Tariff | None,
    start: datetime,
    with_vat: bool,
    options: PricingOptions,
) -> tuple[Money, list[BreakdownLine]]:
    if tariff is None:
        return total, []
    adjustments = []
    for name, limit, pick in (
        ("min_price", tariff.min_price, max),
        ("max_price", tariff.max_price, min),
    ):
        if limit is None:
            continue
        excl = pick(total.excl_vat, limit.excl_vat)
        incl = total.incl_vat
        if incl is not None:
            incl = (
                pick(incl, limit.incl_vat)
                if limit.incl_vat is not None
                else _bounded_incl(total, excl, tariff, options)
            )
        adjusted = Money(excl, incl)
        if adjusted == total:
            continue
        delta = Money(
            excl - total.excl_vat,
            None if incl is None or total.incl_vat is None else incl - total.incl_vat,
        )
        bound = format_decimal(limit.excl_vat)
        if limit.incl_vat is not None:
            bound += f" / {format_decimal(limit.incl_vat)} incl. VAT"
        adjustments.append(
            BreakdownLine(
                period_index=None,
                start=start,
                end=start,
                kind="limit",
                dimension=name.upper(),
                tariff_id=tariff.id,
                element_index=None,
                component_index=None,
                price=None,
                vat=None,
                step_size=None,
                unit="",
                volume=ONE,
                billed_volume=ONE,
                cost=delta,
                why=f"{name} {bound} of tariff {tariff.id}: session total "
                f"{format_decimal(total.excl_vat)} becomes {format_decimal(excl)} excl. VAT",
            )
        )
        total = adjusted
    return total, adjustments


def _run(
    segments: list[Segment],
    tariff_docs: Sequence[Mapping[str, Any]],
    *,
    version: str,
    time_zone: str | None,
    document: Mapping[str, Any] | None,
    options: PricingOptions,
    notes: list[str],
    expired: bool | None,
    currency_hint: str | None,
    session_start: datetime,
    tariff_paths: Sequence[str] | None = None,
) -> PriceResult:
    tz_name, source = resolve_time_zone(time_zone, document, options)
    if tariff_paths is not None and len(tariff_paths) != len(tariff_docs):
        raise PricingError("tariff_paths: one path per tariff is needed")
    paths = tariff_paths or [f"$.tariffs[{i}]" for i in range(len(tariff_docs))]
    tariffs = [
        parse_tariff(doc, version, path) for doc, path in zip(tariff_docs, paths, strict=True)
    ]
    pricer = _Pricer(tariffs, version=version, tz_name=tz_name, options=options, notes=notes)
    local = [
        r
        for t in tariffs
        for r in (e.restrictions for e in t.elements)
        if r is not None and (r.has_time_window or r.day_of_week or r.start_date or r.end_date)
    ]
    if local and source == "default":
        pricer.note(
            f"time-of-day/date restrictions were read in {tz_name} (the default): give the "
            "Location's time zone for local times"
        )
    pieces = pricer.prepare(segments, expired)
    lines = pricer.apply_step_sizes(pricer.lines(pieces))
    with_vat = version != "2.1.1"
    breakdown = []
    exact: dict[str, Money] = {}
    for line in lines:
        cost = pricer.money(line)
        if options.round_lines:
            cost = options.round_money(cost)
        exact[line.kind] = exact.get(line.kind, Money.zero(with_vat)) + cost
        time_based = line.dimension in ("TIME", "PARKING_TIME")
        breakdown.append(
            BreakdownLine(
                period_index=line.period_index,
                start=line.start,
                end=line.end,
                kind=line.kind,
                dimension=line.dimension,
                tariff_id=line.tariff.id if line.tariff else None,
                element_index=line.element.index if line.element else None,
                component_index=line.component.index if line.component else None,
                price=line.component.price if line.component else None,
                vat=line.component.vat if line.component else None,
                step_size=line.component.step_size if line.component else None,
                unit={"ENERGY": "kWh", "FLAT": ""}.get(line.dimension, "h"),
                volume=tidy(line.quantity / _HOUR) if time_based else line.quantity,
                billed_volume=tidy(line.billed / _HOUR) if time_based else line.billed,
                cost=cost,
                why=line.why,
            )
        )
    kinds = ("fixed", "energy", "time", "parking", "reservation")
    totals = {k: options.round_money(exact.get(k, Money.zero(with_vat))) for k in kinds}
    if options.round_lines:
        total = Money.total(totals.values(), with_vat)
    else:
        total = options.round_money(Money.total(exact.values(), with_vat))
    session_segments = [s for s in pieces if s.state != "RESERVATION"] or pieces
    limit_tariff = pricer.tariff_for(session_segments[0]) if session_segments else None
    start = pricer.phase_start.get("SESSION") or session_start
    total, adjustments = _limit_lines(total, limit_tariff, start, with_vat, options)
    for tariff in {line.tariff.id: line.tariff for line in lines if line.tariff}.values():
        if not tariff.valid_at(start):
            pricer.note(
                f"tariff {tariff.id!r} is not valid at the session start ({start:%Y-%m-%d})"
            )
    used = {line.tariff.currency for line in lines if line.tariff is not None}
    if len(used) > 1:
        pricer.note(f"the tariffs used have different currencies: {', '.join(sorted(used))}")
    currency = (
        next((line.tariff.currency for line in lines if line.tariff is not None), None)
        or (tariffs[0].currency if tariffs else None)
        or currency_hint
        or ""
    )
    seconds = {state: ZERO for state in ("CHARGING", "PARKING", "RESERVATION")}
    energy = ZERO
    for seg in pieces:
        seconds[seg.state] += seg.seconds
        if seg.state != "RESERVATION":
            energy += seg.energy
    return PriceResult(
        currency=currency,
        total_cost=total,
        total_energy_cost=totals["energy"],
        total_time_cost=totals["time"],
        total_parking_cost=totals["parking"],
        total_fixed_cost=totals["fixed"],
        total_reservation_cost=totals["reservation"],
        total_energy=tidy(energy),
        total_time=tidy((seconds["CHARGING"] + seconds["PARKING"]) / _HOUR),
        total_parking_time=tidy(seconds["PARKING"] / _HOUR),
        total_reservation_time=tidy(seconds["RESERVATION"] / _HOUR),
        breakdown=tuple(breakdown) + tuple(adjustments),
        version=version,
        time_zone=tz_name,
        notes=tuple(notes),
    )


def price_cdr(
    cdr: Mapping[str, Any],
    tariffs: Sequence[Mapping[str, Any]] = (),
    *,
    version: str = "2.2.1",
    time_zone: str | None = None,
    options: PricingOptions | None = None,
    tariff_paths: Sequence[str] | None = None,
) -> PriceResult:
    """Price a CDR's charging periods with ``tariffs`` (default: the tariffs the CDR embeds).

    ``time_zone`` is the Location's IANA time zone, in which tariff time/date/day restrictions are
    read. A 2.2.1/2.3.0 CDR does not carry it; when None, a 2.1.1 CDR's ``location.time_zone`` is
    used, else ``options.time_zone`` (``"UTC"`` by default, with a note in the result).
    A reservation that never became a charging session (only RESERVATION_TIME in the periods) is
    priced as expired. Raises :class:`PricingError` for input it cannot read, naming the JSON
    path: ``$.tariffs[i]...`` for a tariff, unless ``tariff_paths`` gives, for each of ``tariffs``,
    where it sits in the caller's documents (e.g. ``"tariffs.json $.data[0]"``).
    """
    options = options or PricingOptions()
    _check_version(version)
    if not isinstance(cdr, Mapping):
        raise PricingError(f"expected a CDR object, got {type(cdr).__name__}")
    with _guarded():
        notes: list[str] = []
        docs = list(tariffs) or unwrap_list(cdr.get("tariffs"))
        start = parse_datetime(cdr.get("start_date_time"), "$.start_date_time")
        end_key = "end_date_time" if cdr.get("end_date_time") is not None else "stop_date_time"
        end = parse_datetime(cdr.get(end_key), f"$.{end_key}")
        periods = as_list(
            cdr.get("charging_periods"), "$.charging_periods", "ChargingPeriod objects"
        )
        if not periods:
            notes.append("the CDR has no charging periods")
        segments = period_segments(periods, start, end, notes)
        return _run(
            segments,
            docs,
            version=version,
            time_zone=time_zone,
            document=cdr,
            options=options,
            notes=notes,
            expired=None,
            currency_hint=cdr.get("currency"),
            session_start=start,
            tariff_paths=tariff_paths if tariffs else None,
        )


def price_session(
    session: SessionDescription | Mapping[str, Any],
    tariffs: Sequence[Mapping[str, Any]],
    *,
    version: str = "2.2.1",
    time_zone: str | None = None,
    options: PricingOptions | None = None,
    tariff_paths: Sequence[str] | None = None,
) -> PriceResult:
    """Price a session described by meter samples, by OCPI charging periods, or an OCPI Session.

    ``time_zone`` and ``tariff_paths`` work as in :func:`price_cdr` (a 2.1.1 Session embeds its
    Location).
    """
    options = options or PricingOptions()
    _check_version(version)
    with _guarded():
        document = session if isinstance(session, Mapping) else None
        description = (
            session
            if isinstance(session, SessionDescription)
            else SessionDescription.from_mapping(session)
        )
        notes: list[str] = []
        if description.charging_periods:
            segments = period_segments(
                description.charging_periods, description.start, description.end, notes
            )
        else:
            segments = sample_segments(
                description.samples, description.start, description.end, notes
            )
        if description.tariff_id is not None:
            segments = [replace(s, tariff_id=description.tariff_id) for s in segments]
        return _run(
            segments,
            list(tariffs),
            version=version,
            time_zone=time_zone,
            document=document,
            options=options,
            notes=notes,
            expired=description.reservation_expired,
            currency_hint=document.get("currency") if document else None,
            session_start=description.start,
            tariff_paths=tariff_paths,
        )

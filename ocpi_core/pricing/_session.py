"""A charging session described for pricing, when there is no CDR (yet)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from ocpi_core.pricing._model import PricingError
from ocpi_core.pricing._parse import parse_datetime, to_decimal

__all__ = ["SessionDescription", "SessionSample", "STATES"]

STATES = ("CHARGING", "PARKING", "RESERVATION")


@dataclass(frozen=True)
class SessionSample:
    """A meter reading: at ``timestamp`` the session had used ``energy_kwh`` in total.

    ``state``, ``power_kw`` and ``current_a`` describe the time from this reading to the next
    one (or to the session end): ``CHARGING``, ``PARKING`` (connected, not requesting power) or
    ``RESERVATION`` (the EVSE is reserved and not yet in use).
    """

    timestamp: datetime
    energy_kwh: Decimal = Decimal(0)
    power_kw: Decimal | None = None
    state: str = "CHARGING"
    current_a: Decimal | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "timestamp", parse_datetime(self.timestamp, "timestamp"))
        object.__setattr__(self, "energy_kwh", to_decimal(self.energy_kwh, "energy_kwh"))
        for name in ("power_kw", "current_a"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, to_decimal(value, name))
        state = str(self.state).upper()
        if state not in STATES:
            raise PricingError(f"state: {self.state!r} is not one of {', '.join(STATES)}")
        object.__setattr__(self, "state", state)

    @classmethod
    def coerce(cls, value: Any) -> SessionSample:
        """A sample from itself, a mapping, or a ``(timestamp, kWh, kW, state[, A])`` tuple."""
        if isinstance(value, SessionSample):
            return value
        if isinstance(value, Mapping):
            return cls(
                timestamp=value.get("timestamp", value.get("at")),
                energy_kwh=value.get("energy_kwh", 0),
                power_kw=value.get("power_kw"),
                state=value.get("state", "CHARGING"),
                current_a=value.get("current_a"),
            )
        if isinstance(value, Sequence) and not isinstance(value, str) and 2 <= len(value) <= 5:
            return cls(*value)
        raise PricingError(f"a session sample must be a mapping or a tuple, got {value!r}")


@dataclass(frozen=True)
class SessionDescription:
    """A session from ``start`` to ``end`` given as meter ``samples`` or as OCPI charging periods.

    With samples, the energy of a stretch is the difference between consecutive readings; put a
    last sample at ``end`` to give the final reading. With ``charging_periods`` (OCPI
    ChargingPeriod objects) the session is read exactly like a CDR's periods.
    ``reservation_expired`` says whether a reservation ended without charging; ``None`` infers it
    (expired when nothing but reservation time is present). ``tariff_id`` picks one of the tariffs.
    """

    start: datetime
    end: datetime
    samples: tuple[SessionSample, ...] = ()
    charging_periods: tuple[Mapping[str, Any], ...] = ()
    reservation_expired: bool | None = None
    tariff_id: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", parse_datetime(self.start, "start"))
        object.__setattr__(self, "end", parse_datetime(self.end, "end"))
        samples = tuple(SessionSample.coerce(s) for s in self.samples)
        object.__setattr__(self, "samples", tuple(sorted(samples, key=lambda s: s.timestamp)))
        object.__setattr__(self, "charging_periods", tuple(self.charging_periods))
        if self.end < self.start:
            raise PricingError("session end is before its start")
        if self.samples and self.charging_periods:
            raise PricingError("give either samples or charging_periods, not both")

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> SessionDescription:
        """From our JSON form (``start``, ``end``, ``samples``) or an OCPI Session (any version)."""
        if not isinstance(data, Mapping):
            raise PricingError(f"a session must be an object, got {type(data).__name__}")
        start = data.get("start") or data.get("start_date_time") or data.get("start_datetime")
        end = (
            data.get("end")
            or data.get("end_date_time")
            or data.get("end_datetime")
            or data.get("stop_date_time")
            or data.get("last_updated")
        )
        if start is None:
            raise PricingError("the session has no start (start / start_date_time)")
        periods = data.get("charging_periods") or ()
        samples = data.get("samples") or ()
        if end is None:
            if not samples:
                raise PricingError("the session has no end (end / end_date_time / last_updated)")
            end = max(SessionSample.coerce(s).timestamp for s in samples)
        return cls(
            start=start,
            end=end,
            samples=tuple(samples),
            charging_periods=tuple(periods),
            reservation_expired=data.get("reservation_expired"),
            tariff_id=data.get("tariff_id"),
        )

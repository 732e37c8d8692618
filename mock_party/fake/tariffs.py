"""Tariffs: the provider methods that draw a Tariff of each kind (energy, time of day, power,
current, kWh, duration, promotion, reservation, time, ad hoc, profile, free) with prices derived
from consumer prices, and what a tariff restricts or prices.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from faker.providers import ElementsType

from mock_party.fake.countries import country_info
from mock_party.fake.helpers import (
    _DAY,
    Json,
    _epoch,
    _price,
    _utc_date,
    format_datetime,
    price_component,
    price_excl_vat,
)
from mock_party.fake.shared import SharedProvider

_TARIFF_TEXTS: Mapping[str, str] = {
    "energy": "Pay for the energy you charge.",
    "time_of_day": "Cheaper charging at night and at weekends.",
    "power": "The price depends on the charging power.",
    "current": "The price per hour depends on the charging current.",
    "kwh": "A lower price once you have charged more.",
    "duration": "Introductory price for the first half hour; a parking fee after a long stay.",
    "promotion": "Promotional price for a limited period.",
    "reservation": "Reservations are charged per hour; expired reservations pay a fee.",
    "time": "Pay for the time connected; parking after charging is billed.",
    "ad_hoc": "Pay by card at the charger; no subscription needed.",
    "profile": "Tariff for a charging preference profile.",
    "free": "Charging is free of charge at this location.",
}

_WEEKDAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")


class TariffsProvider(SharedProvider):
    """Faker methods for the OCPI Tariffs module (Tariff, TariffElement, PriceComponent)."""

    tariff_kinds: ElementsType[str] = (
        "energy", "time_of_day", "power", "current", "kwh", "duration", "promotion",
        "reservation", "time", "ad_hoc", "profile", "free",
    )  # fmt: skip

    def _unit_price(self, low: str, high: str, vat: Decimal | None) -> Decimal:
        """A unit price excl. VAT derived from a consumer price in whole cents."""
        cents = self.generator.random.randint(int(Decimal(low) * 100), int(Decimal(high) * 100))
        return price_excl_vat(Decimal(cents) / 100, vat)

    def _energy(
        self, low: str, high: str, vat: Decimal | None, steps: Sequence[int] = (1,)
    ) -> Json:
        step = self.generator.random.choice(tuple(steps))
        return price_component("ENERGY", self._unit_price(low, high, vat), step, vat)

    def _flat(self, low: str, high: str, vat: Decimal | None) -> Json:
        return price_component("FLAT", self._unit_price(low, high, vat), 1, vat)

    def _time(self, dimension: str, low: str, high: str, vat: Decimal | None) -> Json:
        step = self.generator.random.choice((1, 60, 60, 300, 900))
        return price_component(dimension, self._unit_price(low, high, vat), step, vat)

    def _window(self, *, overnight: bool) -> tuple[str, str]:
        """A local time window: a day one (maybe ending at 00:00) or one across midnight."""
        if overnight:
            return self.generator.random.choice((("23:00", "07:00"), ("22:00", "06:00")))
        return self.generator.random.choice(
            (("07:00", "23:00"), ("08:00", "20:00"), ("17:00", "21:00"), ("18:00", "00:00"))
        )

    def tariff_elements(self, kind: str, *, now: int, vat: Decimal | None) -> list[Json]:
        """The elements of one kind of tariff; each ends with elements that always apply."""
        rnd = self.generator.random
        flat = [self._flat("0.25", "1.50", vat)] if self._chance(0.4) else []
        if kind == "energy":
            return [{"price_components": [*flat, self._energy("0.29", "0.69", vat, (1, 1, 100))]}]
        if kind == "time_of_day":
            start, end = self._window(overnight=False)
            peak: Json = {"start_time": start, "end_time": end}
            if self._chance(0.7):
                peak["day_of_week"] = list(_WEEKDAYS[:5])
            start, end = self._window(overnight=True)
            night = {"start_time": start, "end_time": end}
            elements = [
                {"price_components": [self._energy("0.49", "0.79", vat)], "restrictions": peak},
                {"price_components": [self._energy("0.19", "0.29", vat)], "restrictions": night},
            ]
            if self._chance(0.5):
                weekend = {"day_of_week": ["SATURDAY", "SUNDAY"]}
                elements.append(
                    {
                        "price_components": [self._energy("0.25", "0.35", vat)],
                        "restrictions": weekend,
                    }
                )
            elements.append({"price_components": [*flat, self._energy("0.29", "0.45", vat)]})
            return elements
        if kind == "power":
            slow = rnd.choice((22, 50))
            return [
                {"price_components": [self._energy("0.39", "0.49", vat)],
                 "restrictions": {"max_power": slow}},
                {"price_components": [self._energy("0.55", "0.65", vat)],
                 "restrictions": {"min_power": slow, "max_power": 150}},
                {"price_components": [*flat, self._energy("0.69", "0.89", vat)]},
            ]  # fmt: skip
        if kind == "current":
            low = rnd.choice((16, 32))
            return [
                {"price_components": [self._time("TIME", "0.80", "1.20", vat)],
                 "restrictions": {"max_current": low}},
                {"price_components": [self._time("TIME", "1.50", "2.50", vat)],
                 "restrictions": {"min_current": low, "max_current": 64}},
                {"price_components": [self._flat("0.50", "2.50", vat),
                                      self._time("TIME", "2.50", "3.50", vat)]},
            ]  # fmt: skip
        if kind == "kwh":
            first = rnd.choice((10, 20, 30))
            return [
                {"price_components": [self._energy("0.45", "0.59", vat)],
                 "restrictions": {"max_kwh": first}},
                {"price_components": [self._energy("0.35", "0.44", vat)],
                 "restrictions": {"min_kwh": first, "max_kwh": first * 3}},
                {"price_components": [self._energy("0.29", "0.34", vat)]},
            ]  # fmt: skip
        if kind == "duration":
            return [
                {"price_components": [self._energy("0.19", "0.29", vat)],
                 "restrictions": {"max_duration": rnd.choice((900, 1800, 3600))}},
                {"price_components": [self._time("PARKING_TIME", "2.00", "9.00", vat)],
                 "restrictions": {"min_duration": rnd.choice((7200, 10800, 14400))}},
                {"price_components": [*flat, self._energy("0.39", "0.59", vat)]},
            ]  # fmt: skip
        if kind == "promotion":
            begin = _utc_date(now - rnd.randint(0, 60) * _DAY)
            end = begin + timedelta(days=rnd.randint(14, 90))
            promo = {"start_date": begin.isoformat(), "end_date": end.isoformat()}
            return [
                {"price_components": [self._energy("0.19", "0.29", vat)], "restrictions": promo},
                {"price_components": [*flat, self._energy("0.35", "0.55", vat)]},
            ]
        if kind == "reservation":
            return [
                {"price_components": [self._flat("0.50", "2.00", vat),
                                      self._time("TIME", "1.00", "5.00", vat)],
                 "restrictions": {"reservation": "RESERVATION"}},
                {"price_components": [self._flat("2.00", "6.00", vat)],
                 "restrictions": {"reservation": "RESERVATION_EXPIRES"}},
                {"price_components": [self._flat("0.25", "1.00", vat),
                                      self._energy("0.29", "0.49", vat)]},
            ]  # fmt: skip
        if kind == "time":
            return [
                {"price_components": [*flat, self._time("TIME", "1.00", "4.00", vat),
                                      self._time("PARKING_TIME", "2.00", "8.00", vat)]},
            ]  # fmt: skip
        if kind == "ad_hoc":
            return [
                {"price_components": [self._flat("0.50", "1.50", vat),
                                      self._energy("0.59", "0.89", vat)]},
            ]  # fmt: skip
        if kind == "profile":
            return [{"price_components": [self._energy("0.25", "0.75", vat)]}]
        if kind == "free":
            return [{"price_components": [price_component("FLAT", Decimal(0), 1, None)]}]
        raise ValueError(f"unknown tariff kind {kind!r}; use one of {', '.join(self.tariff_kinds)}")

    def tariff(
        self,
        *,
        tariff_id: str,
        now: datetime | int,
        country_code: str = "NL",
        party_id: str = "MCK",
        kind: str | None = None,
    ) -> Json:
        """A Tariff of one ``kind`` (see ``tariff_kinds``; random when None)."""
        rnd = self.generator.random
        info = country_info(country_code)
        now_s = now if isinstance(now, int) else _epoch(now)
        kind = kind or rnd.choice(self.tariff_kinds)
        vat = info.vat
        tariff: Json = {
            "country_code": country_code.upper(),
            "party_id": party_id.upper(),
            "id": tariff_id,
            "currency": info.currency,
        }
        if kind == "ad_hoc":
            tariff["type"] = "AD_HOC_PAYMENT"
        elif kind == "profile":
            tariff["type"] = "PROFILE_" + rnd.choice(("CHEAP", "FAST", "GREEN"))
        elif self._chance(0.5):
            tariff["type"] = "REGULAR"
        if kind in ("ad_hoc", "free") or self._chance(0.3):
            tariff["tariff_alt_text"] = [self.display_text(_TARIFF_TEXTS[kind], "en")]
        if self._chance(0.3):
            tariff["tariff_alt_url"] = f"https://{party_id.lower()}.example.com/tariffs/{tariff_id}"
        # Time-based tariffs always have both limits, so every data set with one shows them.
        if kind == "time" or (kind in ("energy", "time_of_day") and self._chance(0.3)):
            tariff["min_price"] = _price(Decimal(rnd.randint(50, 200)) / 100, vat)
        if kind == "time" or (kind in ("energy", "current") and self._chance(0.3)):
            tariff["max_price"] = _price(Decimal(rnd.randint(20, 60)), vat)
        tariff["elements"] = self.tariff_elements(kind, now=now_s, vat=vat)
        if self._chance(0.3):
            tariff["start_date_time"] = format_datetime(now_s - rnd.randint(180, 1000) * _DAY)
        if self._chance(0.15):
            tariff["end_date_time"] = format_datetime(now_s + rnd.randint(30, 365) * _DAY)
        green = tariff.get("type") == "PROFILE_GREEN"
        if green or self._chance(0.15):
            tariff["energy_mix"] = self.energy_mix(green=True if green else None)
        tariff["last_updated"] = self.ocpi_datetime(now_s - 2 * 365 * _DAY, now_s)
        return tariff


def _restricts(tariff: Mapping[str, Any] | None, keys: Sequence[str]) -> bool:
    if not tariff:
        return False
    return any(
        key in (element.get("restrictions") or {}) for element in tariff["elements"] for key in keys
    )


def _priced_dimensions(tariff: Mapping[str, Any] | None) -> set[str]:
    found: set[str] = set()
    for element in (tariff or {}).get("elements", ()):
        if (element.get("restrictions") or {}).get("reservation"):
            found.add("RESERVATION")
        else:
            found.update(c["type"] for c in element["price_components"])
    return found

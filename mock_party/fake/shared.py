"""The base of the OCPI Faker provider: how every family draws small values (chances, weighted
picks, durations, hex and alphanumeric strings, DateTimes) and the classes several modules share
(DisplayText, GeoLocation, BusinessDetails, Image, EnergyMix).
"""

from __future__ import annotations

import string
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from faker.providers import BaseProvider, ElementsType

from mock_party.fake.helpers import (
    _Q4,
    _TICK,
    Json,
    _clean,
    _epoch,
    _weighted,
    format_datetime,
    to_json_number,
)


class SharedProvider(BaseProvider):
    """Small values and shared OCPI classes; all randomness comes from ``self.generator.random``."""

    green_sources: ElementsType[str] = ("WIND", "SOLAR", "WATER", "GENERAL_GREEN")
    grey_sources: ElementsType[str] = ("GAS", "COAL", "NUCLEAR", "GENERAL_FOSSIL")

    def _chance(self, p: float) -> bool:
        return self.generator.random.random() < p

    def _pick(self, options: Mapping[Any, float]) -> Any:
        keys, cumulative = _weighted(options)
        return self.generator.random.choices(keys, cum_weights=cumulative)[0]

    def _some(self, values: Sequence[Any], low: int, high: int) -> list[Any]:
        """Between ``low`` and ``high`` distinct values, in the order of ``values``."""
        count = self.generator.random.randint(low, min(high, len(values)))
        chosen = set(self.generator.random.sample(range(len(values)), count))
        return [v for i, v in enumerate(values) if i in chosen]

    def _ticks(self, low_seconds: int, high_seconds: int) -> int:
        """A duration in seconds, a multiple of 9 s (so its hours have at most 4 decimals)."""
        return self.generator.random.randint(low_seconds // _TICK, high_seconds // _TICK) * _TICK

    def _hex(self, length: int) -> str:
        return f"{self.generator.random.getrandbits(4 * length):0{length}X}"

    def _alnum(self, length: int) -> str:
        chars = string.ascii_uppercase + string.digits
        return "".join(self.generator.random.choices(chars, k=length))

    def ocpi_datetime(self, start: datetime | int, end: datetime | int) -> str:
        """A DateTime between ``start`` and ``end`` (inclusive), whole seconds, UTC."""
        return format_datetime(self._moment(start, end))

    def _moment(self, start: datetime | int, end: datetime | int) -> int:
        a = _epoch(start) if isinstance(start, datetime) else start
        b = _epoch(end) if isinstance(end, datetime) else end
        return self.generator.random.randint(min(a, b), max(a, b))

    def display_text(self, text: str, language: str) -> Json:
        return {"language": language, "text": _clean(text, 512)}

    def geo_location(self, latitude: float, longitude: float, spread: float = 0.0) -> Json:
        """A GeoLocation near a point, as strings with 5 to 7 decimals."""
        rnd = self.generator.random
        lat = latitude + rnd.uniform(-spread, spread)
        lon = longitude + rnd.uniform(-spread, spread) * 1.6
        places = rnd.choice((5, 6, 6, 6, 7))
        lat_text, lon_text = f"{lat:.{places}f}", f"{lon:.{places}f}"
        if len(lon_text) > 11:  # "-122.4194123" is one character too many for string(11)
            lat_text, lon_text = f"{lat:.6f}", f"{lon:.6f}"
        return {"latitude": lat_text, "longitude": lon_text}

    def business_details(self, name: str | None = None, *, logo: bool | None = None) -> Json:
        """BusinessDetails with a website and sometimes a logo."""
        name = _clean(name or self.generator.company(), 100)
        details: Json = {"name": name}
        slug = "".join(ch for ch in name.lower() if ch.isascii() and ch.isalnum())[:30] or "cpo"
        site = f"https://www.{slug}.example.com"
        if self._chance(0.8):
            details["website"] = site
        if logo if logo is not None else self._chance(0.4):
            details["logo"] = self.image("OPERATOR", f"{site}/logo", kind="png")
        return details

    def image(self, category: str, base_url: str, *, kind: str | None = None) -> Json:
        """An Image with a thumbnail and size most of the time."""
        kind = kind or self.generator.random.choice(("jpeg", "jpeg", "png", "gif", "svg"))
        extension = "jpg" if kind == "jpeg" else kind
        image: Json = {"url": f"{base_url}.{extension}", "category": category, "type": kind}
        if self._chance(0.7):
            image["thumbnail"] = f"{base_url}_thumb.{extension}"
        if kind != "svg" and self._chance(0.8):
            width = self.generator.random.choice((640, 800, 1024, 1280, 1920))
            image["width"] = width
            image["height"] = width * 3 // 4
        return image

    def energy_mix(self, *, green: bool | None = None) -> Json:
        """An EnergyMix whose source percentages add up to 100."""
        rnd = self.generator.random
        green = self._chance(0.5) if green is None else green
        pool = list(self.green_sources) + ([] if green else list(self.grey_sources))
        sources = self._some(pool, 1, 4)
        if not green and not any(s in self.grey_sources for s in sources):
            sources.append(rnd.choice(self.grey_sources))
        cuts = sorted(rnd.sample(range(1, 100), len(sources) - 1))
        shares = [b - a for a, b in zip([0, *cuts], [*cuts, 100], strict=True)]
        mix: Json = {
            "is_green_energy": green,
            "energy_sources": [
                {"source": s, "percentage": p} for s, p in zip(sources, shares, strict=True)
            ],
        }
        if self._chance(0.6):
            carbon = 0 if green else rnd.randint(150, 450)
            impact = [{"category": "CARBON_DIOXIDE", "amount": carbon}]
            if "NUCLEAR" in sources:
                amount = to_json_number(Decimal(rnd.randint(1, 20)) * _Q4)
                impact.append({"category": "NUCLEAR_WASTE", "amount": amount})
            mix["environ_impact"] = impact
        if self._chance(0.7):
            mix["supplier_name"] = _clean(self.generator.company() + " Energy", 64)
        if self._chance(0.5):
            mix["energy_product_name"] = rnd.choice(
                ("Green Power", "Wind & Sun", "Standard Mix", "Hydro Plus", "Local Solar")
            )
        return mix

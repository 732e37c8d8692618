"""Locations, EVSEs and connectors: the provider methods that draw them (opening times,
connectors that fit their plug, EVSEs with capabilities and status, a Location in a real city)
and the rule that gives each connector its tariff_ids.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from faker.providers import ElementsType

from mock_party.fake.countries import country_info
from mock_party.fake.helpers import (
    _DAY,
    Json,
    _clean,
    _epoch,
    _local_day,
    _utc_date,
    _zone,
    format_datetime,
)
from mock_party.fake.shared import SharedProvider
from mock_party.fake.sites import (
    _DIRECTIONS,
    _ENTRANCE,
    _EU_SITES,
    _SITE_LABELS,
    _SITE_WEIGHTS,
    _US_SITES,
    Plug,
    _charger_kinds,
)
from mock_party.fake.tariffs import _restricts


class LocationsProvider(SharedProvider):
    """Faker methods for the OCPI Locations module (Location, EVSE, Connector, Hours)."""

    evse_statuses: ElementsType[str] = {
        "AVAILABLE": 55, "CHARGING": 20, "BLOCKED": 3, "INOPERATIVE": 4, "OUTOFORDER": 4,
        "PLANNED": 3, "REMOVED": 3, "RESERVED": 3, "UNKNOWN": 5,
    }  # fmt: skip
    parking_restrictions: ElementsType[str] = (
        "EV_ONLY", "PLUGGED", "DISABLED", "CUSTOMERS", "MOTORCYCLES",
    )  # fmt: skip
    image_categories: ElementsType[str] = (
        "CHARGER", "ENTRANCE", "LOCATION", "NETWORK", "OPERATOR", "OTHER", "OWNER",
    )  # fmt: skip

    def evse_uid(self) -> str:
        """A technical EVSE uid (a UUID, as many CPOs use), unique in practice."""
        return str(self.generator.uuid4())

    def evse_id(
        self, country_code: str, party_id: str, *, station: int | None = None, outlet: int = 1
    ) -> str:
        """An EVSE ID in the eMI3 format, e.g. ``NL*MCK*E000123*1``."""
        if station is None:
            station = self.generator.random.randint(1, 999999)
        return f"{country_code.upper()}*{party_id.upper()}*E{station:06d}*{outlet}"

    def opening_times(self, *, now: datetime | int, time_zone: str, all_day: bool) -> Json:
        """Hours: 24/7, or regular hours per weekday with exceptional openings and closings."""
        rnd = self.generator.random
        if all_day:
            hours: Json = {"twentyfourseven": True}
        else:
            open_at = rnd.choice(("06:00", "07:00", "07:30", "08:00"))
            close_at = rnd.choice(("20:00", "21:00", "22:00", "23:00", "23:30"))
            weekend_open = rnd.choice(("08:00", "09:00", "10:00"))
            regular = [
                {"weekday": day, "period_begin": open_at, "period_end": close_at}
                for day in range(1, 6)
            ]
            regular.append({"weekday": 6, "period_begin": weekend_open, "period_end": close_at})
            if self._chance(0.6):
                regular.append({"weekday": 7, "period_begin": "10:00", "period_end": "18:00"})
            hours = {"twentyfourseven": False, "regular_hours": regular}
        now_s = now if isinstance(now, int) else _epoch(now)
        year = time.gmtime(now_s).tm_year
        zone = _zone(time_zone)
        if self._chance(0.4):
            hours["exceptional_closings"] = [
                _local_day(year, 12, 25, zone),
                _local_day(year + 1, 1, 1, zone),
            ]
        if not all_day and self._chance(0.3):
            day = _utc_date(now_s - rnd.randint(0, 120) * _DAY)
            begin = datetime(day.year, day.month, day.day, 22, tzinfo=zone)
            hours["exceptional_openings"] = [
                {
                    "period_begin": format_datetime(begin),
                    "period_end": format_datetime(begin + timedelta(hours=8)),
                }
            ]
        return hours

    def connector(
        self,
        plug: Plug,
        *,
        connector_id: str,
        tariff_ids: Sequence[str] = (),
        last_updated: int,
        terms_url: str | None = None,
    ) -> Json:
        """A Connector whose standard, format, power type, voltage and amperage fit together."""
        rnd = self.generator.random
        connector: Json = {
            "id": connector_id,
            "standard": plug.standard,
            "format": plug.format,
            "power_type": plug.power_type,
            "max_voltage": plug.voltage,
            "max_amperage": plug.amperage,
        }
        if plug.power is not None and plug.power < plug.nominal:
            connector["max_electric_power"] = plug.power
        elif rnd.random() < 0.4:
            connector["max_electric_power"] = plug.nominal
        if tariff_ids:
            connector["tariff_ids"] = list(tariff_ids)
        if terms_url and rnd.random() < 0.15:
            connector["terms_and_conditions"] = terms_url
        connector["last_updated"] = format_datetime(last_updated)
        return connector

    def evse(
        self,
        plugs: Sequence[Plug],
        *,
        now: datetime | int,
        created: int,
        country_code: str,
        party_id: str,
        station: int,
        outlet: int,
        center: tuple[float, float] | None = None,
        site: str = "street",
        language: str = "en",
        tariff_ids_for: Callable[[Plug], Sequence[str]] | None = None,
        image_base: str | None = None,
    ) -> Json:
        """An EVSE with its connectors; ``tariff_ids_for(plug)`` gives each connector's tariffs."""
        rnd = self.generator.random
        now_s = now if isinstance(now, int) else _epoch(now)
        status = self._pick(self.evse_statuses)
        evse: Json = {"uid": self.evse_uid()}
        if status != "REMOVED" or rnd.random() < 0.5:
            evse["evse_id"] = self.evse_id(country_code, party_id, station=station, outlet=outlet)
        evse["status"] = status
        if status == "PLANNED":
            begin = now_s + rnd.randint(7, 90) * _DAY
            evse["status_schedule"] = [
                {"period_begin": format_datetime(begin), "status": "AVAILABLE"}
            ]
        elif status not in ("REMOVED",) and rnd.random() < 0.05:
            begin = now_s + rnd.randint(1, 30) * _DAY
            evse["status_schedule"] = [
                {
                    "period_begin": format_datetime(begin),
                    "period_end": format_datetime(begin + rnd.randint(2, 12) * 3600),
                    "status": "INOPERATIVE",
                }
            ]
        dc = any(p.power_type == "DC" for p in plugs)
        capabilities = []
        for capability, p in (
            ("CHARGING_PROFILE_CAPABLE", 0.3),
            ("CHARGING_PREFERENCES_CAPABLE", 0.1),
            ("CHIP_CARD_SUPPORT", 0.3 if dc else 0.02),
            ("CONTACTLESS_CARD_SUPPORT", 0.5 if dc else 0.05),
            ("CREDIT_CARD_PAYABLE", 0.5 if dc else 0.05),
            ("DEBIT_CARD_PAYABLE", 0.4 if dc else 0.05),
            ("PED_TERMINAL", 0.3 if dc else 0.02),
            ("REMOTE_START_STOP_CAPABLE", 0.85),
            ("RESERVABLE", 0.3),
            ("RFID_READER", 0.9),
            ("START_SESSION_CONNECTOR_REQUIRED", 0.1 if len(plugs) > 1 else 0.0),
            ("TOKEN_GROUP_CAPABLE", 0.2),
            ("UNLOCK_CAPABLE", 0.0 if all(p.format == "CABLE" for p in plugs) else 0.7),
        ):
            if rnd.random() < p:
                capabilities.append(capability)
        if rnd.random() < 0.9:
            evse["capabilities"] = capabilities
        updated = [self._moment(created, now_s) for _ in plugs]
        evse["connectors"] = [
            self.connector(
                plug,
                connector_id=str(k + 1),
                tariff_ids=tariff_ids_for(plug) if tariff_ids_for else (),
                last_updated=updated[k],
                terms_url=f"https://{party_id.lower()}.example.com/terms",
            )
            for k, plug in enumerate(plugs)
        ]
        if site == "garage" and rnd.random() < 0.8:
            evse["floor_level"] = rnd.choice(("-2", "-1", "0", "1", "2", "3", "P2"))
        if center is not None and rnd.random() < 0.5:
            evse["coordinates"] = self.geo_location(*center, spread=0.0004)
        if rnd.random() < 0.6:
            evse["physical_reference"] = rnd.choice(
                (str(outlet), f"{chr(65 + (outlet - 1) % 26)}{outlet}", f"CP-{station}-{outlet}")
            )[:16]
        if rnd.random() < 0.1:
            evse["directions"] = [self.display_text(rnd.choice(_DIRECTIONS[language]), language)]
        if rnd.random() < 0.4:
            restrictions = ["EV_ONLY"]
            if rnd.random() < 0.2:
                restrictions.append("PLUGGED")
            if rnd.random() < 0.1:
                restrictions.append(rnd.choice(("DISABLED", "CUSTOMERS", "MOTORCYCLES")))
            evse["parking_restrictions"] = restrictions
        if image_base and rnd.random() < 0.1:
            evse["images"] = [self.image("CHARGER", f"{image_base}/evse-{outlet}")]
        evse["last_updated"] = format_datetime(max(self._moment(created, now_s), *updated))
        return evse

    def location(
        self,
        *,
        location_id: str,
        now: datetime | int,
        country_code: str = "NL",
        party_id: str = "MCK",
        station: int = 1,
        tariffs: Sequence[Mapping[str, Any]] = (),
        tokens: Sequence[Mapping[str, Any]] = (),
        operator: Mapping[str, Any] | None = None,
    ) -> Json:
        """A Location with EVSEs and connectors, in a real city of ``country_code``.

        Connectors reference ``tariffs`` (one per Tariff.type at most); a restricted location
        (``publish: false``) lists some of ``tokens`` in ``publish_allowed_to``.
        """
        rnd = self.generator.random
        info = country_info(country_code)
        now_s = now if isinstance(now, int) else _epoch(now)
        created = now_s - rnd.randint(30, 3 * 365) * _DAY
        sites = _US_SITES if info.region == "US" else _EU_SITES
        site_name = self._pick(_SITE_WEIGHTS[info.region])
        site = sites[site_name][1]
        city = rnd.choice(info.cities)
        language = info.language
        center = self.geo_location(city.latitude, city.longitude, spread=0.05)
        point = (float(center["latitude"]), float(center["longitude"]))
        base_url = f"https://{party_id.lower()}.example.com/images/locations/{location_id}"

        loc: Json = {"country_code": country_code.upper(), "party_id": party_id.upper()}
        loc["id"] = location_id
        restricted = rnd.random() < site.restricted
        loc["publish"] = not restricted
        if restricted:
            loc["publish_allowed_to"] = self._publish_allowed_to(tokens)
        street = _clean(self.generator.street_name(), 45)
        if rnd.random() < 0.85:
            label = _SITE_LABELS[language].get(site_name)
            loc["name"] = _clean(f"{label} {street}" if label else street, 255)
        loc["address"] = _clean(self.generator.street_address(), 45)
        loc["city"] = city.name
        if rnd.random() < 0.95:
            loc["postal_code"] = self.generator.bothify(
                city.postcode, letters=info.postcode_letters
            )
        if rnd.random() < 0.5:
            loc["state"] = city.state
        loc["country"] = info.alpha3
        loc["coordinates"] = center
        if rnd.random() < 0.1:
            loc["related_locations"] = [
                {
                    **self.geo_location(*point, spread=0.001),
                    "name": self.display_text(_ENTRANCE[language], language),
                }
            ]
        loc["parking_type"] = rnd.choice(site.parking_types)
        if rnd.random() < 0.05:
            del loc["parking_type"]

        kinds = _charger_kinds(info.code)
        count = self._pick(site.evse_counts)
        charger = self._pick(site.chargers)
        assign = _TariffAssigner(rnd, tariffs)
        evses = []
        for k in range(count):
            if k and rnd.random() < 0.25:  # mixed sites: some EVSEs of another kind
                charger = self._pick(site.chargers)
            evses.append(
                self.evse(
                    kinds[charger],
                    now=now_s,
                    created=created,
                    country_code=country_code,
                    party_id=party_id,
                    station=station,
                    outlet=k + 1,
                    center=point,
                    site=site_name,
                    language=language,
                    tariff_ids_for=assign,
                    image_base=base_url,
                )
            )
        loc["evses"] = evses
        if rnd.random() < 0.2:
            loc["directions"] = [self.display_text(rnd.choice(_DIRECTIONS[language]), language)]
            if language != "en" and rnd.random() < 0.5:
                loc["directions"].append(self.display_text(rnd.choice(_DIRECTIONS["en"]), "en"))
        if operator is not None and rnd.random() < 0.5:
            loc["operator"] = dict(operator)
        if rnd.random() < 0.15:
            loc["suboperator"] = self.business_details()
        if site_name in ("lot", "hotel", "campground") and rnd.random() < 0.4:
            loc["owner"] = self.business_details()
        facilities = self._some(site.facilities, 0, 3)
        if facilities or rnd.random() < 0.3:
            loc["facilities"] = facilities
        loc["time_zone"] = city.time_zone
        all_day = rnd.random() < site.open_all_day
        if not all_day or rnd.random() < 0.6:
            loc["opening_times"] = self.opening_times(
                now=now_s, time_zone=city.time_zone, all_day=all_day
            )
            if not all_day and rnd.random() < 0.7:
                loc["charging_when_closed"] = rnd.random() < 0.5
        if rnd.random() < 0.3:
            loc["images"] = [
                self.image(category, f"{base_url}/{n}")
                for n, category in enumerate(
                    self._some(("LOCATION", "ENTRANCE", "CHARGER", "OTHER"), 1, 3), 1
                )
            ]
        if rnd.random() < 0.3:
            loc["energy_mix"] = self.energy_mix()
        # The same fixed format throughout, so the latest DateTime is the greatest string.
        latest = max(e["last_updated"] for e in evses)
        loc["last_updated"] = max(latest, self.ocpi_datetime(created, now_s))
        return loc

    def _publish_allowed_to(self, tokens: Sequence[Mapping[str, Any]]) -> list[Json]:
        """Who may see a restricted location: some of ``tokens``, else a group of guests."""
        rnd = self.generator.random
        if not tokens:
            return [{"group_id": f"GUESTS-{rnd.randint(100, 999)}"}]
        allowed: list[Json] = []
        for token in rnd.sample(list(tokens), min(len(tokens), rnd.randint(1, 3))):
            if token.get("group_id") and self._chance(0.5):
                entry = {"group_id": token["group_id"]}
            elif token.get("visual_number") and self._chance(0.5):
                entry = {"visual_number": token["visual_number"], "issuer": token["issuer"]}
            else:
                entry = {"uid": token["uid"], "type": token["type"]}
            if entry not in allowed:
                allowed.append(entry)
        return allowed


class _TariffAssigner:
    """Picks a connector's tariff_ids: one that always applies (no type or REGULAR), maybe an
    AD_HOC_PAYMENT and a PROFILE_* one, never two of one Tariff.type; tariffs priced by power go
    to DC connectors only, those priced by current to AC connectors only."""

    def __init__(self, rnd: Any, tariffs: Sequence[Mapping[str, Any]]) -> None:
        self._rnd = rnd
        main = [t for t in tariffs if t.get("type", "REGULAR") == "REGULAR"]
        fallback = main or list(tariffs)
        self._main = {
            dc: [t for t in main if _tariff_fits(t, dc)] or fallback for dc in (False, True)
        }
        self._others: dict[str, list[Mapping[str, Any]]] = {}
        for t in tariffs:
            if t.get("type", "REGULAR") != "REGULAR":
                self._others.setdefault(t["type"], []).append(t)
        self._any = bool(tariffs)

    def __call__(self, plug: Plug) -> list[str]:
        rnd = self._rnd
        if not self._any or rnd.random() < 0.03:
            return []
        main = rnd.choice(self._main[plug.power_type == "DC"])
        chosen, types = [main["id"]], {main.get("type", "REGULAR")}
        for kind, options in sorted(self._others.items()):
            if kind not in types and rnd.random() < (0.3 if kind == "AD_HOC_PAYMENT" else 0.15):
                chosen.append(rnd.choice(options)["id"])
                types.add(kind)
        return chosen


def _tariff_fits(tariff: Mapping[str, Any], dc: bool) -> bool:
    if _restricts(tariff, ("min_power", "max_power")):
        return dc
    if _restricts(tariff, ("min_current", "max_current")):
        return not dc
    return True

"""Faker factories for OCPI data (made in 2.2.1, shaped for 2.1.1 and 2.3.0): realistic,
schema-valid and reproducible.

``make_faker(seed)`` gives a Faker with :class:`OcpiProvider` added; ``generate_dataset(seed=…,
now=…)`` builds a consistent set of Locations, Tariffs, Tokens, Sessions and CDRs as JSON-ready
dicts. Every object is drawn from its own sub-seed (seed, party, kind, index), so object *i* stays
the same when volumes grow, and the same seed and ``now`` give byte-identical JSON (for the pinned
Faker version). No call reads the clock: ``now`` is always an argument.
"""

from __future__ import annotations

import base64
import gc
import hashlib
import json
import string
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import cache, cached_property
from typing import Any
from zoneinfo import ZoneInfo

from faker import Faker
from faker.providers import BaseProvider, ElementsType

__all__ = [
    "COUNTRIES",
    "SUPPORTED_VERSIONS",
    "Charge",
    "City",
    "Country",
    "Dataset",
    "OcpiProvider",
    "Plug",
    "country_info",
    "dataset_in",
    "format_datetime",
    "generate_dataset",
    "iter_locations",
    "iter_tariffs",
    "iter_tokens",
    "locale_for",
    "make_faker",
    "price_component",
    "price_excl_vat",
    "to_json_number",
]

SUPPORTED_VERSIONS: tuple[str, ...] = ("2.1.1", "2.2.1", "2.3.0")

Json = dict[str, Any]

_Q4 = Decimal("0.0001")
_Q2 = Decimal("0.01")
_Q1 = Decimal("0.1")
_HOUR = Decimal(3600)
_DAY = 86400
# Durations are whole multiples of 9 s, so hours (seconds / 3600) have at most 4 decimals and the
# CDR totals are exact sums of the periods.
_TICK = 9


# -- pure helpers ------------------------------------------------------------------------------


def to_json_number(value: Decimal | int | float, places: int = 4) -> int | float:
    """A number for JSON: rounded half-up to ``places`` decimals, an int when it is whole."""
    quantized = Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    if quantized == quantized.to_integral_value():
        return int(quantized)
    return float(quantized)


def format_datetime(moment: datetime | int) -> str:
    """An OCPI DateTime (``YYYY-MM-DDTHH:MM:SSZ``, UTC) from a datetime or epoch seconds."""
    if isinstance(moment, datetime):
        moment = _epoch(moment)
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(moment))


def _utc_date(epoch: int) -> date:
    return datetime.fromtimestamp(epoch, UTC).date()


def _epoch(moment: datetime) -> int:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())


def price_excl_vat(price_incl_vat: Decimal, vat: Decimal | None) -> Decimal:
    """The excl.-VAT unit price (4 decimals) behind a consumer price such as 0.39 incl. 21 %."""
    if vat is None:
        return price_incl_vat.quantize(_Q4)
    return (price_incl_vat / (1 + vat / 100)).quantize(_Q4, rounding=ROUND_HALF_UP)


def price_component(dimension: str, price: Decimal, step_size: int, vat: Decimal | None) -> Json:
    """A PriceComponent: price per unit excl. VAT with at most 4 decimals, VAT only when given."""
    component: Json = {
        "type": dimension,
        "price": to_json_number(price),
        "step_size": int(step_size),
    }
    if vat is not None:
        component["vat"] = to_json_number(vat, 2)
    return component


def _price(excl_vat: Decimal, vat: Decimal | None) -> Json:
    """A Price object; ``incl_vat`` only where VAT applies."""
    price: Json = {"excl_vat": to_json_number(excl_vat)}
    if vat is not None:
        price["incl_vat"] = to_json_number(excl_vat * (1 + vat / 100), 2)
    return price


def _clean(text: str, limit: int) -> str:
    """``text`` on one line (no control characters), cut to ``limit`` at a word boundary."""
    text = " ".join(text.replace("\n", ", ").split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(",")
    return cut if cut else text[:limit]


def _hours(seconds: int) -> Decimal:
    return (Decimal(seconds) / _HOUR).quantize(_Q4)


def _scope(seed: int, country_code: str, party_id: str) -> str:
    """What sub-seeds derive from: two parties with one seed still get different data."""
    return f"{seed}/{country_code.upper()}/{party_id.upper()}"


def _subseed(scope: str, kind: str, index: int, attempt: int = 0) -> int:
    digest = hashlib.blake2b(f"{scope}/{kind}/{index}/{attempt}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


# -- countries ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class City:
    """A city we place locations in: coordinates of its centre and a postcode pattern.

    In ``postcode`` a ``#`` is a digit and a ``?`` a letter (Faker's ``bothify``).
    """

    name: str
    state: str
    latitude: float
    longitude: float
    time_zone: str
    postcode: str


@dataclass(frozen=True)
class Country:
    """What a realistic data set of one country needs."""

    code: str
    alpha3: str
    locale: str
    currency: str
    language: str
    vat: Decimal | None  # None: prices exclude sales taxes (no VAT on the components)
    region: str  # "EU" or "US": which plugs and chargers
    domestic: str  # the household socket's ConnectorType
    domestic_amperage: int
    cities: tuple[City, ...]
    postcode_letters: str = string.ascii_uppercase


def _cities(time_zone: str, *rows: tuple[str, str, float, float, str]) -> tuple[City, ...]:
    return tuple(City(n, s, lat, lon, time_zone, pc) for n, s, lat, lon, pc in rows)


COUNTRIES: Mapping[str, Country] = {
    "NL": Country(
        "NL", "NLD", "nl_NL", "EUR", "nl", Decimal(21), "EU", "DOMESTIC_F", 16,
        _cities(
            "Europe/Amsterdam",
            ("Amsterdam", "Noord-Holland", 52.3676, 4.9041, "10## ??"),
            ("Rotterdam", "Zuid-Holland", 51.9244, 4.4777, "30## ??"),
            ("Den Haag", "Zuid-Holland", 52.0705, 4.3007, "25## ??"),
            ("Utrecht", "Utrecht", 52.0907, 5.1214, "35## ??"),
            ("Eindhoven", "Noord-Brabant", 51.4416, 5.4697, "56## ??"),
            ("Groningen", "Groningen", 53.2194, 6.5665, "97## ??"),
            ("Tilburg", "Noord-Brabant", 51.5555, 5.0913, "50## ??"),
            ("Almere", "Flevoland", 52.3508, 5.2647, "13## ??"),
            ("Nijmegen", "Gelderland", 51.8126, 5.8372, "65## ??"),
            ("Arnhem", "Gelderland", 51.9851, 5.8987, "68## ??"),
            ("Haarlem", "Noord-Holland", 52.3874, 4.6462, "20## ??"),
            ("Enschede", "Overijssel", 52.2215, 6.8937, "75## ??"),
            ("Maastricht", "Limburg", 50.8514, 5.6910, "62## ??"),
            ("Zwolle", "Overijssel", 52.5168, 6.0830, "80## ??"),
            ("Leeuwarden", "Friesland", 53.2012, 5.7999, "89## ??"),
        ),
        postcode_letters="ABCDEGHJKLMNPRTVWXZ",
    ),
    "DE": Country(
        "DE", "DEU", "de_DE", "EUR", "de", Decimal(19), "EU", "DOMESTIC_F", 16,
        _cities(
            "Europe/Berlin",
            ("Berlin", "Berlin", 52.5200, 13.4050, "10###"),
            ("Hamburg", "Hamburg", 53.5511, 9.9937, "20###"),
            ("München", "Bayern", 48.1351, 11.5820, "80###"),
            ("Köln", "Nordrhein-Westfalen", 50.9375, 6.9603, "50###"),
            ("Frankfurt am Main", "Hessen", 50.1109, 8.6821, "60###"),
            ("Stuttgart", "Baden-Württemberg", 48.7758, 9.1829, "70###"),
            ("Düsseldorf", "Nordrhein-Westfalen", 51.2277, 6.7735, "40###"),
            ("Leipzig", "Sachsen", 51.3397, 12.3731, "04###"),
            ("Dresden", "Sachsen", 51.0504, 13.7373, "01###"),
            ("Hannover", "Niedersachsen", 52.3759, 9.7320, "30###"),
            ("Nürnberg", "Bayern", 49.4521, 11.0767, "90###"),
            ("Bremen", "Bremen", 53.0793, 8.8017, "28###"),
        ),
    ),
    "FR": Country(
        "FR", "FRA", "fr_FR", "EUR", "fr", Decimal(20), "EU", "DOMESTIC_E", 16,
        _cities(
            "Europe/Paris",
            ("Paris", "Paris", 48.8566, 2.3522, "750##"),
            ("Lyon", "Rhône", 45.7640, 4.8357, "6900#"),
            ("Marseille", "Bouches-du-Rhône", 43.2965, 5.3698, "130##"),
            ("Toulouse", "Haute-Garonne", 43.6047, 1.4442, "310##"),
            ("Nice", "Alpes-Maritimes", 43.7102, 7.2620, "060##"),
            ("Nantes", "Loire-Atlantique", 47.2184, -1.5536, "440##"),
            ("Strasbourg", "Bas-Rhin", 48.5734, 7.7521, "670##"),
            ("Montpellier", "Hérault", 43.6108, 3.8767, "340##"),
            ("Bordeaux", "Gironde", 44.8378, -0.5792, "330##"),
            ("Lille", "Nord", 50.6292, 3.0573, "590##"),
            ("Rennes", "Ille-et-Vilaine", 48.1173, -1.6778, "350##"),
        ),
    ),
    "BE": Country(
        "BE", "BEL", "nl_BE", "EUR", "nl", Decimal(21), "EU", "DOMESTIC_E", 16,
        _cities(
            "Europe/Brussels",
            ("Brussel", "Brussel", 50.8503, 4.3517, "10##"),
            ("Antwerpen", "Antwerpen", 51.2194, 4.4025, "20##"),
            ("Gent", "Oost-Vlaanderen", 51.0543, 3.7174, "90##"),
            ("Brugge", "West-Vlaanderen", 51.2093, 3.2247, "80##"),
            ("Leuven", "Vlaams-Brabant", 50.8798, 4.7005, "30##"),
            ("Hasselt", "Limburg", 50.9307, 5.3325, "350#"),
            ("Mechelen", "Antwerpen", 51.0259, 4.4776, "280#"),
            ("Kortrijk", "West-Vlaanderen", 50.8279, 3.2649, "850#"),
            ("Aalst", "Oost-Vlaanderen", 50.9378, 4.0410, "930#"),
        ),
    ),
    "GB": Country(
        "GB", "GBR", "en_GB", "GBP", "en", Decimal(20), "EU", "DOMESTIC_G", 13,
        _cities(
            "Europe/London",
            ("London", "Greater London", 51.5074, -0.1278, "N# #??"),
            ("Manchester", "Greater Manchester", 53.4808, -2.2426, "M1# #??"),
            ("Birmingham", "West Midlands", 52.4862, -1.8904, "B1# #??"),
            ("Leeds", "West Yorkshire", 53.8008, -1.5491, "LS# #??"),
            ("Glasgow", "Glasgow City", 55.8642, -4.2518, "G# #??"),
            ("Edinburgh", "City of Edinburgh", 55.9533, -3.1883, "EH# #??"),
            ("Liverpool", "Merseyside", 53.4084, -2.9916, "L# #??"),
            ("Bristol", "Bristol", 51.4545, -2.5879, "BS# #??"),
            ("Sheffield", "South Yorkshire", 53.3811, -1.4701, "S# #??"),
            ("Cardiff", "Cardiff", 51.4816, -3.1791, "CF1# #??"),
            ("Newcastle upon Tyne", "Tyne and Wear", 54.9783, -1.6178, "NE# #??"),
        ),
        postcode_letters="ABDEFGHJLNPQRSTUWXYZ",
    ),
    "US": Country(
        "US", "USA", "en_US", "USD", "en", None, "US", "NEMA_5_20", 20,
        (
            City("New York", "NY", 40.7128, -74.0060, "America/New_York", "100##"),
            City("Los Angeles", "CA", 34.0522, -118.2437, "America/Los_Angeles", "900##"),
            City("Chicago", "IL", 41.8781, -87.6298, "America/Chicago", "606##"),
            City("Houston", "TX", 29.7604, -95.3698, "America/Chicago", "770##"),
            City("Phoenix", "AZ", 33.4484, -112.0740, "America/Phoenix", "850##"),
            City("Seattle", "WA", 47.6062, -122.3321, "America/Los_Angeles", "981##"),
            City("Denver", "CO", 39.7392, -104.9903, "America/Denver", "802##"),
            City("San Francisco", "CA", 37.7749, -122.4194, "America/Los_Angeles", "941##"),
            City("Boston", "MA", 42.3601, -71.0589, "America/New_York", "021##"),
            City("Atlanta", "GA", 33.7490, -84.3880, "America/New_York", "303##"),
            City("Miami", "FL", 25.7617, -80.1918, "America/New_York", "331##"),
            City("Portland", "OR", 45.5152, -122.6784, "America/Los_Angeles", "972##"),
            City("Austin", "TX", 30.2672, -97.7431, "America/Chicago", "787##"),
            City("Detroit", "MI", 42.3314, -83.0458, "America/Detroit", "482##"),
        ),
    ),
}  # fmt: skip


def country_info(country_code: str) -> Country:
    """The :class:`Country` of an ISO 3166-1 alpha-2 code; a ValueError names the known ones."""
    found = COUNTRIES.get(country_code.upper())
    if found is None:
        raise ValueError(
            f"no fake data for country {country_code!r}; use one of {', '.join(COUNTRIES)}"
        )
    return found


def locale_for(country_code: str) -> str:
    """The Faker locale for a country code (``NL`` -> ``nl_NL``)."""
    return country_info(country_code).locale


def make_faker(seed: int, locale: str = "nl_NL") -> Faker:
    """A Faker for ``locale`` with :class:`OcpiProvider`, seeded on this instance only."""
    fake = Faker(locale)
    fake.add_provider(OcpiProvider)
    fake.seed_instance(seed)
    return fake


# -- chargers ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Plug:
    """One kind of connector: standard, format and power as they occur together in the field.

    ``power`` is the rated power in W when it is below V x A x phases (OCPI then asks for
    ``max_electric_power``).
    """

    standard: str
    format: str
    power_type: str
    voltage: int
    amperage: int
    power: int | None = None

    @property
    def nominal(self) -> int:
        return self.voltage * self.amperage * _PHASES[self.power_type]

    @property
    def watts(self) -> int:
        return self.power if self.power is not None else self.nominal


_PHASES = {"AC_1_PHASE": 1, "AC_2_PHASE": 2, "AC_2_PHASE_SPLIT": 2, "AC_3_PHASE": 3, "DC": 1}


@cache
def _charger_kinds(country_code: str) -> dict[str, tuple[Plug, ...]]:
    """EVSE kinds (the connectors one EVSE has) for a country's region."""
    c = country_info(country_code)
    if c.region == "US":
        return {
            "l2": (Plug("IEC_62196_T1", "CABLE", "AC_1_PHASE", 208, 32),),
            "l2_split": (Plug("IEC_62196_T1", "CABLE", "AC_2_PHASE_SPLIT", 120, 40),),
            "l1": (Plug("NEMA_5_20", "SOCKET", "AC_1_PHASE", 120, 20, 1920),),
            "rv": (
                Plug("NEMA_14_50", "SOCKET", "AC_2_PHASE_SPLIT", 120, 50, 9600),
                Plug("NEMA_6_50", "SOCKET", "AC_1_PHASE", 240, 50, 9600),
            ),
            "dc50": (
                Plug("IEC_62196_T1_COMBO", "CABLE", "DC", 500, 125, 50000),
                Plug("CHADEMO", "CABLE", "DC", 500, 125, 50000),
            ),
            "dc150": (Plug("IEC_62196_T1_COMBO", "CABLE", "DC", 920, 200, 150000),),
            "dc350": (Plug("IEC_62196_T1_COMBO", "CABLE", "DC", 920, 500, 350000),),
            "nacs": (Plug("TESLA_S", "CABLE", "DC", 500, 500, 250000),),
        }
    domestic = Plug(c.domestic, "SOCKET", "AC_1_PHASE", 230, c.domestic_amperage)
    return {
        "ac7": (Plug("IEC_62196_T2", "SOCKET", "AC_1_PHASE", 230, 32),),
        "ac11": (Plug("IEC_62196_T2", "SOCKET", "AC_3_PHASE", 230, 16),),
        "ac22": (Plug("IEC_62196_T2", "SOCKET", "AC_3_PHASE", 230, 32),),
        "ac22_cable": (Plug("IEC_62196_T2", "CABLE", "AC_3_PHASE", 230, 32),),
        "ac_dual": (Plug("IEC_62196_T2", "SOCKET", "AC_3_PHASE", 230, 32), domestic),
        "camping": (Plug("IEC_60309_2_single_16", "SOCKET", "AC_1_PHASE", 230, 16),),
        "industrial": (Plug("IEC_60309_2_three_32", "SOCKET", "AC_3_PHASE", 230, 32),),
        "dc50": (
            Plug("IEC_62196_T2_COMBO", "CABLE", "DC", 500, 125, 50000),
            Plug("CHADEMO", "CABLE", "DC", 500, 125, 50000),
            Plug("IEC_62196_T2", "CABLE", "AC_3_PHASE", 230, 63, 43000),
        ),
        "dc150": (Plug("IEC_62196_T2_COMBO", "CABLE", "DC", 920, 200, 150000),),
        "dc350": (Plug("IEC_62196_T2_COMBO", "CABLE", "DC", 920, 500, 350000),),
    }


@dataclass(frozen=True)
class _Site:
    """A kind of place: parking types, EVSE counts, charger kinds, facilities, opening hours."""

    parking_types: tuple[str, ...]
    evse_counts: Mapping[int, float]
    chargers: Mapping[str, float]
    facilities: tuple[str, ...]
    open_all_day: float  # chance of 24/7 opening
    restricted: float = 0.0  # chance of publish=false with publish_allowed_to


_EU_SITES: Mapping[str, tuple[float, _Site]] = {
    "street": (
        40,
        _Site(
            ("ON_STREET",),
            {1: 2, 2: 8},
            {"ac11": 3, "ac22": 6, "ac7": 2, "ac_dual": 1},
            ("BUS_STOP", "TRAM_STOP", "BIKE_SHARING"),
            1.0,
        ),
    ),
    "garage": (
        20,
        _Site(
            ("PARKING_GARAGE", "UNDERGROUND_GARAGE"),
            {2: 3, 4: 4, 6: 3, 8: 2, 12: 1},
            {"ac11": 4, "ac22": 4, "ac22_cable": 1, "dc50": 1},
            ("PARKING_LOT", "MALL", "METRO_STATION", "TRAIN_STATION", "AIRPORT"),
            0.4,
        ),
    ),
    "lot": (
        20,
        _Site(
            ("PARKING_LOT",),
            {2: 3, 4: 3, 6: 1},
            {"ac22": 4, "dc50": 2, "dc150": 1, "ac_dual": 1},
            (
                "SUPERMARKET",
                "MALL",
                "SPORT",
                "RECREATION_AREA",
                "NATURE",
                "CARPOOL_PARKING",
                "MUSEUM",
                "TAXI_STAND",
            ),
            0.5,
        ),
    ),
    "hub": (
        12,
        _Site(
            ("ALONG_MOTORWAY", "PARKING_LOT"),
            {2: 2, 4: 4, 6: 3, 8: 2, 12: 1},
            {"dc150": 4, "dc350": 3, "dc50": 1},
            ("FUEL_STATION", "RESTAURANT", "CAFE", "WIFI"),
            1.0,
        ),
    ),
    "hotel": (
        8,
        _Site(
            ("ON_DRIVEWAY", "PARKING_LOT"),
            {1: 2, 2: 3},
            {"ac11": 2, "ac22_cable": 1, "camping": 1, "industrial": 1},
            ("HOTEL", "RESTAURANT", "WIFI", "CAFE"),
            0.6,
            0.3,
        ),
    ),
}
_US_SITES: Mapping[str, tuple[float, _Site]] = {
    "street": (
        20,
        _Site(
            ("ON_STREET",),
            {1: 3, 2: 6},
            {"l2": 6, "l2_split": 2, "l1": 1},
            ("BUS_STOP", "BIKE_SHARING"),
            1.0,
        ),
    ),
    "garage": (
        25,
        _Site(
            ("PARKING_GARAGE", "UNDERGROUND_GARAGE"),
            {2: 3, 4: 4, 6: 3, 8: 2},
            {"l2": 5, "l2_split": 2, "dc50": 1},
            ("PARKING_LOT", "MALL", "AIRPORT", "TRAIN_STATION"),
            0.4,
        ),
    ),
    "lot": (
        25,
        _Site(
            ("PARKING_LOT",),
            {2: 3, 4: 3, 6: 1},
            {"l2": 4, "dc50": 2, "dc150": 1},
            ("SUPERMARKET", "MALL", "SPORT", "NATURE", "RECREATION_AREA"),
            0.5,
        ),
    ),
    "hub": (
        20,
        _Site(
            ("ALONG_MOTORWAY", "PARKING_LOT"),
            {4: 4, 6: 3, 8: 3, 12: 1},
            {"dc150": 4, "dc350": 3, "nacs": 2, "dc50": 1},
            ("FUEL_STATION", "RESTAURANT", "CAFE", "WIFI"),
            1.0,
        ),
    ),
    "campground": (
        10,
        _Site(
            ("PARKING_LOT", "ON_DRIVEWAY"),
            {1: 2, 2: 3, 4: 1},
            {"rv": 3, "l1": 1, "l2": 2},
            ("NATURE", "RECREATION_AREA", "HOTEL"),
            0.6,
            0.3,
        ),
    ),
}

_SITE_WEIGHTS: Mapping[str, Mapping[str, float]] = {
    region: {name: weight for name, (weight, _) in sites.items()}
    for region, sites in (("EU", _EU_SITES), ("US", _US_SITES))
}
_SITE_LABELS: Mapping[str, Mapping[str, str]] = {
    "nl": {
        "garage": "Parkeergarage",
        "lot": "Parkeerplaats",
        "hub": "Snellaadstation",
        "hotel": "Hotel",
    },
    "de": {"garage": "Parkhaus", "lot": "Parkplatz", "hub": "Schnellladepark", "hotel": "Hotel"},
    "fr": {"garage": "Parking", "lot": "Parking", "hub": "Station de recharge", "hotel": "Hôtel"},
    "en": {
        "garage": "Car Park",
        "lot": "Parking",
        "hub": "Charging Hub",
        "hotel": "Hotel",
        "campground": "Campground",
    },
}
_DIRECTIONS: Mapping[str, tuple[str, ...]] = {
    "nl": (
        "Volg de borden naar de laadpalen.",
        "De laadpalen staan naast de ingang, bij de fietsenstalling.",
        "De laadplekken staan achteraan en zijn groen gemarkeerd.",
    ),
    "de": (
        "Der Beschilderung zu den Ladesäulen folgen.",
        "Die Ladesäulen stehen direkt neben dem Eingang.",
        "Die Ladeplätze liegen hinten und sind grün markiert.",
    ),
    "fr": (
        "Suivez les panneaux vers les bornes de recharge.",
        "Les bornes se trouvent à côté de l'entrée principale.",
        "Les places de recharge sont au fond, marquées en vert.",
    ),
    "en": (
        "Follow the signs to the charging bays.",
        "The chargers are next to the main entrance.",
        "The charging bays are at the back, marked in green.",
    ),
}
_ENTRANCE: Mapping[str, str] = {"nl": "Ingang", "de": "Einfahrt", "fr": "Entrée", "en": "Entrance"}
_REMARKS = (
    "Session stopped by the EV.",
    "Session stopped remotely by the eMSP.",
    "Session ended after a communication loss with the charge point.",
    "Charging stopped: battery full.",
)
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

# CdrDimensionTypes that the spec allows in Sessions only, never in CDRs.
_SESSION_ONLY = frozenset({"CURRENT", "ENERGY_EXPORT", "ENERGY_IMPORT", "POWER", "STATE_OF_CHARGE"})
_WEEKDAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
_DC_STANDARDS = frozenset(
    {"CHADEMO", "CHAOJI", "GBT_DC", "IEC_62196_T1_COMBO", "IEC_62196_T2_COMBO", "TESLA_S"}
)


_WEIGHTS: dict[int, tuple[Mapping[Any, float], tuple[Any, ...], tuple[float, ...]]] = {}


def _weighted(options: Mapping[Any, float]) -> tuple[tuple[Any, ...], tuple[float, ...]]:
    """Keys and cumulative weights of ``options``, remembered for the constant tables."""
    known = _WEIGHTS.get(id(options))
    if known is not None and known[0] is options:
        return known[1], known[2]
    keys = tuple(options)
    total = 0.0
    cumulative = []
    for key in keys:
        total += options[key]
        cumulative.append(total)
    _WEIGHTS[id(options)] = (options, keys, tuple(cumulative))
    return keys, tuple(cumulative)


# -- the provider ------------------------------------------------------------------------------


class OcpiProvider(BaseProvider):
    """Faker provider for OCPI 2.2.1 objects (JSON-ready dicts, DateTimes as strings).

    Objects are composed through ``self.generator`` and all randomness comes from
    ``self.generator.random``. Methods that need "now" take it as an argument.
    """

    evse_statuses: ElementsType[str] = {
        "AVAILABLE": 55, "CHARGING": 20, "BLOCKED": 3, "INOPERATIVE": 4, "OUTOFORDER": 4,
        "PLANNED": 3, "REMOVED": 3, "RESERVED": 3, "UNKNOWN": 5,
    }  # fmt: skip
    session_statuses: ElementsType[str] = (
        "COMPLETED", "ACTIVE", "PENDING", "RESERVATION", "INVALID",
    )  # fmt: skip
    token_types: ElementsType[str] = ("RFID", "APP_USER", "AD_HOC_USER", "OTHER")
    whitelist_types: ElementsType[str] = ("ALWAYS", "ALLOWED", "ALLOWED_OFFLINE", "NEVER")
    parking_restrictions: ElementsType[str] = (
        "EV_ONLY", "PLUGGED", "DISABLED", "CUSTOMERS", "MOTORCYCLES",
    )  # fmt: skip
    image_categories: ElementsType[str] = (
        "CHARGER", "ENTRANCE", "LOCATION", "NETWORK", "OPERATOR", "OTHER", "OWNER",
    )  # fmt: skip
    profile_types: ElementsType[str] = ("CHEAP", "FAST", "GREEN", "REGULAR")
    tariff_kinds: ElementsType[str] = (
        "energy", "time_of_day", "power", "current", "kwh", "duration", "promotion",
        "reservation", "time", "ad_hoc", "profile", "free",
    )  # fmt: skip
    green_sources: ElementsType[str] = ("WIND", "SOLAR", "WATER", "GENERAL_GREEN")
    grey_sources: ElementsType[str] = ("GAS", "COAL", "NUCLEAR", "GENERAL_FOSSIL")

    # -- small values ------------------------------------------------------------------------

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

    def contract_id(self, country_code: str, party_id: str) -> str:
        """An eMA ID (``NL-MCK-C12345678``) without the optional check digit."""
        return f"{country_code.upper()}-{party_id.upper()}-C{self._alnum(8)}"

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

    # -- locations ---------------------------------------------------------------------------

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

    # -- tariffs -----------------------------------------------------------------------------

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

    # -- tokens ------------------------------------------------------------------------------

    def token(
        self,
        *,
        now: datetime | int,
        country_code: str = "NL",
        party_id: str = "MCK",
        token_type: str | None = None,
        whitelist: str | None = None,
        valid: bool | None = None,
        issuer: str | None = None,
    ) -> Json:
        """A Token of ``token_type`` (random when None), mostly valid."""
        rnd = self.generator.random
        info = country_info(country_code)
        now_s = now if isinstance(now, int) else _epoch(now)
        token_type = token_type or self._pick(
            {"RFID": 70, "APP_USER": 15, "AD_HOC_USER": 10, "OTHER": 5}
        )
        if token_type == "RFID":
            uid = self._hex(rnd.choice((8, 14, 14)))
        elif token_type == "APP_USER":
            uid = str(self.generator.uuid4())
        elif token_type == "AD_HOC_USER":
            uid = "ADHOC" + self._hex(16)
        else:  # e.g. a vehicle's MAC address for plug-and-charge-like "Autocharge"
            uid = self._hex(12)
        if whitelist is None:
            if token_type in ("APP_USER", "AD_HOC_USER"):
                whitelist = "NEVER"
            else:
                whitelist = self._pick(
                    {"ALLOWED": 50, "ALWAYS": 20, "ALLOWED_OFFLINE": 20, "NEVER": 10}
                )
        token: Json = {
            "country_code": country_code.upper(),
            "party_id": party_id.upper(),
            "uid": uid,
            "type": token_type,
            "contract_id": self.contract_id(country_code, party_id),
        }
        if token_type == "RFID" and self._chance(0.8):
            token["visual_number"] = (
                f"{country_code.upper()}-{party_id.upper()}-"
                f"{rnd.randint(0, 999999):06d}-{rnd.randint(0, 9)}"
            )
        token["issuer"] = _clean(issuer or self.generator.company(), 64)
        if self._chance(0.3):
            token["group_id"] = f"GRP{rnd.randint(100, 99999)}"
        token["valid"] = self._chance(0.88) if valid is None else valid
        token["whitelist"] = whitelist
        if self._chance(0.5):
            token["language"] = info.language
        if self._chance(0.3 if token_type == "APP_USER" else 0.05):
            token["default_profile_type"] = rnd.choice(self.profile_types)
        if self._chance(0.1):
            contract: Json = {"supplier_name": _clean(self.generator.company() + " Energy", 64)}
            if self._chance(0.6):
                contract["contract_id"] = f"EC{rnd.randint(10**7, 10**8 - 1)}"
            token["energy_contract"] = contract
        token["last_updated"] = self.ocpi_datetime(now_s - 2 * 365 * _DAY, now_s)
        return token

    def cdr_token(self, token: Mapping[str, Any]) -> Json:
        """The CdrToken of a Token."""
        return {
            key: token[key] for key in ("country_code", "party_id", "uid", "type", "contract_id")
        }

    # -- sessions and CDRs -------------------------------------------------------------------

    def charge(
        self,
        *,
        location: Mapping[str, Any],
        evse: Mapping[str, Any],
        connector: Mapping[str, Any],
        token: Mapping[str, Any],
        tariff: Mapping[str, Any] | None,
        start: int,
        until: int | None = None,
        reservation: bool = False,
        charging: bool = True,
    ) -> Charge:
        """Simulate a charging session from ``start``: an optional reservation, charging in
        periods as the battery fills, then maybe parking. With ``until`` the simulation stops
        there (a session still going on)."""
        rnd = self.generator.random
        tariff_id = tariff["id"] if tariff else None
        dc = connector["power_type"] == "DC"
        rated = Decimal(connector.get("max_electric_power") or _nominal(connector)) / 1000
        car = Decimal(rnd.choice((50, 100, 150, 250)) if dc else rnd.choice((3.7, 7.4, 11, 22)))
        power = min(rated, car) * Decimal(rnd.randint(70, 100)) / 100
        capacity = Decimal(rnd.choice((40, 58, 64, 77, 82, 100)))
        soc = Decimal(rnd.randint(5, 60))
        target = Decimal(rnd.choice((80, 80, 90, 100)))
        length = 900 if dc else rnd.choice((900, 1800, 3600))
        limit = until if until is not None else start + 12 * 3600
        voltage = Decimal(connector["max_voltage"])
        dims = _DimensionChoice(
            power=self._chance(0.6),
            current=self._chance(0.4) or _restricts(tariff, ("min_current", "max_current")),
            average=self._chance(0.5),
            soc=dc and self._chance(0.5),
        )
        periods: list[Json] = []
        moment = start
        reserved = 0
        if reservation:
            reserved = self._ticks(300, 1500)
            if until is not None:
                reserved = min(reserved, max(_TICK, (until - start) // _TICK * _TICK))
            periods.append(_period(moment, [("RESERVATION_TIME", _hours(reserved))], tariff_id))
            moment += reserved
        energy = Decimal(0)
        seconds_charged = 0
        while charging and soc < target and moment < limit and seconds_charged < 12 * 3600:
            taper = Decimal(1) if soc < (60 if dc else 90) else (Decimal(100) - soc) / 40
            now_power = max(power * taper, Decimal("1.4"))
            needed = (target - soc) / 100 * capacity
            seconds = min(length, limit - moment)
            if now_power * Decimal(seconds) / _HOUR > needed:
                seconds = int(needed / now_power * _HOUR)
            seconds = max(_TICK, seconds // _TICK * _TICK)
            kwh = (now_power * Decimal(seconds) / _HOUR).quantize(_Q4)
            soc = min(target, soc + kwh / capacity * 100)
            values: list[tuple[str, Decimal]] = [("ENERGY", kwh), ("TIME", _hours(seconds))]
            # MIN_/MAX_ values suit CDRs too; the averages and the state of charge are for
            # Sessions only (Charge.cdr_periods leaves them out).
            if dims.power:
                values.append(("MAX_POWER", (now_power * Decimal("1.05")).quantize(_Q2)))
                values.append(("MIN_POWER", (now_power * Decimal("0.9")).quantize(_Q2)))
                if dims.average:
                    values.append(("POWER", now_power.quantize(_Q2)))
            if dims.current:
                amperes = now_power * 1000 / voltage  # summed over the phases
                values.append(("MAX_CURRENT", (amperes * Decimal("1.05")).quantize(_Q1)))
                values.append(("MIN_CURRENT", (amperes * Decimal("0.9")).quantize(_Q1)))
                if dims.average:
                    values.append(("CURRENT", amperes.quantize(_Q1)))
            if dims.soc:
                values.append(("STATE_OF_CHARGE", soc.quantize(Decimal("0.1"))))
            periods.append(_period(moment, values, tariff_id))
            energy += kwh
            seconds_charged += seconds
            moment += seconds
        parked = 0
        if moment < limit and self._chance(0.55):
            parked = self._ticks(180, 4 * 3600)
            if until is not None:
                parked = max(0, min(parked, (until - moment) // _TICK * _TICK))
            if parked:
                periods.append(_period(moment, [("PARKING_TIME", _hours(parked))], tariff_id))
                moment += parked
        return Charge(
            location=location,
            evse=evse,
            connector=connector,
            token=token,
            tariff=tariff,
            start=start,
            end=moment,
            periods=periods,
            energy=energy,
            charging_seconds=seconds_charged,
            parking_seconds=parked,
            reservation_seconds=reserved,
        )

    def auth_method(self, token: Mapping[str, Any]) -> str:
        if token["type"] in ("APP_USER", "AD_HOC_USER"):
            return "COMMAND" if token["type"] == "APP_USER" or self._chance(0.5) else "AUTH_REQUEST"
        if token.get("whitelist") == "ALWAYS":
            return "WHITELIST"
        if token.get("whitelist") == "NEVER":
            return "AUTH_REQUEST"
        return self.generator.random.choice(("WHITELIST", "AUTH_REQUEST", "AUTH_REQUEST"))

    def session(
        self,
        *,
        session_id: str,
        charge: Charge,
        status: str,
        now: datetime | int,
        auth_method: str | None = None,
        authorization_reference: str | None = None,
    ) -> Json:
        """A Session for a simulated charge, priced with its tariff."""
        rnd = self.generator.random
        now_s = now if isinstance(now, int) else _epoch(now)
        loc, evse = charge.location, charge.evse
        info = country_info(loc["country_code"])
        # A Session starts when it became ACTIVE, after any reservation (a CDR starts with the
        # reservation); while PENDING or RESERVATION it starts when it was created.
        became_active = status in ("ACTIVE", "COMPLETED") and charge.charging_seconds > 0
        start = charge.start + (charge.reservation_seconds if became_active else 0)
        session: Json = {
            "country_code": loc["country_code"],
            "party_id": loc["party_id"],
            "id": session_id,
            "start_date_time": format_datetime(start),
        }
        finished = status in ("COMPLETED", "INVALID")
        if finished:
            session["end_date_time"] = format_datetime(charge.end)
        session["kwh"] = to_json_number(charge.energy)
        session["cdr_token"] = self.cdr_token(charge.token)
        auth_method = auth_method or self.auth_method(charge.token)
        session["auth_method"] = auth_method
        if authorization_reference:
            session["authorization_reference"] = authorization_reference
        session["location_id"] = loc["id"]
        unassigned = status == "RESERVATION" and self._chance(0.3)
        session["evse_uid"] = "#NA" if unassigned else evse["uid"]
        session["connector_id"] = "#NA" if unassigned else charge.connector["id"]
        if self._chance(0.3):
            session["meter_id"] = f"MTR-{self._alnum(10)}"
        session["currency"] = info.currency
        if charge.periods or self._chance(0.5):
            session["charging_periods"] = charge.periods
        if charge.tariff is not None and status in ("ACTIVE", "COMPLETED") and self._chance(0.7):
            result = charge.price
            session["total_cost"] = _money(result.total_cost, info.vat is not None)
        session["status"] = status
        # A CDR comes a minute or more after its session's last update.
        last = charge.end if not finished else charge.end + rnd.randint(1, 59)
        session["last_updated"] = format_datetime(min(max(last, charge.start), now_s))
        return session

    def cdr(
        self,
        *,
        cdr_id: str,
        charge: Charge,
        now: datetime | int,
        session_id: str | None = None,
        auth_method: str | None = None,
        authorization_reference: str | None = None,
    ) -> Json:
        """A CDR for a finished charge; its totals add up its periods and its costs are what
        :func:`ocpi_core.pricing.price_cdr` says under its tariff."""
        rnd = self.generator.random
        now_s = now if isinstance(now, int) else _epoch(now)
        loc, evse, connector = charge.location, charge.evse, charge.connector
        info = country_info(loc["country_code"])
        with_vat = info.vat is not None
        cdr: Json = {
            "country_code": loc["country_code"],
            "party_id": loc["party_id"],
            "id": cdr_id,
            "start_date_time": format_datetime(charge.start),
            "end_date_time": format_datetime(charge.end),
        }
        if session_id:
            cdr["session_id"] = session_id
        cdr["cdr_token"] = self.cdr_token(charge.token)
        cdr["auth_method"] = auth_method or self.auth_method(charge.token)
        if authorization_reference:
            cdr["authorization_reference"] = authorization_reference
        where: Json = {"id": loc["id"]}
        if "name" in loc:
            where["name"] = loc["name"]
        where["address"] = loc["address"][:45]
        where["city"] = loc["city"]
        if "postal_code" in loc:
            where["postal_code"] = loc["postal_code"]
        if "state" in loc:
            where["state"] = loc["state"][:20]
        where["country"] = loc["country"]
        where["coordinates"] = dict(loc["coordinates"])
        where["evse_uid"] = evse["uid"]
        where["evse_id"] = evse["evse_id"]
        where["connector_id"] = connector["id"]
        where["connector_standard"] = connector["standard"]
        where["connector_format"] = connector["format"]
        where["connector_power_type"] = connector["power_type"]
        cdr["cdr_location"] = where
        if self._chance(0.3):
            cdr["meter_id"] = f"MTR-{self._alnum(10)}"
        cdr["currency"] = info.currency
        if charge.tariff is not None and self._chance(0.6):
            cdr["tariffs"] = [_copy(charge.tariff)]
        cdr["charging_periods"] = charge.cdr_periods()
        if self._chance(0.15):
            cdr["signed_data"] = self.signed_data(charge, meter=f"MTR-{self._alnum(10)}")
        result = charge.price
        cdr["total_cost"] = _money(result.total_cost, with_vat)
        priced = _priced_dimensions(charge.tariff)
        for key, money, dimension in (
            ("total_fixed_cost", result.total_fixed_cost, "FLAT"),
            ("total_energy", None, None),
            ("total_energy_cost", result.total_energy_cost, "ENERGY"),
            ("total_time", None, None),
            ("total_time_cost", result.total_time_cost, "TIME"),
            ("total_parking_time", None, None),
            ("total_parking_cost", result.total_parking_cost, "PARKING_TIME"),
            ("total_reservation_cost", result.total_reservation_cost, "RESERVATION"),
        ):
            if key == "total_energy":
                cdr[key] = to_json_number(charge.energy)
            elif key == "total_time":
                cdr[key] = to_json_number(_hours(charge.charging_seconds + charge.parking_seconds))
            elif key == "total_parking_time":
                if charge.parking_seconds or self._chance(0.5):
                    cdr[key] = to_json_number(_hours(charge.parking_seconds))
            elif self._chance(0.85 if dimension in priced else 0.25):
                cdr[key] = _money(money, with_vat)
        if self._chance(0.1):
            cdr["remark"] = rnd.choice(_REMARKS)
        if self._chance(0.2):
            cdr["invoice_reference_id"] = f"INV-{rnd.randint(10**7, 10**8 - 1)}"
        if self._chance(0.2):
            cdr["credit"] = False
        if self._chance(0.1):
            cdr["home_charging_compensation"] = False
        cdr["last_updated"] = format_datetime(min(charge.end + rnd.randint(60, 7200), now_s))
        return cdr

    def credit_cdr(self, original: Mapping[str, Any], *, now: datetime | int) -> Json:
        """A Credit CDR for ``original``: its id with ``-C`` appended, all of its data, and (as
        the spec says: "only the values in the total_cost field") total_cost negated."""
        now_s = now if isinstance(now, int) else _epoch(now)
        credit: Json = _copy({k: v for k, v in original.items() if k != "last_updated"})
        credit["id"] = f"{original['id']}-C"
        credit["total_cost"] = {k: -v if v else v for k, v in original["total_cost"].items()}
        credit["credit"] = True
        credit["credit_reference_id"] = original["id"]
        issued = _parse_epoch(original["last_updated"])
        moment = self._moment(issued, min(now_s, issued + 14 * _DAY))
        credit["last_updated"] = format_datetime(moment)
        return credit

    def signed_data(self, charge: Charge, *, meter: str) -> Json:
        """SignedData in the OCMF shape (signatures are random bytes, not real signatures)."""
        rnd = self.generator.random
        start_reading = Decimal(rnd.randint(1000, 90000)) + Decimal(rnd.randint(0, 999)) / 1000
        values = []
        for nature, moment, reading in (
            ("Start", charge.start, start_reading),
            ("End", charge.end, start_reading + charge.energy),
        ):
            stamp = time.strftime("%Y-%m-%dT%H:%M:%S,000+0000", time.gmtime(moment))
            payload = (
                f'OCMF|{{"FV":"1.0","GI":"{charge.location["party_id"]}","GS":"{meter}",'
                f'"PG":"T{rnd.randint(1, 9999)}","RD":[{{"TM":"{stamp} S",'
                f'"RV":{reading.quantize(_Q4)},"RI":"1-b:1.8.0","RU":"kWh","ST":"G"}}]}}'
            )
            signature = base64.b64encode(rnd.getrandbits(512).to_bytes(64, "big")).decode()
            values.append({"nature": nature, "plain_data": payload, "signed_data": signature})
        signed: Json = {"encoding_method": "OCMF"}
        if self._chance(0.5):
            signed["encoding_method_version"] = 1
        key = base64.b64encode(rnd.getrandbits(520).to_bytes(65, "big")).decode()
        signed["public_key"] = key
        signed["signed_values"] = values
        if self._chance(0.3):
            signed["url"] = f"https://transparenz.example.com/verify/{self._hex(16)}"
        return signed


# -- internals of the provider -----------------------------------------------------------------


@dataclass(frozen=True)
class Charge:
    """A simulated charging session, before it becomes a Session or a CDR."""

    location: Mapping[str, Any]
    evse: Mapping[str, Any]
    connector: Mapping[str, Any]
    token: Mapping[str, Any]
    tariff: Mapping[str, Any] | None
    start: int
    end: int
    periods: list[Json]
    energy: Decimal
    charging_seconds: int
    parking_seconds: int
    reservation_seconds: int

    def cdr_periods(self) -> list[Json]:
        """The charging periods without the dimensions OCPI allows in Sessions only."""
        return [
            {
                **period,
                "dimensions": [
                    dict(d) for d in period["dimensions"] if d["type"] not in _SESSION_ONLY
                ],
            }
            for period in self.periods
        ]

    @cached_property
    def price(self) -> Any:
        """What :func:`ocpi_core.pricing.price_cdr` says the charge costs until its end."""
        return _price_charge(self)


@dataclass(frozen=True)
class _DimensionChoice:
    power: bool
    current: bool
    average: bool
    soc: bool


def _period(start: int, values: Sequence[tuple[str, Decimal]], tariff_id: str | None) -> Json:
    period: Json = {
        "start_date_time": format_datetime(start),
        "dimensions": [{"type": kind, "volume": to_json_number(v)} for kind, v in values],
    }
    if tariff_id is not None:
        period["tariff_id"] = tariff_id
    return period


def _nominal(connector: Mapping[str, Any]) -> int:
    phases = _PHASES[connector["power_type"]]
    return int(connector["max_voltage"]) * int(connector["max_amperage"]) * phases


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


def _price_charge(charge: Charge) -> Any:
    # Imported here so that merely generating locations does not load the pricing engine.
    from ocpi_core.pricing import price_cdr

    document = {
        "start_date_time": format_datetime(charge.start),
        "end_date_time": format_datetime(charge.end),
        "currency": country_info(charge.location["country_code"]).currency,
        "charging_periods": charge.cdr_periods(),
    }
    tariffs = [charge.tariff] if charge.tariff is not None else []
    return price_cdr(document, tariffs, time_zone=charge.location["time_zone"])


def _copy(document: Any) -> Any:
    """A deep copy of a JSON document, so no two objects of a data set share a dict."""
    return json.loads(json.dumps(document))


def _money(money: Any, with_vat: bool) -> Json:
    price: Json = {"excl_vat": to_json_number(money.excl_vat)}
    if with_vat and money.incl_vat is not None:
        price["incl_vat"] = to_json_number(money.incl_vat)
    return price


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _local_day(year: int, month: int, day: int, zone: ZoneInfo) -> Json:
    """An ExceptionalPeriod covering one local calendar day, in UTC."""
    begin = datetime(year, month, day, tzinfo=zone)
    end = begin + timedelta(days=1)
    return {"period_begin": format_datetime(begin), "period_end": format_datetime(end)}


def _parse_epoch(value: str) -> int:
    return int(datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp())


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


# -- data sets ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dataset:
    """A consistent OCPI data set of one party: JSON-ready dicts in id order (``LOC000001``, …)."""

    locations: tuple[Json, ...]
    tariffs: tuple[Json, ...]
    tokens: tuple[Json, ...]
    sessions: tuple[Json, ...]
    cdrs: tuple[Json, ...]
    seed: int = 0
    version: str = "2.2.1"

    def module(self, name: str) -> tuple[Json, ...]:
        """The objects of an OCPI module (``locations``, ``tariffs``, ``tokens``, ``sessions``,
        ``cdrs``)."""
        if name not in _MODULES:
            raise ValueError(f"no objects for module {name!r}; use one of {', '.join(_MODULES)}")
        objects: tuple[Json, ...] = getattr(self, name)
        return objects


_MODULES = ("locations", "tariffs", "tokens", "sessions", "cdrs")

# The first objects of a data set cover every token type and whitelist, and every session status.
_TOKEN_PLAN: tuple[tuple[str, str, bool], ...] = (
    ("RFID", "ALLOWED", True),
    ("APP_USER", "NEVER", True),
    ("AD_HOC_USER", "NEVER", True),
    ("OTHER", "ALWAYS", True),
    ("RFID", "ALLOWED_OFFLINE", True),
    ("RFID", "ALLOWED", False),
)
_CREDIT_AT = 3  # the fourth CDR credits the third, so small data sets have a credit CDR too
_SESSION_PLAN = ("COMPLETED", "ACTIVE", "COMPLETED", "PENDING", "RESERVATION", "INVALID")
_SESSION_WEIGHTS = {"COMPLETED": 60, "ACTIVE": 20, "PENDING": 5, "RESERVATION": 7, "INVALID": 8}
_UNUSABLE = frozenset({"PLANNED", "REMOVED"})


def _ocpi(fake: Faker) -> OcpiProvider:
    for provider in fake.get_providers():
        if isinstance(provider, OcpiProvider):
            return provider
    raise ValueError("this Faker has no OcpiProvider; build it with make_faker()")


def _start(
    seed: int, country_code: str, now: datetime, fake: Faker | None
) -> tuple[Faker, OcpiProvider, int]:
    fake = fake or make_faker(seed, locale_for(country_code))
    return fake, _ocpi(fake), _epoch(now)


def _check_counts(**counts: int) -> None:
    for name, value in counts.items():
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ValueError(f"{name} must be a whole number >= 0, got {value!r}")


def _brand(fake: Faker, scope: str, role: str) -> str:
    fake.seed_instance(_subseed(scope, role, 0))
    return _clean(fake.company(), 64)


def iter_tariffs(
    *,
    seed: int,
    now: datetime,
    country_code: str = "NL",
    party_id: str = "MCK",
    count: int = 5,
    fake: Faker | None = None,
) -> Iterator[Json]:
    """Tariffs ``T001-ENERGY``, … : the first is a plain energy tariff, the next ones walk
    through every kind (time of day, power, current, kWh, duration, promotion, reservation,
    time, ad hoc, charging profile, free) from a seed-dependent starting point."""
    _check_counts(count=count)
    fake, ocpi, now_s = _start(seed, country_code, now, fake)
    scope = _scope(seed, country_code, party_id)
    kinds = tuple(ocpi.tariff_kinds)
    offset = _subseed(scope, "tariff-kinds", 0) % (len(kinds) - 1)
    for i in range(count):
        kind = "energy" if i == 0 else kinds[1 + (i - 1 + offset) % (len(kinds) - 1)]
        fake.seed_instance(_subseed(scope, "tariff", i))
        tariff_id = f"T{i + 1:03d}-{kind.upper().replace('_', '-')}"
        yield ocpi.tariff(
            tariff_id=tariff_id, now=now_s, country_code=country_code, party_id=party_id, kind=kind
        )


def iter_tokens(
    *,
    seed: int,
    now: datetime,
    country_code: str = "NL",
    party_id: str = "MCK",
    count: int = 20,
    fake: Faker | None = None,
) -> Iterator[Json]:
    """Tokens of every type and whitelist, most valid, some not (blocked or expired)."""
    _check_counts(count=count)
    fake, ocpi, now_s = _start(seed, country_code, now, fake)
    scope = _scope(seed, country_code, party_id)
    issuer = _brand(fake, scope, "emsp")
    seen: set[tuple[str, str]] = set()
    for i in range(count):
        for attempt in range(100):
            fake.seed_instance(_subseed(scope, "token", i, attempt))
            planned = _TOKEN_PLAN[i] if i < len(_TOKEN_PLAN) else (None, None, None)
            token = ocpi.token(
                now=now_s,
                country_code=country_code,
                party_id=party_id,
                token_type=planned[0],
                whitelist=planned[1],
                valid=planned[2],
                issuer=issuer if ocpi._chance(0.8) else None,
            )
            key = (token["uid"].upper(), token["type"])
            if key not in seen:
                break
        seen.add(key)
        yield token


def iter_locations(
    *,
    seed: int,
    now: datetime,
    country_code: str = "NL",
    party_id: str = "MCK",
    count: int = 20,
    tariffs: Sequence[Mapping[str, Any]] = (),
    tokens: Sequence[Mapping[str, Any]] = (),
    fake: Faker | None = None,
) -> Iterator[Json]:
    """Locations ``LOC000001``, … one at a time (for large volumes).

    With the same ``tariffs`` and ``tokens`` they are the locations of :func:`generate_dataset`.
    ``fake`` (from :func:`make_faker`, for the country's locale) saves building a Faker; it is
    reseeded for every object.
    """
    _check_counts(count=count)
    fake, ocpi, now_s = _start(seed, country_code, now, fake)
    scope = _scope(seed, country_code, party_id)
    name = _brand(fake, scope, "cpo")
    operator = ocpi.business_details(name, logo=True)
    for i in range(count):
        fake.seed_instance(_subseed(scope, "location", i))
        yield ocpi.location(
            location_id=f"LOC{i + 1:06d}",
            now=now_s,
            country_code=country_code,
            party_id=party_id,
            station=i + 1,
            tariffs=tariffs,
            tokens=tokens,
            operator=operator,
        )


@dataclass
class _Places:
    """Where sessions can happen: connectors of EVSEs in service that have an evse_id."""

    priced: list[tuple[Json, Json, Json]] = field(default_factory=list)
    unpriced: list[tuple[Json, Json, Json]] = field(default_factory=list)

    @classmethod
    def of(cls, locations: Sequence[Json]) -> _Places:
        places = cls()
        for loc in locations:
            for evse in loc.get("evses") or ():
                if evse["status"] in _UNUSABLE or "evse_id" not in evse:
                    continue
                for connector in evse["connectors"]:
                    target = places.priced if connector.get("tariff_ids") else places.unpriced
                    target.append((loc, evse, connector))
        return places

    def pick(self, rnd: Any) -> tuple[Json, Json, Json]:
        pool = self.priced if self.priced and (not self.unpriced or rnd.random() < 0.97) else None
        return rnd.choice(pool or self.unpriced)


def _session_tariff(
    connector: Mapping[str, Any], token: Mapping[str, Any], by_id: Mapping[str, Json]
) -> Json | None:
    """The tariff a session is charged under: ad hoc for ad hoc users, the token's profile when
    the connector offers it, else the regular one."""
    candidates = [by_id[i] for i in connector.get("tariff_ids") or () if i in by_id]
    if not candidates:
        return None
    by_type = {t.get("type"): t for t in candidates}
    if token["type"] == "AD_HOC_USER" and "AD_HOC_PAYMENT" in by_type:
        return by_type["AD_HOC_PAYMENT"]
    profile = token.get("default_profile_type")
    if profile and f"PROFILE_{profile}" in by_type:
        return by_type[f"PROFILE_{profile}"]
    regular = [t for t in candidates if t.get("type", "REGULAR") == "REGULAR"]
    return regular[0] if regular else candidates[0]


@dataclass
class _Sessions:
    """Draws charges for sessions and CDRs from one data set's locations, tokens and tariffs."""

    ocpi: OcpiProvider
    now: int
    places: _Places
    tokens: list[Json]
    tariffs: dict[str, Json]
    country_code: str
    party_id: str

    def _token(self) -> Json:
        rnd = self.ocpi.generator.random
        valid = [t for t in self.tokens if t["valid"]] or self.tokens
        if valid:
            return rnd.choice(valid)
        return self.ocpi.token(
            now=self.now, country_code=self.country_code, party_id=self.party_id, valid=True
        )

    def charge(self, status: str) -> tuple[Charge, str, str | None]:
        """A charge in ``status``, with its auth method and authorization reference."""
        ocpi, rnd, now = self.ocpi, self.ocpi.generator.random, self.now
        loc, evse, connector = self.places.pick(rnd)
        token = self._token()
        tariff = _session_tariff(connector, token, self.tariffs)
        reservable = _restricts(tariff, ("reservation",)) and "RESERVABLE" in evse.get(
            "capabilities", ()
        )
        common = {"location": loc, "evse": evse, "connector": connector, "token": token}
        if status in ("COMPLETED", "INVALID"):
            start = now - rnd.randint(_DAY, 60 * _DAY)
            charge = ocpi.charge(
                **common,
                tariff=tariff,
                start=start,
                reservation=reservable and ocpi._chance(0.7),
                charging=status == "COMPLETED",
            )
        elif status == "ACTIVE":
            start = now - rnd.randint(600, 3 * 3600)
            until = now - rnd.randint(0, 60)
            charge = ocpi.charge(**common, tariff=tariff, start=start, until=until)
        elif status == "RESERVATION":
            start = now - rnd.randint(60, 1200)
            charge = ocpi.charge(
                **common, tariff=tariff, start=start, until=now, reservation=True, charging=False
            )
        else:  # PENDING: authorized, nothing measured yet
            start = now - rnd.randint(10, 300)
            charge = ocpi.charge(**common, tariff=tariff, start=start, until=start)
        method = ocpi.auth_method(token)
        reference = None
        if method != "WHITELIST" and ocpi._chance(0.8):
            reference = ocpi._alnum(rnd.randint(8, 36))
        return charge, method, reference


def generate_dataset(
    *,
    seed: int,
    now: datetime,
    country_code: str = "NL",
    party_id: str = "MCK",
    locations: int = 20,
    tariffs: int = 5,
    tokens: int = 20,
    sessions: int = 10,
    cdrs: int = 10,
    version: str = "2.2.1",
) -> Dataset:
    """A consistent data set: connectors reference the tariffs, sessions and CDRs the locations,
    EVSEs, connectors, tokens and tariffs, every CDR of a completed session names it, and all
    ``last_updated`` values lie before ``now``.

    The same arguments give byte-identical ``json.dumps(..., sort_keys=True)`` output. Other
    versions than 2.2.1 get the 2.2.1 data set in their shape (``mock_party.shapes``).
    """
    if version not in SUPPORTED_VERSIONS:
        raise ValueError(
            f"no fake data for OCPI {version!r}; use one of {', '.join(SUPPORTED_VERSIONS)}"
        )
    _check_counts(locations=locations, tariffs=tariffs, tokens=tokens, sessions=sessions, cdrs=cdrs)
    country_code, party_id = country_code.upper(), party_id.upper()
    fake = make_faker(seed, locale_for(country_code))
    common: dict[str, Any] = {
        "seed": seed, "now": now, "country_code": country_code, "party_id": party_id, "fake": fake,
    }  # fmt: skip
    tariff_list = tuple(iter_tariffs(**common, count=tariffs))
    token_list = tuple(iter_tokens(**common, count=tokens))
    with _cyclic_gc_paused(locations >= 1000):
        location_list = tuple(
            iter_locations(**common, count=locations, tariffs=tariff_list, tokens=token_list)
        )
    places = _Places.of(location_list)
    if (sessions or cdrs) and not (places.priced or places.unpriced):
        raise ValueError(
            "sessions and CDRs need at least one location with an EVSE in service; "
            "raise the number of locations"
        )
    ocpi, now_s = _ocpi(fake), _epoch(now)
    scope = _scope(seed, country_code, party_id)
    draw = _Sessions(
        ocpi=ocpi,
        now=now_s,
        places=places,
        tokens=list(token_list),
        tariffs={t["id"]: t for t in tariff_list},
        country_code=country_code,
        party_id=party_id,
    )
    session_list: list[Json] = []
    finished: list[tuple[Json, Charge, str, str | None]] = []
    ids: set[str] = set()
    for i in range(sessions):
        fake.seed_instance(_subseed(scope, "session", i))
        status = _SESSION_PLAN[i] if i < len(_SESSION_PLAN) else ocpi._pick(_SESSION_WEIGHTS)
        charge, method, reference = draw.charge(status)
        session_id = _unique(lambda: str(fake.uuid4()), ids)
        session = ocpi.session(
            session_id=session_id,
            charge=charge,
            status=status,
            now=now_s,
            auth_method=method,
            authorization_reference=reference,
        )
        session_list.append(session)
        if status == "COMPLETED":
            finished.append((session, charge, method, reference))

    cdr_list: list[Json] = []
    credited: set[str] = set()
    for j in range(cdrs):
        fake.seed_instance(_subseed(scope, "cdr", j))
        last = cdr_list[-1] if cdr_list else None
        wanted = j == _CREDIT_AT or ocpi._chance(0.04)
        if wanted and last and not last.get("credit") and last["id"] not in credited:
            credited.add(last["id"])
            cdr_list.append(ocpi.credit_cdr(last, now=now_s))
            continue
        if finished:
            session, charge, method, reference = finished.pop(0)
            session_id: str | None = session["id"]
        else:
            charge, method, reference = draw.charge("COMPLETED")
            session_id = str(fake.uuid4()) if ocpi._chance(0.9) else None
        cdr_id = _unique(lambda: f"CDR{fake.hexify('^' * 12, upper=True)}", ids)
        cdr_list.append(
            ocpi.cdr(
                cdr_id=cdr_id,
                charge=charge,
                now=now_s,
                session_id=session_id,
                auth_method=method,
                authorization_reference=reference,
            )
        )
    dataset = Dataset(
        locations=location_list,
        tariffs=tariff_list,
        tokens=token_list,
        sessions=tuple(session_list),
        cdrs=tuple(cdr_list),
        seed=seed,
    )
    return dataset if version == "2.2.1" else dataset_in(dataset, version)


def dataset_in(dataset: Dataset, version: str) -> Dataset:
    """A 2.2.1 data set in the shape of ``version`` (see ``mock_party.shapes.to_version``)."""
    from mock_party.shapes import to_version

    by_id = {
        (module, str(o["id"]).upper()): o
        for module in ("locations", "tariffs")
        for o in getattr(dataset, module)
    }

    def lookup(module: str, object_id: str) -> Json | None:
        return by_id.get((module, object_id.upper()))

    shaped = {
        module: tuple(to_version(module, o, version, lookup) for o in getattr(dataset, module))
        for module in _MODULES
    }
    return Dataset(**shaped, seed=dataset.seed, version=version)


@contextmanager
def _cyclic_gc_paused(pause: bool) -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a large data set is built.

    The objects are plain, acyclic JSON, so the collector frees nothing here; it only walks the
    ever larger heap again and again (about a third of the time for 10,000 locations).
    """
    was_enabled = gc.isenabled()
    if pause:
        gc.disable()
    try:
        yield
    finally:
        if pause and was_enabled:
            gc.enable()


def _unique(make: Any, seen: set[str]) -> str:
    for _ in range(100):
        value = make()
        if value not in seen:
            seen.add(value)
            return str(value)
    raise RuntimeError("could not draw a unique id")  # pragma: no cover

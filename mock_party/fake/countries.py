"""The countries the fake data is set in: for each one its locale, currency, language, VAT
rate, plug region and real cities (centre coordinates, time zone, postcode pattern).
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal


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

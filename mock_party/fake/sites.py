"""What a charging place is made of: the plugs and chargers of a region (:class:`Plug`) and
the kinds of site (street, garage, lot, hub, …) with their parking types, EVSE counts, charger
mix, facilities and opening hours, and the site names and directions in each language.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

from mock_party.fake.countries import country_info


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

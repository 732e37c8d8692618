"""Validation throughput: 10,000 realistic OCPI 2.2.1 Locations against the cached validator.

Run: ``.venv/bin/python bench/bench_schemas.py [--count N] [--seed S]``. Prints objects/second
for ``ocpi_core.schemas.validate`` on valid Locations (jsonschema-rs's ``is_valid`` answers),
on invalid ones (where jsonschema builds the violations), and, for comparison, plain jsonschema
``is_valid`` on a sample and jsonschema-rs's own error list on the invalid ones (what a report
from jsonschema-rs alone would cost). Best of three passes; the machine should be idle.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import jsonschema_rs  # noqa: E402

from ocpi_core import schemas  # noqa: E402

STATUSES = ("AVAILABLE", "CHARGING", "BLOCKED", "INOPERATIVE", "OUTOFORDER", "RESERVED", "UNKNOWN")
STANDARDS = ("IEC_62196_T2", "IEC_62196_T2_COMBO", "CHADEMO", "DOMESTIC_F", "IEC_62196_T1")
CAPABILITIES = ("RESERVABLE", "REMOTE_START_STOP_CAPABLE", "RFID_READER", "UNLOCK_CAPABLE")
FACILITIES = ("HOTEL", "RESTAURANT", "CAFE", "MALL", "SUPERMARKET", "PARKING_LOT", "WIFI")
CITIES = (("Gent", "BEL", 51.0475, 3.7299), ("Utrecht", "NLD", 52.0907, 5.1214))
START = datetime(2024, 1, 1, tzinfo=UTC)


def _stamp(rng: random.Random) -> str:
    moment = START + timedelta(seconds=rng.randrange(0, 365 * 86400))
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _connector(rng: random.Random, index: int) -> dict[str, Any]:
    dc = rng.random() < 0.3
    return {
        "id": str(index),
        "standard": rng.choice(STANDARDS),
        "format": "CABLE" if dc else "SOCKET",
        "power_type": "DC" if dc else "AC_3_PHASE",
        "max_voltage": 400 if dc else 230,
        "max_amperage": 125 if dc else 32,
        "max_electric_power": 50000 if dc else 22000,
        "tariff_ids": [f"T{rng.randrange(1000)}"],
        "last_updated": _stamp(rng),
    }


def _evse(rng: random.Random, location: int, index: int) -> dict[str, Any]:
    uid = f"{location}-{index}"
    return {
        "uid": uid,
        "evse_id": f"BE*BEC*E{location:06d}{index}",
        "status": rng.choice(STATUSES),
        "status_schedule": [],
        "capabilities": rng.sample(CAPABILITIES, 2),
        "connectors": [_connector(rng, c + 1) for c in range(rng.randint(1, 3))],
        "floor_level": "-1",
        "physical_reference": f"P{index}",
        "parking_restrictions": ["EV_ONLY"],
        "last_updated": _stamp(rng),
    }


def make_location(rng: random.Random, index: int) -> dict[str, Any]:
    city, country, lat, lon = rng.choice(CITIES)
    return {
        "country_code": "BE",
        "party_id": "BEC",
        "id": f"LOC{index}",
        "publish": True,
        "name": f"Charging hub {index}",
        "address": f"Street {rng.randint(1, 300)}",
        "city": city,
        "postal_code": f"{rng.randint(1000, 9999)}",
        "country": country,
        "coordinates": {
            "latitude": f"{lat + rng.uniform(-0.1, 0.1):.6f}",
            "longitude": f"{lon + rng.uniform(-0.1, 0.1):.6f}",
        },
        "parking_type": "ON_STREET",
        "evses": [_evse(rng, index, e + 1) for e in range(rng.randint(2, 6))],
        "operator": {"name": "BeCharged", "website": "https://www.example.com"},
        "facilities": rng.sample(FACILITIES, 2),
        "time_zone": "Europe/Brussels",
        "opening_times": {
            "twentyfourseven": False,
            "regular_hours": [
                {"weekday": day, "period_begin": "07:00", "period_end": "22:00"}
                for day in range(1, 8)
            ],
        },
        "charging_when_closed": True,
        "energy_mix": {
            "is_green_energy": True,
            "energy_sources": [{"source": "SOLAR", "percentage": 60}],
        },
        "last_updated": _stamp(rng),
    }


def _rate(label: str, documents: list[dict[str, Any]], check: Any, repeat: int = 3) -> float:
    """Best of ``repeat`` passes (like timeit: the fastest pass is the least disturbed one)."""
    best = 0.0
    for _ in range(repeat):
        started = time.perf_counter()
        for document in documents:
            check(document)
        best = max(best, len(documents) / (time.perf_counter() - started))
    print(f"  {label:<58} {best:>9,.0f} Locations/s  ({len(documents):,} objects)")
    return best


def run(count: int, seed: int) -> dict[str, float]:
    rng = random.Random(seed)
    locations = [make_location(rng, i) for i in range(count)]
    evses = sum(len(loc["evses"]) for loc in locations)
    connectors = sum(len(e["connectors"]) for loc in locations for e in loc["evses"])
    print(f"{count:,} OCPI 2.2.1 Locations ({evses:,} EVSEs, {connectors:,} connectors), one core:")

    assert all(not schemas.validate(loc, "2.2.1", "Location") for loc in locations[:100])
    schemas.validate(locations[0], "2.2.1", "Location")  # builds and caches the validators
    broken = [dict(loc, evses=[dict(loc["evses"][0], status="BROKEN")]) for loc in locations]
    jsonschema_validator = schemas._validator("2.2.1", "Location")
    rs_validator = jsonschema_rs.validator_for(
        schemas.load_registry("2.2.1").contents(schemas._uri("2.2.1", "Location")),
        registry=schemas._rs_registry("2.2.1"),
    )
    slow_sample = locations[: max(1, count // 20)]
    return {
        "validate": _rate(
            "validate() on valid Locations (jsonschema-rs is_valid)",
            locations,
            lambda doc: schemas.validate(doc, "2.2.1", "Location"),
        ),
        "validate_invalid": _rate(
            "validate() on invalid Locations (jsonschema error report)",
            broken[: max(1, count // 10)],
            lambda doc: schemas.validate(doc, "2.2.1", "Location"),
        ),
        "jsonschema": _rate(
            "jsonschema Draft202012Validator.is_valid (for reference)",
            slow_sample,
            jsonschema_validator.is_valid,
            repeat=1,
        ),
        "jsonschema_rs_errors": _rate(
            "jsonschema-rs iter_errors on invalid ones (for reference)",
            broken[: max(1, count // 10)],
            lambda doc: list(rs_validator.iter_errors(doc)),
        ),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args()
    run(args.count, args.seed)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

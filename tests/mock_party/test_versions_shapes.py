"""Our 2.2.1 data in the shapes of 2.1.1 and 2.3.0: the pure transforms of ``mock_party.shapes``,
and the Faker data set of each version valid against that version's schemas over many seeds."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from mock_party.fake import generate_dataset
from mock_party.shapes import (
    ascii_text,
    cdr_to_211,
    command_result_211,
    location_to_211,
    price_to_230,
    to_version,
    token_from_211,
    token_to_211,
)
from ocpi_core.pricing import price_cdr
from ocpi_core.schemas import validate

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)
NAMES = {
    "locations": "Location",
    "tariffs": "Tariff",
    "tokens": "Token",
    "sessions": "Session",
    "cdrs": "CDR",
}
SEEDS = range(60)
COUNTRIES = ("NL", "DE", "FR", "US")


@pytest.mark.parametrize("version", ["2.1.1", "2.3.0"])
def test_every_object_of_many_data_sets_is_valid_in_its_version(version: str) -> None:
    for seed in SEEDS:
        country = COUNTRIES[seed % len(COUNTRIES)]
        dataset = generate_dataset(
            seed=seed,
            now=NOW,
            country_code=country,
            version=version,
            locations=8,
            tariffs=8,
            tokens=8,
            sessions=8,
            cdrs=8,
        )
        assert dataset.version == version
        for module, name in NAMES.items():
            for document in dataset.module(module):
                found = validate(document, version, name)
                assert not found, f"seed {seed} {country} {module}: {found[0]}"


def test_a_data_set_is_the_same_2_2_1_data_in_each_shape() -> None:
    common = dict(seed=3, now=NOW, locations=4, tariffs=4, tokens=4, sessions=4, cdrs=4)
    base = generate_dataset(**common)
    old = generate_dataset(**common, version="2.1.1")
    new = generate_dataset(**common, version="2.3.0")
    assert [t["uid"] for t in old.tokens] == [t["uid"] for t in base.tokens]
    assert [t["auth_id"] for t in old.tokens] == [t["contract_id"] for t in base.tokens]
    assert [s["id"] for s in old.sessions] == [s["id"] for s in base.sessions]
    assert [c["id"] for c in new.cdrs] == [c["id"] for c in base.cdrs]
    assert all(t["tax_included"] == "NO" for t in new.tariffs)
    assert generate_dataset(**common, version="2.1.1") == old  # reproducible


def test_2_1_1_location_has_its_own_fields() -> None:
    location = {
        "country_code": "NL",
        "party_id": "MCK",
        "id": "LOC1",
        "publish": True,
        "name": "Gare de Lyon Café",
        "address": "Straße 1",
        "city": "Zürich",
        "country": "CHE",
        "coordinates": {"latitude": "47.37", "longitude": "8.5417123"},
        "parking_type": "ON_DRIVEWAY",
        "facilities": ["CAFE", "TRAM_STOP"],
        "opening_times": {
            "twentyfourseven": False,
            "regular_hours": [{"weekday": 1, "period_begin": "08:00", "period_end": "20:00"}],
        },
        "time_zone": "Europe/Zurich",
        "last_updated": "2026-01-01T00:00:00Z",
    }
    old = location_to_211(location)
    assert old["type"] == "OTHER" and "parking_type" not in old
    assert "country_code" not in old and "publish" not in old
    assert old["postal_code"] == ""  # required in 2.1.1
    assert old["city"] == "Zurich" and old["name"] == "Gare de Lyon Cafe"
    assert old["coordinates"] == {"latitude": "47.370000", "longitude": "8.541712"}
    assert old["facilities"] == ["CAFE"]
    assert "twentyfourseven" not in old["opening_times"]
    assert validate(old, "2.1.1", "Location") == []
    assert location_to_211({"status": "CHARGING"}, partial=True) == {"status": "CHARGING"}


def test_tokens_and_command_results_between_versions() -> None:
    token = {
        "country_code": "DE",
        "party_id": "EMP",
        "uid": "ABC",
        "type": "APP_USER",
        "contract_id": "DE-EMP-C1",
        "issuer": "E",
        "valid": True,
        "whitelist": "NEVER",
        "group_id": "G",
        "last_updated": "2026-01-01T00:00:00Z",
    }
    old = token_to_211(token)
    assert old["type"] == "OTHER" and old["auth_id"] == "DE-EMP-C1"
    assert "country_code" not in old and "group_id" not in old
    assert validate(old, "2.1.1", "Token") == []
    back = token_from_211(old, "DE", "EMP")
    assert back["contract_id"] == "DE-EMP-C1" and back["country_code"] == "DE"
    assert command_result_211("ACCEPTED") == "ACCEPTED"
    assert command_result_211("EVSE_OCCUPIED") == "REJECTED"


def test_2_3_0_price_carries_vat_as_a_tax() -> None:
    assert price_to_230({"excl_vat": 10, "incl_vat": 12.1}) == {
        "before_taxes": 10,
        "taxes": [{"name": "VAT", "amount": 2.1}],
    }
    assert price_to_230({"excl_vat": 3}) == {"before_taxes": 3}
    tariff = {"min_price": {"excl_vat": 1, "incl_vat": 1.21}, "elements": []}
    shaped = to_version("tariffs", tariff, "2.3.0")
    assert shaped["min_price"] == {"before_taxes": 1, "after_taxes": 1.21}
    assert shaped["tax_included"] == "NO"
    assert "tax_included" not in to_version("tariffs", {"id": "T"}, "2.3.0", partial=True)


def test_2_1_1_cdr_is_priced_under_its_2_1_1_tariffs() -> None:
    dataset = generate_dataset(seed=11, now=NOW, locations=6, tariffs=12, sessions=0, cdrs=12)
    locations = {loc["id"]: loc for loc in dataset.locations}
    tariffs = {t["id"]: t for t in dataset.tariffs}

    def lookup(module: str, object_id: str):
        return (locations if module == "locations" else tariffs).get(object_id)

    for cdr in dataset.cdrs:
        old = cdr_to_211(cdr, lookup)
        assert validate(old, "2.1.1", "CDR") == [], cdr["id"]
        assert old["stop_date_time"] == cdr["end_date_time"]
        assert old["auth_id"] == cdr["cdr_token"]["contract_id"]
        connector = old["location"]["evses"][0]["connectors"][0]
        tariff_id = connector.get("tariff_id")
        embedded = old.get("tariffs") or (
            [to_version("tariffs", tariffs[tariff_id], "2.1.1")] if tariff_id else []
        )
        if embedded:
            zone = old["location"]["time_zone"]
            ours = price_cdr(old, embedded, version="2.1.1", time_zone=zone).total_cost.excl_vat
            assert abs(Decimal(str(old["total_cost"])) - ours) <= Decimal("0.0001"), cdr["id"]


def test_ascii_text_keeps_printable_ascii() -> None:
    assert ascii_text("Düsseldorf Straße – Nord") == "Dusseldorf Strasse - Nord"
    assert ascii_text("Łódź 東京") == "Lodz ??"

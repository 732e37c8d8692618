"""The mock's Faker data: schema-valid for many seeds, reproducible, consistent, varied.

Like Faker's own ``num_samples`` tests, the validity tests loop over many seeds and report the
first seed that breaks, with its first violation in the suite's ``path: message (rule)`` form.
"""

from __future__ import annotations

import gc
import json
import random
import re
from collections import Counter
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import faker.generator
import pytest

from mock_party.fake import (
    COUNTRIES,
    Dataset,
    OcpiProvider,
    generate_dataset,
    iter_locations,
    make_faker,
)
from ocpi_core.pricing import (
    check_cdr_consistency,
    check_tariff_sanity,
    compare_with_cdr,
    price_cdr,
    unsplit_period_findings,
)
from ocpi_core.schemas import validate

VERSION = "2.2.1"
NOW = datetime(2025, 3, 14, 9, 26, 53, tzinfo=UTC)
NOW_TEXT = "2025-03-14T09:26:53Z"
SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schemas" / VERSION
COUNTRY_CODES = tuple(COUNTRIES)
MODULE_OBJECTS = {
    "locations": "Location",
    "tariffs": "Tariff",
    "tokens": "Token",
    "sessions": "Session",
    "cdrs": "CDR",
}
# Small objects get many seeds; a data set with sessions and CDRs (each one priced) fewer.
TARIFF_SEEDS = 2000
TOKEN_SEEDS = 2000
LOCATION_SEEDS = 2000
DATASET_SEEDS = 200

DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
EMI3_EVSE_ID = re.compile(r"^([A-Z]{2})\*?([A-Z0-9]{3})\*?E([A-Z0-9*]{1,30})$")
DC_STANDARDS = {
    "CHADEMO",
    "CHAOJI",
    "GBT_DC",
    "IEC_62196_T1_COMBO",
    "IEC_62196_T2_COMBO",
    "TESLA_S",
}
SOCKET_ONLY = re.compile(r"^(DOMESTIC_.|NEMA_.*|IEC_60309_.*)$")
PHASES = {"AC_1_PHASE": 1, "AC_2_PHASE": 2, "AC_2_PHASE_SPLIT": 2, "AC_3_PHASE": 3, "DC": 1}
# CdrDimensionTypes the spec marks "Session only" (mod_cdrs, CdrDimensionType).
SESSION_ONLY = {"CURRENT", "ENERGY_EXPORT", "ENERGY_IMPORT", "POWER", "STATE_OF_CHARGE"}
RESTRICTIONS = (
    "start_time", "end_time", "start_date", "end_date", "min_kwh", "max_kwh", "min_current",
    "max_current", "min_power", "max_power", "min_duration", "max_duration", "day_of_week",
    "reservation",
)  # fmt: skip


def _fail_first(seed: int, where: str, name: str, document: Mapping[str, Any]) -> None:
    violations = validate(document, VERSION, name)
    if violations:
        pytest.fail(
            f"seed {seed} ({where}): {name} {document.get('id') or document.get('uid')!r} is "
            f"not valid: {violations[0]}  ({len(violations)} violation(s))"
        )


@cache
def _dataset(seed: int, country_code: str = "NL", **volumes: int) -> Dataset:
    return generate_dataset(seed=seed, now=NOW, country_code=country_code, **volumes)


BIG = {"locations": 300, "tariffs": 48, "tokens": 100, "sessions": 60, "cdrs": 120}


@pytest.fixture(scope="module")
def big() -> Dataset:
    """One larger data set for the coverage tests."""
    return _dataset(7, "NL", **BIG)


def _datasets() -> Iterator[tuple[str, Dataset]]:
    """A few data sets of every country for the consistency tests."""
    for n, country in enumerate(COUNTRY_CODES):
        for seed in (n, 100 + n):
            volumes = {"locations": 40, "tariffs": 12, "tokens": 12, "sessions": 20, "cdrs": 20}
            yield f"{country} seed {seed}", _dataset(seed, country, **volumes)


def _walk(value: Any, path: str = "$") -> Iterator[tuple[str, Any]]:
    yield path, value
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield from _walk(item, f"{path}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _walk(item, f"{path}[{i}]")


def _optional_fields(name: str) -> set[str]:
    schema = json.loads((SCHEMA_DIR / f"{name}.json").read_text())
    return set(schema["properties"]) - set(schema.get("required", ()))


# -- schema validity over many seeds ---------------------------------------------------------


def test_tariffs_of_every_kind_are_valid_for_many_seeds() -> None:
    fakes = {code: make_faker(0, info.locale) for code, info in COUNTRIES.items()}
    kinds = OcpiProvider.tariff_kinds
    for seed in range(TARIFF_SEEDS):
        country = COUNTRY_CODES[seed % len(COUNTRY_CODES)]
        fake = fakes[country]
        fake.seed_instance(seed)
        kind = kinds[seed % len(kinds)]
        tariff = fake.tariff(tariff_id=f"T{seed}", now=NOW, country_code=country, kind=kind)
        _fail_first(seed, f"{country}, {kind}", "Tariff", tariff)
        assert check_tariff_sanity(tariff) == [], f"seed {seed}: {kind} tariff is not sane"


def test_tokens_are_valid_for_many_seeds() -> None:
    fakes = {code: make_faker(0, info.locale) for code, info in COUNTRIES.items()}
    for seed in range(TOKEN_SEEDS):
        country = COUNTRY_CODES[seed % len(COUNTRY_CODES)]
        fake = fakes[country]
        fake.seed_instance(seed)
        _fail_first(seed, country, "Token", fake.token(now=NOW, country_code=country))


def test_locations_evses_and_connectors_are_valid_for_many_seeds() -> None:
    tariffs = _dataset(1, tariffs=12, locations=0, tokens=6, sessions=0, cdrs=0)
    fakes = {code: make_faker(0, info.locale) for code, info in COUNTRIES.items()}
    for seed in range(LOCATION_SEEDS):
        country = COUNTRY_CODES[seed % len(COUNTRY_CODES)]
        (location,) = iter_locations(
            seed=seed,
            now=NOW,
            country_code=country,
            count=1,
            tariffs=tariffs.tariffs,
            tokens=tariffs.tokens,
            fake=fakes[country],
        )
        _fail_first(seed, country, "Location", location)
        for evse in location["evses"]:
            _fail_first(seed, f"{country}, {location['id']}", "EVSE", evse)
            for connector in evse["connectors"]:
                _fail_first(seed, f"{country}, EVSE {evse['uid']}", "Connector", connector)


def test_datasets_are_valid_for_many_seeds() -> None:
    volumes = {"locations": 4, "tariffs": 12, "tokens": 6, "sessions": 7, "cdrs": 7}
    for seed in range(DATASET_SEEDS):
        country = COUNTRY_CODES[seed % len(COUNTRY_CODES)]
        dataset = generate_dataset(seed=seed, now=NOW, country_code=country, **volumes)
        for module, name in MODULE_OBJECTS.items():
            for document in dataset.module(module):
                _fail_first(seed, country, name, document)


# -- reproducibility -------------------------------------------------------------------------


def _dump(dataset: Dataset) -> str:
    # No ``default=``: the objects must be plain JSON.
    return json.dumps({m: dataset.module(m) for m in MODULE_OBJECTS}, sort_keys=True)


@pytest.mark.parametrize("country", ["NL", "US"])
def test_same_seed_and_now_give_identical_bytes(country: str) -> None:
    first = generate_dataset(seed=42, now=NOW, country_code=country)
    second = generate_dataset(seed=42, now=NOW, country_code=country)
    assert _dump(first) == _dump(second)


def test_different_seeds_or_times_give_different_data() -> None:
    dumps = {_dump(generate_dataset(seed=seed, now=NOW)) for seed in range(5)}
    assert len(dumps) == 5
    later = generate_dataset(seed=0, now=datetime(2026, 1, 1, tzinfo=UTC))
    assert _dump(later) not in dumps


def test_parties_sharing_a_seed_get_their_own_ids() -> None:
    def uids(**party: str) -> set[str]:
        locations = iter_locations(seed=0, now=NOW, count=5, **party)
        return {e["uid"] for loc in locations for e in loc["evses"]}

    assert uids() == uids(country_code="nl", party_id="mck")
    assert uids().isdisjoint(uids(party_id="ABC"))
    assert uids().isdisjoint(uids(country_code="DE"))


def test_objects_stay_the_same_when_volumes_grow() -> None:
    small = list(iter_locations(seed=3, now=NOW, count=5))
    large = list(iter_locations(seed=3, now=NOW, count=50))
    assert large[:5] == small
    assert generate_dataset(seed=3, now=NOW, tokens=50).tokens[:20] == _dataset(3).tokens


def test_generation_leaves_the_shared_random_state_alone() -> None:
    shared = faker.generator.random.getstate()
    module = random.getstate()
    generate_dataset(seed=5, now=NOW)
    assert faker.generator.random.getstate() == shared
    assert random.getstate() == module


@pytest.mark.parametrize(
    "now", [datetime(2012, 6, 1, tzinfo=UTC), datetime(2041, 2, 3, 4, 5, 6, tzinfo=UTC)]
)
def test_nothing_is_after_the_given_now(now: datetime) -> None:
    """``now`` far from the real clock: nothing may leak from the machine's time."""
    dataset = generate_dataset(seed=11, now=now, sessions=20, cdrs=20)
    limit = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    for module in MODULE_OBJECTS:
        for document in dataset.module(module):
            for path, value in _walk(document):
                if path.endswith(".last_updated"):
                    assert value <= limit, f"{module} {path} = {value}"
    for session in dataset.sessions:
        assert session["start_date_time"] <= limit
    for cdr in dataset.cdrs:
        assert cdr["end_date_time"] <= limit


# -- consistency -----------------------------------------------------------------------------


def test_json_is_plain_and_datetimes_and_numbers_are_in_ocpi_form() -> None:
    dataset = _dataset(2, "DE", sessions=20, cdrs=20)
    for module in MODULE_OBJECTS:
        for document in dataset.module(module):
            assert json.loads(json.dumps(document)) == document
            for path, value in _walk(document):
                key = path.rsplit(".", 1)[-1]
                if "regular_hours" in path:  # local times of day, HH:MM
                    continue
                if key in ("last_updated", "period_begin", "period_end") or key.endswith(
                    "date_time"
                ):
                    assert DATETIME.match(value), f"{module} {path} = {value!r}"
                if isinstance(value, float):
                    assert Decimal(repr(value)).as_tuple().exponent >= -4, f"{path} = {value!r}"


def test_ids_are_unique() -> None:
    for where, dataset in _datasets():
        for module in ("locations", "tariffs", "sessions", "cdrs"):
            ids = Counter(d["id"].upper() for d in dataset.module(module))
            assert max(ids.values(), default=1) == 1, f"{where}: repeated {module} ids"
        tokens = Counter((t["uid"].upper(), t["type"]) for t in dataset.tokens)
        assert max(tokens.values(), default=1) == 1, f"{where}: repeated token uid/type"
        uids = Counter(e["uid"].upper() for loc in dataset.locations for e in loc["evses"])
        assert max(uids.values(), default=1) == 1, f"{where}: repeated EVSE uids"
        for loc in dataset.locations:
            for evse in loc["evses"]:
                connector_ids = [c["id"] for c in evse["connectors"]]
                assert len(set(connector_ids)) == len(connector_ids)


def test_last_updated_of_a_location_covers_its_evses_and_connectors() -> None:
    for where, dataset in _datasets():
        for loc in dataset.locations:
            for evse in loc["evses"]:
                assert evse["last_updated"] <= loc["last_updated"], where
                for connector in evse["connectors"]:
                    assert connector["last_updated"] <= evse["last_updated"], where
        stamps = sorted(loc["last_updated"] for loc in dataset.locations)
        assert stamps[0][:7] != stamps[-1][:7], f"{where}: last_updated not spread out"


def test_evse_ids_are_emi3_of_the_cpo() -> None:
    for where, dataset in _datasets():
        for loc in dataset.locations:
            for evse in loc["evses"]:
                if "evse_id" not in evse:
                    assert evse["status"] == "REMOVED", where
                    continue
                match = EMI3_EVSE_ID.fullmatch(evse["evse_id"])
                assert match, f"{where}: {evse['evse_id']!r} is not an eMI3 EVSE ID"
                assert match.group(1, 2) == (loc["country_code"], loc["party_id"])


def test_connectors_have_matching_standard_format_and_power() -> None:
    seen = set()
    for where, dataset in _datasets():
        for loc in dataset.locations:
            for evse in loc["evses"]:
                for c in evse["connectors"]:
                    standard, fmt, power = c["standard"], c["format"], c["power_type"]
                    seen.add(standard)
                    what = f"{where}: {standard} {fmt} {power}"
                    if standard in DC_STANDARDS:
                        assert (fmt, power) == ("CABLE", "DC"), what
                    else:
                        assert power != "DC", what
                    if SOCKET_ONLY.match(standard):
                        assert fmt == "SOCKET", what
                    if standard == "IEC_62196_T1":
                        assert fmt == "CABLE", what
                    nominal = c["max_voltage"] * c["max_amperage"] * PHASES[power]
                    assert c.get("max_electric_power", nominal) <= nominal, what
                    if power.startswith("AC"):
                        assert c["max_voltage"] in (120, 208, 230, 240), what
    assert {"IEC_62196_T2", "IEC_62196_T2_COMBO", "CHADEMO", "IEC_62196_T1", "TESLA_S"} <= seen


def test_connectors_reference_existing_tariffs_one_per_type() -> None:
    for where, dataset in _datasets():
        tariffs = {t["id"]: t for t in dataset.tariffs}
        for loc in dataset.locations:
            for evse in loc["evses"]:
                for connector in evse["connectors"]:
                    ids = connector.get("tariff_ids", [])
                    assert set(ids) <= set(tariffs), f"{where}: unknown tariff in {ids}"
                    types = [tariffs[i].get("type", "REGULAR") for i in ids]
                    assert len(types) == len(set(types)), f"{where}: {ids} share a type"
                    if connector["power_type"] == "DC":
                        assert not any(
                            "max_current" in (e.get("restrictions") or {})
                            for i in ids
                            for e in tariffs[i]["elements"]
                        )


def _without(periods: list[dict], kinds: set[str]) -> list[dict]:
    return [
        {**p, "dimensions": [d for d in p["dimensions"] if d["type"] not in kinds]} for p in periods
    ]


def _place(dataset: Dataset, ref: Mapping[str, Any]) -> tuple[dict, dict, dict]:
    loc = next(loc for loc in dataset.locations if loc["id"] == ref["location_id"])
    evse = next(e for e in loc["evses"] if e["uid"] == ref["evse_uid"])
    connector = next(c for c in evse["connectors"] if c["id"] == ref["connector_id"])
    return loc, evse, connector


def test_sessions_reference_locations_tokens_and_tariffs() -> None:
    for where, dataset in _datasets():
        tokens = {(t["uid"], t["type"]): t for t in dataset.tokens}
        for session in dataset.sessions:
            if session["evse_uid"] == "#NA":
                assert session["status"] == "RESERVATION"
                continue
            loc, evse, connector = _place(dataset, session)
            assert evse["status"] not in ("PLANNED", "REMOVED"), where
            token = tokens[session["cdr_token"]["uid"], session["cdr_token"]["type"]]
            assert session["cdr_token"] == {k: token[k] for k in session["cdr_token"]}
            assert session["currency"] == {t["currency"] for t in dataset.tariffs}.pop()
            for period in session.get("charging_periods") or []:
                if "tariff_id" in period:
                    assert period["tariff_id"] in connector["tariff_ids"], where
            starts = [p["start_date_time"] for p in session.get("charging_periods") or []]
            assert starts == sorted(set(starts)), f"{where}: periods overlap or are unordered"
            if session["status"] in ("COMPLETED", "INVALID"):
                assert session["end_date_time"] >= session["start_date_time"]
            else:
                assert "end_date_time" not in session


def test_cdrs_match_their_location_token_and_session() -> None:
    for where, dataset in _datasets():
        sessions = {s["id"]: s for s in dataset.sessions}
        tokens = {(t["uid"], t["type"]): t for t in dataset.tokens}
        cdrs = {c["id"]: c for c in dataset.cdrs}
        for cdr in dataset.cdrs:
            if cdr.get("credit"):
                original = cdrs[cdr["credit_reference_id"]]
                assert cdr["id"] == original["id"] + "-C"
                negated = {k: -v for k, v in original["total_cost"].items()}
                assert cdr["total_cost"] == negated
                same = {"id", "credit", "credit_reference_id", "total_cost", "last_updated"}
                for key in set(original) | set(cdr):
                    assert key in same or cdr.get(key) == original.get(key), f"{where}: {key}"
                assert original["last_updated"] <= cdr["last_updated"] <= NOW_TEXT
                continue
            at = cdr["cdr_location"]
            ref = {"location_id": at["id"], "evse_uid": at["evse_uid"]}
            loc, evse, connector = _place(dataset, {**ref, "connector_id": at["connector_id"]})
            assert at["evse_id"] == evse["evse_id"]
            for key in ("address", "city", "country", "coordinates"):
                assert at[key] == loc[key], f"{where}: cdr_location.{key}"
            for key in ("standard", "format", "power_type"):
                assert at[f"connector_{key}"] == connector[key], f"{where}: connector_{key}"
            token = tokens[cdr["cdr_token"]["uid"], cdr["cdr_token"]["type"]]
            assert cdr["cdr_token"] == {k: token[k] for k in cdr["cdr_token"]}
            session = sessions.get(cdr.get("session_id"))
            if session is not None:
                assert session["status"] == "COMPLETED", where
                for key in ("location_id", "evse_uid", "connector_id", "cdr_token", "kwh"):
                    expected = session[key] if key != "kwh" else cdr["total_energy"]
                    assert session[key] == expected, f"{where}: {key}"
                first = cdr["charging_periods"][0]
                reserved = first["dimensions"][0]["type"] == "RESERVATION_TIME"
                began = cdr["charging_periods"][1 if reserved else 0]["start_date_time"]
                assert session["start_date_time"] == began, f"{where}: session start"
                assert session["end_date_time"] == cdr["end_date_time"]
                periods = _without(session["charging_periods"], SESSION_ONLY)
                assert periods == cdr["charging_periods"], f"{where}: periods differ"
                assert session["auth_method"] == cdr["auth_method"]
                assert session["last_updated"] <= cdr["last_updated"]
            assert cdr["end_date_time"] <= cdr["last_updated"] <= NOW_TEXT


def _tariffs_of(dataset: Dataset, document: Mapping[str, Any]) -> list[dict]:
    """The tariffs a Session's or CDR's periods name (none: the charge had no tariff)."""
    ids = {p.get("tariff_id") for p in document.get("charging_periods") or []}
    return [t for t in dataset.tariffs if t["id"] in ids]


def test_cdr_totals_and_costs_agree_with_periods_and_the_pricing_engine() -> None:
    for where, dataset in _datasets():
        locations = {loc["id"]: loc for loc in dataset.locations}
        for cdr in dataset.cdrs:
            assert check_cdr_consistency(cdr, dataset.tariffs) == [], f"{where}: {cdr['id']}"
            zone = locations[cdr["cdr_location"]["id"]]["time_zone"]
            result = price_cdr(cdr, _tariffs_of(dataset, cdr), time_zone=zone)
            rows = compare_with_cdr(result, cdr)
            if cdr.get("credit"):
                # The spec negates only total_cost in a Credit CDR; compare_with_cdr negates every
                # money field of one, so only total_cost and the quantities are comparable.
                rows = tuple(
                    r for r in rows if not r.field.endswith("_vat") or r.field[:11] == "total_cost."
                )
            wrong = [r for r in rows if r.ok is False or (r.ok is None and r.theirs is not None)]
            assert wrong == [], f"{where}: CDR {cdr['id']} disagrees with price_cdr: {wrong}"
            starts = [p["start_date_time"] for p in cdr["charging_periods"]]
            assert starts == sorted(set(starts))
            assert cdr["start_date_time"] <= starts[0] and starts[-1] <= cdr["end_date_time"]


def test_a_new_period_starts_at_every_price_change() -> None:
    """No CDR or Session period spans a point where its tariff's price changes (a time of day,
    a kWh or duration threshold): the suite's cdr.period_not_split finds none, in any country."""
    for where, dataset in _datasets():
        locations = {loc["id"]: loc for loc in dataset.locations}
        for document in (*dataset.cdrs, *dataset.sessions):
            if not document.get("charging_periods"):
                continue
            end = document.get("end_date_time") or document["last_updated"]
            location_id = document.get("location_id") or document["cdr_location"]["id"]
            zone = locations[location_id]["time_zone"]
            findings = unsplit_period_findings(
                {**document, "end_date_time": end},
                _tariffs_of(dataset, document),
                time_zone=zone,
            )
            assert findings == [], f"{where}: {document['id']}: {findings[0]}"


def test_session_costs_agree_with_the_pricing_engine() -> None:
    for where, dataset in _datasets():
        locations = {loc["id"]: loc for loc in dataset.locations}
        for session in dataset.sessions:
            if "total_cost" not in session:
                continue
            end = session.get("end_date_time") or session["last_updated"]
            document = {**session, "end_date_time": end}
            zone = locations[session["location_id"]]["time_zone"]
            result = price_cdr(document, _tariffs_of(dataset, session), time_zone=zone)
            assert session["total_cost"]["excl_vat"] == float(result.total_cost.excl_vat), where
            assert abs(Decimal(str(session["kwh"])) - result.total_energy) < Decimal("0.001")


def test_places_are_real_cities_of_the_country() -> None:
    for where, dataset in _datasets():
        for loc in dataset.locations:
            country = next(c for c in COUNTRIES.values() if c.alpha3 == loc["country"])
            city = next(c for c in country.cities if c.name == loc["city"])
            assert loc["time_zone"] == city.time_zone
            assert abs(float(loc["coordinates"]["latitude"]) - city.latitude) < 0.1, where
            assert abs(float(loc["coordinates"]["longitude"]) - city.longitude) < 0.1, where
            assert len(loc["address"]) <= 45 and len(loc.get("state", "")) <= 20
            assert "\n" not in loc["address"]
            hours = loc.get("opening_times") or {}
            for period in hours.get("regular_hours") or []:
                assert period["period_begin"] < period["period_end"]
            mix = loc.get("energy_mix")
            if mix:
                assert sum(s["percentage"] for s in mix["energy_sources"]) == 100


# -- coverage --------------------------------------------------------------------------------


def _restrictions(dataset: Dataset) -> list[dict]:
    return [
        e["restrictions"] for t in dataset.tariffs for e in t["elements"] if e.get("restrictions")
    ]


def test_tariffs_cover_every_dimension_restriction_and_limit(big: Dataset) -> None:
    components = [c for t in big.tariffs for e in t["elements"] for c in e["price_components"]]
    assert {c["type"] for c in components} == {"ENERGY", "FLAT", "TIME", "PARKING_TIME"}
    assert {c["step_size"] for c in components} > {1}
    assert {key for r in _restrictions(big) for key in r} == set(RESTRICTIONS)
    assert any("min_price" in t for t in big.tariffs)
    assert any("max_price" in t for t in big.tariffs)
    types = {t.get("type") for t in big.tariffs}
    assert {None, "REGULAR", "AD_HOC_PAYMENT"} <= types
    assert any(str(t).startswith("PROFILE_") for t in types)
    windows = [(r.get("start_time"), r.get("end_time")) for r in _restrictions(big)]
    assert any(start and end and end < start for start, end in windows), "none across midnight"


def test_tokens_cover_every_type_and_whitelist() -> None:
    tokens = _dataset(0).tokens  # the default volume already covers them
    assert {t["type"] for t in tokens} == {"RFID", "APP_USER", "AD_HOC_USER", "OTHER"}
    assert {t["whitelist"] for t in tokens} == {"ALWAYS", "ALLOWED", "ALLOWED_OFFLINE", "NEVER"}
    assert {t["valid"] for t in tokens} == {True, False}


def test_sessions_cover_every_status_and_cdrs_include_credits(big: Dataset) -> None:
    statuses = {"COMPLETED", "ACTIVE", "PENDING", "RESERVATION", "INVALID"}
    assert {s["status"] for s in _dataset(0).sessions} == statuses
    assert any(c.get("credit") for c in _dataset(0).cdrs)
    assert any(c.get("signed_data") for c in big.cdrs)
    in_cdrs = {d["type"] for c in big.cdrs for p in c["charging_periods"] for d in p["dimensions"]}
    assert in_cdrs == {
        "ENERGY", "TIME", "PARKING_TIME", "RESERVATION_TIME",
        "MIN_POWER", "MAX_POWER", "MIN_CURRENT", "MAX_CURRENT",
    }  # fmt: skip
    in_sessions = {
        d["type"]
        for s in big.sessions
        for p in s.get("charging_periods") or []
        for d in p["dimensions"]
    }
    assert in_sessions - in_cdrs == {"POWER", "CURRENT", "STATE_OF_CHARGE"}


# Optional fields we always send: a Location without EVSEs counts as expired and is not published.
ALWAYS_SENT: Mapping[str, set[str]] = {"Location": {"evses"}}


@pytest.mark.parametrize(
    ("module", "name"), [*MODULE_OBJECTS.items(), ("evses", "EVSE"), ("connectors", "Connector")]
)
def test_optional_fields_are_sometimes_present_and_sometimes_absent(
    big: Dataset, module: str, name: str
) -> None:
    if module == "evses":
        documents = [e for loc in big.locations for e in loc["evses"]]
    elif module == "connectors":
        documents = [c for loc in big.locations for e in loc["evses"] for c in e["connectors"]]
    else:
        documents = list(big.module(module))
    present = Counter(key for d in documents for key in d)
    always = {f for f in _optional_fields(name) if present[f] == len(documents)}
    never = {f for f in _optional_fields(name) if present[f] == 0}
    assert never == set(), f"{name}: optional fields never present"
    assert always - ALWAYS_SENT.get(name, set()) == set(), f"{name}: optional fields never absent"


# -- API details -----------------------------------------------------------------------------


def test_provider_methods() -> None:
    fake = make_faker(9)
    assert EMI3_EVSE_ID.fullmatch(fake.evse_id("NL", "MCK"))
    assert fake.evse_id("nl", "mck", station=123) == "NL*MCK*E000123*1"
    stamp = fake.ocpi_datetime(datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 1, 2, tzinfo=UTC))
    assert DATETIME.match(stamp) and stamp.startswith("2024-01-0")
    assert fake.evse_uid() != fake.evse_uid()


def test_bad_arguments_are_refused_clearly() -> None:
    with pytest.raises(ValueError, match=r"country 'XX'.*NL, DE, FR, BE, GB, US"):
        generate_dataset(seed=0, now=NOW, country_code="XX")
    with pytest.raises(ValueError, match=r"OCPI '2.0'.*2\.1\.1, 2\.2\.1, 2\.3\.0"):
        generate_dataset(seed=0, now=NOW, version="2.0")
    with pytest.raises(ValueError, match="locations must be a whole number >= 0"):
        generate_dataset(seed=0, now=NOW, locations=-1)
    with pytest.raises(ValueError, match="at least one location"):
        generate_dataset(seed=0, now=NOW, locations=0)


def test_empty_modules_are_fine() -> None:
    dataset = generate_dataset(
        seed=0, now=NOW, locations=3, tariffs=0, tokens=0, sessions=3, cdrs=3
    )
    assert dataset.tariffs == dataset.tokens == ()
    connectors = [c for loc in dataset.locations for e in loc["evses"] for c in e["connectors"]]
    assert all("tariff_ids" not in c for c in connectors)
    assert len(dataset.sessions) == len(dataset.cdrs) == 3


def test_large_volumes_are_generated_and_leave_the_garbage_collector_on() -> None:
    count = sum(1 for _ in iter_locations(seed=1, now=NOW, count=1000))
    dataset = generate_dataset(seed=1, now=NOW, locations=1000, tokens=0, sessions=0, cdrs=0)
    assert count == len(dataset.locations) == 1000
    assert gc.isenabled()

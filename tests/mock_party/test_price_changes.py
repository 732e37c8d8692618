"""The mock's charging periods cut at price changes (mock_party.price_changes): each kind of
restriction boundary, judged by the suite's own rule (ocpi_core's unsplit_period_findings)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from mock_party.price_changes import merge_at_price_changes, split_at_price_changes
from ocpi_core.pricing import price_cdr, unsplit_period_findings

Json = dict[str, Any]
ZONE = "Europe/Amsterdam"  # UTC+1 in December


def _energy(price: float, **restrictions: Any) -> Json:
    element: Json = {"price_components": [{"type": "ENERGY", "price": price, "step_size": 1}]}
    if restrictions:
        element["restrictions"] = restrictions
    return element


def _tariff(*elements: Json) -> Json:
    return {
        "country_code": "NL",
        "party_id": "MCK",
        "id": "T1",
        "currency": "EUR",
        "elements": list(elements),
        "last_updated": "2026-01-01T00:00:00Z",
    }


def _period(start: str, **volumes: float) -> Json:
    dims = [{"type": kind, "volume": volume} for kind, volume in volumes.items()]
    return {"start_date_time": start, "dimensions": dims, "tariff_id": "T1"}


def _cdr(periods: list[Json], start: str, end: str) -> Json:
    return {
        "start_date_time": start,
        "end_date_time": end,
        "currency": "EUR",
        "charging_periods": periods,
    }


def _sums(periods: list[Json]) -> dict[str, Decimal]:
    total: dict[str, Decimal] = {}
    for period in periods:
        for dim in period["dimensions"]:
            total[dim["type"]] = total.get(dim["type"], Decimal(0)) + Decimal(str(dim["volume"]))
    return total


def _judge(periods: list[Json], tariff: Json, start: str, end: str) -> list[Any]:
    return unsplit_period_findings(_cdr(periods, start, end), [tariff], time_zone=ZONE)


def test_a_time_of_day_boundary_starts_a_new_period_at_that_local_time() -> None:
    tariff = _tariff(_energy(0.2, start_time="23:00", end_time="07:00"), _energy(0.5))
    start, end = "2026-12-07T21:00:00Z", "2026-12-07T23:00:00Z"  # 22:00 to 00:00 local
    periods = [_period(start, ENERGY=22, TIME=2, MAX_POWER=11)]
    assert len(_judge(periods, tariff, start, end)) == 1

    split = split_at_price_changes(periods, [tariff], time_zone=ZONE, end=end)

    assert [p["start_date_time"] for p in split] == [start, "2026-12-07T22:00:00Z"]
    hour = [
        {"type": "ENERGY", "volume": 11},
        {"type": "TIME", "volume": 1},
        {"type": "MAX_POWER", "volume": 11},
    ]
    assert [p["dimensions"] for p in split] == [hour, hour]
    assert _judge(split, tariff, start, end) == []
    # the cost is that of each hour at its own price
    total = price_cdr(_cdr(split, start, end), [tariff], time_zone=ZONE).total_cost.excl_vat
    assert total == Decimal("7.7")


def test_a_kwh_threshold_gets_exactly_the_threshold_before_the_cut() -> None:
    tariff = _tariff(_energy(0.5, max_kwh=10), _energy(0.3))
    start, end = "2026-12-07T10:00:00Z", "2026-12-07T10:59:51Z"  # 10.0275 kWh in all
    periods = [
        _period(start, ENERGY=4, TIME=0.25),
        _period("2026-12-07T10:15:00Z", ENERGY=6.0275, TIME=0.7475),
    ]
    assert len(_judge(periods, tariff, start, end)) == 1

    split = split_at_price_changes(periods, [tariff], time_zone=ZONE, end=end)

    assert len(split) == 3
    energies = [p["dimensions"][0]["volume"] for p in split]
    assert energies[:2] == [4, 6] and Decimal(str(energies[2])) == Decimal("0.0275")
    assert _sums(split) == _sums(periods)
    assert _judge(split, tariff, start, end) == []


def test_a_duration_threshold_cuts_parking_counted_from_the_session_start() -> None:
    parking = {"type": "PARKING_TIME", "price": 6, "step_size": 1}
    tariff = _tariff({"price_components": [parking], "restrictions": {"min_duration": 7200}})
    start, end = "2026-12-07T10:00:00Z", "2026-12-07T13:00:00Z"
    periods = [
        _period(start, ENERGY=20, TIME=1.5),
        _period("2026-12-07T11:30:00Z", PARKING_TIME=1.5),
    ]
    assert len(_judge(periods, tariff, start, end)) == 1

    split = split_at_price_changes(periods, [tariff], time_zone=ZONE, end=end)

    assert [p["start_date_time"] for p in split][1:] == [
        "2026-12-07T11:30:00Z",
        "2026-12-07T12:00:00Z",
    ]
    assert [p["dimensions"] for p in split[1:]] == [
        [{"type": "PARKING_TIME", "volume": 0.5}],
        [{"type": "PARKING_TIME", "volume": 1}],
    ]
    assert _judge(split, tariff, start, end) == []


def test_stamps_keep_milliseconds_and_durations_count_from_a_start_with_them() -> None:
    tariff = _tariff(_energy(0.2, max_duration=900), _energy(0.5))
    start, end = "2026-12-07T10:00:00.728Z", "2026-12-07T10:30:00.728Z"
    periods = [_period(start, ENERGY=5.5, TIME=0.5)]

    split = split_at_price_changes(
        periods, [tariff], time_zone=ZONE, end=end, energy_places=3, time_places=6
    )

    assert [p["start_date_time"] for p in split] == [start, "2026-12-07T10:15:00.728Z"]
    assert _judge(split, tariff, start, end) == []


def test_a_period_with_no_change_inside_is_left_as_it_is() -> None:
    tariff = _tariff(_energy(0.2, start_time="23:00", end_time="07:00"), _energy(0.5))
    start, end = "2026-12-07T10:00:00Z", "2026-12-07T11:00:00Z"
    periods = [_period(start, ENERGY=11, TIME=1)]
    assert split_at_price_changes(periods, [tariff], time_zone=ZONE, end=end) == periods


def test_merging_joins_back_only_what_a_price_change_cut() -> None:
    tariff = _tariff(_energy(0.2, start_time="23:00", end_time="07:00"), _energy(0.5))
    start, end = "2026-12-07T20:00:00Z", "2026-12-07T23:00:00Z"  # 21:00 to 00:00 local
    # two alike hours meeting at 22:00 local (no price change there), then one at 23:00
    periods = [
        _period(start, ENERGY=11, TIME=1),
        _period("2026-12-07T21:00:00Z", ENERGY=22, TIME=2),
    ]
    split = split_at_price_changes(periods, [tariff], time_zone=ZONE, end=end)
    assert len(split) == 3

    merged = merge_at_price_changes(split, [tariff], time_zone=ZONE, end=end)

    assert merged == periods
    assert len(_judge(merged, tariff, start, end)) == 1

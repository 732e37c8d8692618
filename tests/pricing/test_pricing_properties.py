"""Properties of the engine over generated tariffs and sessions (hypothesis)."""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pricing_support import D, component, element, periods_cdr, tariff

from ocpi_core.pricing import Money, PriceResult, price_cdr

# OCPI_PRICING_EXAMPLES=2000 for a long search; the default keeps the suite fast
SETTINGS = settings(
    max_examples=int(os.environ.get("OCPI_PRICING_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
DAYS = ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"]
ZONES = ["UTC", "Europe/Amsterdam", "America/New_York", "Asia/Kolkata"]

prices = st.decimals(min_value=0, max_value=5, places=2)
vats = st.one_of(st.none(), st.sampled_from([D(0), D("5.5"), D(9), D(20), D(21)]))
times_of_day = st.builds(
    lambda h, m: f"{h:02d}:{m:02d}", st.integers(0, 23), st.sampled_from([0, 15, 30, 45])
)


def _ranged(draw: Any, low_key: str, high_key: str, values: st.SearchStrategy) -> dict[str, Any]:
    picked = {}
    if draw(st.booleans()):
        picked[low_key] = draw(values)
    if draw(st.booleans()):
        picked[high_key] = draw(values)
    return picked


@st.composite
def restrictions(draw: Any, *, kwh: bool = True, power: bool = True) -> dict[str, Any]:
    r: dict[str, Any] = {}
    if draw(st.booleans()):
        r.update(_ranged(draw, "start_time", "end_time", times_of_day))
    if draw(st.booleans()):
        r["day_of_week"] = draw(
            st.lists(st.sampled_from(DAYS), min_size=1, max_size=5, unique=True)
        )
    if draw(st.booleans()):
        r.update(
            _ranged(draw, "min_duration", "max_duration", st.integers(0, 4).map(lambda n: n * 1800))
        )
    if kwh and draw(st.booleans()):
        r.update(_ranged(draw, "min_kwh", "max_kwh", st.integers(0, 60).map(D)))
    if power and draw(st.booleans()):
        r.update(
            _ranged(draw, "min_power", "max_power", st.sampled_from([D(3), D(11), D(22), D(50)]))
        )
    return r


@st.composite
def tariffs(
    draw: Any,
    *,
    dimensions: tuple[str, ...] = ("FLAT", "ENERGY", "TIME", "PARKING_TIME"),
    kwh: bool = True,
    power: bool = True,
    steps: bool = True,
    limits: bool = True,
) -> dict[str, Any]:
    elements = []
    for _ in range(draw(st.integers(1, 4))):
        kinds = draw(st.lists(st.sampled_from(dimensions), min_size=1, max_size=3, unique=True))
        comps = []
        for kind in kinds:
            step_choices = {"ENERGY": [1, 100, 500], "FLAT": [1], "TIME": [1, 60, 300, 900],
                            "PARKING_TIME": [1, 60, 300, 900]}[kind]  # fmt: skip
            step = draw(st.sampled_from(step_choices)) if steps else 1
            comps.append(component(kind, draw(prices), draw(vats), step=step))
        r = draw(restrictions(kwh=kwh, power=power))
        elements.append(element(*comps, **r))
    extra: dict[str, Any] = {}
    if limits and draw(st.booleans()):
        low = draw(st.decimals(min_value=0, max_value=3, places=2))
        extra["min_price"] = {"excl_vat": low, "incl_vat": low * D("1.21")}
    if limits and draw(st.booleans()):
        high = draw(st.decimals(min_value=3, max_value=40, places=2))
        extra["max_price"] = {"excl_vat": high, "incl_vat": high * D("1.21")}
    return tariff(*elements, **extra)


@st.composite
def starts(draw: Any) -> str:
    moment = datetime(2024, 1, 1) + timedelta(minutes=3 * draw(st.integers(0, 366 * 480)))
    return moment.strftime("%Y-%m-%dT%H:%M:00Z")


@st.composite
def charging_spans(draw: Any) -> list[tuple[int, dict[str, Any]]]:
    """1-3 charging periods (multiples of 3 min, so hours are exact) and maybe parking."""
    spans = []
    for _ in range(draw(st.integers(1, 3))):
        minutes = 3 * draw(st.integers(1, 100))
        rate = draw(st.decimals(min_value=0, max_value=1, places=3))  # kWh per minute
        dims: dict[str, Any] = {"TIME": D(minutes) / 60, "ENERGY": rate * minutes}
        if draw(st.booleans()):
            dims["MAX_POWER"] = draw(st.sampled_from([D(7), D(11), D(22), D(60)]))
        spans.append((minutes, dims))
    if draw(st.booleans()):
        minutes = 3 * draw(st.integers(1, 40))
        spans.append((minutes, {"PARKING_TIME": D(minutes) / 60}))
    return spans


def _monies(result: PriceResult) -> list[Money]:
    kinds = ("fixed", "energy", "time", "parking", "reservation")
    return [result.total_cost, *(result.cost_of(k) for k in kinds)]


@SETTINGS
@given(tariffs(), charging_spans(), starts(), st.sampled_from(ZONES), st.data())
def test_splitting_a_charging_period_does_not_change_the_cost(t, spans, start, zone, data):
    index = data.draw(st.integers(0, len(spans) - 1))
    minutes, dims = spans[index]
    if "TIME" not in dims or minutes < 6:
        return
    cut = 3 * data.draw(st.integers(1, minutes // 3 - 1))

    def part(length: int) -> dict[str, Any]:
        # exact: ENERGY is a 3-decimal rate x minutes, TIME a multiple of 3 minutes in hours
        return {
            k: (v * length / minutes if k in ("TIME", "ENERGY") else v) for k, v in dims.items()
        }

    split = [
        *spans[:index],
        (cut, part(cut)),
        (minutes - cut, part(minutes - cut)),
        *spans[index + 1 :],
    ]
    whole = price_cdr(periods_cdr(start, spans), [t], time_zone=zone)
    halves = price_cdr(periods_cdr(start, split), [t], time_zone=zone)
    assert _monies(whole) == _monies(halves)
    assert whole.total_energy == halves.total_energy


@SETTINGS
@given(
    tariffs(dimensions=("ENERGY",), kwh=False, power=False, steps=False),
    charging_spans(),
    starts(),
    st.sampled_from(ZONES),
    st.data(),
)
def test_more_energy_never_costs_less_under_an_energy_only_tariff(t, spans, start, zone, data):
    index = data.draw(st.integers(0, len(spans) - 1))
    minutes, dims = spans[index]
    if "ENERGY" not in dims:
        return
    more = dict(
        dims, ENERGY=dims["ENERGY"] + data.draw(st.decimals(min_value=0, max_value=20, places=3))
    )
    bigger = [*spans[:index], (minutes, more), *spans[index + 1 :]]
    before = price_cdr(periods_cdr(start, spans), [t], time_zone=zone)
    after = price_cdr(periods_cdr(start, bigger), [t], time_zone=zone)
    assert after.total_cost.excl_vat >= before.total_cost.excl_vat
    assert after.total_cost.incl_vat >= before.total_cost.incl_vat


@SETTINGS
@given(
    tariffs(dimensions=("ENERGY",), kwh=True, power=False, steps=False, limits=False).filter(
        lambda t: all("start_time" not in e.get("restrictions", {}) for e in t["elements"])
    ),
    st.lists(st.decimals(min_value=0, max_value=30, places=3), min_size=1, max_size=4),
    st.decimals(min_value=0, max_value=20, places=3),
)
def test_more_energy_never_costs_less_under_kwh_tiers(t, energies, extra):
    # prices that depend only on the energy used so far: the cost is the integral of the
    # price over the kWh used, so adding energy anywhere cannot lower it
    for e in t["elements"]:
        for key in ("day_of_week", "min_duration", "max_duration", "end_time"):
            e.get("restrictions", {}).pop(key, None)
    spans = [(30, {"ENERGY": e, "TIME": D("0.5")}) for e in energies]
    bigger = [(30, {"ENERGY": e + (extra if i == 0 else 0), "TIME": D("0.5")})
              for i, e in enumerate(energies)]  # fmt: skip
    before = price_cdr(periods_cdr("2024-01-10T10:00:00Z", spans), [t])
    after = price_cdr(periods_cdr("2024-01-10T10:00:00Z", bigger), [t])
    assert after.total_cost.excl_vat >= before.total_cost.excl_vat


@SETTINGS
@given(tariffs(), charging_spans(), starts(), st.sampled_from(ZONES))
def test_totals_including_vat_are_never_below_excluding_vat(t, spans, start, zone):
    result = price_cdr(periods_cdr(start, spans), [t], time_zone=zone)
    for money in _monies(result):
        assert money.incl_vat is not None and money.incl_vat >= money.excl_vat
    for line in result.breakdown:
        if line.kind == "limit":  # a min/max_price adjustment may be negative
            continue
        assert line.cost.incl_vat >= line.cost.excl_vat
        assert line.billed_volume >= line.volume or line.element_index is None


def test_more_energy_can_cost_less_when_steps_are_priced_at_the_last_component():
    """Why the monotonicity property is stated for step_size 1: the spec bills a step's surplus
    at the price of the *last* component. 0.1 kWh at 1.00 (step 1 kWh) costs 1.00; adding
    0.01 kWh in a later, free period makes the free component the last one, so the 0.89 kWh
    surplus is billed at 0.00 and the session costs 0.10."""
    t = tariff(
        element(component("ENERGY", 1, step=1000), end_time="11:00"),
        element(component("ENERGY", 0, step=1000)),
    )
    less = periods_cdr("2024-01-10T10:00:00Z", [(60, {"ENERGY": "0.1", "TIME": 1})])
    more = periods_cdr(
        "2024-01-10T10:00:00Z", [(60, {"ENERGY": "0.1", "TIME": 1}), (6, {"ENERGY": "0.01"})]
    )
    assert price_cdr(less, [t]).total_cost.excl_vat == D("1.00")
    assert price_cdr(more, [t]).total_cost.excl_vat == D("0.10")

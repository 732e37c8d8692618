"""Hand-computed cases, each with its arithmetic. All tariffs and sessions here are our own."""

from __future__ import annotations

import pytest
from pricing_support import D, component, element, money, periods_cdr, tariff, utc

from ocpi_core.pricing import (
    PricingError,
    PricingOptions,
    SessionDescription,
    price_cdr,
    price_session,
)

AMS = "Europe/Amsterdam"


def steady(start_local: str, hours: list[tuple[str, str, str]], zone: str = AMS):
    """Samples from ``(local time, cumulative kWh, state)`` readings; the last one is the end."""
    samples = [(utc(t, zone), kwh, None, state) for t, kwh, state in hours]
    return SessionDescription(start=utc(start_local, zone), end=samples[-1][0], samples=samples)


# -- time of day, midnight, days ------------------------------------------------------------------

NIGHT = tariff(
    element(component("ENERGY", "0.20", 21), start_time="22:00", end_time="06:00"),
    element(component("ENERGY", "0.30", 21)),
)


def test_session_across_midnight_uses_the_night_window():
    # 21:00-01:00 local at 11 kWh/h: 21-22 day 11 kWh x 0.30 = 3.30;
    # 22-01 night 33 kWh x 0.20 = 6.60; total 9.90 (x 1.21 = 11.979 -> 11.98)
    session = steady(
        "2024-01-10T21:00",
        [
            ("2024-01-10T21:00", "0", "CHARGING"),
            ("2024-01-11T01:00", "44", "CHARGING"),
        ],
    )
    result = price_session(session, [NIGHT], time_zone=AMS)
    assert money(result) == ("9.90", "11.98")
    assert [(line.element_index, line.volume) for line in result.breakdown] == [
        (1, D("11")),
        (0, D("33")),
    ]


def test_the_same_session_read_in_utc_prices_differently():
    # Amsterdam is UTC+1 in January: the session is 20:00-00:00 UTC; read in UTC the night
    # window starts 2 h in: 22 kWh x 0.30 = 6.60 + 22 kWh x 0.20 = 4.40 = 11.00
    session = steady(
        "2024-01-10T21:00",
        [("2024-01-10T21:00", "0", "CHARGING"), ("2024-01-11T01:00", "44", "CHARGING")],
    )
    result = price_session(session, [NIGHT])
    assert result.total_cost.excl_vat == D("11.00")
    assert result.time_zone == "UTC"
    assert any("read in UTC (the default)" in note for note in result.notes)


def test_end_time_midnight_means_end_of_day():
    # evening 18:00-00:00 at 3.00/h, otherwise 1.00/h; charging 23:30-00:30:
    # 30 min x 3.00 = 1.50 + 30 min x 1.00 = 0.50 = 2.00
    evening = tariff(
        element(component("TIME", 3), start_time="18:00", end_time="00:00"),
        element(component("TIME", 1)),
    )
    cdr = periods_cdr(utc("2024-01-10T23:30", AMS), [(60, {"TIME": 1, "ENERGY": 5})])
    result = price_cdr(cdr, [evening], time_zone=AMS)
    assert result.total_cost.excl_vat == D("2.00")


def test_day_of_week_boundary_at_midnight():
    # weekend energy 0.40, otherwise 0.25; Friday 23:00 - Saturday 01:00 at 10 kWh/h:
    # Friday 10 kWh x 0.25 = 2.50 + Saturday 10 kWh x 0.40 = 4.00 = 6.50
    weekend = tariff(
        element(component("ENERGY", "0.40"), day_of_week=["SATURDAY", "SUNDAY"]),
        element(component("ENERGY", "0.25")),
    )
    cdr = periods_cdr(utc("2024-01-12T23:00", AMS), [(120, {"ENERGY": 20, "TIME": 2})])
    result = price_cdr(cdr, [weekend], time_zone=AMS)
    assert result.total_cost.excl_vat == D("6.50")
    assert [line.element_index for line in result.breakdown] == [1, 0]


@pytest.mark.parametrize(
    ("overnight_day", "expected"), [("moment", "3.00"), ("window_start", "4.00")]
)
def test_day_of_week_in_a_window_across_midnight_is_an_option(overnight_day, expected):
    # Friday-night window 22:00-06:00 at 2.00/h, otherwise 1.00/h; Friday 23:00 - Saturday 01:00.
    # "moment": after midnight it is Saturday, not Friday: 1 h x 2.00 + 1 h x 1.00 = 3.00.
    # "window_start": the window opened on Friday, so both hours cost 2.00 = 4.00.
    friday_night = tariff(
        element(component("TIME", 2), start_time="22:00", end_time="06:00", day_of_week=["FRIDAY"]),
        element(component("TIME", 1)),
    )
    cdr = periods_cdr(utc("2024-01-12T23:00", AMS), [(120, {"TIME": 2})])
    options = PricingOptions(overnight_day=overnight_day)
    result = price_cdr(cdr, [friday_night], time_zone=AMS, options=options)
    assert result.total_cost.excl_vat == D(expected)


def test_date_restrictions_start_inclusive_end_exclusive():
    # promotion 2024-05-01 (incl.) to 2024-05-02 (excl.) at 0.10/kWh, otherwise 0.30;
    # 23:00-01:00 local on 1 May at 6 kWh/h: 6 x 0.10 = 0.60 + 6 x 0.30 = 1.80 = 2.40
    promo = tariff(
        element(component("ENERGY", "0.10"), start_date="2024-05-01", end_date="2024-05-02"),
        element(component("ENERGY", "0.30")),
    )
    cdr = periods_cdr(utc("2024-05-01T23:00", AMS), [(120, {"ENERGY": 12, "TIME": 2})])
    assert price_cdr(cdr, [promo], time_zone=AMS).total_cost.excl_vat == D("2.40")


def test_time_window_across_a_dst_change():
    # Amsterdam springs forward on 2024-03-31 at 02:00 -> 03:00 (01:00 UTC). Peak 03:00-04:00
    # local at 3.00/h, else 1.00/h. Charging 00:30-02:30 UTC = 01:30 CET .. 04:30 CEST:
    # 30 min x 1.00 = 0.50 (01:30-03:00 local is 30 real minutes) + 60 min x 3.00 = 3.00 +
    # 30 min x 1.00 = 0.50: 4.00
    peak = tariff(
        element(component("TIME", 3), start_time="03:00", end_time="04:00"),
        element(component("TIME", 1)),
    )
    cdr = periods_cdr("2024-03-31T00:30:00Z", [(120, {"TIME": 2})])
    result = price_cdr(cdr, [peak], time_zone=AMS)
    assert result.total_cost.excl_vat == D("4.00")
    assert [line.billed_volume for line in result.breakdown] == [D("0.5"), D("1"), D("0.5")]


# -- energy, power, current, duration ---------------------------------------------------------


def test_kwh_threshold_crossed_inside_one_period():
    # first 10 kWh at 0.30, the rest at 0.20; TIME 2.00/h only from 10 kWh on.
    # One 60-min period of 15 kWh at a steady rate: 10 kWh are reached after 40 min.
    # energy 10 x 0.30 = 3.00 + 5 x 0.20 = 1.00; time 20 min x 2.00/h = 0.6667; 4.6667 -> 4.67
    tiers = tariff(
        element(component("ENERGY", "0.30"), max_kwh=10),
        element(component("ENERGY", "0.20"), component("TIME", 2), min_kwh=10),
    )
    cdr = periods_cdr("2024-01-10T10:00:00Z", [(60, {"ENERGY": 15, "TIME": 1})])
    result = price_cdr(cdr, [tiers])
    assert result.total_energy_cost.excl_vat == D("4.00")
    assert result.total_time_cost.excl_vat == D("0.67")
    assert result.total_cost.excl_vat == D("4.67")
    unpriced, priced = [line for line in result.breakdown if line.dimension == "TIME"]
    assert (unpriced.element_index, round(unpriced.volume * 60, 9)) == (None, 40)
    assert "energy so far 0 kWh below min_kwh 10" in unpriced.why
    assert (priced.element_index, round(priced.volume * 60, 9)) == (1, 20)
    assert "energy so far 10 kWh >= min_kwh 10" in priced.why


POWER = tariff(
    element(component("ENERGY", "0.25"), max_power=11),
    element(component("ENERGY", "0.45"), min_power=50),
    element(component("ENERGY", "0.35")),
)


def test_power_dependent_prices():
    # 1 h at exactly 11 kW: not below max_power 11, not >= 50: fallback 11 x 0.35 = 3.85
    # 30 min at 60..120 kW (50 kWh): lowest power 60 >= 50: 50 x 0.45 = 22.50
    # 1 h at 7 kW: 7 x 0.25 = 1.75; total 28.10
    cdr = periods_cdr(
        "2024-01-10T10:00:00Z",
        [
            (60, {"ENERGY": 11, "TIME": 1, "MIN_POWER": 11, "MAX_POWER": 11}),
            (30, {"ENERGY": 50, "TIME": "0.5", "MIN_POWER": 60, "MAX_POWER": 120}),
            (60, {"ENERGY": 7, "TIME": 1, "MAX_POWER": 7}),
        ],
    )
    result = price_cdr(cdr, [POWER])
    assert result.total_cost.excl_vat == D("28.10")
    assert [line.element_index for line in result.breakdown] == [2, 1, 0]


def test_power_range_straddling_a_limit_matches_neither_side():
    # 40..60 kW: the lowest (40) is below min_power 50 and the highest (60) is not below
    # max_power 11: the fallback prices it: 20 kWh x 0.35 = 7.00
    cdr = periods_cdr(
        "2024-01-10T10:00:00Z",
        [(24, {"ENERGY": 20, "TIME": "0.4", "MIN_POWER": 40, "MAX_POWER": 60})],
    )
    assert price_cdr(cdr, [POWER]).total_cost.excl_vat == D("7.00")


def test_power_derived_from_energy_and_time_when_not_reported():
    # 10 kWh in 2 h = 5 kW average < 11: 10 x 0.25 = 2.50
    cdr = periods_cdr("2024-01-10T10:00:00Z", [(120, {"ENERGY": 10, "TIME": 2})])
    assert price_cdr(cdr, [POWER]).total_cost.excl_vat == D("2.50")


@pytest.mark.parametrize(("unknown", "expected"), [("no_match", "3.50"), ("match", "2.50")])
def test_unknown_power_is_an_option(unknown, expected):
    # a zero-length period with only ENERGY: no power dimension and no time to derive it from.
    # no_match -> the power elements are skipped, fallback 10 x 0.35 = 3.50;
    # match -> the first element, 10 x 0.25 = 2.50
    cdr = periods_cdr("2024-01-10T10:00:00Z", [(0, {"ENERGY": 10})])
    options = PricingOptions(unknown_measurement=unknown)
    assert price_cdr(cdr, [POWER], options=options).total_cost.excl_vat == D(expected)


def test_current_restrictions_use_the_lowest_and_highest_current():
    # TIME 1.00/h below 16 A, 2.00/h from 16 A; 1 h at 6..10 A then 1 h at 16..32 A: 1.00 + 2.00
    amps = tariff(
        element(component("TIME", 1), max_current=16),
        element(component("TIME", 2), min_current=16),
    )
    cdr = periods_cdr(
        "2024-01-10T10:00:00Z",
        [
            (60, {"TIME": 1, "MIN_CURRENT": 6, "MAX_CURRENT": 10}),
            (60, {"TIME": 1, "MIN_CURRENT": 16, "MAX_CURRENT": 32}),
        ],
    )
    assert price_cdr(cdr, [amps]).total_cost.excl_vat == D("3.00")


def test_first_hour_free_by_duration():
    # TIME free while the session is shorter than 3600 s, then 2.00/h; one 90-min period:
    # split at 60 min: 30 min x 2.00 = 1.00
    first_hour_free = tariff(
        element(component("TIME", 0), max_duration=3600),
        element(component("TIME", 2)),
    )
    cdr = periods_cdr("2024-01-10T10:00:00Z", [(90, {"TIME": "1.5"})])
    result = price_cdr(cdr, [first_hour_free])
    assert result.total_cost.excl_vat == D("1.00")
    assert [line.element_index for line in result.breakdown] == [0, 1]


# -- parking ----------------------------------------------------------------------------------


def test_parking_after_charging():
    # 2 h charging 20 kWh x 0.25 = 5.00; then 90 min parking x 6.00/h = 9.00; total 14.00
    t = tariff(element(component("ENERGY", "0.25"), component("PARKING_TIME", 6, step=60)))
    cdr = periods_cdr(
        "2024-01-10T10:00:00Z", [(120, {"ENERGY": 20, "TIME": 2}), (90, {"PARKING_TIME": "1.5"})]
    )
    result = price_cdr(cdr, [t])
    assert money(result) == ("14.00", "14.00")  # no vat given: no VAT applicable
    assert result.total_parking_time == D("1.5")
    assert result.total_time == D("3.5")


def test_parking_only_billed_inside_its_daytime_window():
    # parking 6.00/h only 08:00-20:00 local; parked 19:30-21:00 after charging: 30 min = 3.00
    t = tariff(
        element(component("ENERGY", "0.25")),
        element(component("PARKING_TIME", 6), start_time="08:00", end_time="20:00"),
    )
    cdr = periods_cdr(
        utc("2024-01-10T17:30", AMS),
        [(120, {"ENERGY": 20, "TIME": 2}), (90, {"PARKING_TIME": "1.5"})],
    )
    result = price_cdr(cdr, [t], time_zone=AMS)
    assert result.total_parking_cost.excl_vat == D("3.00")
    assert result.total_cost.excl_vat == D("8.00")


def test_parking_inside_a_period_that_also_charges():
    # one period: 45 min charging then 15 min parking; TIME 2.00/h, PARKING 4.00/h:
    # 0.75 x 2.00 = 1.50 + 0.25 x 4.00 = 1.00 = 2.50; the parking stretch starts at 10:45
    t = tariff(element(component("TIME", 2), component("PARKING_TIME", 4)))
    cdr = periods_cdr("2024-01-10T10:00:00Z", [(60, {"TIME": "0.75", "PARKING_TIME": "0.25"})])
    result = price_cdr(cdr, [t])
    assert result.total_cost.excl_vat == D("2.50")
    parking = next(line for line in result.breakdown if line.dimension == "PARKING_TIME")
    assert parking.start.isoformat() == "2024-01-10T10:45:00+00:00"


# -- step_size --------------------------------------------------------------------------------

FIVE_PM = [
    {"start_time": "00:00", "end_time": "17:00"},
    {"start_time": "17:00", "end_time": "00:00"},
]


def test_energy_step_applies_once_to_the_session_total():
    # CDR chapter example: 0.20/kWh before 17:00, 0.27 after, both step 500 Wh; 4.3 + 1.1 = 5.4
    # kWh -> 5.5 kWh; the extra 0.1 kWh is billed after 17:00: 4.3 x 0.20 = 0.86 +
    # 1.2 x 0.27 = 0.324 = 1.184 -> 1.18 (not 1.5 kWh after 17:00)
    t = tariff(
        element(component("ENERGY", "0.20", step=500), **FIVE_PM[0]),
        element(component("ENERGY", "0.27", step=500), **FIVE_PM[1]),
    )
    cdr = periods_cdr(
        "2024-01-10T16:00:00Z", [(60, {"ENERGY": "4.3", "TIME": 1}), (30, {"ENERGY": "1.1"})]
    )
    result = price_cdr(cdr, [t])
    assert [line.billed_volume for line in result.breakdown] == [D("4.3"), D("1.2")]
    assert result.total_cost.excl_vat == D("1.18")
    # per period: 4.3 -> 4.5 x 0.20 = 0.90 + 1.1 -> 1.5 x 0.27 = 0.405: 1.305 -> 1.31
    per_period = price_cdr(cdr, [t], options=PricingOptions(step_size="period"))
    assert per_period.total_cost.excl_vat == D("1.31")
    # no step at all: 0.86 + 0.297 = 1.157 -> 1.16
    ignored = price_cdr(cdr, [t], options=PricingOptions(step_size="ignore"))
    assert ignored.total_cost.excl_vat == D("1.16")


def test_time_step_applies_to_the_total_with_the_last_step():
    # 5.00/h before 17:00, 7.00/h after, step 600 s; 6 + 22 = 28 min -> 30 min, 24 min after
    # 17:00: 6 min x 5.00/h = 0.50 + 24 min x 7.00/h = 2.80 = 3.30
    t = tariff(
        element(component("TIME", 5, step=600), **FIVE_PM[0]),
        element(component("TIME", 7, step=600), **FIVE_PM[1]),
    )
    cdr = periods_cdr("2024-01-10T16:54:00Z", [(28, {"TIME": D(28) / 60})])
    result = price_cdr(cdr, [t])
    assert result.total_cost.excl_vat == D("3.30")


def test_charging_time_is_not_rounded_when_parking_follows():
    # TIME 1.20/h and PARKING 2.40/h, both step 300 s; 21 min charging + 7 min parking:
    # charging stays 21 min = 0.42; parking 7 -> 10 min = 0.40; total 0.82
    t = tariff(
        element(component("TIME", "1.20", step=300), component("PARKING_TIME", "2.40", step=300))
    )
    cdr = periods_cdr("2024-01-10T10:00:00Z", [(21, {"TIME": "0.35"}), (7, {"PARKING_MIN": 7})])
    result = price_cdr(cdr, [t])
    assert result.total_time_cost.excl_vat == D("0.42")
    assert result.total_parking_cost.excl_vat == D("0.40")
    assert result.total_cost.excl_vat == D("0.82")


def test_time_and_parking_steps_cdr_chapter_example_d():
    # TIME 1.00/h, PARKING 2.00/h, step 600 s; 21 min charging + 16 min parking -> parking 20 min:
    # 0.35 + 0.6667 = 1.0167 -> 1.02; billed time 41 min
    t = tariff(element(component("TIME", 1, step=600), component("PARKING_TIME", 2, step=600)))
    cdr = periods_cdr("2024-01-10T10:00:00Z", [(21, {"TIME": "0.35"}), (16, {"PARKING_MIN": 16})])
    result = price_cdr(cdr, [t])
    assert result.total_cost.excl_vat == D("1.02")
    billed = sum(line.billed_volume for line in result.breakdown) * 60
    assert round(billed, 6) == 41


@pytest.mark.parametrize(
    ("step", "decimals", "expected"),
    [
        (1, 3, "0.029"),  # 115.2 Wh -> 116 Wh x 0.25/kWh = 0.029
        (25, 3, "0.031"),  # -> 125 Wh = 0.03125 -> 0.031
        (500, 3, "0.125"),  # -> 500 Wh = 0.125
    ],
)
def test_energy_step_examples_of_the_price_component_note(step, decimals, expected):
    t = tariff(element(component("ENERGY", "0.25", step=step)))
    cdr = periods_cdr("2024-01-10T10:00:00Z", [(5, {"ENERGY": "0.1152", "TIME": "0.0833"})])
    result = price_cdr(cdr, [t], options=PricingOptions(decimals=decimals))
    assert result.total_cost.excl_vat == D(expected)


def test_reservation_time_step_is_its_own_total():
    # reservation TIME 6.00/h step 300: 13 min -> 15 min = 1.50; the charging TIME (2.00/h,
    # step 3600) is rounded on its own: 20 min -> 60 min = 2.00; total 3.50
    t = tariff(
        element(component("TIME", 6, step=300), reservation="RESERVATION"),
        element(component("TIME", 2, step=3600)),
    )
    cdr = periods_cdr(
        "2024-01-10T10:00:00Z", [(13, {"RESERVATION_MIN": 13}), (20, {"TIME_MIN": 20})]
    )
    result = price_cdr(cdr, [t])
    assert money(result, "reservation")[0] == "1.50"
    assert money(result, "time")[0] == "2.00"


# -- min/max price, free, VAT -----------------------------------------------------------------

LIMITED = tariff(
    element(component("ENERGY", "0.30", 21)),
    min_price={"excl_vat": D("1.00"), "incl_vat": D("1.21")},
    max_price={"excl_vat": D("5.00"), "incl_vat": D("6.05")},
)


@pytest.mark.parametrize(
    ("kwh", "expected", "adjustment"),
    [
        ("2", ("1.00", "1.21"), "MIN_PRICE"),  # 0.60 / 0.726 raised to the minimum
        ("10", ("3.00", "3.63"), None),  # 3.00 / 3.63 in between
        ("30", ("5.00", "6.05"), "MAX_PRICE"),  # 9.00 / 10.89 capped
    ],
)
def test_min_and_max_price(kwh, expected, adjustment):
    cdr = periods_cdr("2024-01-10T10:00:00Z", [(60, {"ENERGY": kwh, "TIME": 1})])
    result = price_cdr(cdr, [LIMITED])
    assert money(result) == expected
    limits = [line.dimension for line in result.breakdown if line.kind == "limit"]
    assert limits == ([adjustment] if adjustment else [])


def test_min_and_max_price_both_binding_in_one_session():
    # VAT 50 %: 6 kWh x 0.30 = 1.80 excl. / 2.70 incl.
    # min_price 2.00 excl. only: excl. raised to 2.00 and incl. scaled at the 50 % -> 3.00;
    # max_price 2.20 incl. only (excl. bound 9.99): incl. capped to 2.20. Result 2.00 / 2.20.
    t = tariff(
        element(component("ENERGY", "0.30", 50)),
        min_price={"excl_vat": D("2.00")},
        max_price={"excl_vat": D("9.99"), "incl_vat": D("2.20")},
    )
    cdr = periods_cdr("2024-01-10T10:00:00Z", [(60, {"ENERGY": 6, "TIME": 1})])
    result = price_cdr(cdr, [t])
    assert money(result) == ("2.00", "2.20")
    assert [line.dimension for line in result.breakdown if line.kind == "limit"] == [
        "MIN_PRICE",
        "MAX_PRICE",
    ]
    assert money(result, "energy") == ("1.80", "2.70")


@pytest.mark.parametrize(
    ("kwh", "limits", "expected"),
    [
        # 6 kWh x 0.30 = 1.80 / 2.70 (VAT 50 %); min 2.00 excl. only: the VAT scales -> 3.00
        (6, {"min_price": {"excl_vat": D("2.00")}}, ("2.00", "3.00")),
        # 10 kWh = 3.00 / 4.50; max 2.00 excl. only -> 2.00 / 3.00, not 3.50 (a 75 % rate)
        (10, {"max_price": {"excl_vat": D("2.00")}}, ("2.00", "3.00")),
        # nothing used: min 1.00 excl. only takes the tariff's one VAT rate -> 1.50
        (0, {"min_price": {"excl_vat": D("1.00")}}, ("1.00", "1.50")),
    ],
)
def test_a_bound_given_excl_vat_only_keeps_the_sessions_vat_rate(kwh, limits, expected):
    t = tariff(element(component("ENERGY", "0.30", 50)), **limits)
    cdr = periods_cdr("2024-01-10T10:00:00Z", [(60, {"ENERGY": kwh, "TIME": 1})])
    assert money(price_cdr(cdr, [t])) == expected


def test_free_of_charge_tariff_with_vat():
    free = tariff(element(component("FLAT", 0, 21, step=0)))
    cdr = periods_cdr(
        "2024-01-10T10:00:00Z", [(60, {"ENERGY": 20, "TIME": 1}), (60, {"PARKING_TIME": 1})]
    )
    result = price_cdr(cdr, [free])
    assert money(result) == ("0.00", "0.00")
    assert result.total_energy == 20


def test_vat_absent_means_no_vat_but_zero_vat_is_also_zero():
    t = tariff(element(component("FLAT", 1), component("ENERGY", "0.5", 0)))
    cdr = periods_cdr("2024-01-10T10:00:00Z", [(60, {"ENERGY": 2, "TIME": 1})])
    assert money(price_cdr(cdr, [t])) == ("2.00", "2.00")


def test_vat_per_component():
    # FLAT 1.00 at 9 % = 1.09; ENERGY 10 x 0.50 = 5.00 at 21 % = 6.05; total 6.00 / 7.14
    t = tariff(element(component("FLAT", 1, 9), component("ENERGY", "0.5", 21)))
    cdr = periods_cdr("2024-01-10T10:00:00Z", [(60, {"ENERGY": 10, "TIME": 1})])
    assert money(price_cdr(cdr, [t])) == ("6.00", "7.14")


# -- reservations -----------------------------------------------------------------------------

RESERVABLE = tariff(
    element(component("FLAT", 5, 20), reservation="RESERVATION_EXPIRES"),
    element(
        component("FLAT", 1, 20), component("TIME", 6, 20, step=300), reservation="RESERVATION"
    ),
    element(component("ENERGY", "0.30", 20)),
)


def test_reservation_followed_by_charging():
    # reserved 10:00, charging 10:20-11:20 with 10 kWh: reservation FLAT 1.00 + 20 min x 6.00/h
    # = 2.00; energy 10 x 0.30 = 3.00; the expiry fee is not billed; total 6.00 / 7.20
    session = SessionDescription(
        start="2024-01-10T10:00:00Z",
        end="2024-01-10T11:20:00Z",
        samples=[
            ("2024-01-10T10:00:00Z", 0, None, "RESERVATION"),
            ("2024-01-10T10:20:00Z", 0, 11, "CHARGING"),
            ("2024-01-10T11:20:00Z", 10, 11, "CHARGING"),
        ],
    )
    result = price_session(session, [RESERVABLE])
    assert money(result) == ("6.00", "7.20")
    assert money(result, "reservation") == ("3.00", "3.60")
    assert round(result.total_reservation_time * 60, 9) == 20
    assert result.total_time == 1


def test_reservation_that_expires():
    # reserved 30 min, never used: expiry FLAT 5.00 (the first FLAT for an expired
    # reservation) + reservation TIME 30 min x 6.00/h = 3.00; total 8.00 / 9.60
    session = SessionDescription(
        start="2024-01-10T10:00:00Z",
        end="2024-01-10T10:30:00Z",
        samples=[("2024-01-10T10:00:00Z", 0, None, "RESERVATION")],
    )
    result = price_session(session, [RESERVABLE])
    assert money(result) == ("8.00", "9.60")
    assert money(result, "fixed") == ("0.00", "0.00")


# -- tariffs, versions, inputs ----------------------------------------------------------------


def test_tariff_switch_by_tariff_id_with_one_energy_step_for_the_session():
    # period 1 with tariff A (0.30/kWh, step 1 Wh), period 2 with B (0.20/kWh, step 1000 Wh):
    # 5.3 + 2.2 = 7.5 kWh -> 8 kWh with the last step; +0.5 kWh on B:
    # 5.3 x 0.30 = 1.59 + 2.7 x 0.20 = 0.54 = 2.13
    a = tariff(element(component("ENERGY", "0.30")), tariff_id="A")
    b = tariff(element(component("ENERGY", "0.20", step=1000)), tariff_id="B")
    cdr = periods_cdr("2024-01-10T10:00:00Z", [(60, {"ENERGY": "5.3"}), (30, {"ENERGY": "2.2"})])
    cdr["charging_periods"][0]["tariff_id"] = "a"  # CiString: case-insensitive
    cdr["charging_periods"][1]["tariff_id"] = "B"
    result = price_cdr(cdr, [a, b])
    assert result.total_cost.excl_vat == D("2.13")
    assert [line.tariff_id for line in result.breakdown] == ["A", "B"]


def test_missing_tariff_id_is_inferred_or_free():
    t = tariff(element(component("ENERGY", "0.30")))
    cdr = periods_cdr("2024-01-10T10:00:00Z", [(60, {"ENERGY": 10, "TIME": 1})])
    assert price_cdr(cdr, [t]).total_cost.excl_vat == D("3.00")
    free = price_cdr(cdr, [t], options=PricingOptions(missing_tariff_id="free"))
    assert free.total_cost.excl_vat == D("0.00")
    assert free.breakdown[0].why == "no tariff applies to this period"


def test_tariff_valid_at_the_session_start_is_chosen():
    old = tariff(element(component("ENERGY", "0.30")), tariff_id="OLD",
                 end_date_time="2024-01-01T00:00:00Z")  # fmt: skip
    new = tariff(element(component("ENERGY", "0.40")), tariff_id="NEW",
                 start_date_time="2024-01-01T00:00:00Z")  # fmt: skip
    cdr = periods_cdr("2024-01-10T10:00:00Z", [(60, {"ENERGY": 10, "TIME": 1})])
    result = price_cdr(cdr, [old, new])
    assert result.total_cost.excl_vat == D("4.00")


def test_first_element_selection_is_the_literal_2_1_1_reading():
    # FLAT alone in an unrestricted first element, TIME in a later one (like the 2.1.1 example):
    # per dimension: 2.50 + 1 h x 1.00 = 3.50; first element: the FLAT element wins for all
    # dimensions, so TIME is never priced: 2.50
    t = {
        "id": "11",
        "currency": "EUR",
        "elements": [
            element(component("FLAT", "2.50")),
            element(component("TIME", "1.00", step=900), max_power=32),
        ],
        "last_updated": "2015-06-29T20:39:09Z",
    }
    cdr = {
        "id": "1",
        "start_date_time": "2015-06-29T10:00:00Z",
        "stop_date_time": "2015-06-29T11:00:00Z",
        "currency": "EUR",
        "location": {"time_zone": "Europe/Brussels"},
        "charging_periods": [
            {
                "start_date_time": "2015-06-29T10:00:00Z",
                "dimensions": [{"type": "TIME", "volume": 1}, {"type": "ENERGY", "volume": 11}],
            }
        ],  # fmt: skip
    }
    per_dimension = price_cdr(cdr, [t], version="2.1.1")
    assert per_dimension.total_cost == per_dimension.total_cost.__class__(D("3.50"), None)
    assert per_dimension.time_zone == "Europe/Brussels"  # from the 2.1.1 CDR's location
    literal = price_cdr(
        cdr, [t], version="2.1.1", options=PricingOptions(element_selection="first_element")
    )
    assert literal.total_cost.excl_vat == D("2.50")
    assert literal.cdr_totals()["total_cost"] == D("2.50")


def test_2_1_1_ignores_vat_and_reservation_fields():
    t = tariff(element(component("ENERGY", "0.25", 21)))
    cdr = periods_cdr("2024-01-10T10:00:00Z", [(60, {"ENERGY": 20, "TIME": 1})])
    result = price_cdr(cdr, [t], version="2.1.1")
    assert result.total_cost.excl_vat == D("5.00")
    assert result.total_cost.incl_vat is None


def test_2_3_0_prices_including_taxes_with_a_vat_rate():
    # tax_included YES with vat 25: 2 h x 2.50 = 5.00 incl. -> 4.00 before taxes
    t = tariff(element(component("TIME", "2.50", 25)), tax_included="YES")
    cdr = periods_cdr("2024-01-10T10:00:00Z", [(120, {"TIME": 2})])
    result = price_cdr(cdr, [t], version="2.3.0")
    assert money(result) == ("4.00", "5.00")
    assert result.cdr_totals()["total_cost"] == {
        "before_taxes": D("4.00"),
        "taxes": [{"name": "VAT", "amount": D("1.00")}],
    }


def test_2_3_0_price_limits_use_before_and_after_taxes():
    t = tariff(
        element(component("ENERGY", "0.30", 20)),
        tax_included="NO",
        max_price={"before_taxes": D("5.00"), "after_taxes": D("6.00")},
    )
    cdr = periods_cdr("2024-01-10T10:00:00Z", [(60, {"ENERGY": 30, "TIME": 1})])
    assert money(price_cdr(cdr, [t], version="2.3.0")) == ("5.00", "6.00")


def test_numbers_may_arrive_as_floats_ints_or_strings():
    # 0.1 as a float must mean 0.1, not 0.1000000000000000055...
    t = tariff(element({"type": "ENERGY", "price": 0.1, "vat": 10, "step_size": 1}))
    cdr = periods_cdr("2024-01-10T10:00:00Z", [(60, {"ENERGY": "3", "TIME": 1})])
    cdr["charging_periods"][0]["dimensions"][0]["volume"] = 3.0
    result = price_cdr(cdr, [t], options=PricingOptions(decimals=None))
    assert result.total_cost.excl_vat == D("0.3")
    assert result.total_cost.incl_vat == D("0.33")


def test_embedded_tariffs_are_used_when_none_are_given():
    t = tariff(element(component("ENERGY", "0.30")))
    cdr = periods_cdr("2024-01-10T10:00:00Z", [(60, {"ENERGY": 10, "TIME": 1})], tariffs=[t])
    assert price_cdr(cdr, []).total_cost.excl_vat == D("3.00")


def test_unreadable_input_raises_a_pricing_error_with_the_path():
    bad = tariff(element({"type": "ENERGY", "price": "abc", "step_size": 1}))
    cdr = periods_cdr("2024-01-10T10:00:00Z", [(60, {"ENERGY": 10})])
    with pytest.raises(
        PricingError, match=r"\$\.tariffs\[0\]\.elements\[0\]\.price_components\[0\]\.price"
    ):
        price_cdr(cdr, [bad])
    with pytest.raises(PricingError, match="unknown time zone"):
        price_cdr(cdr, [tariff(element(component("ENERGY", 1)))], time_zone="Mars/Olympus")
    with pytest.raises(PricingError, match="unknown OCPI version"):
        price_cdr(cdr, [], version="2.2")


def test_round_lines_makes_totals_add_up():
    # two 20-minute periods at 1.00/h in different elements: 0.3333 + 0.3333;
    # by default the total is rounded from 0.6667 -> 0.67; with round_lines 0.33 + 0.33 = 0.66
    t = tariff(
        element(component("TIME", 1), end_time="10:20"),
        element(component("TIME", 1)),
    )
    cdr = periods_cdr("2024-01-10T10:00:00Z", [(20, {"TIME_MIN": 20}), (20, {"TIME_MIN": 20})])
    assert price_cdr(cdr, [t]).total_cost.excl_vat == D("0.67")
    rounded = price_cdr(cdr, [t], options=PricingOptions(round_lines=True))
    assert rounded.total_cost.excl_vat == D("0.66")
    assert sum(line.cost.excl_vat for line in rounded.breakdown) == D("0.66")


def test_json_document_has_strings_for_every_number():
    t = tariff(element(component("FLAT", "0.50", 20), component("ENERGY", "0.25", 10)))
    cdr = periods_cdr("2024-01-10T10:00:00Z", [(60, {"ENERGY": 20, "TIME": 1})])
    doc = price_cdr(cdr, [t]).to_json_dict()
    for key in ("total_cost", "total_energy_cost", "total_time_cost", "total_parking_cost",
                "total_fixed_cost", "total_reservation_cost"):  # fmt: skip
        assert set(doc[key]) == {"excl_vat", "incl_vat"}
    assert doc["total_cost"] == {"excl_vat": "5.50", "incl_vat": "6.10"}
    assert doc["breakdown"][1]["volume"] == "20"
    assert [c["dimension"] for c in doc["by_component"]] == ["FLAT", "ENERGY"]
    assert isinstance(doc["total_energy"], str)


def test_cdr_totals_for_a_generated_cdr():
    t = tariff(element(component("FLAT", "0.50", 20), component("ENERGY", "0.25", 10)))
    cdr = periods_cdr("2024-01-10T10:00:00Z", [(90, {"ENERGY": 20, "TIME": "1.5"})])
    totals = price_cdr(cdr, [t]).cdr_totals()
    assert totals["total_cost"] == {"excl_vat": D("5.50"), "incl_vat": D("6.10")}
    assert totals["total_fixed_cost"] == {"excl_vat": D("0.50"), "incl_vat": D("0.60")}
    assert totals["total_time"] == D("1.5000")
    assert totals["total_parking_time"] == D("0.0000")


def test_unordered_periods_are_priced_in_time_order_with_a_note():
    t = tariff(element(component("ENERGY", 1)))
    cdr = periods_cdr("2024-01-10T10:00:00Z", [(60, {"ENERGY": 1}), (60, {"ENERGY": 2})])
    cdr["charging_periods"].reverse()
    result = price_cdr(cdr, [t])
    assert result.total_cost.excl_vat == D("3.00")
    assert any("not in time order" in note for note in result.notes)


def test_a_flat_fee_next_to_parking_prices_counts_as_parking_cost():
    # FLAT 1.00 in an element that otherwise only prices parking: total_parking_cost includes
    # it (the CDR field "includes fixed price components"), total_fixed_cost does not.
    # energy 10 x 0.25 = 2.50; parking fee 1.00 + 30 min x 2.00/h = 1.00; total 4.50
    t = tariff(
        element(component("ENERGY", "0.25")),
        element(component("FLAT", 1), component("PARKING_TIME", 2)),
    )
    cdr = periods_cdr(
        "2024-01-10T10:00:00Z", [(60, {"ENERGY": 10, "TIME": 1}), (30, {"PARKING_TIME": "0.5"})]
    )
    result = price_cdr(cdr, [t])
    assert money(result, "parking")[0] == "2.00"
    assert money(result, "fixed")[0] == "0.00"
    assert result.total_cost.excl_vat == D("4.50")

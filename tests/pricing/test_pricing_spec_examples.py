"""Every worked example of the spec's Tariffs chapter (2.2.1-d2), priced by our engine.

The tariffs are the spec's own example files, read at run time from ``OCPI_SPEC_EXAMPLES``; the
sessions are written here from the example's prose. Where the spec's arithmetic is wrong, the test
says so and asserts our number next to the spec's.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from pricing_support import money, periods_cdr, spec_example, utc

from ocpi_core.pricing import PricingOptions, SessionDescription, price_cdr, price_session

V = "2.2.1"
EXACT = PricingOptions(decimals=None)


def price(name: str, spans, *, start="2019-03-04T10:00:00Z", version=V, **kwargs):
    tariff = spec_example(version, name)
    return price_cdr(periods_cdr(start, spans), [tariff], version=version, **kwargs)


def test_tariff_8_energy_only():
    # 20 kWh x 0.25 = 5.00; incl. 10 % VAT = 5.50
    result = price("tariff_8_simple_025kwh.json", [(60, {"ENERGY": 20, "TIME": 1})])
    assert money(result) == ("5.00", "5.50")
    assert money(result, "energy") == ("5.00", "5.50")


def test_tariff_9_energy_and_start_fee():
    # FLAT 0.50 (20 % -> 0.60) + 20 kWh x 0.25 = 5.00 (10 % -> 5.50): 5.50 / 6.10
    result = price("tariff_9_025kwh_start.json", [(60, {"ENERGY": 20, "TIME": 1})])
    assert money(result) == ("5.50", "6.10")
    assert money(result, "fixed") == ("0.50", "0.60")


@pytest.mark.parametrize(
    ("kwh", "expected"),
    [
        (20, ("5.00", "5.50")),  # 20 x 0.25 = 5.00 > min_price 0.50: no effect
        # 1.5 x 0.25 = 0.375 (incl. 0.4125) is below min_price: raised to 0.50 / 0.55
        ("1.5", ("0.50", "0.55")),
    ],
)
def test_tariff_12_min_price(kwh, expected):
    result = price("tariff_12_025kwh_min_price.json", [(60, {"ENERGY": kwh, "TIME": 1})])
    assert money(result) == expected


def test_tariff_12_min_price_keeps_the_dimension_totals():
    result = price("tariff_12_025kwh_min_price.json", [(60, {"ENERGY": "1.5", "TIME": 1})])
    assert money(result, "energy") == ("0.38", "0.41")  # 0.375 / 0.4125, rounded half-up
    assert [line.dimension for line in result.breakdown][-1] == "MIN_PRICE"


def test_tariff_10_parking_billed_per_15_minutes():
    # FLAT 0.50 (0.60) + 20 kWh x 0.25 = 5.00 (5.50) + parking 40 min -> 45 min x 2.00/h = 1.50
    # (20 % -> 1.80): 7.00 / 7.90
    result = price(
        "tariff_10_025kwh_parking_start.json",
        [(60, {"ENERGY": 20, "TIME": 1}), (40, {"PARKING_MIN": 40})],
    )
    assert money(result) == ("7.00", "7.90")
    assert money(result, "parking") == ("1.50", "1.80")
    parking = [line for line in result.breakdown if line.dimension == "PARKING_TIME"][0]
    assert parking.billed_volume == Decimal("0.75")


@pytest.mark.parametrize(
    ("kwh", "expected"),
    [
        # 0.50 + 50 x 0.25 = 13.00 (incl. 0.60 + 13.75 = 14.35) -> max_price 10.00 / 11.00
        (50, ("10.00", "11.00")),
        # 0.50 + 30 x 0.25 = 8.00 (incl. 0.60 + 8.25 = 8.85), below max_price
        (30, ("8.00", "8.85")),
    ],
)
def test_tariff_6_max_price(kwh, expected):
    # the session is before the tariff's end_date_time 2019-06-30T23:59:59Z
    result = price("tariff_6_025kwh_start_max_price.json", [(120, {"ENERGY": kwh, "TIME": 2})])
    assert money(result) == expected
    assert not any("not valid" in note for note in result.notes)


def test_tariff_6_after_its_end_date_is_still_priced_with_a_note():
    result = price(
        "tariff_6_025kwh_start_max_price.json",
        [(60, {"ENERGY": 30, "TIME": 1})],
        start="2019-07-01T10:00:00Z",
    )
    assert money(result) == ("8.00", "8.85")
    assert any("not valid at the session start" in note for note in result.notes)


def test_tariff_1_time_only():
    # 2.5 h x 2.00 = 5.00; 10 % VAT = 5.50
    result = price("tariff_1_simple_2hour.json", [(150, {"TIME": "2.5", "ENERGY": 15})])
    assert money(result) == ("5.00", "5.50")


def test_tariff_1_does_not_bill_parking():
    result = price(
        "tariff_1_simple_2hour.json", [(150, {"TIME": "2.5"}), (30, {"PARKING_TIME": "0.5"})]
    )
    assert money(result) == ("5.00", "5.50")


def test_tariff_13_time_and_parking():
    # 150 min x 3.00/h = 7.50 (10 % -> 8.25); parking 42 -> 45 min x 5.00/h = 3.75 (20 % -> 4.50)
    # total 11.25 / 12.75; the charging time is not rounded because parking follows
    result = price(
        "tariff_13_simple_3hour_5parking.json",
        [(150, {"TIME": "2.5"}), (42, {"PARKING_MIN": 42})],
    )
    assert money(result) == ("11.25", "12.75")
    assert money(result, "time") == ("7.50", "8.25")
    assert money(result, "parking") == ("3.75", "4.50")


def test_tariff_2_time_with_5_2_percent_vat():
    # 2.5 h x 1.90 = 4.75; x 1.052 = 4.997 -> 5.00 (rounded half-up to cents)
    result = price("tariff_2_alt_text.json", [(150, {"TIME": "2.5"})])
    assert money(result) == ("4.75", "5.00")
    assert price(
        "tariff_2_alt_text.json", [(150, {"TIME": "2.5"})], options=EXACT
    ).total_cost.incl_vat == Decimal("4.997")


def test_tariff_3_energy_billed_per_100_wh():
    # 20.45 kWh -> 20.5 kWh (step 100 Wh) x 0.25 = 5.125 (10 % -> 5.6375); FLAT 0.50 (0.60)
    # total 5.625 / 6.2375 -> 5.63 / 6.24, as the 2.2.1 text says
    result = price("tariff_3_alt_url.json", [(60, {"ENERGY": "20.45", "TIME": 1})])
    assert money(result) == ("5.63", "6.24")
    assert money(result, "energy") == ("5.13", "5.64")


def test_tariff_3_with_the_real_time_price_of_the_alt_url():
    # the text's twist: 0.22/kWh: 20.5 x 0.22 = 4.51 (x 1.1 = 4.961); + 0.50 (0.60) = 5.01 / 5.56
    tariff = spec_example(V, "tariff_3_alt_url.json")
    tariff["elements"][0]["price_components"][1]["price"] = Decimal("0.22")
    result = price_cdr(periods_cdr("2019-03-04T10:00:00Z", [(60, {"ENERGY": "20.45"})]), [tariff])
    assert money(result) == ("5.01", "5.56")


def test_tariff_3_in_2_3_0_spec_table_forgets_the_step_size():
    """2.3.0 changed the table to 5.11 / 5.62 (20.45 kWh unrounded) while its prose still bills
    20.5 kWh; with the tariff's step_size of 100 Wh we keep 5.63 / 6.24."""
    spec_table_total = ("5.61", "6.22")
    result = price("tariff_3_alt_url.json", [(60, {"ENERGY": "20.45"})], version="2.3.0")
    assert money(result) == ("5.63", "6.24")
    assert money(result) != spec_table_total


def _tariff_4_monday(**kwargs):
    # Monday 09:30 local (Berlin), 165 min charging at <= 16 A, then 42 min parking
    return price(
        "tariff_4_complex.json",
        [(165, {"TIME_MIN": 165, "MAX_CURRENT": 16, "ENERGY": 9}), (42, {"PARKING_MIN": 42})],
        start=utc("2019-03-04T09:30", "Europe/Berlin"),
        time_zone="Europe/Berlin",
        **kwargs,
    )


def test_tariff_4_monday_morning():
    # FLAT 2.50 (15 % -> 2.875); charging 165 min x 1.00/h = 2.75 (20 % -> 3.30), not rounded;
    # parking 12:15-12:57 weekday 09-18: 42 -> 45 min x 5.00/h = 3.75 (10 % -> 4.125)
    # total 9.00 / 10.30 exactly
    result = _tariff_4_monday(options=EXACT)
    assert result.total_cost.excl_vat == Decimal("9.00")
    assert result.total_cost.incl_vat == Decimal("10.30")
    assert result.total_fixed_cost.incl_vat == Decimal("2.875")
    assert result.total_parking_cost.incl_vat == Decimal("4.125")
    assert money(_tariff_4_monday()) == ("9.00", "10.30")


def _tariff_4_saturday(**kwargs):
    # Saturday 13:30 local, 114 min at >= 43 A, then 71 min parking (15:24-16:35, inside 10-17)
    return price(
        "tariff_4_complex.json",
        [(114, {"TIME_MIN": 114, "MIN_CURRENT": 43, "ENERGY": 40}), (71, {"PARKING_MIN": 71})],
        start=utc("2019-03-09T13:30", "Europe/Berlin"),
        time_zone="Europe/Berlin",
        **kwargs,
    )


def test_tariff_4_saturday_the_spec_arithmetic_is_wrong():
    """The d2 text (and 2.3.0) say 12.28 / 13.861 with charging 2.28; but 114 min x 1.25/h is
    2.375 (incl. 2.85), so the session is 2.50 + 2.375 + 7.50 = 12.375 and 2.875 + 2.85 + 8.25 =
    13.975 incl. VAT: the figures of the original 2.2.1 tag."""
    spec_d2 = (Decimal("12.28"), Decimal("13.861"))
    result = _tariff_4_saturday(options=EXACT)
    assert (result.total_cost.excl_vat, result.total_cost.incl_vat) == (
        Decimal("12.375"),
        Decimal("13.975"),
    )
    assert result.total_cost.excl_vat != spec_d2[0]
    assert result.total_time_cost == result.total_time_cost.__class__(
        Decimal("2.375"), Decimal("2.85")
    )
    # parking 71 -> 75 min x 6.00/h = 7.50 (the weekend element), as in the spec
    assert result.total_parking_cost.excl_vat == Decimal("7.50")
    assert money(_tariff_4_saturday()) == ("12.38", "13.98")


def test_tariff_4_saturday_why_names_the_weekend_element():
    result = _tariff_4_saturday()
    time_line = next(line for line in result.breakdown if line.dimension == "TIME")
    assert time_line.element_index == 3
    assert "skipped elements[1]" in time_line.why and "elements[2]" in time_line.why


def test_tariff_5_free_of_charge():
    result = price("tariff_5_free_of_charge.json", [(90, {"ENERGY": 30, "TIME": "1.5"})])
    assert money(result) == ("0.00", "0.00")
    assert [line.dimension for line in result.breakdown] == ["FLAT"]


def _reservation(name: str, minutes, kwh=20, **kwargs):
    spans = [(minutes, {"RESERVATION_MIN": minutes})]
    if kwh:
        spans.append((60, {"ENERGY": kwh, "TIME": 1}))
    return price(name, spans, **kwargs)


def test_tariff_15_reservation_per_hour():
    # reservation 15 min x 5.00/h = 1.25 (20 % -> 1.50); FLAT 0.50 (0.60); 20 kWh 5.00 (5.50)
    result = _reservation("tariff_15_reservation_5_euro_per_hour.json", 15)
    assert money(result) == ("6.75", "7.60")
    assert money(result, "reservation") == ("1.25", "1.50")
    assert money(result, "fixed") == ("0.50", "0.60")


def test_tariff_16_reservation_fee_and_per_hour():
    # reservation FLAT 2.00 (2.40) + 13 -> 15 min x 5.00/h = 1.25 (1.50); FLAT 0.50 (0.60);
    # energy 5.00 (5.50): 8.75 / 10.00. (The spec's table calls the 1.25 row "Parking time".)
    result = _reservation("tariff_16_reservation_2_euro_fee_5_euro_per_hour.json", 13)
    assert money(result) == ("8.75", "10.00")
    assert money(result, "reservation") == ("3.25", "3.90")
    assert money(result, "parking") == ("0.00", "0.00")


def test_tariff_17_reservation_used():
    # 22 -> 30 min x 2.00/h = 1.00 (1.20); FLAT 0.50 (0.60); energy 5.00 (5.50): 6.50 / 7.30;
    # the expiry fee is not billed
    result = _reservation("tariff_17_reservation_with_expire_fee.json", 22)
    assert money(result) == ("6.50", "7.30")


def test_tariff_17_reservation_expired():
    # expired after 1 h: expiry FLAT 4.00 (4.80) + 60 min x 2.00/h = 2.00 (2.40): 6.00 / 7.20;
    # no start fee, no energy
    result = _reservation("tariff_17_reservation_with_expire_fee.json", 60, kwh=0)
    assert money(result) == ("6.00", "7.20")
    assert money(result, "fixed") == ("0.00", "0.00")


def test_tariff_18_reservation_used():
    # 22 -> 30 min x 3.00/h = 1.50 (1.80); FLAT 0.50 (0.60); energy 5.00 (5.50): 7.00 / 7.90
    result = _reservation("tariff_18_reservation_with_expire_time.json", 22)
    assert money(result) == ("7.00", "7.90")


def test_tariff_18_reservation_expired_uses_the_expires_time_price():
    # expired after 90 min: RESERVATION_EXPIRES TIME wins: 90 min x 6.00/h = 9.00 (10.80)
    result = _reservation("tariff_18_reservation_with_expire_time.json", 90, kwh=0)
    assert money(result) == ("9.00", "10.80")


def test_tariff_18_expiry_given_explicitly_for_a_session():
    tariff = spec_example(V, "tariff_18_reservation_with_expire_time.json")
    session = SessionDescription(
        start="2019-03-04T10:00:00Z",
        end="2019-03-04T11:30:00Z",
        samples=[("2019-03-04T10:00:00Z", 0, None, "RESERVATION")],
        reservation_expired=True,
    )
    assert money(price_session(session, [tariff])) == ("9.00", "10.80")


def test_max_power_restrictions():
    # 1 kWh at 6 kW x 0.20 = 0.20; 40 kWh at 48 kW x 0.50 (fallback) = 20.00; 0.5 kWh at 4 kW x
    # 0.20 = 0.10: 20.30 excl. VAT
    result = price(
        "tariffrestriction_example_max_power.json",
        [
            (10, {"ENERGY": 1, "MAX_POWER": 6, "TIME_MIN": 10}),
            (50, {"ENERGY": 40, "MAX_POWER": 48, "TIME_MIN": 50}),
            ("7.5", {"ENERGY": "0.5", "MAX_POWER": 4, "TIME_MIN": "7.5"}),
        ],
    )
    assert result.total_cost.excl_vat == Decimal("20.30")
    assert [line.element_index for line in result.breakdown] == [0, 2, 0]


def test_max_power_restrictions_from_meter_samples():
    tariff = spec_example(V, "tariffrestriction_example_max_power.json")
    session = SessionDescription(
        start="2019-03-04T10:00:00Z",
        end="2019-03-04T11:07:30Z",
        samples=[
            ("2019-03-04T10:00:00Z", 0, 6),
            ("2019-03-04T10:10:00Z", 1, 48),
            ("2019-03-04T11:00:00Z", 41, 4),
            ("2019-03-04T11:07:30Z", "41.5", 4),
        ],
    )
    assert price_session(session, [tariff]).total_cost.excl_vat == Decimal("20.30")


def test_max_duration_restrictions():
    # 5 kWh in the first 30 min x 0.00 + 1.2 kWh in the next 10 min x 0.25 = 0.30
    result = price(
        "tariffrestriction_example_max_duration.json",
        [(30, {"ENERGY": 5, "TIME_MIN": 30}), (10, {"ENERGY": "1.2", "TIME_MIN": 10})],
    )
    assert result.total_cost.excl_vat == Decimal("0.30")
    assert result.total_cost.incl_vat == Decimal("0.36")  # 20 % VAT


def _tariff_14(spans, start_local):
    return price(
        "tariff_14_step_size.json",
        spans,
        start=utc(start_local, "Europe/Berlin"),
        time_zone="Europe/Berlin",
    )


def _minutes(hours):
    return round(hours * 60, 6)


@pytest.mark.parametrize("split_by_cpo", [True, False])
def test_tariff_14_case_1(split_by_cpo):
    # 16:55 charge 10 min: 5 min x 1.20/h = 0.10 + 5 min x 2.40/h = 0.20; parking 2 min -> 15 min
    # (step 900 of the last, parking, component) x 1.00/h = 0.25; total 0.55
    if split_by_cpo:
        spans = [(5, {"TIME_MIN": 5}), (5, {"TIME_MIN": 5}), (2, {"PARKING_MIN": 2})]
    else:  # one period; the engine splits it at 17:00 itself
        spans = [(12, {"TIME_MIN": 10, "PARKING_MIN": 2})]
    result = _tariff_14(spans, "2019-03-04T16:55")
    assert result.total_cost.excl_vat == Decimal("0.55")
    assert [(line.dimension, round(line.cost.excl_vat, 6)) for line in result.breakdown] == [
        ("TIME", Decimal("0.10")),
        ("TIME", Decimal("0.20")),
        ("PARKING_TIME", Decimal("0.25")),
    ]


def test_tariff_14_case_2():
    # 16:35 charge 35 min: 35 -> 45 min with the last step (900 s); 25 min x 1.20/h = 0.50 and
    # 20 min x 2.40/h = 0.80: 1.30
    result = _tariff_14([(35, {"TIME_MIN": 35})], "2019-03-04T16:35")
    assert result.total_cost.excl_vat == Decimal("1.30")
    assert [_minutes(line.billed_volume) for line in result.breakdown] == [25, 20]


def test_tariff_14_case_3_the_d2_text_is_corrected_in_the_bugfix_branch():
    """19:40 charge 12 min, park 20 min; only 8 min of parking (before 20:00) is billable.
    The d2 (and 2.3.0) text bills 0.80 (15 min at 2.40/h plus charging 0.20); the
    release-2.2.1-bugfixes branch corrects it to 0.73: charging 12 min x 2.40/h = 0.48, parking
    8 -> 15 min x 1.00/h = 0.25."""
    spec_d2 = Decimal("0.80")
    result = _tariff_14([(12, {"TIME_MIN": 12}), (20, {"PARKING_MIN": 20})], "2019-03-04T19:40")
    assert result.total_cost.excl_vat == Decimal("0.73")
    assert result.total_cost.excl_vat != spec_d2
    parking = [line for line in result.breakdown if line.dimension == "PARKING_TIME"]
    # 19:52-20:00 billed 15 min; 20:00-20:12 shown unpriced (no PARKING_TIME after 20:00)
    assert [(line.element_index, _minutes(line.billed_volume)) for line in parking] == [
        (1, 15),
        (None, 0),
    ]
    assert "no element of tariff 22 prices PARKING_TIME" in parking[1].why


def test_cdr_example_matches_its_own_totals():
    # the CDR's one period: TIME 1.973 h = 7102.8 s -> 7200 s (step 300) x 2.00/h = 4.00 (4.40)
    cdr = spec_example(V, "cdr_example.json")
    result = price_cdr(cdr, [])
    assert money(result) == ("4.00", "4.40")
    assert result.total_cost.excl_vat == cdr["total_cost"]["excl_vat"]
    assert result.total_cost.incl_vat == cdr["total_cost"]["incl_vat"]


def test_2_3_0_north_american_tax_excluded():
    # 2.5 h x C$2.00 = C$5.00 before taxes; the taxes are left to local law (unknown here)
    result = price(
        "tariff_19_simple_north_american_exclusive.json", [(150, {"TIME": "2.5"})], version="2.3.0"
    )
    assert result.currency == "CAD"
    assert result.total_cost.excl_vat == Decimal("5.00")
    assert result.total_cost.incl_vat is None


def test_2_3_0_north_american_tax_included():
    # 2.5 h x C$2.10 = C$5.25 including all taxes
    result = price(
        "tariff_20_simple_north_american_inclusive.json", [(150, {"TIME": "2.5"})], version="2.3.0"
    )
    assert result.total_cost.incl_vat == Decimal("5.25")
    assert any("unknown rate" in note for note in result.notes)

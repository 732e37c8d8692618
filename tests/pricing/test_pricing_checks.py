"""CDR consistency findings, tariff sanity warnings, and our totals next to a CDR's."""

from __future__ import annotations

from pathlib import Path

import pytest
from pricing_support import EXAMPLES_DIR, D, component, element, periods_cdr, tariff

from ocpi_core.pricing import (
    check_cdr_consistency,
    check_tariff_sanity,
    compare_with_cdr,
    format_breakdown,
    format_comparison,
    load_json,
    price_cdr,
)

ENERGY = tariff(element(component("ENERGY", "0.25", 10)))


def consistent_cdr():
    cdr = periods_cdr(
        "2024-01-10T10:00:00Z",
        [(60, {"ENERGY": 10, "TIME": 1}), (30, {"PARKING_TIME": "0.5"})],
        tariffs=[ENERGY],
        tariff_id="T1",
    )
    cdr.update(total_energy=D(10), total_time=D("1.5"), total_parking_time=D("0.5"))
    return cdr


def codes(findings):
    return [f.code for f in findings]


def test_a_consistent_cdr_has_no_findings():
    assert check_cdr_consistency(consistent_cdr()) == []


def test_periods_out_of_order_or_overlapping():
    cdr = consistent_cdr()
    cdr["charging_periods"].reverse()
    findings = check_cdr_consistency(cdr)
    assert "cdr.periods_not_ordered" in codes(findings)
    same = consistent_cdr()
    same["charging_periods"][1]["start_date_time"] = same["charging_periods"][0]["start_date_time"]
    ordered = [f for f in check_cdr_consistency(same) if f.code == "cdr.periods_not_ordered"]
    assert ordered[0].path == "$.charging_periods[1].start_date_time"
    assert "overlap" in ordered[0].message


def test_periods_outside_the_session():
    cdr = consistent_cdr()
    cdr["charging_periods"][0]["start_date_time"] = "2024-01-10T09:00:00Z"
    cdr["charging_periods"][1]["start_date_time"] = "2024-01-10T12:00:00Z"
    found = codes(check_cdr_consistency(cdr))
    assert "cdr.period_before_start" in found and "cdr.period_after_end" in found


def test_period_with_more_time_than_it_lasts():
    cdr = consistent_cdr()
    cdr["charging_periods"][0]["dimensions"][1]["volume"] = D(2)  # 2 h of TIME in 1 h
    findings = check_cdr_consistency(cdr)
    exceeded = [f for f in findings if f.code == "cdr.period_time_exceeds_duration"]
    assert str(exceeded[0]) == (
        "$.charging_periods[0]: period 0 holds 2 h of time dimensions but lasts 1 h "
        "(until the next period or the CDR's end)"
    )


def test_totals_that_do_not_match_the_periods():
    cdr = consistent_cdr()
    cdr.update(total_energy=D(11), total_time=D(2), total_parking_time=D(0))
    findings = check_cdr_consistency(cdr)
    assert codes(findings) == [
        "cdr.total_energy_mismatch",
        "cdr.total_time_mismatch",
        "cdr.total_parking_time_mismatch",
        "cdr.total_time_exceeds_session",
    ]
    assert str(findings[0]) == (
        "$.total_energy: total_energy is 11 kWh but the sum of the periods' ENERGY is 10 kWh"
    )


def test_totals_within_the_tolerance_are_fine():
    cdr = consistent_cdr()
    cdr["total_energy"] = D("10.0004")
    assert check_cdr_consistency(cdr) == []


def test_missing_total_parking_time_with_parking_is_a_warning():
    cdr = consistent_cdr()
    del cdr["total_parking_time"]
    (finding,) = check_cdr_consistency(cdr)
    assert (finding.code, finding.level) == ("cdr.total_parking_time_missing", "warning")


def test_currency_and_tariff_references():
    cdr = consistent_cdr()
    cdr["currency"] = "USD"
    cdr["charging_periods"][1]["tariff_id"] = "NOPE"
    found = codes(check_cdr_consistency(cdr))
    assert "cdr.currency_mismatch" in found and "cdr.unknown_tariff_id" in found


def test_broken_cdrs_give_findings_not_exceptions():
    assert codes(check_cdr_consistency([])) == ["cdr.not_an_object"]
    found = codes(check_cdr_consistency({"start_date_time": "yesterday", "charging_periods": []}))
    assert "cdr.datetime_invalid" in found and "cdr.no_charging_periods" in found


def sanity(*elements, **extra):
    return check_tariff_sanity(tariff(*elements, **extra))


@pytest.mark.parametrize(
    ("restrictions", "reason"),
    [
        ({"min_kwh": 20, "max_kwh": 10}, "min_kwh 20 kWh is not below max_kwh 10 kWh"),
        ({"min_power": 22, "max_power": 22}, "min_power 22 kW is not below max_power 22 kW"),
        ({"min_duration": 7200, "max_duration": 3600}, "min_duration 7200 s"),
        ({"start_time": "10:00", "end_time": "10:00"}, "the time window 10:00-10:00 is empty"),
        ({"start_date": "2024-02-01", "end_date": "2024-01-01"}, "start_date 2024-02-01"),
    ],
)
def test_restrictions_that_can_never_match(restrictions, reason):
    findings = sanity(element(component("TIME", 1), **restrictions), element(component("TIME", 2)))
    assert codes(findings) == ["tariff.restriction_never_matches"]
    assert reason in findings[0].message
    assert findings[0].path == "$.elements[0].restrictions"


def test_a_full_day_window_is_fine():
    assert sanity(element(component("TIME", 1), start_time="00:00", end_time="00:00")) == []


def test_a_component_after_an_unrestricted_one_is_shadowed():
    findings = sanity(
        element(component("ENERGY", 1)), element(component("ENERGY", 2), max_power=11)
    )
    assert codes(findings) == ["tariff.component_shadowed"]
    assert findings[0].path == "$.elements[1].price_components[0]"
    assert "elements[0] also prices ENERGY" in findings[0].message


def test_a_component_inside_a_wider_earlier_restriction_is_shadowed():
    wide = element(component("TIME", 1), start_time="08:00", end_time="20:00",
                   day_of_week=["MONDAY", "TUESDAY"])  # fmt: skip
    narrow = element(component("TIME", 2), start_time="09:00", end_time="17:00",
                     day_of_week=["MONDAY"], min_power=11)  # fmt: skip
    assert codes(sanity(wide, narrow, element(component("TIME", 3)))) == [
        "tariff.component_shadowed"
    ]


def test_partly_overlapping_restrictions_are_not_shadowed():
    evening = element(component("TIME", 1), start_time="18:00", end_time="23:00")
    late = element(component("TIME", 2), start_time="22:00", end_time="02:00")
    power = element(component("ENERGY", 1), max_power=11)
    other = element(component("ENERGY", 2), min_power=11)
    assert sanity(evening, late, power, other, element(component("TIME", 3))) == []


def test_shadowing_is_per_dimension_and_per_reservation_kind():
    findings = sanity(
        element(component("FLAT", 1), reservation="RESERVATION"),
        element(component("FLAT", 2), component("ENERGY", 1)),
        element(component("ENERGY", 2), component("PARKING_TIME", 1)),
    )
    assert [(f.code, f.path) for f in findings] == [
        ("tariff.component_shadowed", "$.elements[2].price_components[0]")
    ]


def test_other_tariff_mistakes():
    findings = sanity(
        element(component("ENERGY", 1), component("ENERGY", 2)),
        element(component("PARKING_TIME", 1), reservation="RESERVATION"),
        element(component("TIME", -1)),
        min_price={"excl_vat": D(10), "incl_vat": D(12)},
        max_price={"excl_vat": D(5), "incl_vat": D(4)},
    )
    assert codes(findings) == [
        "tariff.duplicate_dimension",
        "tariff.reservation_dimension",
        "tariff.negative_price",
        "tariff.limit_incl_below_excl",
        "tariff.min_above_max",
        "tariff.min_above_max",
    ]


def test_unreadable_tariff():
    (finding,) = check_tariff_sanity({"id": "X", "elements": "nope"})
    assert finding.code == "tariff.unreadable"
    assert "$.elements: missing or not a list" in finding.message


def test_the_spec_tariff_examples_are_sane():
    folder = EXAMPLES_DIR / "2.2.1"
    files = sorted(Path(folder).glob("tariff*.json"))
    if not files:
        pytest.skip(f"spec examples not found under {folder}; set OCPI_SPEC_EXAMPLES")
    for path in files:
        assert check_tariff_sanity(load_json(path)) == [], path.name


def test_comparison_with_a_cdr_that_agrees_and_one_that_does_not():
    cdr = consistent_cdr()
    cdr["total_cost"] = {"excl_vat": D("2.50"), "incl_vat": D("2.75")}
    cdr["total_energy_cost"] = {"excl_vat": D("2.60"), "incl_vat": D("2.86")}
    result = price_cdr(cdr, [])
    rows = {row.field: row for row in compare_with_cdr(result, cdr)}
    assert rows["total_cost.excl_vat"].ok and rows["total_cost.incl_vat"].ok
    assert rows["total_energy_cost.excl_vat"].ok is False
    assert rows["total_energy_cost.excl_vat"].difference == D("0.10")
    assert rows["total_time_cost.excl_vat"].ok is None  # the CDR does not say
    assert rows["total_energy"].ok and rows["total_parking_time"].ok
    text = format_comparison(compare_with_cdr(result, cdr))
    line = next(ln for ln in text.splitlines() if ln.startswith("total_energy_cost.excl_vat"))
    assert line.split() == ["total_energy_cost.excl_vat", "2.50", "2.60", "0.10", "DIFFERS"]


def test_comparison_with_a_credit_cdr_negates_only_total_cost():
    cdr = consistent_cdr()
    cdr.update(credit=True, total_cost={"excl_vat": D("-2.50"), "incl_vat": D("-2.75")})
    rows = {row.field: row for row in compare_with_cdr(price_cdr(cdr, []), cdr)}
    assert rows["total_cost.excl_vat"].ok and rows["total_cost.incl_vat"].ok
    # the other totals keep the original's sign (2.2.1 §10.1.1 Credit CDRs)
    cdr["total_energy_cost"] = {"excl_vat": D("2.50"), "incl_vat": D("2.75")}
    rows = {row.field: row for row in compare_with_cdr(price_cdr(cdr, []), cdr)}
    assert rows["total_energy_cost.excl_vat"].ok
    cdr["total_energy_cost"] = {"excl_vat": D("-2.50"), "incl_vat": D("-2.75")}
    rows = {row.field: row for row in compare_with_cdr(price_cdr(cdr, []), cdr)}
    assert rows["total_energy_cost.excl_vat"].ok is False


def test_comparison_reads_2_3_0_and_2_1_1_prices():
    t = tariff(element(component("ENERGY", "0.25", 10)), tax_included="NO")
    cdr = periods_cdr("2024-01-10T10:00:00Z", [(60, {"ENERGY": 10, "TIME": 1})], tariffs=[t])
    cdr["total_cost"] = {
        "before_taxes": D("2.50"),
        "taxes": [{"name": "VAT", "amount": D("0.25")}],
    }
    rows = compare_with_cdr(price_cdr(cdr, [], version="2.3.0"), cdr)
    assert [row.ok for row in rows[:2]] == [True, True]
    cdr["total_cost"] = D("2.50")
    rows = compare_with_cdr(price_cdr(cdr, [], version="2.1.1"), cdr)
    assert [(row.field, row.ok) for row in rows[:1]] == [("total_cost.excl_vat", True)]
    assert all(not row.field.startswith("total_energy_cost") for row in rows)


def test_breakdown_table_names_the_component_and_the_reason():
    result = price_cdr(consistent_cdr(), [])
    text = format_breakdown(result)
    assert "T1 elements[0].price_components[0]" in text
    assert "why: tariff T1 elements[0] (no restrictions)" in text
    assert "10 kWh" in text


@pytest.mark.parametrize("version", ["2.1.1", "2.2.1", "2.3.0"])
def test_a_cdr_completed_with_cdr_totals_is_consistent_and_agrees(version):
    # what the mock's CDR generator does: periods + tariff in, totals from the engine out
    t = tariff(
        element(component("FLAT", "0.50", 20)),
        element(component("ENERGY", "0.31", 21), start_time="07:00", end_time="23:00"),
        element(component("ENERGY", "0.22", 21), component("PARKING_TIME", 1, 21, step=300)),
        tax_included="NO",
    )
    cdr = periods_cdr(
        "2024-01-10T21:37:00Z",
        [(97, {"ENERGY": "23.456", "TIME": D(97) / 60}), (44, {"PARKING_TIME": D(44) / 60})],
        tariffs=[t],
    )
    if version == "2.1.1":
        cdr["stop_date_time"] = cdr.pop("end_date_time")
    result = price_cdr(cdr, [], version=version, time_zone="Europe/Amsterdam")
    cdr.update(result.cdr_totals(version))
    assert check_cdr_consistency(cdr, version=version) == []
    rows = compare_with_cdr(result, cdr, version=version)
    assert all(row.ok is not False for row in rows), format_comparison(rows)
    assert any(row.ok for row in rows)


def test_by_component_adds_up_the_lines():
    t = tariff(
        element(component("ENERGY", "0.30"), end_time="10:30"),
        element(component("ENERGY", "0.20")),
    )
    cdr = periods_cdr(
        "2024-01-10T10:00:00Z",
        [(20, {"ENERGY": 2, "TIME": D(1) / 3}), (20, {"ENERGY": 2}), (20, {"ENERGY": 2})],
    )
    summary = price_cdr(cdr, [t]).by_component()
    # 2 kWh + half of the second period's 2 kWh before 10:30 at 0.30, the rest at 0.20
    assert [(s.element_index, s.volume, s.cost.excl_vat) for s in summary] == [
        (0, D(3), D("0.90")),
        (1, D(3), D("0.60")),
    ]


def test_total_time_is_the_session_duration_not_the_sum_of_time_dimensions():
    # 1 h of charging priced by energy only (no TIME dimension), then 0.5 h of parking
    cdr = periods_cdr(
        "2024-01-10T10:00:00Z",
        [(60, {"ENERGY": 10}), (30, {"PARKING_TIME": "0.5"})],
        tariffs=[ENERGY],
        tariff_id="T1",
    )
    cdr.update(total_energy=D(10), total_time=D("1.5"), total_parking_time=D("0.5"))
    assert check_cdr_consistency(cdr) == []


def test_total_time_far_below_the_session_duration_is_a_finding():
    cdr = periods_cdr("2024-01-10T10:00:00Z", [(60, {"ENERGY": 10}), (30, {"ENERGY": 1})])
    cdr.update(total_energy=D(11), total_time=D("0.5"))
    (finding,) = check_cdr_consistency(cdr)
    assert finding.code == "cdr.total_time_below_session"
    assert finding.path == "$.total_time"


def test_time_dimensions_beyond_total_time_are_a_finding():
    # the periods give 1.5 h of TIME/PARKING_TIME but total_time says 1 h (session 1.5 h)
    cdr = periods_cdr(
        "2024-01-10T10:00:00Z", [(60, {"ENERGY": 10, "TIME": 1}), (30, {"PARKING_TIME": "0.5"})]
    )
    cdr.update(total_energy=D(10), total_time=D("1.0"), total_parking_time=D("0.5"))
    found = codes(check_cdr_consistency(cdr))
    assert "cdr.total_time_mismatch" in found


def test_total_parking_time_is_judged_only_against_periods_giving_parking_time():
    cdr = periods_cdr("2024-01-10T10:00:00Z", [(60, {"ENERGY": 10, "TIME": 1}), (30, {})])
    cdr.update(total_energy=D(10), total_time=D("1.5"), total_parking_time=D("0.5"))
    assert check_cdr_consistency(cdr) == []

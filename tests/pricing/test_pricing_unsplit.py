"""A charging period across a price change: the finding on that period (the CPO SHALL start a
new one there) and reconciliation that accepts the total under either reading."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pricing_support import D, component, element, periods_cdr, tariff, utc

from conformance.checks._pricing import choose_tariffs, consistency_findings, reconcile_cdr
from ocpi_core.pricing import PricingOptions, price_cdr, unsplit_period_findings

ZONE = "Europe/Amsterdam"
LOCATION = {"id": "LOC1", "country_code": "NL", "party_id": "TST", "time_zone": ZONE}
NIGHT = tariff(
    element(component("ENERGY", "0.20", 10), start_time="22:00", end_time="06:00"),
    element(component("ENERGY", "0.30", 10)),
    tariff_id="NIGHT",
)
BULK = tariff(
    element(component("ENERGY", "0.40", 10), max_kwh=D(10)),
    element(component("ENERGY", "0.25", 10)),
    tariff_id="BULK",
)
LONG = tariff(
    element(component("TIME", "1.00", 10), max_duration=3600),
    element(component("TIME", "3.00", 10)),
    tariff_id="LONG",
)


def _cdr(t, spans, start=None):
    cdr = periods_cdr(start or utc("2024-01-10T21:00", ZONE), spans, tariffs=[t], tariff_id=t["id"])
    cdr["cdr_location"] = {"id": "LOC1"}
    return cdr


CASES = [
    ("time_of_day", NIGHT, [(120, {"ENERGY": 20, "TIME": 2})], [(60, {"ENERGY": 10, "TIME": 1}),
     (60, {"ENERGY": 10, "TIME": 1})], "ENERGY"),
    ("kwh_threshold", BULK, [(60, {"ENERGY": 20, "TIME": 1})], [(30, {"ENERGY": 10, "TIME": 0.5}),
     (30, {"ENERGY": 10, "TIME": 0.5})], "ENERGY"),
    ("duration_threshold", LONG, [(120, {"ENERGY": 20, "TIME": 2})], [(60, {"ENERGY": 10,
     "TIME": 1}), (60, {"ENERGY": 10, "TIME": 1})], "TIME"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "t", "unsplit", "split", "dimension"), CASES, ids=[c[0] for c in CASES]
)
def test_a_period_across_a_price_change_is_a_finding_on_that_period(
    name, t, unsplit, split, dimension
):
    (finding,) = unsplit_period_findings(_cdr(t, unsplit), time_zone=ZONE)
    assert finding.code == "cdr.period_not_split"
    assert finding.path == "$.charging_periods[0]"
    assert finding.level == "error"  # 2.2.1 §10.3: the CPO SHALL add a new Charging Period
    assert f"period 0's {dimension} is priced by" in finding.message
    assert unsplit_period_findings(_cdr(t, split), time_zone=ZONE) == []


def _with_totals(cdr, options):
    result = price_cdr(cdr, time_zone=ZONE, options=options)
    cdr["total_cost"] = {
        "excl_vat": result.total_cost.excl_vat,
        "incl_vat": result.total_cost.incl_vat,
    }
    return cdr, result.total_cost.excl_vat


@pytest.mark.parametrize("t", [c[1] for c in CASES], ids=[c[0] for c in CASES])
def test_reconciliation_accepts_the_total_under_either_reading(t):
    case = next(c for c in CASES if c[1] is t)
    totals = []
    for split in (True, False):
        cdr, total = _with_totals(_cdr(t, case[2]), PricingOptions(split_periods=split))
        totals.append(total)
        rec = reconcile_cdr(
            cdr, tariffs=[], location=LOCATION, version="2.2.1", tolerance=Decimal("0.01")
        )
        assert rec.unverifiable is None
        assert not rec.differs, rec
        whole = any("wholly as at its start" in n for n in rec.notes)
        assert whole == (not split)
        # either way the unsplit period is its own finding of cdrs.internally_consistent
        choice = choose_tariffs(cdr, [], LOCATION)
        codes = [f.code for f in consistency_findings(cdr, choice, "2.2.1", LOCATION)]
        assert codes.count("cdr.period_not_split") == 1
    assert totals[0] != totals[1]  # the two readings do differ


def test_a_total_under_neither_reading_still_differs():
    cdr, total = _with_totals(_cdr(NIGHT, CASES[0][2]), None)
    cdr["total_cost"]["excl_vat"] = total + 1
    rec = reconcile_cdr(cdr, tariffs=[], location=LOCATION, version="2.2.1", tolerance=D("0.01"))
    assert rec.differs


def test_no_finding_without_the_locations_time_zone():
    # a guessed zone (UTC) would move the 22:00 boundary: say nothing rather than guess
    cdr = _cdr(NIGHT, CASES[0][2])
    choice = choose_tariffs(cdr, [], None)
    assert "cdr.period_not_split" not in [
        f.code for f in consistency_findings(cdr, choice, "2.2.1", None)
    ]

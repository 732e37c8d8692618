"""The pricing checks: their helpers on hand-built CDRs and Tariffs, and the suite against the mock
with and without the ``pricing.cdr_total_mismatch`` fault."""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
from collections.abc import Callable, Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from conformance.checks._pricing import (
    DEFAULT_TOLERANCE,
    choose_tariffs,
    consistency_findings,
    mismatch_details,
    pricing_tolerance,
    reconcile_cdr,
    reconcile_session,
    render_reconciliation,
    sanity_findings,
    tariff_countries,
    time_zone_for,
    vat_findings,
)

Json = dict[str, Any]
CENT = Decimal("0.01")


def tariff(tariff_id: str = "T1", price: float = 0.25, **extra: Any) -> Json:
    """EUR 0.25 per kWh plus 10 % VAT."""
    return {
        "country_code": "NL",
        "party_id": "CPO",
        "id": tariff_id,
        "currency": "EUR",
        "elements": [
            {"price_components": [{"type": "ENERGY", "price": price, "vat": 10, "step_size": 1}]}
        ],  # fmt: skip
        "last_updated": "2024-01-01T00:00:00Z",
        **extra,
    }


def location(*tariff_ids: str, time_zone: str = "Europe/Amsterdam") -> Json:
    connector = {"id": "1", "tariff_ids": list(tariff_ids)} if tariff_ids else {"id": "1"}
    return {
        "country_code": "NL",
        "party_id": "CPO",
        "id": "LOC1",
        "country": "NLD",
        "time_zone": time_zone,
        "evses": [{"uid": "E1", "connectors": [connector]}],
    }


def cdr(excl: float = 5.0, incl: float = 5.5, **extra: Any) -> Json:
    """20 kWh in one hour under tariff T1: 5.00 excl. and 5.50 incl. VAT."""
    return {
        "country_code": "NL",
        "party_id": "CPO",
        "id": "CDR1",
        "start_date_time": "2024-03-04T10:00:00Z",
        "end_date_time": "2024-03-04T11:00:00Z",
        "cdr_location": {"id": "LOC1", "evse_uid": "E1", "connector_id": "1"},
        "currency": "EUR",
        "charging_periods": [
            {
                "start_date_time": "2024-03-04T10:00:00Z",
                "dimensions": [{"type": "ENERGY", "volume": 20}, {"type": "TIME", "volume": 1}],
                "tariff_id": "T1",
            }
        ],
        "total_cost": {"excl_vat": excl, "incl_vat": incl},
        "total_energy_cost": {"excl_vat": 5.0, "incl_vat": 5.5},
        "total_energy": 20,
        "total_time": 1,
        "last_updated": "2024-03-04T11:05:00Z",
        **extra,
    }


def reconcile(document: Json, tariffs: list[Json] | None = None, place: Json | None = None):
    return reconcile_cdr(
        document,
        tariffs=[tariff()] if tariffs is None else tariffs,
        location=location("T1") if place is None else place,
        version="2.2.1",
        tolerance=CENT,
    )


# ---- the tolerance setting -------------------------------------------------------------------


def test_tolerance_default_and_setting() -> None:
    assert pricing_tolerance({}) == DEFAULT_TOLERANCE == Decimal("0.01")
    assert pricing_tolerance({"OCPI_PRICING_TOLERANCE": " 0.05 "}) == Decimal("0.05")
    assert pricing_tolerance({"OCPI_PRICING_TOLERANCE": "0"}) == 0


@pytest.mark.parametrize("bad", ["cent", "-0.01", "NaN", "Infinity"])
def test_tolerance_refuses_what_is_not_an_amount(bad: str) -> None:
    with pytest.raises(ValueError) as caught:
        pricing_tolerance({"OCPI_PRICING_TOLERANCE": bad})
    assert str(caught.value) == (
        f"OCPI_PRICING_TOLERANCE: {bad!r} is not an amount of 0 or more; "
        "give a decimal string such as 0.01"
    )


# ---- which tariffs, which time zone ----------------------------------------------------------


def test_embedded_tariffs_come_first() -> None:
    own = tariff("T1", price=0.30)
    choice = choose_tariffs(cdr(tariffs=[own]), [tariff()], location("T1"))
    assert choice.candidates == ((own,),)
    assert (choice.source, choice.from_list) == ("embedded in the CDR", False)


def test_tariff_ids_of_the_periods_are_looked_up_preferring_the_owner() -> None:
    foreign = {**tariff("t1"), "party_id": "XXX"}
    ours = tariff("T1")
    choice = choose_tariffs(cdr(), [foreign, ours], None)
    assert choice.candidates == ((ours,),)
    assert choice.source == "named by its charging periods"


def test_connector_tariffs_when_the_periods_name_none() -> None:
    document = cdr()
    del document["charging_periods"][0]["tariff_id"]
    one, two = tariff("T1"), tariff("T2", price=0.30)
    choice = choose_tariffs(document, [one, two], location("T1", "T2"))
    # the CDR does not say which of the two applied: each is tried on its own
    assert choice.candidates == ((one,), (two,))
    assert choice.source == "listed by its connector"


def test_no_tariff_anywhere_is_a_reason_not_to_price() -> None:
    document = cdr()
    del document["charging_periods"][0]["tariff_id"]
    assert choose_tariffs(document, [], location()).problem == (
        "it embeds no tariffs, its charging periods name none and its connector lists none"
    )
    missing = choose_tariffs(cdr(), [tariff("T9")], None)
    assert missing.problem == (
        "its tariff(s) T1 (named by its charging periods) are not in the target's tariffs list"
    )


def test_time_zone_from_the_location_else_utc_with_a_note() -> None:
    assert time_zone_for(cdr(), location()) == ("Europe/Amsterdam", None)
    assert time_zone_for(cdr(), None) == (
        "UTC",
        "Location LOC1 is not among the target's Locations: tariff restrictions read in UTC",
    )
    assert time_zone_for(cdr(), location(time_zone="Mars/Olympus")) == (
        "UTC",
        "time_zone 'Mars/Olympus' of Location LOC1 is not an IANA name: read in UTC",
    )
    embedded = {"id": "LOC2", "time_zone": "Europe/Berlin"}  # a 2.1.1 CDR embeds its Location
    assert time_zone_for({"location": embedded}, location()) == ("Europe/Berlin", None)


# ---- reconciliation --------------------------------------------------------------------------


def test_a_cdr_that_adds_up_reconciles() -> None:
    rec = reconcile(cdr())
    assert not rec.differs and rec.unverifiable is None
    assert rec.source == "T1 (named by its charging periods)"
    assert {row.field for row in rec.rows} >= {"total_cost.excl_vat", "total_cost.incl_vat"}


def test_a_difference_within_the_tolerance_is_accepted() -> None:
    assert not reconcile(cdr(excl=5.01, incl=5.49)).differs
    assert reconcile(cdr(excl=5.02)).differs


def test_a_mismatch_shows_both_sides_and_our_breakdown() -> None:
    rec = reconcile(cdr(excl=6.5, incl=7.3))
    assert rec.differs
    text = render_reconciliation(rec)
    lines = text.splitlines()
    assert lines[0] == (
        "CDR NL/CPO/CDR1 (EUR; tariff T1 (named by its charging periods); "
        "restrictions read in Europe/Amsterdam)"
    )
    assert lines[1].split() == ["dimension", "CDR", "says", "we", "compute", "difference"]
    assert lines[2].split() == [
        "total_cost", "6.5", "/", "7.3", "5.00", "/", "5.50", "+1.50", "/", "+1.80", "DIFFERS",
    ]  # fmt: skip
    assert lines[3].split() == [
        "total_energy_cost", "5.0", "/", "5.5", "5.00", "/", "5.50", "0.00", "/", "0.00",
    ]  # fmt: skip
    assert lines[4] == "  our breakdown:"
    assert "T1 elements[0].price_components[0]" in text
    assert "20 kWh" in text


def test_failure_details_show_the_first_few_and_count_the_rest() -> None:
    recs = [reconcile(cdr(excl=9.0, id=f"CDR{n}")) for n in range(5)]
    recs.append(reconcile(cdr(id="FREE"), tariffs=[]))
    details = mismatch_details(recs, shown=2)
    assert [d.splitlines()[0].split(" (")[0] for d in details[:2]] == [
        "CDR NL/CPO/CDR0",
        "CDR NL/CPO/CDR1",
    ]
    assert details[2:] == [
        "… and 3 more that differ: CDR NL/CPO/CDR2, CDR NL/CPO/CDR3, CDR NL/CPO/CDR4",
        "not priced (1):",
        "  CDR NL/CPO/FREE: its tariff(s) T1 (named by its charging periods) are not in the "
        "target's tariffs list",
    ]


def test_a_credit_cdr_negates_total_cost_only() -> None:
    credit = cdr(excl=-5.0, incl=-5.5, id="CDR1-C", credit=True, credit_reference_id="CDR1")
    assert not reconcile(credit).differs
    everything_negated = {**credit, "total_energy_cost": {"excl_vat": -5.0, "incl_vat": -5.5}}
    rec = reconcile(everything_negated)
    assert [row.field for row in rec.rows if row.ok is False] == [
        "total_energy_cost.excl_vat",
        "total_energy_cost.incl_vat",
    ]


def test_one_of_the_connectors_tariffs_may_give_the_totals() -> None:
    document = cdr(excl=6.0, incl=6.6, total_energy_cost={"excl_vat": 6.0, "incl_vat": 6.6})
    del document["charging_periods"][0]["tariff_id"]
    rec = reconcile(document, [tariff("T1"), tariff("T2", price=0.30)], location("T1", "T2"))
    assert not rec.differs
    assert rec.source == "T2 (listed by its connector)"
    assert rec.notes[0] == (
        "the document names no tariff and its connector lists 2: each was tried, T2 does"
    )


def test_a_tariff_changed_since_is_not_held_against_the_cdr() -> None:
    changed = tariff(price=0.40, last_updated="2024-05-01T00:00:00Z")
    rec = reconcile(cdr(), [changed])
    assert not rec.differs
    assert rec.unverifiable == (
        "its tariff changed after the session began: T1 (last_updated 2024-05-01T00:00:00Z); "
        "it does not embed the tariff it was priced with"
    )


def test_a_tariff_missing_from_the_list_is_not_held_against_the_cdr() -> None:
    document = cdr(excl=7.5, incl=8.25)
    document["charging_periods"].append(
        {
            "start_date_time": "2024-03-04T11:00:00Z",
            "dimensions": [{"type": "ENERGY", "volume": 10}],
            "tariff_id": "T2",
        }
    )
    document["end_date_time"] = "2024-03-04T11:30:00Z"
    rec = reconcile(document)
    assert rec.source == "T1 (named by its charging periods)"
    assert rec.unverifiable == (
        "its tariff(s) T2 are not in the target's tariffs list; "
        "it does not embed the tariff it was priced with"
    )


def test_a_restriction_is_read_in_the_locations_time_zone() -> None:
    # 10:00Z is 11:00 in Amsterdam: the element for 11:00-12:00 local time applies
    local = tariff()
    local["elements"] = [
        {"price_components": [{"type": "ENERGY", "price": 0.25, "vat": 10, "step_size": 1}],
         "restrictions": {"start_time": "11:00", "end_time": "12:00"}},
        {"price_components": [{"type": "ENERGY", "price": 0.50, "vat": 10, "step_size": 1}]},
    ]  # fmt: skip
    assert not reconcile(cdr(), [local]).differs
    assert reconcile(cdr(), [local], location("T1", time_zone="UTC")).differs


def test_session_total_cost_so_far() -> None:
    session = {
        key: value
        for key, value in cdr().items()
        if key not in ("cdr_location", "end_date_time", "total_energy_cost")
    }
    session.update(location_id="LOC1", evse_uid="E1", connector_id="1", status="ACTIVE")
    session["last_updated"] = "2024-03-04T11:00:00Z"
    args: dict[str, Any] = {
        "tariffs": [tariff()],
        "location": location("T1"),
        "version": "2.2.1",
        "tolerance": CENT,
    }
    rec = reconcile_session(session, **args)
    assert rec is not None and not rec.differs and rec.unverifiable is None
    assert [row.field for row in rec.rows] == ["total_cost.excl_vat", "total_cost.incl_vat"]
    assert reconcile_session({**session, "total_cost": {"excl_vat": 4.0}}, **args).differs
    assert (
        reconcile_session({k: v for k, v in session.items() if k != "total_cost"}, **args) is None
    )
    without_periods = reconcile_session({**session, "charging_periods": []}, **args)
    assert without_periods.unverifiable == "it has no charging periods to price"


# ---- internal consistency --------------------------------------------------------------------


def _codes(document: Json, tariffs: list[Json] | None = None) -> list[str]:
    choice = choose_tariffs(document, [tariff()] if tariffs is None else tariffs, location("T1"))
    return [f.code for f in consistency_findings(document, choice, "2.2.1")]


def test_a_consistent_cdr_has_no_findings() -> None:
    assert _codes(cdr()) == []


def test_unordered_periods_and_wrong_totals_are_found() -> None:
    document = cdr(total_energy=25)
    second = copy.deepcopy(document["charging_periods"][0])
    document["charging_periods"][0]["start_date_time"] = "2024-03-04T10:30:00Z"
    document["charging_periods"][0]["dimensions"] = [
        {"type": "ENERGY", "volume": 10},
        {"type": "TIME", "volume": 0.5},
    ]
    second["dimensions"] = [{"type": "ENERGY", "volume": 10}, {"type": "TIME", "volume": 0.5}]
    document["charging_periods"].append(second)
    assert _codes(document) == ["cdr.periods_not_ordered", "cdr.total_energy_mismatch"]


def test_currency_of_the_tariff() -> None:
    assert _codes(cdr(currency="CHF")) == ["cdr.currency_mismatch"]


def test_a_tariff_id_missing_from_the_list_is_not_an_inconsistency() -> None:
    document = cdr()
    document["charging_periods"][0]["tariff_id"] = "T9"
    assert _codes(document) == []
    assert _codes({**document, "tariffs": [tariff()]}) == ["cdr.unknown_tariff_id"]


# ---- tariff sanity ---------------------------------------------------------------------------


def test_a_plain_tariff_is_sane() -> None:
    assert sanity_findings(tariff(), version="2.2.1", locations=[location("T1")]) == []


def test_shadowed_elements_and_impossible_limits() -> None:
    shadowed = tariff(
        min_price={"excl_vat": 10, "incl_vat": 11},
        max_price={"excl_vat": 5, "incl_vat": 5.5},
    )
    shadowed["elements"].append(
        {
            "price_components": [{"type": "ENERGY", "price": 0.3, "vat": 10, "step_size": 1}],
            "restrictions": {"max_kwh": 10, "min_kwh": 20},
        }
    )
    shadowed["elements"].append(
        {"price_components": [{"type": "ENERGY", "price": 0.4, "vat": 10, "step_size": 1}]}
    )
    codes = [f.code for f in sanity_findings(shadowed, version="2.2.1")]
    assert codes == [
        "tariff.restriction_never_matches",
        "tariff.component_shadowed",
        "tariff.min_above_max",
        "tariff.min_above_max",
    ]


def test_prices_without_vat_where_the_country_levies_it() -> None:
    no_vat = tariff()
    del no_vat["elements"][0]["price_components"][0]["vat"]
    findings = vat_findings(no_vat, {"NL"}, "2.2.1")
    assert [(f.code, f.level, f.path) for f in findings] == [
        ("tariff.vat_missing", "warning", "$.elements")
    ]
    assert findings[0].message == (
        "no vat on elements[0].price_components[0]: omitted vat means no VAT applies, but the "
        "tariff is used in NL, which levies VAT (give the rate, or 0 where it is 0 %)"
    )
    assert vat_findings(no_vat, set(), "2.2.1") == []  # e.g. only used in the US
    assert vat_findings(no_vat, {"NL"}, "2.1.1") == []  # 2.1.1 has no vat field
    free = tariff(price=0)
    del free["elements"][0]["price_components"][0]["vat"]
    assert vat_findings(free, {"NL"}, "2.2.1") == []
    assert [f.path for f in vat_findings({**tariff(), "tax_included": "N/A"}, {"NL"}, "2.3.0")] == [
        "$.tax_included"
    ]


def test_countries_of_a_tariff_are_those_of_its_locations() -> None:
    us_location = {**location("T1"), "country": "USA"}
    assert tariff_countries(tariff(), [us_location]) == set()
    assert tariff_countries(tariff(), [location("T1")]) == {"NL"}
    assert tariff_countries(tariff(), [location("T2")]) == {"NL"}  # unused: the owner's country


# ---- against the mock ------------------------------------------------------------------------


def _run(tmp_path: Path, *fault: str) -> dict[str, Json]:
    command = [
        str(Path(sys.executable).parent / "ocpi-conformance"),
        "run",
        "--mock",
        "cpo",
        "-k",
        "pricing or cdrs",
        "--report-dir",
        "reports",
    ]
    for fault_id in fault:
        command += ["--mock-fault", fault_id]
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    results_path = tmp_path / "reports" / "results.json"
    assert results_path.exists(), done.stdout + done.stderr
    results = json.loads(results_path.read_text())
    return {record["id"]: record for record in results["checks"]}


@pytest.mark.slow
def test_clean_mock_reconciles(tmp_path: Path) -> None:
    checks = _run(tmp_path)
    for check_id in (
        "cdrs.pricing_reconciles",
        "cdrs.pushed_pricing_reconciles",
        "cdrs.internally_consistent",
        "tariffs.sanity",
        "sessions.total_cost_matches",
    ):
        assert checks[check_id]["outcome"] == "pass", checks[check_id]["message"]


@pytest.mark.slow
def test_total_mismatch_fault_fails_the_reconciliation(tmp_path: Path) -> None:
    checks = _run(tmp_path, "pricing.cdr_total_mismatch")
    assert checks["cdrs.pricing_reconciles"]["outcome"] == "fail"
    assert checks["cdrs.pushed_pricing_reconciles"]["outcome"] == "fail"
    assert checks["cdrs.internally_consistent"]["outcome"] == "pass"
    lines = checks["cdrs.pricing_reconciles"]["message"].splitlines()
    assert lines[:3] == [
        "CDR totals differ from what their tariffs give",
        "",
        "    Expected: each total_*_cost within 0.01 (excl. and incl. VAT) of what the CDR's "
        "tariffs give for its charging periods",
    ]
    assert re.match(r"    Got: (\d+) of \1 CDRs differ; CDR NL/MCK/\w+ total_cost", lines[3])
    assert lines[4] == "    Spec: 2.2.1 §10.3.1 CDR Object; 2.2.1 §11.3.1 Tariff Object"
    table = lines[6].split()
    assert table[:6] == ["dimension", "CDR", "says", "we", "compute", "difference"]
    assert lines[7].split()[0] == "total_cost" and lines[7].endswith("+1.50 / +1.80  DIFFERS")
    assert any(line.startswith("    … and ") and "more that differ: " in line for line in lines)


class _Tampered:
    """The mock's list answers changed on their way out, each breaking one rule: the first CDR's
    total_energy, every priced Session's total_cost, and the first Tariff gets a copy of its
    first element appended (never used, so no price changes)."""

    LIST = re.compile(r"^/ocpi/[^/]+/sender/(?P<module>\w+)/?$")

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]):
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list, exc_info: Any = None) -> Callable:
            captured.update(status=status, headers=list(headers))
            return lambda data: None

        raw = b"".join(self.app(environ, capture))
        headers = captured["headers"]
        match = self.LIST.match(environ.get("PATH_INFO", ""))
        if match and raw:
            body = json.loads(raw)
            self.change(match["module"], body.get("data") or [])
            raw = json.dumps(body).encode()
            headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
            headers.append(("Content-Length", str(len(raw))))
        start_response(captured["status"], headers)
        return [raw]

    @staticmethod
    def change(module: str, objects: list[Json]) -> None:
        if module == "cdrs" and objects:
            objects[0]["total_energy"] += 5
        elif module == "sessions":
            # all of them: a Session whose tariff changed since it began is not held to it
            for session in objects:
                if session.get("total_cost"):
                    session["total_cost"]["excl_vat"] += 1
        elif module == "tariffs" and objects:
            objects[0]["elements"].append(copy.deepcopy(objects[0]["elements"][0]))


@pytest.mark.slow
def test_each_broken_rule_trips_its_own_check() -> None:
    from suite._runner import run_suite

    results = run_suite("CPO", select="pricing", wrap=_Tampered)
    checks = {record["id"]: record for record in results["checks"]}
    outcomes = {check_id: record["outcome"] for check_id, record in checks.items()}
    assert outcomes == {
        "cdrs.pricing_reconciles": "pass",
        "cdrs.pushed_pricing_reconciles": "pass",
        "cdrs.internally_consistent": "fail",
        "tariffs.sanity": "warn",
        "sessions.total_cost_matches": "warn",
    }
    consistency = checks["cdrs.internally_consistent"]["message"].splitlines()
    assert consistency[0] == "CDRs that contradict themselves"
    assert re.fullmatch(
        r"    Got: CDR NL/MCK/\w+ \$\.total_energy: total_energy is [\d.]+ kWh but the sum of "
        r"the periods' ENERGY is [\d.]+ kWh \(cdr\.total_energy_mismatch\)",
        consistency[3],
    )
    sanity = checks["tariffs.sanity"]["message"].splitlines()
    assert sanity[0] == "Tariffs that cannot mean what they say"
    assert "(tariff.component_shadowed)" in sanity[3]
    session = checks["sessions.total_cost_matches"]["message"].splitlines()
    assert session[0] == "Session total_cost differs from what its tariff gives"
    assert session[6].split()[:6] == ["dimension", "Session", "says", "we", "compute", "difference"]
    assert session[7].split()[0] == "total_cost" and "+1" in session[7]


# Seeds whose Faker CDRs span price changes (time-of-day, kWh and duration tariffs) in
# periods the mock did not split before it cut them at every such point.
OTHER_SEEDS = (1, 15, 17, 22, 53, 55)


@pytest.mark.slow
@pytest.mark.parametrize("seed", OTHER_SEEDS)
def test_the_mock_passes_the_cdr_and_pricing_checks_under_other_seeds(seed: int) -> None:
    from suite._runner import failed, run_suite

    results = run_suite("CPO", select="pricing or cdrs", mock={"seed": seed})
    ran = {r["id"] for r in results["checks"] if r["outcome"] == "pass"}
    assert {"cdrs.internally_consistent", "cdrs.pricing_reconciles"} <= ran, failed(results)
    assert failed(results) == {}, f"seed {seed}"

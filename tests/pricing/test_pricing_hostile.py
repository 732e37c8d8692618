"""Malformed tariffs and CDRs: the engine answers with its own error naming the JSON path, the
checks answer with findings, nothing raises anything else (hand-picked cases and hypothesis)."""

from __future__ import annotations

import copy
import os
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pricing_support import D, component, element, periods_cdr, tariff

from conformance.checks._pricing import (
    choose_tariffs,
    consistency_findings,
    reconcile_cdr,
    sanity_findings,
)
from ocpi_core.pricing import (
    PricingError,
    check_cdr_consistency,
    check_tariff_sanity,
    price_cdr,
)

SETTINGS = settings(
    max_examples=int(os.environ.get("OCPI_PRICING_EXAMPLES", "150")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def valid_pair() -> tuple[dict[str, Any], dict[str, Any]]:
    t = tariff(
        element(
            component("ENERGY", "0.30", 21),
            component("TIME", "2.00", 21),
            start_time="08:00",
            day_of_week=["WEDNESDAY"],
        ),
        element(component("PARKING_TIME", "1.00", 21), min_kwh=D(0)),
    )
    cdr = periods_cdr(
        "2024-01-10T10:00:00Z",
        [(60, {"ENERGY": 10, "TIME": 1}), (30, {"PARKING_TIME": "0.5"})],
        tariffs=[t],
        tariff_id="T1",
    )
    cdr.update(total_energy=D(10), total_time=D("1.5"), total_parking_time=D("0.5"))
    return t, cdr


def _component(t: dict[str, Any]) -> dict[str, Any]:
    return t["elements"][0]["price_components"][0]


def _dimension(cdr: dict[str, Any]) -> dict[str, Any]:
    return cdr["charging_periods"][0]["dimensions"][0]


# (name, mutation of (tariff, cdr), the JSON path the engine's error names)
CRASHERS = [
    ("periods_a_number", lambda t, c: c.update(charging_periods=5), "$.charging_periods"),
    (
        "dimensions_a_number",
        lambda t, c: c["charging_periods"][0].update(dimensions=5),
        "$.charging_periods[0].dimensions",
    ),
    (
        "components_a_number",
        lambda t, c: t["elements"][0].update(price_components=5),
        "$.tariffs[0].elements[0].price_components",
    ),
    (
        "dimension_type_a_list",
        lambda t, c: _dimension(c).update(type=["ENERGY"]),
        "$.charging_periods[0].dimensions[0].type",
    ),
    (
        "price_near_1e48",
        lambda t, c: _component(t).update(price=D("1e48")),
        "$.tariffs[0].elements[0].price_components[0].price",
    ),
    (
        "volume_near_1e308",
        lambda t, c: _dimension(c).update(volume=1e308),
        "$.charging_periods[0].dimensions[0].volume",
    ),
    (
        "step_size_near_1e308",
        lambda t, c: _component(t).update(step_size=1e308),
        "$.tariffs[0].elements[0].price_components[0].step_size",
    ),
]


@pytest.mark.parametrize(("name", "mutate", "path"), CRASHERS, ids=[c[0] for c in CRASHERS])
def test_malformed_input_gives_the_engines_error_naming_the_path(name, mutate, path):
    t, cdr = valid_pair()
    mutate(t, cdr)
    cdr["tariffs"] = [t]
    with pytest.raises(PricingError) as caught:
        price_cdr(cdr)
    assert str(caught.value).startswith(f"{path}: ")
    # the consistency and sanity checks report instead of raising
    check_cdr_consistency(cdr, [t])
    findings = check_tariff_sanity(t)
    if path.startswith("$.tariffs"):
        assert [f.code for f in findings] == ["tariff.unreadable"]
    rec = reconcile_cdr(cdr, tariffs=[], location=None, version="2.2.1", tolerance=D("0.01"))
    assert rec.unverifiable is not None and path in rec.unverifiable


def test_a_dimension_type_given_as_a_list_is_a_consistency_finding():
    t, cdr = valid_pair()
    _dimension(cdr).update(type=["ENERGY"])
    findings = check_cdr_consistency(cdr, [t])
    assert ("cdr.dimension_invalid", "$.charging_periods[0].dimensions[0]") in [
        (f.code, f.path) for f in findings
    ]


def test_dimensions_given_as_a_number_is_a_consistency_finding():
    t, cdr = valid_pair()
    cdr["charging_periods"][0]["dimensions"] = 5
    findings = check_cdr_consistency(cdr, [t])
    assert ("cdr.dimensions_invalid", "$.charging_periods[0].dimensions") in [
        (f.code, f.path) for f in findings
    ]


def test_a_negative_energy_volume_is_a_finding():
    t, cdr = valid_pair()
    _dimension(cdr).update(volume=D(-3))
    findings = check_cdr_consistency(cdr, [t])
    assert ("cdr.negative_volume", "$.charging_periods[0].dimensions[0]") in [
        (f.code, f.path) for f in findings
    ]


# ---- mangled documents (hypothesis) ----------------------------------------------------------

HOSTILE_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([1e308, -1e308, 1e48, D("1e48"), D("-1e-400"), D("NaN"), D("Infinity")]),
    st.text(max_size=6),
    st.sampled_from(["24:00", "25:61", "MONDAY", "ENERGY", "", "1e999", "NaN", "0.30"]),
    st.lists(st.sampled_from([1, "ENERGY", None, {}]), max_size=3),
    st.builds(dict),
    st.builds(lambda: {"type": "ENERGY"}),
)


def _paths(doc: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(doc, dict):
        for key, value in doc.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(doc, list):
        for i, value in enumerate(doc):
            found += _paths(value, (*prefix, i))
    return found


def _replace(doc: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    parent = doc
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = value
    return doc


@st.composite
def mangled(draw: Any) -> tuple[Any, Any]:
    """A valid tariff and CDR with one to three places replaced by hostile values."""
    t, cdr = valid_pair()
    cdr.pop("tariffs")
    doc: Any = {"tariff": t, "cdr": cdr}
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in _paths(doc) if len(p) >= 2]
        if not paths:
            break
        doc = _replace(doc, draw(st.sampled_from(paths)), draw(HOSTILE_VALUES))
    return doc["tariff"], doc["cdr"]


@SETTINGS
@given(mangled())
def test_mangled_input_gives_a_result_or_the_engines_error(pair):
    t, cdr = pair
    try:
        result = price_cdr(cdr, [t])
    except PricingError as exc:
        assert str(exc)
    else:
        assert isinstance(result.total_cost.excl_vat, Decimal)
    check_cdr_consistency(cdr, [t])
    check_tariff_sanity(t)


@SETTINGS
@given(mangled())
def test_mangled_input_gives_the_checks_findings_never_an_exception(pair):
    t, cdr = pair
    if isinstance(cdr, dict):
        cdr = {**cdr, "tariffs": [copy.deepcopy(t)]}
    rec = reconcile_cdr(cdr, tariffs=[t], location=None, version="2.2.1", tolerance=D("0.01"))
    assert rec.unverifiable is None or rec.unverifiable
    choice = choose_tariffs(cdr, [t], None)
    consistency_findings(cdr, choice, "2.2.1")
    sanity_findings(t, version="2.2.1", locations=[])


# ---- priced leniently, but each a finding ----------------------------------------------------

LENIENT = [
    ("negative_vat", lambda t: _component(t).update(vat=D(-5)), "tariff.negative_vat",
     "$.elements[0].price_components[0].vat"),
    ("no_elements", lambda t: t.update(elements=[]), "tariff.no_elements", "$"),
    ("price_a_string", lambda t: _component(t).update(price="0.30"), "tariff.number_as_string",
     "$.elements[0].price_components[0].price"),
    ("day_of_week_a_string", lambda t: t["elements"][0]["restrictions"].update(
        day_of_week="WEDNESDAY"), "tariff.day_of_week_not_a_list",
     "$.elements[0].restrictions.day_of_week"),
    ("start_time_24_00", lambda t: t["elements"][0]["restrictions"].update(start_time="24:00"),
     "tariff.time_of_day_invalid", "$.elements[0].restrictions.start_time"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "mutate", "code", "path"), LENIENT, ids=[c[0] for c in LENIENT])
def test_input_the_engine_reads_leniently_is_a_finding(name, mutate, code, path):
    t, cdr = valid_pair()
    mutate(t)
    price_cdr(cdr, [t])  # still priced
    assert (code, path) in [(f.code, f.path) for f in check_tariff_sanity(t)]
    assert (code, path) in [(f.code, f.path) for f in sanity_findings(t, version="2.2.1")]


def test_a_valid_tariff_has_none_of_those_findings():
    t, _ = valid_pair()
    assert check_tariff_sanity(t) == []

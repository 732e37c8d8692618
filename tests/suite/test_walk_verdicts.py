"""Pagination verdicts on legal servers the suite once failed: a list that changes while it is
walked (an object updated between two page requests moves in a last_updated-ordered list), a
server with no maximum page size, and X-Limit read as 2.1.1 defines it. Each is a WSGI
middleware around the mock (tests/suite/_wrappers.py)."""

from __future__ import annotations

import pytest

from suite._runner import failed, outcomes, run_suite
from suite._wrappers import run_wrapped

pytestmark = pytest.mark.slow


def _record(results: dict, check_id: str) -> dict:
    return next(c for c in results["checks"] if c["id"] == check_id)


def test_an_object_updated_during_the_walk_may_come_again() -> None:
    results = run_wrapped("CPO", "UpdatedDuringTheWalk", "full_walk_unique")
    assert outcomes(results)["pagination.full_walk_unique"] == "pass", failed(results)


def test_an_object_repeated_unchanged_still_fails_the_walk() -> None:
    results = run_wrapped("CPO", "OverlappingPages", "full_walk_unique")
    record = _record(results, "pagination.full_walk_unique")
    assert record["outcome"] == "fail"
    assert "came more than once with the same last_updated" in record["message"]


def test_a_server_without_a_page_maximum_passes_limit_capped() -> None:
    results = run_wrapped("CPO", "NoPageMaximum", "limit_capped or limit_honoured")
    assert failed(results) == {}
    assert outcomes(results)["pagination.limit_capped"] == "pass"


def test_an_echoed_x_limit_fails_where_the_page_was_cut_below_it() -> None:
    results = run_suite(
        "CPO", ("pagination.limit_echoed",), select="limit_capped", mock={"page_limit": 10}
    )
    record = _record(results, "pagination.limit_capped")
    assert record["outcome"] == "fail"
    assert "10 objects returned of" in record["message"], record["message"]


@pytest.mark.parametrize(("version", "outcome"), [("2.1.1", "pass"), ("2.2.1", "fail")])
def test_x_limit_as_the_count_of_a_short_page_is_2_1_1s_reading(version: str, outcome: str) -> None:
    results = run_wrapped(
        "CPO", "XLimitCountsThePage", "limit_capped", version=version, mock={"page_limit": 10}
    )
    record = _record(results, "pagination.limit_capped")
    assert record["outcome"] == outcome, record["message"]
    if outcome == "fail":
        assert "the number of objects on the page, not the most" in record["message"]


def test_a_session_period_across_a_tariff_change_warns_only() -> None:
    """The Sessions module recommends a new period at a Tariff change; a CDR has to have it."""
    results = run_wrapped(
        "CPO", "SessionPeriodsAcrossTariffChange", "period_tariff_in_force or period_split"
    )
    assert outcomes(results)["sessions.period_tariff_in_force"] == "pass", failed(results)
    record = _record(results, "sessions.period_split_at_tariff_change")
    assert record["outcome"] == "warn"
    assert "runs past" in record["message"]
    assert outcomes(results)["cdrs.period_tariff_in_force"] == "pass"

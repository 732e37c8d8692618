"""Skips told apart by the kind said where they are raised (conformance.skips), not by their
wording: what does not apply to the target is not "could not run", and only due module checks
that all could not run make a run that tested nothing."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conformance.skips import (
    COULD_NOT_RUN,
    NOT_APPLICABLE,
    SKIP_KIND,
    SkipReason,
    kind_of,
    skip_could_not_run,
    skip_not_applicable,
    summarize_skips,
)

pytest_plugins = ["pytester"]
CHECKS = Path(__file__).parents[2] / "conformance" / "checks"


def _record(check_id: str, outcome: str, message: str = "", kind: str | None = None) -> dict:
    record = {"id": check_id, "outcome": outcome, "message": message}
    if kind is not None:
        record[SKIP_KIND] = kind
    return record


def _skip(check_id: str, message: str, kind: str = COULD_NOT_RUN) -> dict:
    return _record(check_id, "skip", message, kind)


def test_each_helper_raises_a_skip_of_its_kind() -> None:
    with pytest.raises(pytest.skip.Exception, match="^odd words$") as raised:
        skip_not_applicable("odd words")
    assert kind_of(raised.value) == NOT_APPLICABLE
    with pytest.raises(pytest.skip.Exception) as raised:
        skip_could_not_run("applies to EMSP targets only")  # once a not-applicable wording
    assert kind_of(raised.value) == COULD_NOT_RUN
    with pytest.raises(pytest.skip.Exception) as raised:
        SkipReason("later", NOT_APPLICABLE).skip()
    assert kind_of(raised.value) == NOT_APPLICABLE and str(SkipReason("later")) == "later"
    with pytest.raises(pytest.skip.Exception) as raised:
        pytest.skip("the target offers no tokens SENDER interface")
    assert kind_of(raised.value) == COULD_NOT_RUN  # no kind said: counted, never hidden


def test_the_summary_counts_kinds_whatever_the_reasons_say() -> None:
    records = [
        _skip("tokens.a", "applies to EMSP targets only", COULD_NOT_RUN),
        _skip("tokens.b", "not registered with the target: HTTP 401", NOT_APPLICABLE),
        _skip("tokens.c", "words never seen before", NOT_APPLICABLE),
        _record("tokens.d", "skip", "the target offers no tokens SENDER interface"),  # no kind
    ]
    summary = summarize_skips(records)
    assert (summary.not_applicable, summary.could_not_run, summary.applicable) == (2, 2, 2)
    assert summary.causes == (
        ("applies to EMSP targets only", 1),
        ("the target offers no tokens SENDER interface", 1),
    )


def test_a_run_whose_module_checks_all_could_not_run_tested_nothing() -> None:
    records = [
        _record("versions.list.valid", "pass"),
        _record("transport.no_redirect", "warn", "URLs answered with a redirect"),
        *(_skip(f"locations.c{i}", "not registered: HTTP 401") for i in range(5)),
        _skip("tokens.objects_valid", "the tokens list cannot be read (HTTP 307)"),
        *(_skip(f"hub.c{i}", "applies to HUB targets only", NOT_APPLICABLE) for i in range(10)),
    ]
    summary = summarize_skips(records)
    assert (summary.total, summary.not_applicable, summary.applicable) == (18, 10, 8)
    assert summary.could_not_run == 6 and summary.mostly_skipped and summary.nothing_tested
    assert summary.causes == (
        ("not registered: HTTP 401", 5),
        ("the tokens list cannot be read (HTTP 307)", 1),
    )
    assert summary.sentence == (
        "6 of 8 checks could not run; main causes: 5 × not registered: HTTP 401; "
        "1 × the tokens list cannot be read (HTTP 307)"
    )


def test_one_judged_module_check_means_something_was_tested() -> None:
    records = [
        _record("locations.objects_valid", "fail", "bad"),
        *(_skip(f"sessions.c{i}", "the target sent no request") for i in range(9)),
    ]
    summary = summarize_skips(records)
    assert summary.mostly_skipped and not summary.nothing_tested
    assert summary.modules_tested == ("locations",)


def test_a_selection_of_connection_checks_only_is_not_flagged() -> None:
    summary = summarize_skips([_record("versions.list.valid", "pass")] * 3)
    assert not summary.mostly_skipped and not summary.nothing_tested
    assert summary.sentence == "0 of 3 checks could not run"


def test_causes_are_grouped_without_their_urls() -> None:
    records = [_skip(f"cdrs.c{i}", f"redirect to http://h:{i}/x not followed") for i in range(4)]
    summary = summarize_skips(records)
    assert summary.causes == (("redirect to … not followed", 4),)


CHECK_MODULE = """
import pytest
from conformance.skips import skip_could_not_run, skip_not_applicable

check = pytest.mark.check


@check(id="locations.new_words", spec="2.2.1 §8")
def test_new_words():
    skip_not_applicable("a reason in words no list ever held")


@check(id="locations.old_words", spec="2.2.1 §8")
def test_old_words():
    skip_could_not_run("the target offers no such list today")


@check(id="locations.plain", spec="2.2.1 §8")
def test_plain():
    pytest.skip("applies to EMSP targets only")


@check(id="locations.role", spec="2.2.1 §8", roles=("EMSP",))
def test_role():
    pass
"""


def test_a_run_classifies_by_the_kind_raised_not_by_the_words(pytester, tmp_path) -> None:
    """Through the plugin and results.json: new wording for a not-applicable skip, an old
    not-applicable wording raised as could not run, a plain pytest.skip, and the plugin's own
    role skip."""
    pytester.makepyfile(test_kinds=CHECK_MODULE)
    results = tmp_path / "results.json"
    run = pytester.runpytest_subprocess(
        "-p",
        "no:randomly",
        "--ocpi-versions-url=http://127.0.0.1:9/ocpi/versions",
        "--ocpi-token=kinds-token-1234",
        "--ocpi-role=CPO",
        f"--ocpi-results={results}",
    )
    run.assert_outcomes(skipped=4)
    found = json.loads(results.read_text())
    messages = {c["id"]: c["message"] for c in found["checks"]}
    assert messages == {
        "locations.new_words": "a reason in words no list ever held",
        "locations.old_words": "the target offers no such list today",
        "locations.plain": "applies to EMSP targets only",
        "locations.role": "applies to EMSP targets only",
    }
    assert all(set(c) >= {"id", "message"} and SKIP_KIND not in c for c in found["checks"])
    skips = found["skips"]
    assert (skips["not_applicable"], skips["could_not_run"]) == (2, 2)
    assert skips["nothing_tested"] and skips["sentence"].startswith("2 of 2 checks could not run")


def test_every_skip_in_the_suite_says_its_kind() -> None:
    """No check skips with plain pytest.skip (which would count as could not run unasked); the
    one skip marker is the plugin's, which keeps its kind."""
    found = [
        (path.name, line.strip())
        for path in sorted(CHECKS.parent.rglob("*.py"))
        if path.name != "skips.py"
        for line in path.read_text().splitlines()
        if re.search(r"pytest\.skip\(|mark\.skip\(", line)
    ]
    assert found == [("plugin.py", "item.add_marker(pytest.mark.skip(reason=reason))")]

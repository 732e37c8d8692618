"""Skips told apart by kind (conformance.skips), on the reasons the plugin and the checks give:
what does not apply to the target is not "could not run", and only due module checks that all
could not run make a run that tested nothing."""

from __future__ import annotations

from conformance.skips import not_applicable, summarize_skips

NOT_APPLICABLE = [
    "applies to EMSP targets only",
    "does not apply to 2.2.1: OCPI 2.2.1 has no payments module",
    "does not apply to 2.2.1 (OCPI 2.3.0 only)",
    "needs --mode destructive (this run: sandbox)",
    "the target offers no hubclientinfo SENDER interface",
    "the target offers no other version than 2.2.1 to switch to",
    "the target is reached directly, not through a Hub (see [target] via_hub)",
    "--churn-wait is 0: the target's data is not watched for changes",
    "read-only mode: commands change the target's state",
]
COULD_NOT_RUN = [
    "not registered with the target: registration refused or unusable: HTTP 401",
    "the locations list cannot be read: the answer is not JSON (see transport.envelope_valid)",
    "the target sent no request to our counterpart in this run",
    "the target pushed nothing to our Receiver endpoints in this run",
    "not run: budget spent (--max-time 5 s)",
    "no endpoints discovered: versions list unusable (HTTP 200, the body is empty)",
]


def _record(check_id: str, outcome: str, message: str = "") -> dict[str, str]:
    return {"id": check_id, "outcome": outcome, "message": message}


def test_each_reason_is_of_its_kind() -> None:
    assert all(not_applicable(r) for r in NOT_APPLICABLE)
    assert not any(not_applicable(r) for r in COULD_NOT_RUN)


def test_a_run_whose_module_checks_all_could_not_run_tested_nothing() -> None:
    records = [
        _record("versions.list.valid", "pass"),
        _record("transport.no_redirect", "warn", "URLs answered with a redirect"),
        *(_record(f"locations.c{i}", "skip", "not registered: HTTP 401") for i in range(5)),
        _record("tokens.objects_valid", "skip", "the tokens list cannot be read (HTTP 307)"),
        *(_record(f"hub.c{i}", "skip", "applies to HUB targets only") for i in range(10)),
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
        *(_record(f"sessions.c{i}", "skip", "the target sent no request") for i in range(9)),
    ]
    summary = summarize_skips(records)
    assert summary.mostly_skipped and not summary.nothing_tested
    assert summary.modules_tested == ("locations",)


def test_a_selection_of_connection_checks_only_is_not_flagged() -> None:
    summary = summarize_skips([_record("versions.list.valid", "pass")] * 3)
    assert not summary.mostly_skipped and not summary.nothing_tested
    assert summary.sentence == "0 of 3 checks could not run"


def test_causes_are_grouped_without_their_urls() -> None:
    records = [
        _record(f"cdrs.c{i}", "skip", f"redirect to http://h:{i}/x not followed") for i in range(4)
    ]
    summary = summarize_skips(records)
    assert summary.causes == (("redirect to … not followed", 4),)

"""The live status checks against real mocks on loopback: a mock eMSP's Receiver gives back
each status PATCHed and moves its Location with it; a mock CPO's churn pushes agree with its
Sender and never go back; each of the four mock faults fails its check with the finding."""

from __future__ import annotations

import pytest

from suite._runner import run_suite


def _records(results: dict) -> dict[str, dict]:
    return {r["id"]: r for r in results["checks"] if "status" in r["id"] or ".push." in r["id"]}


def test_the_clean_mocks_pass_the_live_status_checks() -> None:
    emsp = _records(run_suite("EMSP", select="live_status"))
    for check_id in (
        "locations.receiver.status_read_back",
        "locations.receiver.status_parent_follows",
    ):
        assert emsp[check_id]["outcome"] == "pass", emsp[check_id]["message"]
    # against a CPO the whole run, as for the faults: its charging story pushes an EVSE first
    # whole (PUT) and then PATCHes it; the delta check's few churn steps alone each meet an
    # EVSE we never got (404, then the whole Location), so they left no PATCH to judge
    cpo = _records(run_suite("CPO"))
    for check_id in ("locations.push.last_updated_monotonic", "locations.push.sender_agrees"):
        assert cpo[check_id]["outcome"] == "pass", cpo[check_id]["message"]


@pytest.mark.parametrize(
    ("role", "fault", "check_id", "said"),
    [
        (
            "EMSP",
            "receiver.evse_status_not_stored",
            "locations.receiver.status_read_back",
            "status 'AVAILABLE'",
        ),
        (
            "EMSP",
            "receiver.parent_stamped_now",
            "locations.receiver.status_parent_follows",
            "the EVSE PATCH's",
        ),
        (
            "CPO",
            "push.status_last_updated_backdated",
            "locations.push.last_updated_monotonic",
            "after one with",
        ),
        (
            "CPO",
            "push.available_as_unknown",
            "locations.push.sender_agrees",
            "pushed status UNKNOWN",
        ),
    ],
)
def test_each_fault_fails_its_check(role: str, fault: str, check_id: str, said: str) -> None:
    # against a CPO the whole run: its charging story pushes the same EVSE twice
    select = "live_status" if role == "EMSP" else None
    records = _records(run_suite(role, (fault,), select=select))
    assert records[check_id]["outcome"] == "fail"
    assert said in records[check_id]["message"]
    others = [r for k, r in records.items() if k != check_id and r["outcome"] == "fail"]
    assert not others

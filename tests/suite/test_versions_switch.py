"""The version switch (``credentials.put.switch_version``) against the real mock, whose versions
list is made to offer a second version that shares 2.2.1's endpoints."""

from __future__ import annotations

from suite._runner import failed, outcomes
from suite._tamper import run_tampered

SELECT = "versions or auth or credentials or (test_locations and test_objects_valid)"


def test_a_switch_to_another_offered_version_and_back_passes():
    results = run_tampered("CPO", "second_version", SELECT)
    assert outcomes(results)["credentials.put.switch_version"] == "pass"
    assert failed(results) == {}
    # the run goes on with the token of the switch back
    assert outcomes(results)["locations.objects_valid"] == "pass"


def test_a_second_version_without_credentials_fails_the_switch():
    results = run_tampered("CPO", "second_version_without_credentials", SELECT)
    assert set(failed(results)) == {"credentials.put.switch_version"}
    message = failed(results)["credentials.put.switch_version"]
    assert message.startswith("PUT credentials to the 2.3.0 credentials endpoint: no switch")

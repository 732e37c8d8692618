"""The suite against a Hub target (--role hub): the clean mock hub passes every hub check, run
from the CLI as a user does, and each hub check fails on an answer that breaks its rule."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from core.cli_runs import run_cli

from suite._runner import failed, outcomes, run_suite

HUB_CHECKS = (
    "hub.routing.forwarded",
    "hub.routing.answer_headers",
    "hub.routing.isolation",
    "hub.routing.unknown_party_refused",
    "hub.get_all.answer_headers",
    "hub.get_all.covers_parties",
    "hub.clientinfo.pagination",
    "hub.clientinfo.not_routed",
    "hub.forward.routing_headers",
    "hub.forward.ids",
    "hub.forward.once",
    "hub.broadcast.answer_headers",
    "hub.broadcast.reaches_parties",
    "hubclientinfo.objects_valid",
)
GENERIC_CHECKS = (
    "versions.list.valid",
    "versions.details.valid",
    "versions.details.urls_absolute",
    "auth.missing_token_401",
    "auth.unknown_token_401",
    "auth.unknown_token_module_401",
    "auth.token_a_other_module_401",
    "transport.envelope_valid",
    "transport.request_id_echoed",
    "transport.config_modules_unrouted",
    "credentials.post.register",
    "credentials.get.valid",
    "credentials.post.already_registered_405",
    "credentials.put.new_token",
    "credentials.token_a.revoked",
)


@pytest.mark.parametrize("version", ["2.2.1", "2.3.0"])
def test_cli_mock_hub_runs_clean(tmp_path: Path, version: str) -> None:
    code, output = run_cli(tmp_path, "run", "--mock", "hub", "--version", version, timeout=300)
    assert code == 0, output
    assert "Started mock HUB" in output and "as HUB" in output
    results = json.loads((tmp_path / "reports" / "results.json").read_text())
    assert results["summary"]["fail"] == 0 and results["summary"]["warn"] == 0, output
    found = outcomes(results)
    assert {check_id: found[check_id] for check_id in HUB_CHECKS} == dict.fromkeys(
        HUB_CHECKS, "pass"
    )
    # a Hub is judged on its versions, authentication, credentials and transport too
    assert {found[c] for c in GENERIC_CHECKS} == {"pass"}, {c: found[c] for c in GENERIC_CHECKS}
    # 2.3.0 has no role HUB: a Hub names itself in hub_party_id, its parties in roles
    assert found["credentials.hub_party_id"] == ("pass" if version == "2.3.0" else "skip")
    assert found["hub.credentials.lists_parties"] == ("pass" if version == "2.3.0" else "skip")


def test_cli_mock_hub_every_version_is_2_2_1_and_2_3_0(tmp_path: Path) -> None:
    # 2.1.1 has no Hub: --version all tests the two versions a Hub has, and switches between
    # them (a Hub's credentials change shape: role HUB in 2.2.1, hub_party_id in 2.3.0)
    code, output = run_cli(
        tmp_path, "run", "--mock", "hub", "--version", "all", "-k", "credentials", timeout=300
    )
    assert code == 0, output
    assert "Testing every version offered, one after another: 2.2.1, 2.3.0\n" in output
    for version in ("2.2.1", "2.3.0"):
        results = json.loads((tmp_path / "reports" / version / "results.json").read_text())
        assert failed(results) == {}, (version, failed(results))
        assert outcomes(results)["credentials.put.switch_version"] == "pass", version


def _routed_to(har: Path) -> set[str]:
    """CC/PID of every party our requests named in OCPI-to-*."""
    found = set()
    for entry in json.loads(har.read_text())["log"]["entries"]:
        headers = {h["name"].lower(): h["value"] for h in entry["request"]["headers"]}
        if "ocpi-to-party-id" in headers:
            found.add(f"{headers['ocpi-to-country-code']}/{headers['ocpi-to-party-id']}")
    return found


def test_cli_mock_hub_plays_the_parties_given(tmp_path: Path) -> None:
    parties = ["CPO/FR/CPX", "CPO/GB/CPY", "EMSP/DE/EMZ"]
    given = [arg for party in parties for arg in ("--mock-hub-party", party)]
    code, output = run_cli(tmp_path, "run", "--mock", "hub", *given, "-k", "test_hub", timeout=300)
    assert code == 0, output
    assert "holding CPO/FR/CPX, CPO/GB/CPY, EMSP/DE/EMZ" in output
    results = json.loads((tmp_path / "reports" / "results.json").read_text())
    found = outcomes(results)
    # every hub check runs and passes against the parties given (one eMSP is enough)
    assert {found[c] for c in HUB_CHECKS} == {"pass"}, {c: found[c] for c in HUB_CHECKS}
    assert failed(results) == {}
    routed = _routed_to(tmp_path / "reports" / "exchanges.har")
    assert {"FR/CPX", "GB/CPY"} <= routed and not routed & {"NL/CPA", "DE/CPB"}, routed


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--mock", "cpo", "--mock-hub-party", "CPO/FR/CPX"], "--mock-hub-party needs --mock hub"),
        (
            ["--mock", "hub", "--fleet", "fleet.toml", "--mock-hub-party", "CPO/FR/CPX"],
            "--mock-hub-party is for one run, not --fleet",
        ),
        (
            ["--mock", "hub", "--mock-hub-party", "FR/CPX"],
            "--mock-hub-party: 'FR/CPX' is not ROLE/COUNTRY_CODE/PARTY_ID",
        ),
    ],
)
def test_cli_mock_hub_party_refuses_misuse(tmp_path: Path, args: list[str], words: str) -> None:
    code, output = run_cli(tmp_path, "run", *args)
    assert code == 2, output
    assert words in output and "Traceback" not in output


def test_hub_checks_do_not_apply_to_a_cpo() -> None:
    results = run_suite("CPO", select="hub and not hubclientinfo")
    found = outcomes(results)
    assert {found[c] for c in HUB_CHECKS if c.startswith("hub.")} == {"skip"}
    reasons = {r["id"]: r["message"] for r in results["checks"]}
    assert "HUB targets only" in reasons["hub.routing.isolation"]


def test_cli_refuses_a_hub_of_2_1_1(tmp_path: Path) -> None:
    code, output = run_cli(tmp_path, "run", "--mock", "hub", "--version", "2.1.1")
    assert code == 2, output
    assert "Traceback" not in output
    assert "2.1.1" in output


def _run_hub(wrap_name: str) -> dict:
    from suite import _hub_tamper

    return run_suite("HUB", select="hub", wrap=getattr(_hub_tamper, wrap_name))


@pytest.mark.parametrize(
    ("tamper", "check_id", "words"),
    [
        ("answer_from_hub", "hub.routing.answer_headers", "OCPI-from-party-id"),
        ("foreign_location", "hub.routing.isolation", "object(s) of XX/FOR"),
        ("unknown_as_ok", "hub.routing.unknown_party_refused", "HTTP 200, status_code 1000"),
        ("clientinfo_routed", "hub.clientinfo.not_routed", "configuration module"),
    ],
)
def test_hub_check_fails_on_a_broken_answer(tamper: str, check_id: str, words: str) -> None:
    results = _run_hub(tamper)
    bad = failed(results)
    assert check_id in bad, bad
    message = next(r["message"] for r in results["checks"] if r["id"] == check_id)
    assert words in message, message

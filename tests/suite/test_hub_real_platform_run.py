"""The whole suite against a real platform behind the mock hub: a mock CPO in another process
(FR/CPX) registers with the hub, and the suite, given the hub's versions URL and token A,
tests it through the hub (via_hub, party FR/CPX), over loopback.

Clean: the CPO's command results reach our response_url relayed by the hub (before, the CPO
POSTed them straight to us with its token for the hub: 401), and a module the CPO does not
offer is refused for it with the routing headers of an answer from it (before, the hub's own
4001 without them failed via_hub.answers_routed). Its status changes, pushed to the hub and
broadcast on, reach our counterpart at URLs naming FR/CPX."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hub.hub_support import connected_parties, make_hub, mock_process, wait_for

from mock_party.server import serve_in_thread
from suite._runner import failed, outcomes, suite_args

CPO = ("FR", "CPX")


def _incoming(har: Path) -> list[tuple[str, str, int]]:
    """(method, URL, HTTP status) of every request our counterpart received."""
    entries = json.loads(har.read_text())["log"]["entries"]
    return [
        (e["request"]["method"], e["request"]["url"], e["response"]["status"])
        for e in entries
        if "incoming:" in e.get("comment", "")
    ]


def test_the_suite_passes_clean_against_a_cpo_process_behind_the_hub(tmp_path):
    hub = make_hub(tmp_path, data={}, command_delay=0, cdrs=0)
    results, har = tmp_path / "results.json", tmp_path / "exchanges.har"
    with serve_in_thread(hub) as server, mock_process(
        "--role", "cpo", "--country-code", CPO[0], "--party-id", CPO[1],
        "--database", str(tmp_path / "cpo.sqlite"), "--command-delay", "0", "--cdrs", "0",
        "--register-to", f"{server.url}/ocpi/versions", "--peer-token-a", "hub-token-A",
    ) as cpo_url:  # fmt: skip
        wait_for(lambda: CPO in connected_parties(server.url), "the CPO process to register")
        token_a = hub.test_client().post("/admin/tokens-a", json={}).get_json()["data"]
        pytest.main([
            *suite_args(),
            f"--ocpi-versions-url={server.url}/ocpi/versions",
            f"--ocpi-token={token_a['token']}", "--ocpi-role=CPO", "--ocpi-mode=sandbox",
            "--ocpi-version=2.2.1", "--ocpi-via-hub", f"--ocpi-party={CPO[0]}/{CPO[1]}",
            "--ocpi-churn-wait=3", f"--ocpi-churn-control={cpo_url}",
            f"--ocpi-results={results}", f"--ocpi-har={har}",
        ])  # fmt: skip
    found = json.loads(results.read_text())
    assert failed(found) == {}, [r["message"] for r in found["checks"] if r["id"] in failed(found)]
    verdicts = outcomes(found)
    for check_id in (
        "commands.start_session.result",  # relayed by the hub, with its token for us
        "via_hub.requests_routed",
        "via_hub.answers_routed",
        "client.authorization",
        "client.url_pattern",
    ):
        assert verdicts[check_id] == "pass", check_id
    incoming = _incoming(har)
    results_posted = [(m, u, s) for m, u, s in incoming if "/sender/commands/" in u]
    assert results_posted and all(s == 200 for _, _, s in results_posted), results_posted
    pushes = [u for m, u, _ in incoming if m in ("PUT", "PATCH") and "/receiver/locations/" in u]
    assert pushes and all(f"/locations/{CPO[0]}/{CPO[1]}/" in u for u in pushes), pushes

"""The suite run end to end, as a user runs it: the CLI in a subprocess, real loopback HTTP."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

CLI = str(Path(sys.executable).parent / "ocpi-conformance")


def run_cli(*args: str, cwd: Path) -> tuple[int, str, dict | None]:
    proc = subprocess.run([CLI, "run", *args], cwd=cwd, capture_output=True, text=True, timeout=300)
    results_path = cwd / "reports" / "results.json"
    results = json.loads(results_path.read_text()) if results_path.exists() else None
    return proc.returncode, proc.stdout + proc.stderr, results


def outcomes(results: dict) -> dict[str, str]:
    return {record["id"]: record["outcome"] for record in results["checks"]}


@pytest.mark.parametrize("role", ["cpo", "emsp"])
def test_suite_passes_against_the_clean_mock(tmp_path: Path, role: str):
    code, output, results = run_cli("--mock", role, cwd=tmp_path)
    assert code == 0, output
    assert results["summary"]["fail"] == 0 and results["summary"]["warn"] == 0, output
    found = outcomes(results)
    for check_id in (
        "credentials.post.register",
        "credentials.token_a.revoked",
        "credentials.post.already_registered_405",
        "auth.missing_token_401",
    ):
        assert found[check_id] == "pass"
    for name in ("report.html", "junit.xml", "results.json"):
        assert (tmp_path / "reports" / name).stat().st_size > 0
    assert "OCPI conformance summary" in output
    # the checks for other roles, versions and modes do not apply: not "could not run"
    assert not results["skips"]["mostly_skipped"] and not results["skips"]["nothing_tested"]
    assert "could not run" not in output


@pytest.mark.parametrize(
    ("fault", "check_id"),
    [
        ("auth.token_a_still_valid", "credentials.token_a.revoked"),
        ("credentials.repeat_post_accepted", "credentials.post.already_registered_405"),
    ],
)
def test_a_fault_fails_exactly_its_check(tmp_path: Path, fault: str, check_id: str):
    code, output, results = run_cli(
        "--mock",
        "cpo",
        "--mock-fault",
        fault,
        "-k",
        "versions or auth or credentials",
        cwd=tmp_path,
    )
    assert code == 1, output
    failed = {k for k, v in outcomes(results).items() if v in ("fail", "error", "warn")}
    assert failed == {check_id}, output
    record = next(r for r in results["checks"] if r["id"] == check_id)
    assert "Expected: HTTP" in record["message"] and "Spec: 2.2.1 §7" in record["message"]
    junit = (tmp_path / "reports" / "junit.xml").read_text()
    assert check_id in junit
    html = (tmp_path / "reports" / "report.html").read_text()
    assert check_id in html


def test_unreachable_target_exits_3(tmp_path: Path):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    code, output, results = run_cli(
        "--versions-url",
        f"http://127.0.0.1:{port}/ocpi/versions",
        "--token",
        "x",
        "--role",
        "cpo",
        cwd=tmp_path,
    )
    assert code == 3, output
    assert "connection refused" in output
    assert results["target_reachable"] is False


def test_no_token_leaks_into_the_reports(tmp_path: Path):
    import base64
    import html

    from mock_party import MockConfig, create_app
    from mock_party.server import serve_in_thread
    from mock_party.store import Store

    database = str(tmp_path / "target.sqlite")
    app = create_app(MockConfig(database=database, token_a="known-token-A-for-leak-test"))
    with serve_in_thread(app) as server:
        code, output, _ = run_cli(
            "--versions-url",
            f"{server.url}/ocpi/versions",
            "--token",
            "known-token-A-for-leak-test",
            "--role",
            "cpo",
            "--mode",
            "sandbox",
            cwd=tmp_path,
        )
    assert code == 0, output
    (partner,) = Store(database).partners()
    secrets = ["known-token-A-for-leak-test", partner.token_in, partner.token_out]
    secrets += [base64.b64encode(s.encode()).decode() for s in secrets]
    reports = {p.name: html.unescape(p.read_text()) for p in (tmp_path / "reports").iterdir()}
    assert set(reports) >= {"report.html", "junit.xml", "results.json"}
    for name, text in reports.items():
        for secret in secrets:
            assert secret not in text, f"a token appears unmasked in {name}"
    for secret in secrets:
        assert secret not in output
    assert "Token ****" in reports["report.html"]


def test_blocked_token_from_the_target_file_is_used(tmp_path: Path):
    """Naming a token the mock eMSP allows as 'blocked' must fail the check: proof the file's
    token, not a listed one, is authorized."""
    import httpx

    from mock_party import MockConfig, create_app
    from mock_party.server import serve_in_thread

    app = create_app(
        MockConfig(
            roles=("EMSP",), database=str(tmp_path / "e.sqlite"), token_a="emsp-token-A-blocked"
        )
    )
    with serve_in_thread(app) as server:
        tokens = httpx.get(f"{server.url}/admin/objects/tokens", timeout=10).json()["data"]
        allowed = next(t for t in tokens if t["valid"] and t["whitelist"] != "NEVER")
        (tmp_path / "target.toml").write_text(
            f'[target]\nversions_url = "{server.url}/ocpi/versions"\n'
            'token = "emsp-token-A-blocked"\nrole = "emsp"\nmode = "sandbox"\n'
            f'[tokens]\nblocked_uid = "{allowed["uid"]}"\n'
        )
        code, output, results = run_cli(
            "--config", "target.toml", "-k", "versions or credentials or authorize", cwd=tmp_path
        )
    assert outcomes(results)["tokens.authorize.invalid_not_allowed"] == "warn", output
    record = next(r for r in results["checks"] if r["id"] == "tokens.authorize.invalid_not_allowed")
    assert allowed["uid"] in record["message"]

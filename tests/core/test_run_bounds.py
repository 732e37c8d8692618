"""A run against a target that trickles its answers ends: each request at its --timeout, the
whole run at its --max-time, the checks left over reported as not run; a 50 MB page fails
that exchange and the run goes on."""

from __future__ import annotations

import json
from pathlib import Path

from core.cli_runs import run_against
from core.hostile_servers import envelope_answer, serve_raw


def _versions(url: str) -> bytes:
    data = [{"version": "2.2.1", "url": f"{url}/ocpi/2.2.1"}]
    return json.dumps({"data": data, "status_code": 1000, "timestamp": "2026-01-01T00:00:00Z"})


def _run(url: str, tmp_path: Path, *flags: str, timeout: float = 120) -> tuple[int, dict, str]:
    return run_against(
        f"{url}/ocpi/versions", "trickle-token-1234", tmp_path, *flags, timeout=timeout
    )


def test_a_trickling_target_is_cut_by_timeout_and_max_time(tmp_path):
    holder: dict[str, str] = {}

    def answer(_: str) -> bytes:
        return envelope_answer(_versions(holder["url"]).encode() + b" " * 2_000)

    # a byte every 50 ms: within any read timeout, the whole answer would take minutes
    with serve_raw(answer, pace=0.05, chunk=1, fast_head=True) as url:
        holder["url"] = url
        code, results, console = _run(url, tmp_path, "--timeout", "1", "--max-time", "6")
    checks = results["checks"]
    budget = [c for c in checks if c["message"].startswith("not run: budget spent")]
    assert budget, console
    assert results["stopped"].startswith("budget spent")
    cut = [c for c in checks if "no complete answer within 1.0 s" in c["message"]]
    assert cut, [c["message"] for c in checks][:5]
    assert "budget spent" in console
    assert code != 0


def test_a_50_megabyte_page_fails_its_exchange_and_the_run_goes_on(tmp_path):
    holder: dict[str, str] = {}
    huge = (
        b'{"data": ['
        + b'{"id": "x"},' * 4_500_000
        + b'{}], "status_code": 1000, '
        + (b'"timestamp": "2026-01-01T00:00:00Z"}')
    )

    def answer(line: str) -> bytes:
        if "/ocpi/versions" in line:
            return envelope_answer(_versions(holder["url"]).encode())
        return envelope_answer(huge)

    with serve_raw(answer) as url:
        holder["url"] = url
        code, results, console = _run(url, tmp_path, "--max-body", "5000000")
    messages = [c["message"] for c in results["checks"]]
    assert any("larger than 5000000 bytes" in m for m in messages), messages
    assert len([c for c in results["checks"] if c["outcome"] == "pass"]) >= 1
    har = (tmp_path / "reports" / "exchanges.har").stat().st_size
    assert har < 5_000_000, har
    assert code == 1

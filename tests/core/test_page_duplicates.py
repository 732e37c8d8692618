"""A page holding the same Location 25,000 times is a pagination finding (pagination.page_unique),
found over loopback from a raw server, with the count in the message."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from core.hostile_servers import envelope_answer, serve_raw

CLI = str(Path(sys.executable).parent / "ocpi-conformance")
STAMP = "2026-01-01T00:00:00Z"
COPIES = 25_000


def _envelope(data) -> bytes:
    return json.dumps({"data": data, "status_code": 1000, "timestamp": STAMP}).encode()


def _run(tmp_path: Path, copies: int) -> dict:
    state = {"url": ""}
    location = {"country_code": "NL", "party_id": "DUP", "id": "LOC1", "last_updated": STAMP}
    page = _envelope([location] * copies)

    def answer(line: str) -> bytes:
        base = state["url"]
        path = line.split()[1]
        if path.startswith("/ocpi/versions"):
            return envelope_answer(_envelope([{"version": "2.2.1", "url": f"{base}/ocpi/2.2.1"}]))
        if path == "/ocpi/2.2.1":
            endpoints = [
                {"identifier": "credentials", "role": "RECEIVER", "url": f"{base}/cred"},
                {"identifier": "locations", "role": "SENDER", "url": f"{base}/locations"},
            ]
            return envelope_answer(_envelope({"version": "2.2.1", "endpoints": endpoints}))
        return envelope_answer(page, f"X-Total-Count: {copies}\r\nX-Limit: {copies}\r\n")

    reports = tmp_path / "reports"
    with serve_raw(answer) as url:
        state["url"] = url
        subprocess.run(
            [CLI, "run", "--versions-url", f"{url}/ocpi/versions", "--token", "dup-1234"]
            + ["--role", "cpo", "-k", "page_unique", "--report-dir", str(reports)],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=tmp_path,
        )
    results = json.loads((reports / "results.json").read_text())
    (record,) = [c for c in results["checks"] if c["id"] == "pagination.page_unique"]
    return record


def test_a_page_of_25000_copies_fails_page_unique(tmp_path):
    record = _run(tmp_path, COPIES)
    assert record["outcome"] == "fail", record
    assert f"NL/DUP/LOC1 {COPIES} times" in record["message"]
    assert "2.2.1 §4.1.4.1.3" in record["message"]


def test_one_copy_passes(tmp_path):
    assert _run(tmp_path, 1)["outcome"] == "pass"

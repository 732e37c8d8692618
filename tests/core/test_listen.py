"""``ocpi-conformance listen``: our counterpart stays up and the target's calls are graded."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from conformance.listen import wait_for_calls
from mock_party import MockConfig, create_app
from mock_party.server import serve_in_thread
from mock_party.store import Store
from ocpi_core.exchange import ExchangeRecorder

CLI = str(Path(sys.executable).parent / "ocpi-conformance")


def test_wait_for_calls_reports_each_incoming_call():
    recorder = ExchangeRecorder()
    now = [0.0]
    lines: list[str] = []

    def sleep(seconds: float) -> None:
        now[0] += seconds
        if now[0] == 1.0:  # the target calls us once while we wait
            for direction in ("incoming", "outgoing"):
                recorder.record(
                    method="POST",
                    url="http://us/ocpi/2.2.1/receiver/cdrs",
                    request_headers=[],
                    request_body=b"{}",
                    status=201,
                    started_at="2026-01-01T00:00:00Z",
                    elapsed=0.01,
                    direction=direction,
                )

    count = wait_for_calls(
        recorder, 0.05, lines.append, poll=0.5, clock=lambda: now[0], sleep=sleep
    )
    assert count == 1
    assert lines[0].startswith("Listening for 0.05 minute(s)")
    assert lines[1] == "  ⇠ POST http://us/ocpi/2.2.1/receiver/cdrs → 201"
    assert lines[-1] == "Stopped listening: 1 call(s) received; grading them now."
    assert now[0] == 3.0


def test_listen_grades_a_push_made_while_listening(tmp_path: Path):
    database = str(tmp_path / "cpo.sqlite")
    app = create_app(MockConfig(database=database, token_a="listen-token-A-0001"))
    with serve_in_thread(app) as server:
        location = httpx.get(f"{server.url}/admin/objects/locations", timeout=10).json()["data"][0]

        def push_when_registered() -> None:
            for _ in range(200):
                partners = Store(database).partners()
                if partners and partners[0].registered:
                    break
                time.sleep(0.05)
            time.sleep(0.3)
            httpx.post(
                f"{server.url}/admin/evse-status",
                timeout=10,
                json={
                    "location_id": location["id"],
                    "evse_uid": location["evses"][0]["uid"],
                    "status": "CHARGING",
                },
            )

        pusher = threading.Thread(target=push_when_registered)
        pusher.start()
        proc = subprocess.run(
            [
                CLI,
                "listen",
                "--versions-url",
                f"{server.url}/ocpi/versions",
                "--token",
                "listen-token-A-0001",
                "--role",
                "cpo",
                "--minutes",
                "0.08",
            ],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=300,
        )
        pusher.join()
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Listening for 0.08 minute(s)" in proc.stderr
    assert "⇠ PATCH" in proc.stderr and "/receiver/locations/" in proc.stderr
    har = json.loads((tmp_path / "reports" / "exchanges.har").read_text())
    pushed = [
        e
        for e in har["log"]["entries"]
        if e["request"]["method"] == "PATCH" and "incoming" in e.get("comment", "")
    ]
    assert pushed

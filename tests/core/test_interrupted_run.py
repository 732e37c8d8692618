"""A run stopped by SIGTERM (CI job limits, ``timeout``) or SIGINT (Ctrl-C) while a check waits
for an answer still writes every report, marks that check as interrupted and the rest as not
run, says "interrupted" in the summary and exits with its own code (4)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.hostile_servers import envelope_answer, serve_raw

CLI = str(Path(sys.executable).parent / "ocpi-conformance")
EXIT_INTERRUPTED = 4


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_stopped_run_writes_every_report(tmp_path, sig):
    holder: dict[str, str] = {}

    def answer(line: str) -> bytes:
        if "/ocpi/versions" in line:
            data = [{"version": "2.2.1", "url": f"{holder['url']}/ocpi/2.2.1"}]
            body = {"data": data, "status_code": 1000, "timestamp": "2026-01-01T00:00:00Z"}
            return envelope_answer(json.dumps(body).encode())
        time.sleep(30)  # the version details never come
        return b""

    reports = tmp_path / "reports"
    with serve_raw(answer) as url:
        holder["url"] = url
        proc = subprocess.Popen(
            [
                CLI,
                "run",
                "--versions-url",
                f"{url}/ocpi/versions",
                "--token",
                "stop-token-1234",
                "--role",
                "cpo",
                "--timeout",
                "60",
                "--report-dir",
                str(reports),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            cwd=tmp_path,
        )
        seen = ""
        while "  versions" not in seen:  # the first check has begun (it waits for the details)
            char = proc.stdout.read(1)
            assert char, seen
            seen += char
        time.sleep(1)
        proc.send_signal(sig)
        rest, _ = proc.communicate(timeout=60)
        output = seen + rest
    assert proc.returncode == EXIT_INTERRUPTED, output
    assert "interrupted" in output.lower() and "Traceback" not in output, output
    results = json.loads((reports / "results.json").read_text())
    assert results["stopped"] == f"interrupted ({sig.name})"
    checks = results["checks"]
    interrupted = [c for c in checks if c["message"].startswith("interrupted")]
    assert len(interrupted) == 1, [(c["id"], c["outcome"], c["message"][:60]) for c in checks[:4]]
    assert interrupted[0]["outcome"] == "error"
    not_run = [c for c in checks if c["message"].startswith(f"not run: interrupted ({sig.name})")]
    assert len(not_run) >= 40
    assert all(c["outcome"] != "pass" for c in checks[checks.index(interrupted[0]) :])
    junit = (reports / "junit.xml").read_text()
    assert junit.count("<testcase") == len(checks)
    assert "not run: interrupted" in (reports / "report.html").read_text()
    assert (reports / "exchanges.har").exists()

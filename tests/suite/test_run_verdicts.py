"""How a whole run ends when it cannot test what was asked: a read-only run given a registration
token (token A) stops with a usage error (exit 2) before any check judges the target."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def _cli(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess, dict]:
    command = [str(Path(sys.executable).parent / "ocpi-conformance"), "run", *args]
    command += ["--report-dir", "reports"]
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    results_path = tmp_path / "reports" / "results.json"
    assert results_path.exists(), done.stdout + done.stderr
    return done, json.loads(results_path.read_text())


def test_read_only_with_token_a_is_a_usage_error(tmp_path: Path) -> None:
    done, results = _cli(tmp_path, "--mock", "cpo", "--mode", "read-only")
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Usage error: the token reaches the versions endpoints but not the modules" in (
        done.stdout
    )
    assert "--mode sandbox" in done.stdout and "existing connection" in done.stdout
    assert results["stopped"].startswith("usage error: ")
    assert results["summary"]["must_failed"] == 0
    assert results["summary"]["fail"] == results["summary"]["error"] == 0
    assert all(record["outcome"] == "skip" for record in results["checks"])
    assert (tmp_path / "reports" / "report.html").read_text().count("usage error") >= 1

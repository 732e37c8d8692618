"""One real ``ocpi-conformance run`` process against a target at a versions URL, in a folder of
the test's, and what it left: exit status, results.json and the console."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

CLI = str(Path(sys.executable).parent / "ocpi-conformance")


def run_against(
    versions_url: str,
    token: str,
    folder: Path,
    *flags: str,
    role: str = "cpo",
    timeout: float = 120,
) -> tuple[int, dict, str]:
    """``ocpi-conformance run`` against ``versions_url`` as ``role``, its reports in
    ``folder/reports``, started in ``folder`` (made if missing); exit status, results.json and
    stdout + stderr."""
    folder.mkdir(parents=True, exist_ok=True)
    reports = folder / "reports"
    proc = subprocess.run(
        [
            CLI,
            "run",
            "--versions-url",
            versions_url,
            "--token",
            token,
            "--role",
            role,
            "--report-dir",
            str(reports),
            *flags,
        ],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=folder,
    )
    results = json.loads((reports / "results.json").read_text())
    return proc.returncode, results, proc.stdout + proc.stderr

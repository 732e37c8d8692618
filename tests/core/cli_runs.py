"""One real ``ocpi-conformance`` process in a folder of the test's, and what it left: exit status
and the console (:func:`run_cli`), and results.json for a run against a versions URL
(:func:`run_against`)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

CLI = str(Path(sys.executable).parent / "ocpi-conformance")


def run_cli(folder: Path, *args: str, timeout: float = 120) -> tuple[int, str]:
    """``ocpi-conformance *args`` started in ``folder``; exit status and stdout + stderr."""
    proc = subprocess.run([CLI, *args], capture_output=True, text=True, timeout=timeout, cwd=folder)
    return proc.returncode, proc.stdout + proc.stderr


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
    code, console = run_cli(
        folder,
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
        timeout=timeout,
    )
    results = json.loads((reports / "results.json").read_text())
    return code, results, console

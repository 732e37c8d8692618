"""A run where most checks could not run says so, and one that tested no module exits 5: the CLI
in a subprocess against a mock on loopback whose every module URL redirects to another origin
(so registration and every list stand behind a redirect the suite does not follow)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from suite._wrappers import CrossOriginRedirect

from mock_party.app import create_app
from mock_party.config import MockConfig
from mock_party.server import serve_in_thread

CLI = str(Path(sys.executable).parent / "ocpi-conformance")
EXIT_NOTHING_TESTED = 5

pytestmark = pytest.mark.slow


def test_a_run_that_tests_no_module_says_so_and_exits_5(tmp_path: Path) -> None:
    app = create_app(MockConfig(roles=("CPO",), versions=("2.2.1",)))
    server = serve_in_thread(CrossOriginRedirect(app.wsgi_app))
    try:
        proc = subprocess.run(
            [
                CLI,
                "run",
                "--versions-url",
                f"{server.url}/ocpi/versions",
                "--token",
                app.config["OCPI_TOKEN_A"],
                "--role",
                "cpo",
                "--mode",
                "sandbox",
                "--churn-wait",
                "0",
            ],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=300,
        )
    finally:
        server.stop()
    output = proc.stdout + proc.stderr
    assert proc.returncode == EXIT_NOTHING_TESTED, output
    assert "Traceback" not in output
    line = re.search(r"(\d+) of (\d+) checks could not run; main causes: (.*)", output)
    assert line is not None, output
    could_not, applicable = int(line[1]), int(line[2])
    assert could_not > applicable / 2
    assert "not registered with the target" in line[3] and "transport.no_redirect" in line[3]
    assert "No module could be tested" in output

    results = json.loads((tmp_path / "reports" / "results.json").read_text())
    skips = results["skips"]
    assert (skips["could_not_run"], skips["applicable"]) == (could_not, applicable)
    assert skips["nothing_tested"] and skips["mostly_skipped"]
    assert skips["modules_tested"] == []
    assert skips["not_applicable"] + skips["applicable"] == results["summary"]["total"]
    assert len(skips["causes"]) == 3
    assert sum(c["checks"] for c in skips["causes"]) <= could_not
    assert results["summary"]["must_failed"] == 0
    html = (tmp_path / "reports" / "report.html").read_text()
    assert f"{could_not} of {applicable} checks could not run" in html
    assert "No module could be tested" in html
    assert "redirect not followed: http://localhost:" in html  # the hop, in its exchange
    har = json.loads((tmp_path / "reports" / "exchanges.har").read_text())
    hops = [e for e in har["log"]["entries"] if e["response"]["status"] == 307]
    assert hops and all(e["response"]["redirectURL"].startswith("http://localhost:") for e in hops)
    assert all("redirect not followed" in e["comment"] for e in hops)

"""The four outputs of a run tell the same story, and the HTML report renders in a browser."""

from __future__ import annotations

import html
import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from browser_support import chromium
from click.testing import CliRunner
from jsonschema import Draft202012Validator

from conformance.cli import main as cli

CLI = str(Path(sys.executable).parent / "ocpi-conformance")
FAULT, CHECK = "credentials.repeat_post_accepted", "credentials.post.already_registered_405"


@pytest.fixture(scope="module")
def faulty_run(tmp_path_factory) -> tuple[Path, str]:
    cwd = tmp_path_factory.mktemp("faulty")
    proc = subprocess.run(
        [CLI, "run", "--mock", "cpo", "--mock-fault", FAULT],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    return cwd / "reports", proc.stdout


def test_console_shows_progress_and_summary(faulty_run):
    _, output = faulty_run
    assert "  versions" in output and "  credentials" in output and "FAILED" in output
    assert f"FAIL  {CHECK}: POST credentials when already registered" in output
    assert "Report: reports/report.html" in output


def test_results_json_is_valid_and_holds_the_failure(faulty_run):
    reports, _ = faulty_run
    results = json.loads((reports / "results.json").read_text())
    schema = json.loads((Path(__file__).parents[2] / "conformance/results.schema.json").read_text())
    errors = list(Draft202012Validator(schema).iter_errors(results))
    assert errors == []
    record = next(r for r in results["checks"] if r["id"] == CHECK)
    assert record["outcome"] == "fail" and record["level"] == "MUST"
    assert record["exchanges"] >= 1
    assert results["summary"]["must_failed"] == 1
    assert results["target_reachable"] is True


def test_the_same_message_in_all_four_outputs(faulty_run):
    reports, _ = faulty_run
    results = json.loads((reports / "results.json").read_text())
    message = next(r["message"] for r in results["checks"] if r["id"] == CHECK)
    assert message.startswith("POST credentials when already registered: not refused with 405")

    junit = ET.parse(reports / "junit.xml").getroot()
    case = next(
        c
        for c in junit.iter("testcase")
        if any(p.get("value") == CHECK for p in c.iter("property"))
    )
    props = {p.get("name"): p.get("value") for p in case.iter("property")}
    assert props["level"] == "MUST" and props["spec"] == "2.2.1 §7.2.2 Credentials POST"
    assert case.find("failure").text.strip() == message.strip()

    page = html.unescape((reports / "report.html").read_text())
    assert message.splitlines()[0] in page and "Expected: HTTP 405 Method Not Allowed" in page

    har = json.loads((reports / "exchanges.har").read_text())
    entries = [
        e for e in har["log"]["entries"] if e.get("comment", "").startswith(f"check {CHECK}")
    ]
    assert har["log"]["version"] == "1.2" and entries
    assert any(e["request"]["method"] == "POST" and e["response"]["status"] == 200 for e in entries)
    for entry in har["log"]["entries"]:
        assert {"startedDateTime", "time", "request", "response", "cache", "timings"} <= set(entry)


def test_incoming_calls_are_in_the_har(faulty_run):
    reports, _ = faulty_run
    har = json.loads((reports / "exchanges.har").read_text())
    incoming = [e for e in har["log"]["entries"] if "incoming" in e.get("comment", "")]
    assert any(e["request"]["url"].endswith("/ocpi/versions") for e in incoming)


def test_matrix_folds_modules_where_nothing_was_judged(faulty_run):
    """A CPO run skips every hub check: hub gets no row of blanks, it is named under the table."""
    reports, _ = faulty_run
    page = (reports / "report.html").read_text()
    table = page[
        page.index('<table class="ocpi-matrix">') : page.index(
            "</table>", page.index('<table class="ocpi-matrix">')
        )
    ]
    assert "<td>credentials</td>" in table and "<td>locations</td>" in table
    assert "<td>hub</td>" not in table and "<td>via_hub</td>" not in table
    folded = page[page.index('class="ocpi-unjudged"') :].split("</p>", 1)[0]
    assert "hub (" in folded and "via_hub (" in folded
    assert "credentials" not in folded


def test_compare_lists_fixed_and_regressed(tmp_path):
    def results(outcomes: dict[str, str]) -> Path:
        path = tmp_path / f"r{len(list(tmp_path.iterdir()))}.json"
        path.write_text(
            json.dumps(
                {
                    "format": "ocpi-conformance-results/1",
                    "checks": [{"id": k, "outcome": v} for k, v in outcomes.items()],
                }
            )
        )
        return path

    old = results({"a.x": "pass", "b.y": "fail", "c.z": "fail", "d.w": "pass"})
    new = results({"a.x": "fail", "b.y": "pass", "c.z": "warn", "e.v": "pass"})
    result = CliRunner().invoke(cli, ["compare", str(old), str(new)])
    assert result.exit_code == 1
    assert "Regressed (1):\n  a.x: pass → fail" in result.output
    assert "Fixed (1):\n  b.y: fail → pass" in result.output
    assert "Still failing (1):\n  c.z: fail → warn" in result.output
    assert "New checks (1):\n  e.v: - → pass" in result.output
    assert "No longer run (1):\n  d.w: pass → -" in result.output
    clean = results({"a.x": "pass", "b.y": "skip"})
    same = CliRunner().invoke(cli, ["compare", str(clean), str(clean)])
    assert same.exit_code == 0 and "No differences in outcome." in same.output
    bad = CliRunner().invoke(cli, ["compare", str(tmp_path / "missing.json"), str(new)])
    assert bad.exit_code == 2 and "file not found" in bad.output


def test_report_renders_in_headless_chromium(faulty_run, tmp_path):
    reports, _ = faulty_run
    problems: list[str] = []
    with chromium("report's") as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 1600})
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.goto((reports / "report.html").as_uri())
        page.wait_for_selector("table.ocpi-matrix")
        matrix = page.inner_text("table.ocpi-matrix")
        assert "credentials" in matrix and "versions" in matrix
        failed_row = page.locator("tbody.results-table-row", has_text=CHECK).first
        assert "Failed" in failed_row.inner_text()
        failed_row.locator(".ocpi-exchanges summary").first.click()
        assert failed_row.locator(".ocpi-exchanges details[open] pre").first.is_visible()
        assert "Token ****" in failed_row.inner_text()
        page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
    assert (tmp_path / "report.png").stat().st_size > 10_000
    assert problems == []

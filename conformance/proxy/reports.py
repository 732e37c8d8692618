"""The reports of a proxy session, in the formats of a run: results.json, junit.xml,
exchanges.har and report.html, plus the matrix (each check: passed N, failed N, not seen).

A check's message is the run's own failure text (``checks._scan.fail_on``), so a finding reads
the same in a run and here.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment

from conformance import __version__
from conformance.checks._scan import fail_on
from conformance.failures import CheckFailure
from conformance.har import to_har_entry
from conformance.html_report import exchanges_html
from conformance.proxy.judge import Judge
from conformance.report import RESULTS_FORMAT
from conformance.rules import ExchangeRule, Finding
from ocpi_core.exchange import Exchange

__all__ = ["CheckTally", "matrix", "write_reports"]


@dataclass(frozen=True)
class CheckTally:
    """One row of the matrix."""

    rule: ExchangeRule
    passed: int
    failed: int
    findings: tuple[Finding, ...]

    @property
    def outcome(self) -> str:
        if self.failed:
            return "fail" if self.rule.level == "MUST" else "warn"
        return "pass" if self.passed else "skip"

    @property
    def sides(self) -> list[str]:
        return sorted({f.side for f in self.findings})

    @property
    def message(self) -> str:
        if not self.findings:
            return "" if self.passed else "not seen in the traffic"
        try:
            fail_on(
                [(f.exchange, f.problem) for f in self.findings],
                self.rule.title,
                expected=self.rule.expected,
                spec=self.rule.cited,
                hint=self.rule.hint,
            )
        except CheckFailure as failure:
            return str(failure).replace("of the run's exchanges", "of the exchanges seen")
        return ""


def matrix(judge: Judge) -> list[CheckTally]:
    """Every check the proxy judges, with how often it passed and failed."""
    by_check: dict[str, list[Finding]] = {}
    for finding in judge.findings:
        by_check.setdefault(finding.check_id, []).append(finding)
    return [
        CheckTally(
            rule,
            judge.passed[rule.check_id],
            judge.failed[rule.check_id],
            tuple(by_check.get(rule.check_id, ())),
        )
        for rule in judge.catalogue()
    ]


def reachable(exchanges: list[Exchange]) -> bool | None:
    """Whether platform B answered: ``True`` once it answered anything, ``False`` when every call
    to it failed (refused, timed out), ``None`` when A never called it."""
    to_b = [e for e in exchanges if e.direction == "A→B"]
    if not to_b:
        return None
    return any(e.status is not None for e in to_b)


def results_document(
    rows: list[CheckTally],
    *,
    upstream: str,
    role: str,
    version: str,
    started: datetime,
    target_reachable: bool | None = None,
) -> dict[str, Any]:
    counts = Counter(row.outcome for row in rows)
    summary = {k: counts.get(k, 0) for k in ("pass", "fail", "warn", "skip", "xfail", "error")}
    summary["total"] = len(rows)
    summary["must_failed"] = sum(1 for row in rows if row.outcome == "fail")
    return {
        "format": RESULTS_FORMAT,
        "suite_version": __version__,
        "target": {"versions_url": upstream, "role": role, "version": version, "mode": "sandbox"},
        "started_at": started.isoformat(timespec="seconds"),
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "target_reachable": target_reachable,
        "summary": summary,
        "checks": [
            {
                "id": row.rule.check_id,
                "title": row.rule.title,
                "level": row.rule.level,
                "spec": row.rule.spec,
                "outcome": row.outcome,
                "message": row.message,
                "duration": 0.0,
                "exchanges": row.passed + row.failed,
                "passed": row.passed,
                "failed": row.failed,
                "broken_by": row.sides,
            }
            for row in rows
        ],
        "source": "proxy",
    }


def junit_xml(rows: list[CheckTally]) -> bytes:
    suite = ET.Element(
        "testsuite",
        name="ocpi-conformance-proxy",
        tests=str(len(rows)),
        failures=str(sum(1 for r in rows if r.outcome == "fail")),
        skipped=str(sum(1 for r in rows if r.outcome == "skip")),
    )
    for row in rows:
        case = ET.SubElement(suite, "testcase", classname="proxy", name=row.rule.check_id)
        properties = ET.SubElement(case, "properties")
        for name, value in (
            ("check_id", row.rule.check_id),
            ("level", row.rule.level),
            ("spec", row.rule.spec),
        ):
            ET.SubElement(properties, "property", name=name, value=value)
        if row.outcome in ("fail", "warn"):
            first = row.message.splitlines()[0] if row.message else ""
            tag = "failure" if row.outcome == "fail" else "system-out"
            element = ET.SubElement(case, tag, message=first) if tag == "failure" else None
            (element if element is not None else ET.SubElement(case, tag)).text = row.message
        elif row.outcome == "skip":
            ET.SubElement(case, "skipped", message=row.message)
    return ET.tostring(ET.ElementTree(suite).getroot(), encoding="utf-8", xml_declaration=True)


def har_document(exchanges: list[Exchange], findings: dict[int, list[Finding]]) -> dict[str, Any]:
    entries = []
    for index, exchange in enumerate(exchanges):
        entry = to_har_entry(exchange.as_dict())
        found = findings.get(index, [])
        notes = [f"{exchange.direction}"] + [f"{f.check_id} broken by {f.side}" for f in found]
        entry["comment"] = "; ".join(notes)
        entries.append(entry)
    return {
        "log": {
            "version": "1.2",
            "creator": {"name": "ocpi-conformance proxy", "version": __version__},
            "entries": entries,
        }
    }


_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>OCPI proxy: {{ upstream }}</title>
<style>
body{font-family:sans-serif;margin:20px}table{border-collapse:collapse;margin:8px 0}
th,td{border:1px solid #ccc;padding:2px 10px;text-align:left;vertical-align:top}
.fail{color:#b00;font-weight:bold}.warn{color:#a60}.skip{color:#777}
pre{background:#f6f6f6;padding:6px;white-space:pre-wrap}
.ocpi-exchanges details{margin:4px 0}.ocpi-exchanges summary{cursor:pointer;font-family:monospace}
.ocpi-headers{font-family:monospace;font-size:12px}
.run-warning{color:#fff;background:#b00;padding:6px 10px}
</style></head><body>
<h1>OCPI traffic graded by the proxy</h1>
{% for warning in warnings %}<p class="run-warning"><b>{{ warning }}</b></p>{% endfor %}
<table class="facts">
<tr><th>Platform B (upstream)</th><td>{{ upstream }}</td></tr>
<tr><th>Platform A</th><td>{{ downstream or "learned from its credentials" }}</td></tr>
<tr><th>OCPI version</th><td>{{ version }}</td></tr>
<tr><th>From</th><td>{{ started }}</td></tr><tr><th>To</th><td>{{ finished }}</td></tr>
<tr><th>Exchanges</th><td>{{ exchanges|length }}</td></tr>
<tr><th>Suite</th><td>ocpi-conformance {{ suite_version }}</td></tr>
</table>
{% if must_failed %}<p class="fail">Verdict: {{ must_failed }} MUST check(s) broken.</p>
{% else %}<p><b>Verdict: no MUST rule broken in the traffic seen.</b></p>{% endif %}
<h2>Matrix</h2>
<table class="ocpi-matrix" id="matrix">
<tr><th>check</th><th>level</th><th>spec</th><th>passed</th><th>failed</th><th>broken by</th>
<th>outcome</th></tr>
{% for row in rows %}<tr class="{{ row.outcome }}"><td>{{ row.rule.check_id }}</td>
<td>{{ row.rule.level }}</td><td>{{ row.rule.spec }}</td><td>{{ row.passed }}</td>
<td>{{ row.failed }}</td><td>{{ row.sides|join(", ") }}</td>
<td>{{ "not seen" if row.outcome == "skip" else row.outcome }}</td></tr>
{% endfor %}</table>
<h2>Findings</h2>
{% for row in rows if row.findings %}<h3 class="{{ row.outcome }}">{{ row.rule.check_id }}</h3>
<pre>{{ row.message }}</pre>{% else %}<p>None.</p>{% endfor %}
<h2>Every exchange</h2>
<p>A→B: platform A called platform B through the front listener; B→A: the other way.</p>
{{ exchanges_html|safe }}
</body></html>
"""


def write_reports(
    report_dir: Path,
    judge: Judge,
    exchanges: list[Exchange],
    findings: dict[int, list[Finding]],
    *,
    upstream: str,
    downstream: str | None,
    role: str,
    version: str,
    started: datetime,
    warnings: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Write the four files and return the results document."""
    report_dir.mkdir(parents=True, exist_ok=True)
    rows = matrix(judge)
    results = results_document(
        rows,
        upstream=upstream,
        role=role,
        version=version,
        started=started,
        target_reachable=reachable(exchanges),
    )
    results["warnings"] = list(warnings)
    (report_dir / "results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    (report_dir / "junit.xml").write_bytes(junit_xml(rows))
    har = har_document(exchanges, findings)
    (report_dir / "exchanges.har").write_text(json.dumps(har, indent=1, ensure_ascii=False))
    page = Environment(autoescape=True).from_string(_PAGE)
    (report_dir / "report.html").write_text(
        page.render(
            upstream=upstream,
            downstream=downstream,
            version=version,
            warnings=warnings,
            started=results["started_at"],
            finished=results["finished_at"],
            exchanges=exchanges,
            suite_version=__version__,
            must_failed=results["summary"]["must_failed"],
            rows=rows,
            exchanges_html=exchanges_html([e.as_dict() for e in exchanges]),
        )
    )
    return results


def matrix_lines(rows: list[CheckTally]) -> list[str]:
    """The matrix for the console."""
    lines = [f"  {'check':44} {'passed':>7} {'failed':>7}  broken by"]
    for row in rows:
        if row.outcome == "skip":
            lines.append(f"  {row.rule.check_id:44} {'not seen':>15}")
            continue
        sides = ", ".join(row.sides)
        lines.append(f"  {row.rule.check_id:44} {row.passed:>7} {row.failed:>7}  {sides}")
    return lines

"""Our part of ``report.html`` (pytest-html): header, conformance matrix, check columns and
each check's exchanges. Registered only when pytest-html is active."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, datetime
from html import escape
from typing import Any

import pytest

from conformance import __version__
from conformance.config import TargetConfig
from conformance.failures import format_body
from conformance.report import KEEP_FIRST, fold_outcome, left_out_text, outcome_of
from conformance.skips import summarize_skips
from conformance.tls_options import run_warnings

__all__ = ["HtmlExtras", "exchanges_html", "matrix_html"]

_FULL = {"max_lines": 2_000, "max_chars": 200_000}
_OUTCOMES = ("pass", "fail", "warn", "skip", "xfail")
_CSS = """
<style>
.ocpi-matrix{border-collapse:collapse;margin:8px 0}
.ocpi-matrix th,.ocpi-matrix td{border:1px solid #ccc;padding:2px 10px;text-align:right}
.ocpi-matrix th:first-child,.ocpi-matrix td:first-child{text-align:left}
.ocpi-matrix .fail{color:#b00;font-weight:bold}.ocpi-matrix .warn{color:#a60}
.ocpi-skipped{color:#b00;border:2px solid #b00;padding:6px}
.ocpi-exchanges details{margin:4px 0;white-space:normal}
.ocpi-exchanges summary{cursor:pointer;font-family:monospace}
.ocpi-headers{font-family:monospace;font-size:12px}
.ocpi-headers th{text-align:left;padding-right:12px;vertical-align:top}
.ocpi-run-warning{color:#fff;background:#b00;padding:6px 10px;font-size:15px}
</style>
"""


def _headers_html(headers: dict[str, str]) -> str:
    rows = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in headers.items())
    return f'<table class="ocpi-headers">{rows}</table>'


def exchanges_html(exchanges: list[dict[str, Any]], left_out: int = 0) -> str:
    """Each exchange as a collapsible block: request and response headers and pretty bodies;
    ``left_out`` exchanges not stored are named where they were, after the first ones kept."""
    parts = ['<div class="ocpi-exchanges"><p><b>HTTP exchanges</b></p>']
    for number, ex in enumerate(exchanges):
        if left_out and number == KEEP_FIRST:
            parts.append(f'<p class="ocpi-left-out">… {left_out_text(left_out)} …</p>')
        arrow = " ⇠ the target called us" if ex.get("direction") == "incoming" else ""
        outcome = ex["status"] if ex["status"] is not None else f"no response: {ex['error']}"
        if ex.get("redirect"):
            outcome = f"{outcome}, redirect {ex['redirect']}"
        parts.append(
            "<details><summary>"
            f"{escape(ex['method'])} {escape(ex['url'])} → {escape(str(outcome))} "
            f"({ex['elapsed'] * 1000:.0f} ms){arrow}</summary>"
            f"<p>Request at {escape(ex['started_at'])}</p>"
            f"{_headers_html(ex['request_headers'])}"
            f"<pre>{escape(format_body(ex['request_body'], **_FULL))}</pre>"
            "<p>Response</p>"
            f"{_headers_html(ex['response_headers'])}"
            f"<pre>{escape(format_body(ex['response_body'], **_FULL))}</pre>"
            "</details>"
        )
    parts.append("</div>")
    return "".join(parts)


def matrix_html(counts: dict[str, Counter[str]]) -> str:
    """Modules (the first part of each check id) × outcomes, as a table.

    Modules whose every check skipped (the hub checks on a CPO run, say) are folded into one
    line under the table, so the table shows only what was judged.
    """
    head = "".join(f"<th>{o}</th>" for o in _OUTCOMES)
    rows, unjudged = [], []
    for module in sorted(counts):
        if counts[module] and set(+counts[module]) <= {"skip"}:
            unjudged.append(f"{escape(module)} ({counts[module]['skip']})")
            continue
        cells = "".join(f'<td class="{o}">{counts[module][o] or ""}</td>' for o in _OUTCOMES)
        rows.append(f"<tr><td>{escape(module)}</td>{cells}</tr>")
    table = f'<table class="ocpi-matrix"><tr><th>module</th>{head}</tr>{"".join(rows)}</table>'
    if unjudged:
        table += (
            '<p class="ocpi-unjudged">Not applicable to this target or not run (every check '
            f"skipped; open a row below for the reason): {', '.join(unjudged)}.</p>"
        )
    return table


def _tls_fact(target: TargetConfig) -> str:
    if target.insecure:
        said = "NOT verified (--insecure)"
    elif target.ca_cert:
        said = f"verified against {target.ca_cert}"
    else:
        said = "verified against the default trust store"
    if target.versions_url.startswith("http://"):
        said = "none (plain HTTP)"
    return said + (f"; client certificate {target.client_cert}" if target.client_cert else "")


class HtmlExtras:
    """pytest-html hooks: title, header with the run's facts, matrix, columns, exchanges."""

    def __init__(self, target: TargetConfig) -> None:
        self.target = target
        self.started = datetime.now(UTC)
        self.counts: dict[str, Counter[str]] = defaultdict(Counter)
        self.records: dict[str, dict[str, Any]] = {}  # for the skip summary

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        meta = getattr(report, "ocpi_check", None)
        outcome = outcome_of(report)
        if meta is None:
            return
        record = self.records.setdefault(
            report.nodeid, {"id": meta["id"], "outcome": "pass", "message": ""}
        )
        fold_outcome(record, report)
        if outcome is None:
            return
        outcome = "fail" if outcome == "error" else outcome
        self.counts[meta["id"].split(".", 1)[0]][outcome] += 1

    def pytest_html_report_title(self, report: Any) -> None:
        report.title = f"OCPI {self.target.version} conformance: {self.target.versions_url}"

    def pytest_html_results_summary(
        self, prefix: list[str], summary: list[str], postfix: list[str], session: Any
    ) -> None:
        t = self.target
        facts = [
            ("Target", t.versions_url),
            ("Role", t.role),
            ("OCPI version", t.version),
            ("Mode", t.mode),
            ("TLS", _tls_fact(t)),
            ("Date", self.started.strftime("%Y-%m-%d %H:%M UTC")),
            ("Suite", f"ocpi-conformance {__version__}"),
        ]
        rows = "".join(f"<tr><th>{k}</th><td>{escape(v)}</td></tr>" for k, v in facts)
        must_failed = sum(c["fail"] for c in self.counts.values())
        verdict = (
            "<p><b>Verdict: conformant for every check run.</b></p>"
            if not must_failed
            else f"<p><b>Verdict: {must_failed} check(s) failed.</b> Failures are listed "
            "first below; open a row to see the message and the HTTP exchanges.</p>"
        )
        skips = summarize_skips(self.records.values())
        if skips.mostly_skipped:
            tested = (
                "No module could be tested: only checks of the connection ran; the run "
                "says nothing about the modules' data."
                if skips.nothing_tested
                else "The verdict covers only the checks that ran."
            )
            verdict = (
                f'<p class="ocpi-skipped"><b>{escape(skips.sentence)}.</b> {tested}</p>'
                + verdict.replace("conformant for every check run", "no MUST check failed")
            )
        warnings = "".join(
            f'<p class="ocpi-run-warning"><b>{escape(w)}</b></p>' for w in run_warnings(t)
        )
        prefix.append(
            _CSS
            + warnings
            + f'<table class="ocpi-headers">{rows}</table>'
            + verdict
            + "<h3>Conformance matrix</h3>"
            + matrix_html(self.counts)
        )

    def pytest_html_results_table_header(self, cells: list[str]) -> None:
        cells.insert(1, '<th class="sortable" data-column-type="check">Check</th>')
        cells.insert(2, '<th class="sortable" data-column-type="level">Level</th>')
        cells.insert(3, '<th data-column-type="spec">Spec</th>')

    def pytest_html_results_table_row(self, report: Any, cells: list[str]) -> None:
        meta = getattr(report, "ocpi_check", None) or {}
        if getattr(report, "ocpi_warning", None):
            cells[0] = '<td class="col-result">Warned</td>'
        cells.insert(1, f'<td class="col-check">{escape(meta.get("id", ""))}</td>')
        cells.insert(2, f'<td class="col-level">{escape(meta.get("level", ""))}</td>')
        cells.insert(3, f'<td class="col-spec">{escape(meta.get("spec", ""))}</td>')

    def pytest_html_results_table_html(self, report: Any, data: list[str]) -> None:
        exchanges = getattr(report, "ocpi_exchanges", None)
        if exchanges:
            data.append(exchanges_html(exchanges, getattr(report, "ocpi_exchanges_left_out", 0)))

"""The index of a fleet run: ``results.json`` (a row per target, schema
``fleet_index.schema.json``) and ``report.html`` (the same rows, each linking to its report)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment

from conformance import __version__
from conformance.fleet import FleetEntry

__all__ = ["FLEET_FORMAT", "fleet_row", "write_fleet_index"]

FLEET_FORMAT = "ocpi-conformance-fleet/1"
_VERDICTS = {0: "passed", 1: "failed", 2: "configuration error", 3: "unreachable"}


def _last_error(console: Path) -> str | None:
    if not console.exists():
        return None
    lines = [line.strip() for line in console.read_text(errors="replace").splitlines()]
    errors = [line for line in lines if "error" in line.lower() or "could not" in line]
    return (errors or [line for line in lines if line] or [None])[-1]


def fleet_row(
    entry: FleetEntry, report_dir: Path, exit_code: int | None, duration: float
) -> dict[str, Any]:
    """The index row of one target, from the results.json its run wrote (if it wrote one)."""
    directory = report_dir / entry.name
    results_path = directory / "results.json"
    results = json.loads(results_path.read_text()) if results_path.exists() else None
    target = (results or {}).get("target", {})
    summary = (results or {}).get("summary", {})
    stopped = (results or {}).get("stopped")
    if exit_code is None:
        verdict, message = "not run", "not run: the fleet was interrupted"
    else:
        verdict = "interrupted" if exit_code == 4 else _VERDICTS.get(exit_code, "crashed")
        console = directory / "console.txt"
        message = stopped or (None if exit_code in (0, 1) else _last_error(console))
    settings = entry.document.get("target", {})
    return {
        "name": entry.name,
        "versions_url": target.get("versions_url", entry.versions_url),
        "role": target.get("role", entry.role),
        "version": target.get("version", settings.get("version")),
        "mode": target.get("mode", settings.get("mode")),
        "party": target.get("party", entry.party),
        "mock": entry.mock,
        "mock_faults": list(entry.mock_faults),
        "passed": summary.get("pass", 0),
        "failed": summary.get("fail", 0) + summary.get("error", 0),
        "warned": summary.get("warn", 0),
        "skipped": summary.get("skip", 0),
        "expected": summary.get("xfail", 0),
        "exit_code": exit_code,
        "verdict": verdict,
        "message": message,
        "duration": round(duration, 3),
        "report": f"{entry.name}/report.html" if (directory / "report.html").exists() else None,
        "results": f"{entry.name}/results.json" if results is not None else None,
    }


def write_fleet_index(
    report_dir: Path,
    rows: list[dict[str, Any]],
    *,
    fleet: str,
    started_at: float,
    exit_code: int,
    stopped: str | None,
) -> None:
    """``results.json`` and ``report.html`` over the fleet's runs, in ``report_dir``."""
    report_dir.mkdir(parents=True, exist_ok=True)
    index = {
        "format": FLEET_FORMAT,
        "suite_version": __version__,
        "fleet": fleet,
        "started_at": datetime.fromtimestamp(started_at, UTC).isoformat(),
        "finished_at": datetime.now(UTC).isoformat(),
        "exit_code": exit_code,
        "stopped": stopped,
        "targets": rows,
    }
    text = json.dumps(index, indent=2, ensure_ascii=False) + "\n"
    (report_dir / "results.json").write_text(text, encoding="utf-8")
    page = Environment(autoescape=True).from_string(_PAGE)
    (report_dir / "report.html").write_text(page.render(index=index), encoding="utf-8")


_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>OCPI conformance: fleet {{ index.fleet }}</title>
<style>
body { font-family: sans-serif; margin: 2em; }
table { border-collapse: collapse; }
th, td { border: 1px solid #ccc; padding: 4px 8px; text-align: left; }
td.n { text-align: right; }
.passed { background: #e6f4e6; } .failed { background: #fbe3e3; }
.unreachable, .configuration.error, .interrupted, .crashed, .not.run { background: #fff4d6; }
</style></head><body>
<h1>OCPI conformance of a fleet</h1>
<p>{{ index.targets | length }} targets from {{ index.fleet }}, {{ index.started_at }} to
{{ index.finished_at }}; exit status {{ index.exit_code }} (the worst of the runs){% if
index.stopped %}; {{ index.stopped }}{% endif %}.</p>
<table>
<tr><th>Target</th><th>Versions URL</th><th>Role</th><th>OCPI</th><th>Mode</th><th>Passed</th>
<th>Failed</th><th>Warned</th><th>Skipped</th><th>Expected (quirks)</th><th>Exit</th>
<th>Verdict</th></tr>
{% for row in index.targets %}
<tr class="{{ row.verdict }}">
<td>{% if row.report %}<a href="{{ row.report }}">{{ row.name }}</a>{% else %}{{ row.name }}{%
endif %}{% if row.mock %} (our mock {{ row.mock | upper }}{% if row.mock_faults %}, faults: {{
row.mock_faults | join(", ") }}{% endif %}){% endif %}</td>
<td>{{ row.versions_url or "" }}</td><td>{{ row.role or "" }}</td><td>{{ row.version or ""
}}</td><td>{{ row.mode or "" }}</td>
<td class="n">{{ row.passed }}</td><td class="n">{{ row.failed }}</td>
<td class="n">{{ row.warned }}</td><td class="n">{{ row.skipped }}</td>
<td class="n">{{ row.expected }}</td><td class="n">{{ row.exit_code }}</td>
<td>{{ row.verdict }}{% if row.message %}: {{ row.message }}{% endif %}</td></tr>
{% endfor %}
</table></body></html>
"""

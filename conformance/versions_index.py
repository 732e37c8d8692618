"""``--version all``: which versions a target offers, and the index over one report per version.

Each version is a run of its own (its own registration, counterpart and reports in
``<report-dir>/<version>/``); the index is ``results.json`` with one section per version and a
``report.html`` linking to each version's report.
"""

from __future__ import annotations

import html
import json
import ssl
from pathlib import Path
from typing import Any

import httpx

from conformance import __version__
from ocpi_core.client import OcpiClient, OcpiClientError

__all__ = ["INDEX_FORMAT", "offered_versions", "write_index"]

INDEX_FORMAT = "ocpi-conformance-results-index/1"


def offered_versions(
    versions_url: str,
    token: str,
    *,
    timeout: float = 10.0,
    transport: Any = None,
    verify: ssl.SSLContext | bool = True,
) -> list[str] | None:
    """The version numbers of the target's versions list; ``None`` when it cannot be read.

    The list is read with the Base64 token first (2.2+) and then with the plain one (2.1.1-only
    parties), as the spec advises for parties that serve both.
    """
    for version in ("2.2.1", "2.1.1"):
        with OcpiClient(
            token=token,
            version=version,
            transport=transport,
            verify=verify,
            timeout=httpx.Timeout(timeout, connect=min(5.0, timeout)),
        ) as client:
            try:
                response = client.get(versions_url)
            except OcpiClientError:
                return None
        if response.http_status == 401:
            continue
        data = response.data if response.is_envelope else None
        if response.http_status != 200 or not isinstance(data, list):
            return None
        return [str(v["version"]) for v in data if isinstance(v, dict) and "version" in v]
    return None


def write_index(directory: Path, results: dict[str, dict[str, Any] | None]) -> None:
    """``results.json`` and ``report.html`` over the per-version reports in ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    sections = {
        version: (
            {"report": f"{version}/report.html", **document}
            if document is not None
            else {"report": None, "error": "the run wrote no results"}
        )
        for version, document in results.items()
    }
    index = {"format": INDEX_FORMAT, "suite_version": __version__, "versions": sections}
    (directory / "results.json").write_text(json.dumps(index, indent=2, ensure_ascii=False) + "\n")
    rows = []
    for version, section in sections.items():
        summary = section.get("summary")
        if summary is None:
            rows.append(f"<tr><td>{html.escape(version)}</td><td colspan=6>no results</td></tr>")
            continue
        failed = summary["fail"] + summary["error"]
        rows.append(
            f"<tr><td><a href='{html.escape(version)}/report.html'>OCPI {html.escape(version)}"
            f"</a></td><td>{summary['pass']}</td><td>{failed}</td><td>{summary['warn']}</td>"
            f"<td>{summary['skip']}</td><td>{summary['xfail']}</td>"
            f"<td>{'FAIL' if summary['must_failed'] else 'PASS'}</td></tr>"
        )
    target = next((s.get("target") for s in sections.values() if s.get("target")), {}) or {}
    (directory / "report.html").write_text(
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        "<title>OCPI conformance: every version</title></head><body>"
        f"<h1>OCPI conformance of {html.escape(str(target.get('versions_url', '')))}</h1>"
        f"<p>Role {html.escape(str(target.get('role', '')))}, mode "
        f"{html.escape(str(target.get('mode', '')))}; one run per version offered.</p>"
        "<table border=1 cellpadding=4><tr><th>Version</th><th>Passed</th><th>Failed</th>"
        "<th>Warned</th><th>Skipped</th><th>Expected (quirks)</th><th>Verdict</th></tr>"
        + "".join(rows)
        + "</table></body></html>\n"
    )

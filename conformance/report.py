"""Report sinks: ``results.json`` and the HTML pieces for pytest-html.

A sink only reads reports; it never calls back into a check.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import pytest

from conformance import __version__
from conformance.config import TargetConfig
from conformance.skips import COULD_NOT_RUN, SKIP_KIND, summarize_skips
from conformance.tls_options import run_warnings, tls_facts
from ocpi_core.versions import VERSIONS, not_applicable

__all__ = [
    "UNREACHABLE_STOP",
    "USAGE_STOP",
    "ResultsJsonWriter",
    "check_meta",
    "fold_outcome",
    "kept_exchanges",
    "left_out_text",
    "outcome_of",
]

RESULTS_FORMAT = "ocpi-conformance-results/1"
T = TypeVar("T")
# The exchanges of one check kept for the reports: its first ones and its last ones (where a
# walk that went wrong ended); the rest are counted, not stored, so that one check against a
# server that never stops answering cannot grow the reports without end.
KEEP_FIRST, KEEP_LAST = 40, 10
# A "stopped" reason starting so: the run could not test the target as asked (exit 2).
USAGE_STOP = "usage error: "
# ... starting so: the target gave no HTTP answer at all (exit 3).
UNREACHABLE_STOP = "the target could not be reached: "


def kept_exchanges(
    exchanges: list[T], first: int = KEEP_FIRST, last: int = KEEP_LAST
) -> tuple[list[T], int]:
    """The exchanges to store for one check and how many of them were left out (between the
    first ``first`` and the last ``last``)."""
    if len(exchanges) <= first + last:
        return list(exchanges), 0
    return [*exchanges[:first], *exchanges[len(exchanges) - last :]], len(exchanges) - first - last


def left_out_text(left_out: int) -> str:
    """What the reports say where a check's exchanges were left out."""
    return (
        f"{left_out} more exchange(s) of this check left out of the reports "
        f"(the first {KEEP_FIRST} and the last {KEEP_LAST} are kept)"
    )


def check_meta(item: pytest.Item) -> dict[str, Any] | None:
    """The ``check`` marker of an item as a dict, with its defaults filled in."""
    marker = item.get_closest_marker("check")
    if marker is None:
        return None
    kwargs = marker.kwargs
    missing = [key for key in ("id", "spec") if key not in kwargs]
    if missing:
        raise pytest.UsageError(f"{item.nodeid}: check marker lacks {', '.join(missing)}")
    level = kwargs.get("level", "MUST")
    if level not in ("MUST", "SHOULD"):
        raise pytest.UsageError(f"{item.nodeid}: level must be MUST or SHOULD, not {level!r}")
    doc = (
        (getattr(item, "function", None).__doc__ or "").strip() if hasattr(item, "function") else ""
    )
    return {
        "id": kwargs["id"],
        "spec": kwargs["spec"],
        "level": level,
        "mode": kwargs.get("mode", "read-only"),
        "roles": tuple(kwargs.get("roles", ("CPO", "EMSP"))),
        "versions": applicable_versions(kwargs["id"], kwargs.get("versions")),
        "title": doc.splitlines()[0] if doc else kwargs["id"],
    }


def applicable_versions(check_id: str, versions: Any = None) -> tuple[str, ...]:
    """The OCPI versions a check applies to: its marker's ``versions``, less those lacking its
    module."""
    given = tuple(versions) if versions is not None else None
    return tuple(v for v in VERSIONS if not_applicable(check_id, given, v) is None)


def outcome_of(report: pytest.TestReport) -> str | None:
    """pass, fail, warn, skip, xfail (a declared quirk), error; None for a phase that adds
    nothing (a passing setup or teardown)."""
    if getattr(report, "ocpi_interrupted", False):
        return "error"
    if hasattr(report, "wasxfail"):
        return "xfail" if report.skipped else "pass"
    if report.skipped:
        return "skip"
    if report.failed:
        return "fail" if report.when == "call" else "error"
    if getattr(report, "ocpi_warning", None):
        return "warn"
    return "pass" if report.when == "call" else None


def _message(report: pytest.TestReport) -> str:
    if getattr(report, "ocpi_warning", None):
        return report.ocpi_warning
    if hasattr(report, "wasxfail"):
        return report.wasxfail
    if report.skipped and isinstance(report.longrepr, tuple):
        return str(report.longrepr[2]).removeprefix("Skipped: ")
    if report.failed:
        return str(report.longrepr)
    return ""


def fold_outcome(record: dict[str, Any], report: pytest.TestReport) -> None:
    """Fold one phase's report into a check's ``record`` (``outcome``, ``message``, a skip's
    kind): a skip or a failure of any phase, a pass of the call, a failure over anything
    else."""
    outcome = outcome_of(report)
    worse = record["outcome"] == "pass" or outcome in ("fail", "error")
    if outcome is not None and (outcome != "pass" or report.when == "call") and worse:
        record["outcome"] = outcome
        record["message"] = _message(report)
        if outcome == "skip":
            record[SKIP_KIND] = getattr(report, "ocpi_skip_kind", COULD_NOT_RUN)


class ResultsJsonWriter:
    """Collects one record per check and writes ``results.json`` at the end of the session."""

    def __init__(self, path: str | Path, target: TargetConfig) -> None:
        self.path = Path(path)
        self.target = target
        self.started_at = datetime.now(UTC)
        self.records: dict[str, dict[str, Any]] = {}
        self.target_reachable: bool | None = None  # None: never tried
        self.stopped: str | None = None  # why the run ended early, if it did

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        meta = getattr(report, "ocpi_check", None)
        if meta is None:
            return
        record = self.records.setdefault(
            report.nodeid,
            {
                "id": meta["id"],
                "title": meta["title"],
                "level": meta["level"],
                "spec": meta["spec"],
                "outcome": "pass",
                "message": "",
                "duration": 0.0,
                "exchanges": 0,
                "exchanges_left_out": 0,
            },
        )
        record["duration"] = round(record["duration"] + report.duration, 4)
        record["exchanges"] += getattr(
            report, "ocpi_exchanges_made", len(getattr(report, "ocpi_exchanges", []))
        )
        record["exchanges_left_out"] += getattr(report, "ocpi_exchanges_left_out", 0)
        fold_outcome(record, report)

    def summary(self) -> dict[str, int]:
        counts = {"pass": 0, "fail": 0, "warn": 0, "skip": 0, "xfail": 0, "error": 0}
        for record in self.records.values():
            counts[record["outcome"]] = counts.get(record["outcome"], 0) + 1
        counts["total"] = len(self.records)
        counts["must_failed"] = sum(
            1
            for r in self.records.values()
            if r["outcome"] in ("fail", "error") and r["level"] == "MUST"
        )
        return counts

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        t = self.target
        document = {
            "format": RESULTS_FORMAT,
            "suite_version": __version__,
            "target": {
                "versions_url": t.versions_url,
                "role": t.role,
                "version": t.version,
                "mode": t.mode,
                "via_hub": t.via_hub,
                "party": "/".join(t.party) if t.party else None,
                "tls": tls_facts(t),
            },
            "warnings": run_warnings(t),
            "started_at": self.started_at.isoformat(timespec="seconds"),
            "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "target_reachable": self.target_reachable,
            "stopped": self.stopped,
            "summary": self.summary(),
            "skips": summarize_skips(self.records.values()).as_dict(),
            "checks": [
                {k: v for k, v in r.items() if k != SKIP_KIND} for r in self.records.values()
            ],
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")

"""A line per module on the console while the suite runs (the CLI's default output)."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from pathlib import PurePosixPath

import pytest

from conformance.report import outcome_of

__all__ = ["ModuleProgress", "topic_of"]

_WORDS = (
    ("pass", "passed"),
    ("fail", "FAILED"),
    ("error", "ERROR"),
    ("warn", "warned"),
    ("skip", "skipped"),
    ("xfail", "expected (quirk)"),
)


def topic_of(nodeid: str) -> str:
    """The topic of the file a check is in: ``…/test_live_status.py::test_x`` gives "live
    status"."""
    stem = PurePosixPath(nodeid.split("::", 1)[0]).stem
    return stem.removeprefix("test_").replace("_", " ")


class ModuleProgress:
    """Prints ``  credentials          8 passed, 1 FAILED`` as each file of checks finishes.

    A line is a file of checks, named by its topic (``test_hub_open_routing.py``: "hub open
    routing"): the checks of one OCPI module are spread over several files (the pricing checks
    judge tariffs, sessions and CDRs), and a line per id prefix would name a module again
    each time the files alternate.
    """

    def __init__(self, echo: Callable[..., None]) -> None:
        self.echo = echo
        self.module: str | None = None
        self.counts: Counter[str] = Counter()
        self.started = time.monotonic()

    def _flush(self) -> None:
        if self.module is None:
            return
        parts = [f"{self.counts[key]} {word}" for key, word in _WORDS if self.counts[key]]
        failed = self.counts["fail"] or self.counts["error"]
        self.echo(f" {', '.join(parts) or 'nothing run'}", fg="red" if failed else None)
        self.module = None
        self.counts.clear()

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        # without pytest's terminal, a check module that cannot be imported would go unsaid
        if report.failed:
            self.echo(f"Cannot load {report.nodeid}:\n{report.longreprtext}", fg="red", err=True)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        meta = getattr(report, "ocpi_check", None)
        if meta is None:
            return
        topic = topic_of(report.nodeid)
        if topic != self.module:
            self._flush()
            self.module = topic
            self.echo(f"  {topic:<20}", nl=False)
        outcome = outcome_of(report)
        if outcome is not None:
            self.counts[outcome] += 1

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        self._flush()
        self.echo(f"  ran in {time.monotonic() - self.started:.1f} s")

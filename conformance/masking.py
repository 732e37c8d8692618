"""Every text of a test report through the run's masker, before any sink or the console sees it.

A crashing check's traceback can print reprs and values holding tokens; the masker knows every
token of the run (A, B, C, replaced ones) and hides them, plain and Base64.
"""

from __future__ import annotations

import pytest

from ocpi_core.exchange import Masker

__all__ = ["mask_report"]


def mask_report(report: pytest.TestReport, masker: Masker) -> None:
    """Mask the failure text, the captured output and the warning of ``report`` in place.

    A traceback becomes its text (what every sink writes of it anyway)."""
    longrepr = report.longrepr
    if isinstance(longrepr, tuple):  # a skip: (path, line, reason)
        path, line, reason = longrepr
        report.longrepr = (path, line, masker.text(str(reason)))
    elif longrepr is not None:
        report.longrepr = masker.text(str(longrepr))
    report.sections = [(title, masker.text(text)) for title, text in report.sections]
    for name in ("wasxfail", "ocpi_warning"):
        value = getattr(report, name, None)
        if isinstance(value, str):
            setattr(report, name, masker.text(value))

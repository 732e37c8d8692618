"""A headless Debian Chromium for the tests of pages (the HTML report, the mock's inspector),
driven by Playwright; nothing is downloaded. Without Chromium or Playwright a test skips on a
developer's machine and fails in CI, where .ci/run installs both."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def in_ci() -> bool:
    """CI services set CI; .ci/run sets OCPI_TEST_POSTGRES."""
    return os.environ.get("CI", "").lower() not in ("", "0", "false") or bool(
        os.environ.get("OCPI_TEST_POSTGRES")
    )


@contextmanager
def chromium(what: str) -> Iterator[Any]:
    """A launched Chromium (Playwright's Browser), closed on exit; ``what`` names the test's
    page in the reason it fails in CI or skips elsewhere."""
    why = None
    if CHROMIUM is None:
        why = "Debian's chromium is not installed (.ci/run installs it: apt-get install chromium)"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        why = why or "playwright is not installed (pip install -e '.[test]')"
    if why:
        if in_ci():
            pytest.fail(f"the {what} browser test must run in CI: {why}", pytrace=False)
        pytest.skip(why)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=_ARGS)
        try:
            yield browser
        finally:
            browser.close()

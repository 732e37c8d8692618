"""The inspector in a real Chromium (Debian's, driven by Playwright; nothing is downloaded).

A mock CPO served over loopback (waitress) is watched in the browser while a mock eMSP
registers with it by the real credentials handshake: the exchanges and the partner appear
without a reload; a fault switched on with its toggle in the page changes the next answer, in
HTTP and in the page; the simulator's buttons start a session, stop it with a CDR, change an
EVSE's status and charge a whole session, each effect read back over OCPI; no token shows in
clear; the page logs no JavaScript error. Off loopback (a real ``ocpi-mock serve --host
0.0.0.0``) the browser signs in with the admin token first.

Without Chromium (or Playwright) these tests skip on a developer's machine and fail in CI.
"""

from __future__ import annotations

import base64
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from browser_support import chromium
from mock_support import MockPair, auth, register_emsp, serve_emsp

TOKEN_A = "browser-token-A-0123456789"
WAIT_MS = 15_000  # the page polls each second; a loaded machine may take a few
MOCK = str(Path(sys.executable).parent / "ocpi-mock")


class Browser:
    """One Chromium page and what it complained about (console errors, uncaught exceptions)."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.problems: list[str] = []
        page.on("console", lambda m: self.problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.problems.append(f"uncaught: {e}"))
        # which URL a "Failed to load resource" error was about
        self.refused: list[tuple[int, str]] = []
        page.on(
            "response",
            lambda r: self.refused.append((r.status, r.url)) if r.status >= 400 else None,
        )
        page.set_default_timeout(WAIT_MS)


@pytest.fixture
def browser() -> Iterator[Browser]:
    with chromium("inspector's") as launched:
        yield Browser(launched.new_page(viewport={"width": 1400, "height": 1400}))


def _secrets(*tokens: str) -> list[str]:
    return [*tokens, *(base64.b64encode(t.encode()).decode() for t in tokens)]


def _row(page: Any, module: str, status: int) -> Any:
    return (
        page.locator("#exchange-rows tr.exchange")
        .filter(has=page.locator("td.module", has_text=re.compile(f"^{module}$")))
        .filter(has=page.locator("td.status", has_text=re.compile(f"^{status}$")))
    )


def test_a_registration_shows_live_and_a_fault_toggled_in_the_page_changes_the_next_answer(
    tmp_path, served, browser
):
    pair = MockPair.serve(tmp_path, served, TOKEN_A, push=False)
    cpo, emsp = pair.cpo, pair.emsp
    page = browser.page
    page.goto(f"{cpo}/admin/ui")
    page.evaluate("window.sameDocument = true")  # gone if anything reloads the page
    assert page.locator("#exchange-rows tr.exchange").count() == 0
    assert "No partner yet" in page.inner_text("#partner-list")

    partner = pair.register()
    token_c = partner.token_in
    # no reload: the poll brings the handshake's exchanges and the partner
    _row(page, "credentials", 200).wait_for()
    assert _row(page, "versions", 200).count() == 2
    page.locator("#partner-list article.partner", has_text="NL/EMP").wait_for()
    partner_text = page.inner_text("#partner-list")
    assert "EMSP NL/EMP" in partner_text and f"{emsp}/ocpi/versions" in partner_text
    assert page.locator("#filter-partner option", has_text="NL/EMP").count() == 1

    locations = f"{cpo}/ocpi/2.2.1/sender/locations"
    before = httpx.get(locations, headers=auth(token_c), timeout=10)
    assert before.status_code == 200 and before.json()["status_code"] == 1000
    _row(page, "locations", 200).wait_for()

    page.check('.fault-toggle[value="transport.http_500"]')
    page.wait_for_selector("#action-result:has-text('Faults on: transport.http_500')")
    faults = httpx.get(f"{cpo}/admin/faults", timeout=10).json()["data"]
    assert [f["id"] for f in faults if f["active"]] == ["transport.http_500"]
    broken = httpx.get(locations, headers=auth(token_c), timeout=10)
    assert broken.status_code == 500 and broken.json()["status_code"] == 3000
    _row(page, "locations", 500).wait_for()
    # a poll after the toggle keeps the box as the server has it
    page.wait_for_timeout(1500)
    assert page.is_checked('.fault-toggle[value="transport.http_500"]')

    page.uncheck('.fault-toggle[value="transport.http_500"]')
    page.wait_for_selector("#action-result:has-text('No fault on')")
    again = httpx.get(locations, headers=auth(token_c), timeout=10)
    assert again.status_code == 200
    page.wait_for_function("document.querySelectorAll('#exchange-rows tr.exchange').length >= 6")

    # a filter by module keeps only that module's rows, live
    page.select_option("#filter-module", "credentials")
    page.wait_for_function(
        "[...document.querySelectorAll('#exchange-rows td.module')]"
        ".every((c) => c.textContent === 'credentials')"
        " && document.querySelectorAll('#exchange-rows tr.exchange').length === 1"
    )
    assert page.url.endswith("module=credentials")
    page.select_option("#filter-module", "")
    _row(page, "locations", 500).wait_for()

    # the details of an exchange: its headers and bodies, the token masked
    row = _row(page, "credentials", 200).first
    row.click()
    detail = row.locator("xpath=following-sibling::tr[1]")
    assert detail.is_visible()
    headers = detail.locator(".request-headers").inner_text()
    assert re.search(r"Authorization: Token \*{4}", headers), headers
    assert '"token": "****' in detail.locator(".response-body").inner_text()
    assert page.evaluate("window.sameDocument") is True
    content = page.content()
    for secret in _secrets(TOKEN_A, token_c, partner.token_out):
        assert secret not in content
    assert browser.problems == [], browser.refused


def _ocpi_get(cpo: str, token: str, path: str) -> dict[str, Any]:
    answer = httpx.get(f"{cpo}/ocpi/2.2.1/sender/{path}", headers=auth(token), timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()["data"]


def test_the_simulator_buttons_act_and_the_partner_sees_it_over_ocpi(tmp_path, served, browser):
    pair = MockPair.serve(tmp_path, served, TOKEN_A, push=False)
    cpo, token_c = pair.cpo, pair.register().token_in
    page = browser.page
    page.goto(f"{cpo}/admin/ui")

    # change an EVSE's status: the one picked in the page, read back by the partner
    form = page.locator("#evse-status")
    choice = form.locator("select[name=evse] option").nth(1)
    location_id, evse_uid = choice.get_attribute("value").split("|")
    form.locator("select[name=evse]").select_option(f"{location_id}|{evse_uid}")
    form.locator("select[name=status]").select_option("OUTOFORDER")
    form.locator("button").click()
    page.wait_for_selector("#action-result.ok:has-text('done')")
    evse = _ocpi_get(cpo, token_c, f"locations/{location_id}/{evse_uid}")
    assert evse["status"] == "OUTOFORDER"
    page.locator(
        "#evse-status option", has_text=f"{location_id} / {evse_uid} (OUTOFORDER)"
    ).wait_for(state="attached")

    # start a session, then stop it from the active sessions' list
    page.locator("#start-session button").click()
    page.wait_for_selector("#action-result.ok:has-text('started')")
    session_id = re.search(r"session (\S+) started", page.inner_text("#action-result")).group(1)
    sessions = {s["id"]: s for s in _ocpi_get(cpo, token_c, "sessions")}
    assert sessions[session_id]["status"] == "ACTIVE"
    stop = page.locator(f'button.stop-session[data-id="{session_id}"]')
    stop.click()
    page.wait_for_selector("#action-result.ok:has-text('CDR')")
    cdr_id = re.search(r"CDR (\S+) sent", page.inner_text("#action-result")).group(1)
    sessions = {s["id"]: s for s in _ocpi_get(cpo, token_c, "sessions")}
    assert sessions[session_id]["status"] == "COMPLETED"
    cdrs = {c["id"]: c for c in _ocpi_get(cpo, token_c, "cdrs")}
    assert cdrs[cdr_id]["session_id"] == session_id
    stop.wait_for(state="detached")

    # a whole session with its CDR in one click
    page.locator("#send-cdr button").click()
    page.wait_for_function(
        "document.querySelector('#action-result').textContent.startsWith('CDR ')"
        f" && !document.querySelector('#action-result').textContent.includes({cdr_id!r})"
    )
    second_cdr = re.search(r"CDR (\S+) sent", page.inner_text("#action-result")).group(1)
    cdrs = {c["id"]: c for c in _ocpi_get(cpo, token_c, "cdrs")}
    assert set(cdrs) == {cdr_id, second_cdr}

    # the objects per module follow, without a reload
    page.wait_for_function(
        "(document.querySelector('#object-rows tr[data-module=cdrs] td:nth-child(2)')"
        " || {}).textContent === '2'"
    )
    assert page.inner_text("#object-rows tr[data-module=sessions] td:nth-child(2)") == "2"
    assert page.inner_text("#object-rows tr[data-module=locations] td:nth-child(2)") == "2"
    # a refusal is said in the page, not thrown
    page.fill("#start-session input[name=token_uid]", "NOPE")
    page.locator("#start-session button").click()
    page.wait_for_selector("#action-result.error:has-text('Unknown token NOPE')")
    # the refusal's 404 is the only resource that failed
    assert browser.refused == [(404, f"{cpo}/admin/ui/sessions")]
    assert browser.problems == [
        "Failed to load resource: the server responded with a status of 404 (NOT FOUND)"
    ]


@pytest.fixture
def everywhere(tmp_path) -> Iterator[tuple[str, str]]:
    """A real ``ocpi-mock serve --host 0.0.0.0``: its loopback base URL and admin token."""
    proc = subprocess.Popen(
        [MOCK, "serve", "--host", "0.0.0.0", "--port", "0", "--token-a", TOKEN_A]
        + ["--database", str(tmp_path / "m.sqlite")],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        lines: list[str] = []
        while not any(line.startswith("  admin token") for line in lines):
            line = proc.stdout.readline()
            assert line, "".join(lines)
            lines.append(line)
        text = "".join(lines)
        port = re.search(r"versions URL: http://[^:]+:(\d+)/", text).group(1)
        token = re.search(r"admin token:\s+(\S+)", text).group(1)
        yield f"http://127.0.0.1:{port}", token
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_off_loopback_the_browser_signs_in_with_the_admin_token(everywhere, browser):
    base, token = everywhere
    page = browser.page
    asked = page.goto(f"{base}/admin/ui")
    assert asked.status == 401
    page.fill("input[name=admin_token]", "not-the-token")
    page.click("button[type=submit]")
    page.wait_for_selector("[role=alert]:has-text('not this mock')")
    assert page.locator("#exchanges").count() == 0

    page.fill("input[name=admin_token]", token)
    page.click("button[type=submit]")
    page.wait_for_selector("#exchanges h2")
    assert page.url == f"{base}/admin/ui"
    # the script's own admin requests carry the cookie: the page goes on updating
    page.wait_for_selector("#live-state:text-is('live')")
    page.check('.fault-toggle[value="transport.http_500"]')
    page.wait_for_selector("#action-result.ok:has-text('Faults on: transport.http_500')")
    on = httpx.get(f"{base}/admin/faults", headers={"X-Admin-Token": token}, timeout=10)
    assert [f["id"] for f in on.json()["data"] if f["active"]] == ["transport.http_500"]
    # the cookie is out of the script's reach, and the token out of the page
    assert page.evaluate("document.cookie") == ""
    assert token not in page.content()
    # the two 401 answers of the sign-in page, nothing else
    assert (
        browser.problems
        == ["Failed to load resource: the server responded with a status of 401 (UNAUTHORIZED)"] * 2
    )


def test_the_inspector_of_a_shared_mock_shows_what_every_worker_saw(
    postgres_url, tmp_path, served, browser
):
    """``serve --workers 3`` over PostgreSQL: the page, its polls and the partner's requests
    land on any worker; the list shows them all and a toggle reaches every worker."""
    from shared_mock_support import serve as serve_workers

    mock = serve_workers(postgres_url, 3, tmp_path, "--locations", "2")
    try:
        mock.wait_for_workers(3)
        emsp = serve_emsp(served, str(tmp_path / "emsp.sqlite"))
        page = browser.page
        page.goto(f"{mock.url}/admin/ui")
        partner = register_emsp(emsp, mock.url, "shared-token-A", postgres_url)
        _row(page, "credentials", 200).wait_for()
        page.check('.fault-toggle[value="transport.http_500"]')
        page.wait_for_selector("#action-result.ok:has-text('Faults on: transport.http_500')")
        # a connection each: any of the three workers may take it
        statuses = [
            httpx.get(
                f"{mock.url}/ocpi/2.2.1/sender/locations", headers=auth(partner.token_in)
            ).status_code
            for _ in range(12)
        ]
        assert statuses == [500] * 12
        page.wait_for_function(
            "[...document.querySelectorAll('#exchange-rows tr.exchange td.status')]"
            ".filter((c) => c.textContent === '500').length === 12"
        )
        content = page.content()
        for secret in _secrets("shared-token-A", partner.token_in, partner.token_out):
            assert secret not in content
        assert browser.problems == [], browser.refused
    finally:
        mock.stop()

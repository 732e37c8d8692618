"""Payments module (2.3.0 §16): the CPO target as Receiver of the Terminals a Payment Terminal
Provider creates. The spec announces the module's resources under one ``payments`` endpoint
without saying how; we use ``{payments}/terminals``, as its examples do.
"""

from __future__ import annotations

import pytest

from conformance.checks import _objects as make
from conformance.checks._common import client_for, endpoint_or_skip, expect_ok, utc_now
from conformance.checks._receiver import PUSHED, expect_stored
from conformance.session import Run

check = pytest.mark.check
CPO = ("CPO",)
R_POST = "2.3.0 §16.5.2.4 POST Terminal Method"
R_GET = "2.3.0 §16.5.2.3 GET Terminal Method"


@check(id="payments.receiver.terminal_post_get", spec=R_POST, mode="sandbox", roles=CPO)
def test_terminal_post_get(ocpi: Run) -> None:
    """A Terminal POSTed to the CPO is accepted, and GET by its id gives it back."""
    base = endpoint_or_skip(ocpi, "payments", "RECEIVER").rstrip("/") + "/terminals"
    client = client_for(ocpi)
    terminal = {
        "terminal_id": make.new_id("TRM"),
        "address": "Teststraat 1",
        "city": "Utrecht",
        "postal_code": "3511AA",
        "country": "NLD",
        "invoice_creator": "PTP",
        "last_updated": make.ocpi_time(utc_now()),
    }
    expect_ok(client.post(base, terminal), "POST of a Terminal refused", spec=R_POST, http=PUSHED)
    expect_stored(
        client, f"{base}/{terminal['terminal_id']}", terminal, "GET of the Terminal", spec=R_GET
    )

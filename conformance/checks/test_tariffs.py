"""Tariffs module (2.2.1 §11): the CPO's Sender list and objects, the eMSP's Receiver."""

from __future__ import annotations

from datetime import timedelta

import pytest

from conformance.checks import _objects as make
from conformance.checks._common import expect_ok, skip_reason, utc_now
from conformance.checks._lists import (
    check_ids_unique,
    check_last_updated_past,
    check_objects_valid,
)
from conformance.checks._receiver import (
    FOREIGN_PARTY,
    PUSHED,
    Pushed,
    expect_refused,
    expect_stored,
    pushed_once,
    receiver,
)
from conformance.failures import CheckFailure
from conformance.rules.objects import OBJECT_SPECS
from conformance.session import Run
from conformance.skips import skip_could_not_run

check = pytest.mark.check
TARIFF = OBJECT_SPECS["tariffs"]
R_GET = "2.2.1 §11.2.2.1 Receiver GET Method"
R_PUT = "2.2.1 §11.2.2.2 Receiver PUT Method"
R_DELETE = "2.2.1 §11.2.2.3 Receiver DELETE Method"
CPO = ("CPO",)
EMSP = ("EMSP",)


# ---- Sender interface (CPO target) -----------------------------------------------------------


@check(id="tariffs.objects_valid", spec=TARIFF, roles=CPO)
def test_objects_valid(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """Every Tariff of the list is schema-valid."""
    check_objects_valid(request, ocpi, "tariffs", TARIFF)


@check(id="tariffs.ids_unique", spec=TARIFF, roles=CPO)
def test_ids_unique(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """No two different Tariffs share an id."""
    check_ids_unique(request, ocpi, "tariffs", TARIFF)


@check(id="tariffs.last_updated_not_future", spec=TARIFF, roles=CPO)
def test_last_updated_not_future(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """No Tariff has a last_updated in the future."""
    check_last_updated_past(request, ocpi, "tariffs", TARIFF)


# ---- Receiver interface (eMSP target) --------------------------------------------------------


def _pushed_tariff(ocpi: Run, request: pytest.FixtureRequest) -> Pushed:
    target = receiver(ocpi, "tariffs")

    def push() -> Pushed:
        body = make.tariff(target.party, make.new_id("TAR"), utc_now() - timedelta(minutes=2))
        url = target.url(body["id"])
        return Pushed(url, body, target.client.put(url, body))

    return pushed_once(request, "tariff", push)


@check(id="tariffs.receiver.put_get", spec=R_PUT, mode="sandbox", roles=EMSP)
def test_receiver_put_get(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """A Tariff PUT is accepted, and GET returns it as pushed."""
    pushed = _pushed_tariff(ocpi, request)
    expect_ok(pushed.response, "PUT of a new Tariff refused", spec=R_PUT, http=PUSHED)
    target = receiver(ocpi, "tariffs")
    expect_stored(target.client, pushed.url, pushed.body, "GET of the pushed Tariff", spec=R_GET)


@check(id="tariffs.receiver.put_replaces", spec=R_PUT, mode="sandbox", roles=EMSP)
def test_receiver_put_replaces(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """A second PUT replaces the stored Tariff (its elements too)."""
    pushed = _pushed_tariff(ocpi, request).require("tariffs.receiver.put_get")
    target = receiver(ocpi, "tariffs")
    body = {
        **pushed.body,
        "elements": [{"price_components": [{"type": "TIME", "price": 2.0, "step_size": 60}]}],
        "last_updated": make.ocpi_time(utc_now()),
    }
    expect_ok(
        target.client.put(pushed.url, body),
        "Second PUT of a Tariff refused",
        spec=R_PUT,
        http=PUSHED,
    )
    expect_stored(target.client, pushed.url, body, "PUT did not replace the Tariff", spec=R_PUT)


@check(id="tariffs.receiver.wrong_party_refused", spec=R_PUT, mode="sandbox", roles=EMSP)
def test_receiver_wrong_party_refused(ocpi: Run) -> None:
    """A PUT whose URL names another party than the Tariff's owner is refused."""
    target = receiver(ocpi, "tariffs")
    body = make.tariff(target.party, make.new_id("TAR"), utc_now())
    expect_refused(
        target.client.put(target.url(body["id"], party=FOREIGN_PARTY), body),
        "PUT under another party's country_code/party_id accepted",
        spec=R_PUT,
        expected="a refusal: OCPI 2xxx, or HTTP 404 for a party we do not hold",
    )


@check(
    id="tariffs.receiver.malformed_refused",
    spec="2.2.1 §5.2 2xxx: Client errors",
    mode="sandbox",
    roles=EMSP,
)
def test_receiver_malformed_refused(ocpi: Run) -> None:
    """A Tariff without its required fields is refused with 2001."""
    target = receiver(ocpi, "tariffs")
    body = make.tariff(target.party, make.new_id("TAR"), utc_now())
    for field in ("currency", "elements"):
        body.pop(field)
    expect_refused(
        target.client.put(target.url(body["id"]), body),
        "PUT of a Tariff without required fields accepted",
        spec="2.2.1 §5.2 2xxx: Client errors",
        expected="status_code 2001 (invalid or missing parameters)",
        codes=(2001,),
    )


@check(id="tariffs.receiver.delete", spec=R_DELETE, mode="destructive", roles=EMSP)
def test_receiver_delete(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """DELETE removes a Tariff we pushed; a GET afterwards finds nothing."""
    pushed = _pushed_tariff(ocpi, request).require("tariffs.receiver.put_get")
    target = receiver(ocpi, "tariffs")
    expect_ok(target.client.delete(pushed.url), "DELETE of our Tariff refused", spec=R_DELETE)
    after = target.client.get(pushed.url)
    reason = skip_reason(after)
    if reason is not None:
        skip_could_not_run(reason)
    if after.http_status != 404:
        raise CheckFailure(
            "Tariff still there after DELETE",
            expected="HTTP 404 for the deleted Tariff",
            actual=f"HTTP {after.http_status}",
            spec=R_DELETE,
            exchange=after.exchange,
        )

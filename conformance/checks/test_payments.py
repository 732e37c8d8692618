"""Payments module (2.3.0 §16): a CPO target as Receiver of what a Payment Terminal Provider
creates, a PTP target (role EMSP) as Sender of its Terminals and Financial Advice
Confirmations, and the consistency of card payments on both sides.

The spec announces the module's resources under one ``payments`` endpoint without saying how;
we use ``{payments}/terminals`` and ``{payments}/financial-advice-confirmations``, as its
examples do. A CDR is *paid by card* when its token is an ``AD_HOC_USER`` token of the CPO's own
party (the one-time token of a terminal payment: no eMSP is involved, 2.3.0 tariffs §
AD_HOC_PAYMENT); the link between a CDR and its payment is the ``authorization_reference``
the PTP gave in StartSession (2.3.0 payments "Transaction").
"""

from __future__ import annotations

import time
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from conformance.checks import _objects as make
from conformance.checks._common import (
    cached,
    client_for,
    data_violations,
    endpoint_or_skip,
    expect_ok,
    full_walk,
    our_party,
    utc_now,
    walk,
)
from conformance.checks._lists import fail_with
from conformance.checks._receiver import PUSHED, Pushed, expect_refused, expect_stored, receiver
from conformance.failures import CheckFailure, SchemaFailure
from conformance.session import Run
from conformance.skips import skip_could_not_run, skip_not_applicable

check = pytest.mark.check
CPO = ("CPO",)
PTP = ("EMSP",)  # a PTP registers in a role of the Role enum; an eMSP that also plays the PTP
TERMINAL = "2.3.0 §16.6.1 Terminal Object"
FAC = "2.3.0 §16.6.2 Financial Advice Confirmation Object"
S_LIST = "2.3.0 §16.5.1.3 GET Terminals Method"
S_GET = "2.3.0 §16.5.1.4 GET Terminal Method"
S_PUT = "2.3.0 §16.5.1.6 PUT Terminal Method"
S_PATCH = "2.3.0 §16.5.1.5 PATCH Terminal Method"
R_POST = "2.3.0 §16.5.2.4 POST Terminal Method"
R_GET = "2.3.0 §16.5.2.3 GET Terminal Method"
R_FAC = "2.3.0 §16.5.2.6 POST Financial Advice Confirmation Method"
FLOW = "2.3.0 §16.4 Transaction"
CARD_CAPABILITIES = frozenset(
    {
        "CHIP_CARD_SUPPORT",
        "CONTACTLESS_CARD_SUPPORT",
        "CREDIT_CARD_PAYABLE",
        "DEBIT_CARD_PAYABLE",
        "PED_TERMINAL",
    }
)
CAPTURE_WAIT = 5.0  # seconds a PTP gets to confirm the capture of a CDR we sent


def _base(ocpi: Run, role: str) -> str:
    return endpoint_or_skip(ocpi, "payments", role).rstrip("/")


def _sender_walk(ocpi: Run, request: pytest.FixtureRequest, resource: str):
    url = f"{_base(ocpi, 'SENDER')}/{resource}"
    client = client_for(ocpi)
    return cached(request, ("walk", f"payments/{resource}"), lambda: walk(client, resource, url))


def _objects_valid(ocpi: Run, request: pytest.FixtureRequest, resource: str, name: str, spec: str):
    result = _sender_walk(ocpi, request, resource)
    title = f"payments {resource}: objects that are not valid {name}s"
    result.require_first(title, spec)
    lines = []
    for number, data in enumerate(result.data, 1):
        for violation in data_violations(data, name, ocpi.config.version, "$.data"):
            lines.append((f"page {number}: " if len(result.pages) > 1 else "") + str(violation))
    if lines:
        raise SchemaFailure(
            title,
            expected=f"every object valid against the {ocpi.config.version} {name} schema",
            actual=f"{len(lines)} schema violation(s)",
            spec=spec,
            details=lines[:10],
            exchange=result.first.exchange,
        )
    return result


# ---- Sender interface (PTP target) -----------------------------------------------------------


@check(id="payments.terminals.objects_valid", spec=TERMINAL, roles=PTP)
def test_terminals_valid(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """Every Terminal of the PTP's list is schema-valid."""
    _objects_valid(ocpi, request, "terminals", "Terminal", TERMINAL)


@check(id="payments.confirmations.objects_valid", spec=FAC, roles=PTP)
def test_confirmations_valid(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """Every Financial Advice Confirmation of the PTP's list is schema-valid."""
    _objects_valid(
        ocpi, request, "financial-advice-confirmations", "FinancialAdviceConfirmation", FAC
    )


@check(id="payments.sender.pagination", spec=S_LIST, roles=PTP)
def test_sender_pagination(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """Read two at a time, the Terminals list gives the objects of the full read, each once,
    and X-Total-Count says how many there are."""
    full = _sender_walk(ocpi, request, "terminals")
    full.require_first("GET of the Terminals list failed", S_LIST)
    ids = [str(t.get("terminal_id")) for t in full.objects]
    if len(ids) < 3:
        skip_could_not_run(f"{len(ids)} Terminals: too few to read in pages of two")
    small = walk(client_for(ocpi), "terminals", f"{_base(ocpi, 'SENDER')}/terminals", {"limit": 2})
    paged = [str(t.get("terminal_id")) for t in small.objects]
    problems = []
    if small.problem:
        problems.append(f"the paged read stopped: {small.problem}")
    twice = sorted({i for i in paged if paged.count(i) > 1})
    if twice:
        problems.append("given twice: " + ", ".join(twice[:5]))
    missing = sorted(set(ids) - set(paged))
    if missing:
        problems.append(f"{len(missing)} missing from the paged read, e.g. {missing[0]}")
    if full.total is not None and full.total != len(ids):
        problems.append(f"X-Total-Count {full.total}, but the list has {len(ids)}")
    fail_with(
        problems,
        "Terminals list: pages of two do not add up to the list",
        expected="every Terminal once, Link rel=next until the last page, a true X-Total-Count",
        spec="2.2.1 §4.1.4.1 Paginated Request",
        exchange=(small.first or full.first).exchange,
    )


def _first_terminal(ocpi: Run, request: pytest.FixtureRequest) -> dict[str, Any]:
    full = _sender_walk(ocpi, request, "terminals")
    if not full.objects:
        skip_could_not_run("the PTP lists no Terminal to work with")
    return full.objects[0]


@check(id="payments.sender.terminal_get", spec=S_GET, roles=PTP)
def test_sender_terminal_get(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """A Terminal of the list is given back by GET on its id."""
    terminal = _first_terminal(ocpi, request)
    url = f"{_base(ocpi, 'SENDER')}/terminals/{terminal['terminal_id']}"
    response = client_for(ocpi).get(url)
    data = expect_ok(response, "GET of a listed Terminal failed", spec=S_GET, needs_data=True)
    if not isinstance(data, dict) or data.get("terminal_id") != terminal["terminal_id"]:
        raise CheckFailure(
            "GET of a Terminal by id answered another object",
            expected=f"the Terminal {terminal['terminal_id']}",
            actual=repr(data)[:200],
            spec=S_GET,
            exchange=response.exchange,
        )


@check(id="payments.sender.put_updates", spec=S_PUT, mode="sandbox", roles=PTP)
def test_sender_put_updates(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """A CPO's PUT of a Terminal (a new customer_reference) is applied: GET shows it."""
    terminal = _first_terminal(ocpi, request)
    url = f"{_base(ocpi, 'SENDER')}/terminals/{terminal['terminal_id']}"
    client = client_for(ocpi)
    body = {
        **terminal,
        "customer_reference": make.new_id("CR")[:36],
        "last_updated": make.ocpi_time(utc_now()),
    }
    expect_ok(client.put(url, body), "PUT of a Terminal refused", spec=S_PUT, http=PUSHED)
    expect_stored(client, url, body, "PUT of a Terminal not applied", spec=S_PUT)


def _assigned(ocpi: Run, request: pytest.FixtureRequest) -> Pushed:
    """The run's one assignment of our location and EVSE to the PTP's first Terminal."""
    terminal = _first_terminal(ocpi, request)
    url = f"{_base(ocpi, 'SENDER')}/terminals/{terminal['terminal_id']}"

    def assign() -> Pushed:
        patch = {
            "location_ids": [make.new_id("LOC")],
            "evse_uids": [make.new_id("EVSE")],
            "last_updated": make.ocpi_time(utc_now()),
        }
        return Pushed(url, patch, client_for(ocpi).patch(url, patch))

    return cached(request, ("pushed", "terminal_assignment"), assign)


@check(id="payments.sender.patch_assigns", spec=S_PATCH, mode="sandbox", roles=PTP)
def test_sender_patch_assigns(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """A PATCH assigning location_ids and evse_uids is applied: GET shows the assignment."""
    pushed = _assigned(ocpi, request)
    expect_ok(pushed.response, "PATCH of a Terminal refused", spec=S_PATCH, http=PUSHED)
    expect_stored(client_for(ocpi), pushed.url, pushed.body, "PATCH not applied", spec=S_PATCH)


@check(
    id="payments.sender.patch_requires_last_updated",
    spec=S_PATCH,
    mode="sandbox",
    roles=PTP,
    level="SHOULD",  # 2.3.0 Payments, unlike Locations/Sessions/Tokens, does not require it
)
def test_sender_patch_requires_last_updated(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """A PATCH of a Terminal without last_updated is refused (2001)."""
    terminal = _first_terminal(ocpi, request)
    url = f"{_base(ocpi, 'SENDER')}/terminals/{terminal['terminal_id']}"
    expect_refused(
        client_for(ocpi).patch(url, {"reference": "NO-STAMP"}),
        "PATCH of a Terminal without last_updated accepted",
        spec="2.2.1 §4.1.4.3 PATCH",
        expected="status_code 2001: a PATCH carries last_updated, as in the other modules",
        codes=(2001,),
    )


def _price_total(price: Any) -> Decimal | None:
    """A 2.3.0 Price with VAT: before_taxes plus its taxes."""
    if not isinstance(price, dict) or not isinstance(price.get("before_taxes"), (int, float)):
        return None
    taxes = [t.get("amount", 0) for t in price.get("taxes") or [] if isinstance(t, dict)]
    return Decimal(str(price["before_taxes"])) + sum(Decimal(str(a)) for a in taxes)


@check(id="payments.capture_matches_cdr", spec=FAC, mode="sandbox", roles=PTP)
def test_capture_matches_cdr(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """A CDR paid at one of the PTP's Terminals: the confirmation the PTP then lists names its
    authorization_reference and the amount and currency of its total_cost."""
    assigned = _assigned(ocpi, request).require("payments.sender.patch_assigns")
    target = receiver(ocpi, "cdrs")
    ours = our_party(ocpi)
    reference = make.new_id("PAY")[:36]
    body = make.cdr(ours, make.new_id("CDR"), ours, utc_now() - timedelta(minutes=1))
    body["cdr_token"] = {**body["cdr_token"], "type": "AD_HOC_USER"}
    body["auth_method"] = "COMMAND"
    body["authorization_reference"] = reference
    body["cdr_location"] = {
        **body["cdr_location"],
        "id": assigned.body["location_ids"][0],
        "evse_uid": assigned.body["evse_uids"][0],
    }
    expect_ok(target.client.post(target.base, body), "POST of a card-paid CDR refused", http=PUSHED)
    sent = target.client.shaped(target.base, body)
    url = f"{_base(ocpi, 'SENDER')}/financial-advice-confirmations"
    client = client_for(ocpi)
    deadline = time.monotonic() + CAPTURE_WAIT
    found: dict[str, Any] | None = None
    last = None
    while found is None and time.monotonic() < deadline:
        last = walk(client, "financial-advice-confirmations", url, {})
        found = next(
            (f for f in last.objects if f.get("authorization_reference") == reference), None
        )
        if found is None:
            time.sleep(0.3)
    if found is None:
        skip_could_not_run(
            f"the PTP listed no confirmation for our card-paid CDR within {CAPTURE_WAIT:.0f} s"
        )
    problems = []
    want, got = _price_total(sent.get("total_cost")), _price_total(found.get("total_costs"))
    if want is None or got is None or abs(want - got) > Decimal("0.01"):
        problems.append(f"total_costs {got} (with taxes), the CDR's total_cost is {want}")
    if found.get("currency") != sent.get("currency"):
        problems.append(
            f"currency {found.get('currency')!r}, the CDR's is {sent.get('currency')!r}"
        )
    fail_with(
        problems,
        "The confirmed capture does not match the CDR paid at the terminal",
        expected="the captured amount equals the CDR's total_cost, in its currency",
        spec=FAC,
        exchange=last.first.exchange if last and last.first else None,
    )


# ---- Receiver interface (CPO target) ---------------------------------------------------------


@check(id="payments.receiver.terminal_post_get", spec=R_POST, mode="sandbox", roles=CPO)
def test_terminal_post_get(ocpi: Run) -> None:
    """A Terminal POSTed to the CPO is accepted, and GET by its id gives it back."""
    base = _base(ocpi, "RECEIVER") + "/terminals"
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
    _expect_kept(client, f"{base}/{terminal['terminal_id']}", terminal, "Terminal", R_GET)


def _expect_kept(client: Any, url: str, sent: dict[str, Any], what: str, spec: str) -> None:
    """GET ``url`` gives back what we POSTed; a 404 means it was acknowledged but not kept."""
    response = client.get(url)
    if response.http_status == 404:
        raise CheckFailure(
            f"{what} acknowledged but not kept",
            expected=f"GET {url} answers the {what} we POSTed",
            actual="HTTP 404",
            spec=spec,
            exchange=response.exchange,
        )
    expect_stored(client, url, sent, f"GET of the {what}", spec=spec)


def _confirmation() -> dict[str, Any]:
    return {
        "id": make.new_id("FAC"),
        "authorization_reference": make.new_id("PAY")[:36],
        "total_costs": {"before_taxes": 12.5, "taxes": [{"name": "VAT", "amount": 2.63}]},
        "currency": "EUR",
        "eft_data": ["TID 12345678", "EMV A0000000041010"],
        "capture_status_code": "SUCCESS",
        "last_updated": make.ocpi_time(utc_now()),
    }


@check(id="payments.receiver.confirmation_post_get", spec=R_FAC, mode="sandbox", roles=CPO)
def test_confirmation_post_get(ocpi: Run) -> None:
    """A Financial Advice Confirmation POSTed to the CPO is accepted and given back by id."""
    base = _base(ocpi, "RECEIVER") + "/financial-advice-confirmations"
    client = client_for(ocpi)
    fac = _confirmation()
    expect_ok(client.post(base, fac), "POST of a confirmation refused", spec=R_FAC, http=PUSHED)
    _expect_kept(client, f"{base}/{fac['id']}", fac, "confirmation", R_FAC)


@check(
    id="payments.receiver.malformed_refused",
    spec="2.2.1 §5.2 2xxx: Client errors",
    mode="sandbox",
    roles=CPO,
)
def test_receiver_malformed_refused(ocpi: Run) -> None:
    """A confirmation without its amount and EFT data is refused with 2001."""
    base = _base(ocpi, "RECEIVER") + "/financial-advice-confirmations"
    fac = _confirmation()
    for name in ("total_costs", "eft_data"):
        fac.pop(name)
    expect_refused(
        client_for(ocpi).post(base, fac),
        "POST of a confirmation without required fields accepted",
        spec="2.2.1 §5.2 2xxx: Client errors",
        expected="status_code 2001 (invalid or missing parameters)",
        codes=(2001,),
    )


def card_paid(cdr: dict[str, Any]) -> bool:
    """An AD_HOC_USER token of the CDR's own party: paid at the charge point's terminal."""
    token = cdr.get("cdr_token") if isinstance(cdr.get("cdr_token"), dict) else {}
    return (
        token.get("type") == "AD_HOC_USER"
        and str(token.get("country_code", "")).upper() == str(cdr.get("country_code", "")).upper()
        and str(token.get("party_id", "")).upper() == str(cdr.get("party_id", "")).upper()
    )


# SHOULD: a card payment at a charger's own terminal has no StartSession and so no
# authorization_reference, and the card capabilities are advice ("please use") in 2.3.0 §8.4.3.
@check(id="payments.card_cdrs_consistent", spec=FLOW, roles=CPO, level="SHOULD")
def test_card_cdrs_consistent(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """Every CDR paid by card carries the payment's authorization_reference, and was charged
    at an EVSE whose capabilities announce a payment terminal."""
    if "payments" not in {e.get("identifier") for e in ocpi.discovery.endpoints}:
        skip_not_applicable("the target offers no payments module: no card payments to reconcile")
    cdrs = full_walk(request, ocpi, "cdrs")
    paid = [c for c in cdrs.objects if card_paid(c) and not c.get("credit")]
    if not paid:
        skip_could_not_run("no CDR paid by card (AD_HOC_USER token of the CPO itself) in the list")
    locations = full_walk(request, ocpi, "locations").objects
    evses = {
        (str(loc.get("id")).upper(), str(e.get("uid")).upper()): e
        for loc in locations
        for e in loc.get("evses") or []
        if isinstance(e, dict)
    }
    problems = []
    for cdr in paid:
        where = cdr.get("cdr_location") or {}
        name = f"CDR {cdr.get('id')}"
        if not cdr.get("authorization_reference"):
            problems.append(f"{name}: no authorization_reference to map the card payment")
        evse = evses.get((str(where.get("id")).upper(), str(where.get("evse_uid")).upper()))
        if evse is not None and not CARD_CAPABILITIES & set(evse.get("capabilities") or ()):
            problems.append(
                f"{name}: EVSE {where.get('id')}/{where.get('evse_uid')} announces no payment "
                "terminal"
            )
    fail_with(
        problems,
        "CDRs paid by card that cannot be reconciled with their payment",
        expected="authorization_reference set, at an EVSE with a payment terminal capability",
        spec=FLOW,
        exchange=cdrs.first.exchange if cdrs.first else None,
        hint="the PTP maps its capture and the invoice through the authorization_reference",
    )

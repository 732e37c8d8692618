"""Pricing (2.2.1 §10, §11): the CPO's CDRs and Sessions cost what its own Tariffs give, its CDRs
agree with themselves, and its Tariffs can mean what they say.

Our recomputation is the engine's (``ocpi_core.pricing``, docs/pricing.md). Tariffs come from
the CDR itself, else from the target's tariffs list; the time zone restrictions are read in from
the target's Location. Money may differ by the target file's ``[pricing] tolerance`` (else
``OCPI_PRICING_TOLERANCE``, default 0.01) per dimension.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import pytest

from conformance.checks._common import (
    Walk,
    cached,
    client_for,
    full_walk,
    payload,
    walked_objects,
)
from conformance.checks._incoming import pushed_objects
from conformance.checks._lists import fail_with
from conformance.checks._pricing import (
    TOLERANCE_ENV,
    Reconciliation,
    choose_tariffs,
    consistency_findings,
    describe,
    find_object,
    first_difference,
    location_id,
    mismatch_details,
    owner_of,
    pricing_tolerance,
    reconcile_cdr,
    reconcile_session,
    sanity_findings,
)
from conformance.checks._single import object_url
from conformance.checks._story import story
from conformance.failures import CheckFailure
from conformance.session import Run
from conformance.skips import skip_could_not_run
from ocpi_core.client import OcpiClientError
from ocpi_core.exchange import Exchange
from ocpi_core.schemas import validate

check = pytest.mark.check
CDR = "2.2.1 §10.3.1 CDR Object"
TARIFF = "2.2.1 §11.3.1 Tariff Object"
SESSION = "2.2.1 §9.3.1 Session Object"
RECONCILE = f"{CDR}; {TARIFF}"
PUSHED = f"2.2.1 §10.1.2 Push model; {TARIFF}"
CONSISTENT = f"{CDR}; 2.2.1 §10.4.6 ChargingPeriod class"
SPLIT = "2.2.1 §10.3 Object description, ChargingPeriod"
SANITY = f"{TARIFF}; 2.2.1 §11.4.6 TariffRestrictions class"
CPO = ("CPO",)

Document = dict[str, Any]


# ---- what the checks read from the target ----------------------------------------------------


def _tolerance(ocpi: Run) -> Decimal:
    if ocpi.config.pricing_tolerance is not None:
        return ocpi.config.pricing_tolerance
    try:
        return pricing_tolerance()
    except ValueError as exc:
        pytest.fail(str(exc), pytrace=False)


def _sides(ocpi: Run) -> str:
    """Which amounts of a price are compared, in the version's words."""
    return {"2.1.1": "", "2.3.0": " (before and after taxes)"}.get(
        ocpi.config.version, " (excl. and incl. VAT)"
    )


def _listed(request: pytest.FixtureRequest, ocpi: Run, module: str) -> list[Document]:
    """The target's Sender list of ``module`` (read once per run); empty when it has none."""
    if ocpi.discovery.endpoint(module, "SENDER") is None:
        return []
    return full_walk(request, ocpi, module).objects


def _with_exchanges(walk: Walk) -> list[tuple[Document, Exchange | None]]:
    """Each object of the walk with the exchange of the page it came on."""
    return [
        (obj, page.exchange)
        for page, data in zip(walk.pages, walk.data, strict=True)
        for obj in data
        if isinstance(obj, dict)
    ]


def _pushed(ocpi: Run, module: str, schema: str) -> list[tuple[Document, Exchange | None]]:
    return [
        (request.body, request.exchange)
        for request, name in pushed_objects(ocpi, module)
        if name == schema and isinstance(request.body, dict)
    ]


def _get_location(ocpi: Run, url: str, where: str) -> Document | None:
    try:
        response = client_for(ocpi).get(object_url(url, where))
    except OcpiClientError:
        return None
    ok, data = payload(response)
    return data if response.http_status == 200 and ok and isinstance(data, dict) else None


def _location(
    request: pytest.FixtureRequest, ocpi: Run, document: Mapping[str, Any]
) -> Mapping[str, Any] | None:
    """The Location a CDR or Session took place at: embedded (2.1.1), in the target's list,
    else fetched by id (once per run)."""
    embedded = document.get("location")
    if isinstance(embedded, Mapping):
        return embedded
    where = location_id(document)
    if where is None:
        return None
    found = find_object(_listed(request, ocpi, "locations"), where, owner_of(document))
    url = ocpi.discovery.endpoint("locations", "SENDER")
    if found is not None or url is None:
        return found
    return cached(
        request, ("pricing", "location", where.upper()), lambda: _get_location(ocpi, url, where)
    )


# ---- CDR totals ------------------------------------------------------------------------------


def _check_reconciled(
    request: pytest.FixtureRequest,
    ocpi: Run,
    cdrs: list[tuple[Document, Exchange | None]],
    *,
    title: str,
    spec: str,
) -> None:
    tolerance = _tolerance(ocpi)
    tariffs = _listed(request, ocpi, "tariffs")
    recs = [
        reconcile_cdr(
            cdr,
            tariffs=tariffs,
            location=_location(request, ocpi, cdr),
            version=ocpi.config.version,
            tolerance=tolerance,
        )
        for cdr, _ in cdrs
    ]
    priced = [r for r in recs if r.unverifiable is None]
    if not priced:
        skip_could_not_run(
            f"none of the {len(recs)} CDRs can be priced; {recs[0].label}: {recs[0].unverifiable}"
        )
    differing = [(rec, cdr) for rec, cdr in zip(recs, cdrs, strict=True) if rec.differs]
    if not differing:
        return
    first, (_, exchange) = differing[0]
    hint = (
        "price each dimension as the tariff says (docs/pricing.md lists the rules we apply) and "
        "embed in CDR.tariffs the tariff the CDR was priced with; "
        f"{TOLERANCE_ENV} widens the tolerance for rounding differences"
    )
    if any(
        cdr.get("credit") is True and row.ok is False and not row.field.startswith("total_cost.")
        for rec, (cdr, _) in differing
        for row in rec.rows
    ):
        hint += "; a Credit CDR negates total_cost only, not its other totals (Credit CDRs)"
    raise CheckFailure(
        title,
        expected=f"each total_*_cost within {tolerance}{_sides(ocpi)} of what the CDR's tariffs "
        "give for its charging periods",
        actual=f"{len(differing)} of {len(priced)} CDRs differ; {first_difference(first)}",
        spec=spec,
        details=mismatch_details(recs),
        hint=hint,
        exchange=exchange,
    )


@check(id="cdrs.pricing_reconciles", spec=RECONCILE, roles=CPO)
def test_cdrs_pricing_reconciles(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """Every CDR's totals are what its tariffs give for its charging periods."""
    title = "CDR totals differ from what their tariffs give"
    if not walked_objects(request, ocpi, "cdrs", title, CDR):
        skip_could_not_run("the target's CDRs list is empty")
    cdrs = _with_exchanges(full_walk(request, ocpi, "cdrs"))
    _check_reconciled(request, ocpi, cdrs, title=title, spec=RECONCILE)


@check(id="cdrs.pushed_pricing_reconciles", spec=PUSHED, mode="sandbox", roles=CPO)
def test_pushed_cdrs_pricing_reconciles(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """Every CDR the target pushes to our counterpart has the totals its tariffs give."""
    story(request, ocpi)  # a charging session started and stopped: the CPO's reason to push a CDR
    cdrs = _pushed(ocpi, "cdrs", "CDR")
    if not cdrs:
        skip_could_not_run(
            "the target pushed no CDR to our counterpart in this run (not even after the "
            "charging story's STOP_SESSION)"
        )
    title = "CDRs pushed to us with totals other than their tariffs give"
    _check_reconciled(request, ocpi, cdrs, title=title, spec=PUSHED)


@check(id="cdrs.internally_consistent", spec=CONSISTENT, roles=CPO)
def test_cdrs_internally_consistent(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """Every CDR's periods are in order and add up to its totals, total_time is the session's
    duration; its currency is its tariff's."""
    title = "CDRs that contradict themselves"
    walked_objects(request, ocpi, "cdrs", title, CDR)
    served = _with_exchanges(full_walk(request, ocpi, "cdrs"))
    pushed = _pushed(ocpi, "cdrs", "CDR")
    if not served and not pushed:
        skip_could_not_run("the target's CDRs list is empty and it pushed no CDR to us")
    tariffs = _listed(request, ocpi, "tariffs")
    problems: list[str] = []
    exchange = None
    for cdr, where, suffix in [
        *((c, e, "") for c, e in served),
        *((c, e, " (pushed to us)") for c, e in pushed),
    ]:
        location = _location(request, ocpi, cdr)
        choice = choose_tariffs(cdr, tariffs, location)
        errors = [
            f
            for f in consistency_findings(cdr, choice, ocpi.config.version, location)
            if f.level == "error"
        ]
        if errors and exchange is None:
            exchange = where
        problems += [f"{describe(cdr, 'CDR')}{suffix} {f} ({f.code})" for f in errors]
    fail_with(
        problems,
        title,
        expected="charging periods in time order within the CDR; total_energy and "
        "total_parking_time equal to the periods' sums; total_time the session's duration and "
        "at least the periods' TIME and PARKING_TIME; the currency of its tariffs; a new "
        "charging period wherever another price component becomes active (the CPO SHALL start "
        f"one there, {SPLIT})",
        spec=f"{CONSISTENT}; {SPLIT}",
        exchange=exchange,
    )


# ---- Tariffs and Sessions --------------------------------------------------------------------


def _version_key(tariff: Mapping[str, Any]) -> tuple[Any, ...]:
    return (owner_of(tariff), str(tariff.get("id")).upper(), tariff.get("last_updated"))


@check(id="tariffs.sanity", spec=SANITY, level="SHOULD", roles=CPO)
def test_tariffs_sanity(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """No Tariff has a restriction that never matches, an element that never applies, min_price
    above max_price, or prices without VAT in a country that levies it."""
    title = "Tariffs that cannot mean what they say"
    walked_objects(request, ocpi, "tariffs", title, TARIFF)
    tariffs = _with_exchanges(full_walk(request, ocpi, "tariffs"))
    seen = {_version_key(t) for t, _ in tariffs}
    tariffs += [
        (t, e) for t, e in _pushed(ocpi, "tariffs", "Tariff") if _version_key(t) not in seen
    ]
    if not tariffs:
        skip_could_not_run("the target's tariffs list is empty and it pushed no Tariff to us")
    locations = _listed(request, ocpi, "locations")
    problems: list[str] = []
    exchange = None
    for tariff, where in tariffs:
        if validate(tariff, ocpi.config.version, "Tariff"):
            continue  # an invalid Tariff is tariffs.objects_valid's finding, not this check's
        findings = sanity_findings(tariff, version=ocpi.config.version, locations=locations)
        if findings and exchange is None:
            exchange = where
        problems += [f"{describe(tariff, 'tariff')} {f} ({f.code})" for f in findings]
    fail_with(
        problems,
        title,
        expected="every element able to apply, restrictions that can hold, min_price not above "
        "max_price, and vat on every priced component where VAT is levied",
        spec=SANITY,
        exchange=exchange,
    )


@check(id="sessions.total_cost_matches", spec=SESSION, level="SHOULD", roles=CPO)
def test_sessions_total_cost_matches(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """A Session's total_cost, where present, is what its tariff gives for the session so far."""
    title = "Session total_cost differs from what its tariff gives"
    walked_objects(request, ocpi, "sessions", title, SESSION)
    sessions = _with_exchanges(full_walk(request, ocpi, "sessions"))
    sessions += _pushed(ocpi, "sessions", "Session")
    tolerance = _tolerance(ocpi)
    tariffs = _listed(request, ocpi, "tariffs")
    found: list[tuple[Reconciliation, Exchange | None]] = []
    for session, where in sessions:
        rec = reconcile_session(
            session,
            tariffs=tariffs,
            location=_location(request, ocpi, session),
            version=ocpi.config.version,
            tolerance=tolerance,
        )
        if rec is not None:
            found.append((rec, where))
    recs = [rec for rec, _ in found]
    priced = [rec for rec in recs if rec.unverifiable is None]
    if not priced:
        reason = f"; {recs[0].label}: {recs[0].unverifiable}" if recs else ""
        skip_could_not_run(f"no Session with a total_cost can be priced{reason}")
    differing = [(rec, where) for rec, where in found if rec.differs]
    if not differing:
        return
    first, exchange = differing[0]
    raise CheckFailure(
        title,
        expected=f"total_cost within {tolerance}{_sides(ocpi)} of what the Session's tariff "
        "gives for its charging periods so far",
        actual=f"{len(differing)} of {len(priced)} Sessions differ; "
        f"{first_difference(first, 'Session says')}",
        spec=SESSION,
        details=mismatch_details(recs, "Session says"),
        hint=f"{TOLERANCE_ENV} widens the tolerance for rounding differences",
        exchange=exchange,
    )

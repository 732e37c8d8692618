"""CDRs module (2.2.1 §10): the CPO's Sender list and objects, the eMSP's Receiver."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from conformance.checks import _objects as make
from conformance.checks._common import (
    cached,
    expect_ok,
    full_walk,
    target_party,
    utc_now,
    walked_objects,
)
from conformance.checks._lists import (
    check_ids_unique,
    check_last_updated_past,
    check_objects_valid,
    fail_with,
)
from conformance.checks._receiver import (
    PUSHED,
    Pushed,
    expect_refused,
    expect_stored,
    pushed_location,
    receiver,
)
from conformance.checks._scan import header
from conformance.crossrules import cdr_location_problems, cdr_session_problems
from conformance.failures import CheckFailure
from conformance.rules.objects import OBJECT_SPECS
from conformance.session import Run
from conformance.skips import skip_could_not_run, skip_not_applicable
from ocpi_core.versions import SINCE_2_2

check = pytest.mark.check
CDR = OBJECT_SPECS["cdrs"]
R_GET = "2.2.1 §10.2.2.1 Receiver GET Method"
R_POST = "2.2.1 §10.2.2.2 Receiver POST Method"
R_HEADERS = "2.2.1 §10.2.2.2.2 Response Headers"
CPO = ("CPO",)
EMSP = ("EMSP",)


# ---- Sender interface (CPO target) -----------------------------------------------------------


@check(id="cdrs.objects_valid", spec=CDR, roles=CPO)
def test_objects_valid(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """Every CDR of the list is schema-valid."""
    check_objects_valid(request, ocpi, "cdrs", CDR)


@check(id="cdrs.ids_unique", spec=CDR, roles=CPO)
def test_ids_unique(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """No two different CDRs share an id."""
    check_ids_unique(request, ocpi, "cdrs", CDR)


@check(id="cdrs.last_updated_not_future", spec=CDR, roles=CPO)
def test_last_updated_not_future(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """No CDR has a last_updated in the future."""
    check_last_updated_past(request, ocpi, "cdrs", CDR)


def _other_list(ocpi: Run, request: pytest.FixtureRequest, module: str):
    if ocpi.discovery.endpoint(module, "SENDER") is None:
        skip_not_applicable(f"the target offers no {module} SENDER interface to compare with")
    result = full_walk(request, ocpi, module)
    if result.problem is not None:
        skip_could_not_run(f"the {module} list cannot be read completely: {result.problem}")
    return result.objects


@check(
    id="cdrs.location_consistent",
    versions=SINCE_2_2,
    spec="2.2.1 §10.4.4 CdrLocation class",
    roles=CPO,
)
def test_location_consistent(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """A CDR at a published Location names an EVSE, evse_id and Connector that Location has."""
    title = "CDRs name EVSEs or connectors their Location does not have"
    cdrs = walked_objects(request, ocpi, "cdrs", title, CDR)
    locations = _other_list(ocpi, request, "locations")
    problems = [
        f"CDR {c.get('id')}: {p}" for c in cdrs for p in cdr_location_problems(c, locations)
    ]
    fail_with(
        problems,
        title,
        expected="cdr_location naming a Location of the list, one of its EVSEs and connectors",
        spec="2.2.1 §10.4.4 CdrLocation class",
        exchange=full_walk(request, ocpi, "cdrs").first.exchange,
    )


@check(id="cdrs.session_consistent", versions=SINCE_2_2, spec=CDR, level="SHOULD", roles=CPO)
def test_session_consistent(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """A CDR agrees with its Session on location, EVSE, connector and token."""
    title = "CDRs disagree with their Session"
    cdrs = walked_objects(request, ocpi, "cdrs", title, CDR)
    sessions = _other_list(ocpi, request, "sessions")
    problems = [f"CDR {c.get('id')}: {p}" for c in cdrs for p in cdr_session_problems(c, sessions)]
    fail_with(
        problems,
        title,
        expected="the CDR's cdr_location and cdr_token as in the Session of its session_id",
        spec=CDR,
        exchange=full_walk(request, ocpi, "cdrs").first.exchange,
    )


# ---- Receiver interface (eMSP target) --------------------------------------------------------


def _posted_cdr(ocpi: Run, request: pytest.FixtureRequest) -> Pushed:
    target = receiver(ocpi, "cdrs")
    has_locations = ocpi.discovery.endpoint("locations", "RECEIVER") is not None
    location = pushed_location(ocpi, request) if has_locations else None

    def post() -> Pushed:
        owner = target_party(ocpi) or target.party
        body = make.cdr(target.party, make.new_id("CDR"), owner, utc_now())
        if location is not None and location.ok:
            evse = location.body["evses"][0]
            body["cdr_location"].update(
                id=location.body["id"], evse_uid=evse["uid"], evse_id=evse["evse_id"]
            )
        return Pushed(target.base, body, target.client.post(target.base, body))

    return cached(request, ("pushed", "cdr"), post)


def _location_header(pushed: Pushed) -> str | None:
    return header(pushed.response.exchange.response_headers, "Location")


@check(id="cdrs.receiver.post_location_header", spec=R_HEADERS, mode="sandbox", roles=EMSP)
def test_receiver_post_location_header(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """A CDR POST is accepted and answered with a Location header: the CDR's absolute URL."""
    pushed = _posted_cdr(ocpi, request)
    expect_ok(pushed.response, "POST of a new CDR refused", spec=R_POST, http=PUSHED)
    location = _location_header(pushed)
    parts = urlsplit(location or "")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise CheckFailure(
            "CDR POST answered without a usable Location header",
            expected="Location: the absolute URL where the stored CDR can be read",
            actual=f"Location: {location!r}" if location else "no Location header",
            spec=R_HEADERS,
            exchange=pushed.response.exchange,
        )


@check(id="cdrs.receiver.get_back", spec=R_GET, mode="sandbox", roles=EMSP)
def test_receiver_get_back(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """GET of the URL in the Location header returns the CDR as posted."""
    pushed = _posted_cdr(ocpi, request).require("cdrs.receiver.post_location_header")
    location = _location_header(pushed)
    if not location or not urlsplit(location).scheme:
        skip_could_not_run(
            "no absolute Location header to follow, see cdrs.receiver.post_location_header"
        )
    target = receiver(ocpi, "cdrs")
    expect_stored(target.client, location, pushed.body, "GET of the posted CDR", spec=R_GET)


@check(
    id="cdrs.receiver.malformed_refused",
    spec="2.2.1 §5.2 2xxx: Client errors",
    mode="sandbox",
    roles=EMSP,
)
def test_receiver_malformed_refused(ocpi: Run) -> None:
    """A CDR without its required fields is refused with 2001."""
    target = receiver(ocpi, "cdrs")
    body = make.cdr(target.party, make.new_id("CDR"), target.party, utc_now())
    for field in ("cdr_location", "total_cost", "charging_periods"):
        body.pop(field)
    expect_refused(
        target.client.post(target.base, body),
        "POST of a CDR without required fields accepted",
        spec="2.2.1 §5.2 2xxx: Client errors",
        expected="status_code 2001 (invalid or missing parameters)",
        codes=(2001,),
    )

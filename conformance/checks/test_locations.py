"""Locations module (2.2.1 §8): the CPO's Sender list and objects, the eMSP's Receiver."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from conformance.checks import _objects as make
from conformance.checks._common import (
    client_for,
    expect_ok,
    full_walk,
    payload,
    skip_reason,
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
    FOREIGN_PARTY,
    PUSHED,
    expect_refused,
    expect_stored,
    pushed_location,
    receiver,
)
from conformance.checks._single import location_gets, object_url
from conformance.crossrules import (
    differences,
    duplicate_connector_ids,
    duplicate_evse_uids,
    missing_tariff_ids,
    parse_datetime,
    stale_parents,
)
from conformance.failures import CheckFailure
from conformance.rules.objects import OBJECT_SPECS, PATCH_SPECS
from conformance.session import Run
from conformance.skips import skip_could_not_run, skip_not_applicable
from ocpi_core.versions import SINCE_2_2

check = pytest.mark.check
LOCATION = OBJECT_SPECS["locations"]
GET_LIST = "2.2.1 §8.2.1.1.1 GET List: Request Parameters"
GET_OBJECT = "2.2.1 §8.2.1.1.4 GET Object: Response Data"
R_GET = "2.2.1 §8.2.2.1 Receiver GET Method"
R_PUT = "2.2.1 §8.2.2.2 Receiver PUT Method"
R_PATCH = PATCH_SPECS["locations"]
CPO = ("CPO",)
UNDOCUMENTED_FIELDS = "2.3.0 §4.1.8 Non-specified JSON fields"
EMSP = ("EMSP",)


# ---- Sender interface (CPO target) -----------------------------------------------------------


@check(id="locations.objects_valid", spec=LOCATION, roles=CPO)
def test_objects_valid(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """Every Location, EVSE and Connector returned, by list or by id, is schema-valid."""
    singles = [
        (g.response, g.kind)
        for g in location_gets(request, ocpi)
        if g.response.http_status == 200 and payload(g.response)[0]
    ]
    check_objects_valid(request, ocpi, "locations", LOCATION, extra=singles)


@check(id="locations.ids_unique", spec=LOCATION, roles=CPO)
def test_ids_unique(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """No two different Locations share an id."""
    check_ids_unique(request, ocpi, "locations", LOCATION)


@check(id="locations.last_updated_not_future", spec=LOCATION, roles=CPO)
def test_last_updated_not_future(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """No Location, EVSE or Connector has a last_updated in the future."""
    check_last_updated_past(request, ocpi, "locations", LOCATION)


@check(id="locations.evse_uids_unique", spec="2.2.1 §8.3.2 EVSE Object", roles=CPO)
def test_evse_uids_unique(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """EVSE uids are unique within each Location."""
    title = "Locations with two EVSEs of one uid"
    objects = walked_objects(request, ocpi, "locations", title, "2.2.1 §8.3.2 EVSE Object")
    problems = [
        f"location {loc.get('id')}: EVSE uid {uid} used twice"
        for loc in objects
        for uid in duplicate_evse_uids(loc)
    ]
    fail_with(
        problems,
        title,
        expected="each EVSE uid once per Location (uids identify EVSEs platform-wide)",
        spec="2.2.1 §8.3.2 EVSE Object",
        exchange=full_walk(request, ocpi, "locations").first.exchange,
    )


@check(id="locations.connector_ids_unique", spec="2.2.1 §8.3.3 Connector Object", roles=CPO)
def test_connector_ids_unique(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """Connector ids are unique within each EVSE."""
    title = "EVSEs with two Connectors of one id"
    objects = walked_objects(request, ocpi, "locations", title, "2.2.1 §8.3.3 Connector Object")
    problems = [
        f"location {loc.get('id')}: connector {pair} used twice"
        for loc in objects
        for pair in duplicate_connector_ids(loc)
    ]
    fail_with(
        problems,
        title,
        expected="each Connector id once per EVSE",
        spec="2.2.1 §8.3.3 Connector Object",
        exchange=full_walk(request, ocpi, "locations").first.exchange,
    )


@check(id="locations.parent_last_updated", spec=GET_LIST, roles=CPO)
def test_parent_last_updated(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """No Location is older than its EVSEs, no EVSE older than its Connectors.

    A change to a child moves its parents' last_updated, so date filters find it."""
    title = "Parents older than their children"
    objects = walked_objects(request, ocpi, "locations", title, GET_LIST)
    fail_with(
        [problem for loc in objects for problem in stale_parents(loc)],
        title,
        expected="Location.last_updated >= every EVSE's, EVSE.last_updated >= every Connector's",
        spec=GET_LIST,
        exchange=full_walk(request, ocpi, "locations").first.exchange,
    )


@check(
    id="locations.tariff_ids_exist", spec="2.2.1 §8.3.3 Connector Object", level="SHOULD", roles=CPO
)
def test_tariff_ids_exist(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """Tariff ids named by Connectors are Tariffs of the Tariffs module."""
    if ocpi.discovery.endpoint("tariffs", "SENDER") is None:
        skip_not_applicable("the target offers no tariffs SENDER interface to compare with")
    title = "Connectors name tariffs the Tariffs module does not have"
    locations = walked_objects(request, ocpi, "locations", title, LOCATION)
    tariffs = full_walk(request, ocpi, "tariffs")
    if tariffs.problem is not None:
        skip_could_not_run(f"the tariffs list cannot be read completely: {tariffs.problem}")
    fail_with(
        missing_tariff_ids(locations, tariffs.objects),
        title,
        expected="every Connector.tariff_ids entry is the id of a Tariff in the tariffs list",
        spec="2.2.1 §8.3.3 Connector Object",
        exchange=tariffs.first.exchange if tariffs.first else None,
    )


@check(id="locations.get_matches_list", spec=GET_OBJECT, roles=CPO)
def test_get_matches_list(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """GET of one Location, EVSE or Connector returns what the list returned."""
    gets = location_gets(request, ocpi)
    if not gets:
        skip_could_not_run("the locations list is empty")
    problems, skipped = [], []
    exchange = None
    for get in gets:
        response = get.response
        reason = skip_reason(response, needs_data=True)
        if reason is not None:
            skipped.append(reason)
            continue
        data = payload(response)[1]
        if response.http_status != 200:
            problems.append(f"GET {response.url}: HTTP {response.http_status}")
        else:
            found = differences(get.listed, data, limit=3)
            newer = parse_datetime(data.get("last_updated")) if isinstance(data, dict) else None
            listed = parse_datetime(get.listed.get("last_updated"))
            if not found or (newer and listed and newer > listed):
                continue
            problems.append(f"{get.kind} at {response.url}: " + "; ".join(found))
        exchange = exchange or response.exchange
    if not problems and len(skipped) == len(gets):
        skip_could_not_run(skipped[0])  # each a skip_reason
    fail_with(
        problems,
        "Single-object GETs disagree with the list",
        expected="the Location, EVSE or Connector exactly as in the list (or a newer version)",
        spec=GET_OBJECT,
        exchange=exchange,
    )


@check(id="locations.get_unknown_404", spec="2.2.1 §5 Status codes", level="SHOULD", roles=CPO)
def test_get_unknown_404(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """GET of a Location that does not exist is answered 404 Not Found."""
    listed = full_walk(request, ocpi, "locations")
    if listed.first is None:
        skip_could_not_run(f"the locations list cannot be read ({listed.problem})")
    unknown = object_url(listed.url, f"no-such-location-{uuid.uuid4().hex[:8]}")
    response = client_for(ocpi).get(unknown)
    reason = skip_reason(response)
    if reason is not None:
        skip_could_not_run(reason)
    if response.http_status != 404:
        raise CheckFailure(
            "GET of an unknown Location not answered 404",
            expected="HTTP 404 Not Found (with an OCPI envelope)",
            actual=f"HTTP {response.http_status}",
            spec="2.2.1 §5 Status codes",
            exchange=response.exchange,
        )


# ---- Receiver interface (eMSP target) --------------------------------------------------------


def _evses(location: object) -> list[dict]:
    evses = location.get("evses") if isinstance(location, dict) else None
    return [e for e in evses or [] if isinstance(e, dict)]


@check(id="locations.receiver.put_get", spec=R_PUT, mode="sandbox", roles=EMSP)
def test_receiver_put_get(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """A Location PUT is accepted, and GET returns it as pushed."""
    pushed = pushed_location(ocpi, request)
    expect_ok(pushed.response, "PUT of a new Location refused", spec=R_PUT, http=PUSHED)
    target = receiver(ocpi, "locations")
    expect_stored(target.client, pushed.url, pushed.body, "GET of the pushed Location", spec=R_GET)


@check(id="locations.receiver.evse_connector_put", spec=R_PUT, mode="sandbox", roles=EMSP)
def test_receiver_evse_connector_put(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """An EVSE and a Connector PUT on their own are stored under their Location."""
    pushed = pushed_location(ocpi, request).require("locations.receiver.put_get")
    target = receiver(ocpi, "locations")
    now = utc_now() - timedelta(minutes=1)
    location_id = pushed.body["id"]
    new_evse = make.evse(f"{location_id}-E2", now)
    evse_url = target.url(location_id, new_evse["uid"])
    expect_ok(
        target.client.put(evse_url, new_evse), "PUT of an EVSE refused", spec=R_PUT, http=PUSHED
    )
    expect_stored(target.client, evse_url, new_evse, "GET of the pushed EVSE", spec=R_GET)
    new_connector = make.connector(
        "2",
        now,
        standard="IEC_62196_T2_COMBO",
        format="CABLE",
        power_type="DC",
        max_voltage=920,
        max_amperage=200,
    )
    connector_url = target.url(location_id, new_evse["uid"], "2")
    expect_ok(
        target.client.put(connector_url, new_connector),
        "PUT of a Connector refused",
        spec=R_PUT,
        http=PUSHED,
    )
    expect_stored(
        target.client, connector_url, new_connector, "GET of the pushed Connector", spec=R_GET
    )
    whole = target.client.get(pushed.url)
    data = expect_ok(whole, "GET of the Location after the EVSE PUT", spec=R_GET, needs_data=True)
    uids = [e.get("uid") for e in _evses(data)]
    if new_evse["uid"] not in uids:
        raise CheckFailure(
            "EVSE pushed on its own is not part of its Location",
            expected=f"EVSE {new_evse['uid']} among the Location's EVSEs",
            actual=f"EVSEs: {uids}",
            spec=R_PUT,
            exchange=whole.exchange,
        )


@check(id="locations.receiver.parent_last_updated", spec=R_PUT, mode="sandbox", roles=EMSP)
def test_receiver_parent_last_updated(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """After a PATCH of an EVSE the Location carries the EVSE's new last_updated."""
    pushed = pushed_location(ocpi, request).require("locations.receiver.put_get")
    target = receiver(ocpi, "locations")
    evse_uid = pushed.body["evses"][0]["uid"]
    stamp = make.ocpi_time(utc_now())
    patch = {"status": "CHARGING", "last_updated": stamp}
    response = target.client.patch(target.url(pushed.body["id"], evse_uid), patch)
    expect_ok(response, "PATCH of an EVSE status refused", spec=R_PATCH)
    whole = target.client.get(pushed.url)
    data = expect_ok(whole, "GET of the Location after the EVSE PATCH", spec=R_GET, needs_data=True)
    stored = data.get("last_updated") if isinstance(data, dict) else None
    got = parse_datetime(stored)
    if got is None or got < parse_datetime(stamp):
        raise CheckFailure(
            "Location last_updated not moved with its EVSE",
            expected=f"Location.last_updated >= {stamp} (the EVSE's new value)",
            actual=f"Location.last_updated {stored!r}",
            spec=R_PATCH,
            exchange=whole.exchange,
        )


@check(id="locations.receiver.patch_merges", spec=R_PATCH, mode="sandbox", roles=EMSP)
def test_receiver_patch_merges(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """A PATCH changes the fields it names and leaves the others as they were."""
    pushed = pushed_location(ocpi, request).require("locations.receiver.put_get")
    target = receiver(ocpi, "locations")
    patch = {"name": "Conformance test site (patched)", "last_updated": make.ocpi_time(utc_now())}
    expect_ok(target.client.patch(pushed.url, patch), "PATCH of a Location refused", spec=R_PATCH)
    kept = {k: pushed.body[k] for k in ("address", "city", "country", "coordinates")}
    expect_stored(
        target.client,
        pushed.url,
        {**kept, "name": patch["name"]},
        "PATCH did not merge into the stored Location",
        spec=R_PATCH,
    )


@check(
    id="locations.receiver.patch_requires_last_updated",
    versions=SINCE_2_2,
    spec=R_PATCH,
    mode="sandbox",
    roles=EMSP,
)
def test_receiver_patch_requires_last_updated(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """A PATCH without last_updated is refused (status_code 2001)."""
    pushed = pushed_location(ocpi, request).require("locations.receiver.put_get")
    target = receiver(ocpi, "locations")
    response = target.client.patch(pushed.url, {"name": "No timestamp"})
    expect_refused(
        response,
        "PATCH without last_updated accepted",
        spec=R_PATCH,
        expected="an OCPI client error, status_code 2001",
        codes=(2001,),
        hint="every PATCH must carry last_updated; answer 2001 when it does not",
    )


@check(id="locations.receiver.wrong_party_refused", spec=R_PUT, mode="sandbox", roles=EMSP)
def test_receiver_wrong_party_refused(ocpi: Run) -> None:
    """A PUT whose URL names another party than the Location's owner is refused."""
    target = receiver(ocpi, "locations")
    body = make.location(target.party, make.new_id("LOC"), utc_now())
    response = target.client.put(target.url(body["id"], party=FOREIGN_PARTY), body)
    expect_refused(
        response,
        "PUT under another party's country_code/party_id accepted",
        spec=R_PUT,
        expected="a refusal: OCPI 2xxx, or HTTP 404 for a party we do not hold",
        hint="the URL's country_code/party_id must equal the pushed object's and be the caller's",
    )


@check(
    id="locations.receiver.malformed_refused",
    spec="2.2.1 §5 Status codes",
    mode="sandbox",
    roles=EMSP,
)
def test_receiver_malformed_refused(ocpi: Run) -> None:
    """A Location without its required fields is refused with 2001; broken JSON with HTTP 400."""
    target = receiver(ocpi, "locations")
    body = make.location(target.party, make.new_id("LOC"), utc_now())
    for field in ("coordinates", "address", "time_zone"):
        body.pop(field)
    response = target.client.put(target.url(body["id"]), body)
    expect_refused(
        response,
        "PUT of a Location without required fields accepted",
        spec="2.2.1 §5.2 2xxx: Client errors",
        expected="status_code 2001 (invalid or missing parameters)",
        codes=(2001,),
    )
    broken = target.client.put(
        target.url(make.new_id("LOC")),
        content=b'{"id": "broken", ',
        headers={"Content-Type": "application/json"},
    )
    if broken.http_status != 400:
        raise CheckFailure(
            "A body that is not JSON is not answered 400",
            expected="HTTP 400 Bad Request",
            actual=f"HTTP {broken.http_status}",
            spec="2.2.1 §5 Status codes",
            exchange=broken.exchange,
        )


@check(
    id="locations.receiver.unknown_fields_ignored",
    versions=("2.3.0",),
    spec=UNDOCUMENTED_FIELDS,
    mode="sandbox",
    roles=EMSP,
)
def test_receiver_ignores_unknown_fields(ocpi: Run) -> None:
    """A Location with fields the spec does not document is accepted (2.3.0 extensibility)."""
    target = receiver(ocpi, "locations")
    body = make.location(target.party, make.new_id("LOC"), utc_now())
    body["ocpi_conformance_extension"] = {"note": "an undocumented field"}
    body["evses"][0]["ocpi_conformance_extension"] = True
    expect_ok(
        target.client.put(target.url(body["id"]), body),
        "PUT of a Location with undocumented fields refused",
        spec=UNDOCUMENTED_FIELDS,
        http=PUSHED,
    )

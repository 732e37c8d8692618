"""Checks of a Hub target's Open Routing Requests (2.2.1/2.3.0): a GET of one Location that
names no receiver (no OCPI-to-*), so the Hub decides by the content where it goes. We take a
Location a connected CPO gives when routed to, ask for it by its id without OCPI-to-*, and judge
that the Hub finds it (at that CPO, or another listing the same id) and names, in its answer,
the CPO whose Location came back.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from conformance.checks import _hub as hub
from conformance.checks._common import (
    cached,
    client_for,
    endpoint_or_skip,
    our_party,
    payload,
)
from conformance.checks._lists import fail_with
from conformance.checks._single import object_url
from conformance.failures import CheckFailure
from conformance.routing import expected_routing, routing_headers, routing_problems
from conformance.session import Run
from conformance.skips import skip_could_not_run
from ocpi_core.client import OcpiResponse
from ocpi_core.versions import SINCE_2_2

check = pytest.mark.check
OPEN = "2.2.1 §4.1.8.4 Open Routing Request"
OPEN_HEADERS = "2.2.1 §4.1.8.6.4 Party to Party Open Routing Request"


@dataclass(frozen=True)
class OpenGet:
    """Our open routing GET of one Location of ``owner``."""

    owner: hub.HubParty
    location_id: str
    holders: frozenset[tuple[str, str]]
    response: OcpiResponse

    @property
    def answered_by(self) -> tuple[str, str] | None:
        """The CPO whose Location of our id came back (one of ``holders``), else None."""
        _, data = payload(self.response)
        ok = self.response.http_status == 200 and _code(self.response) == 1000
        if not (ok and isinstance(data, dict) and data.get("id") == self.location_id):
            return None
        found = hub.owner(data)
        return found if found in self.holders else None


def _code(response: OcpiResponse) -> object:
    return response.body.get("status_code") if isinstance(response.body, dict) else None


def _hub_check(**kwargs: object) -> pytest.MarkDecorator:
    return check(roles=("HUB",), versions=SINCE_2_2, mode="sandbox", **kwargs)


def _open_get(request: pytest.FixtureRequest, ocpi: Run) -> OpenGet:
    """GET, without OCPI-to-*, of the first Location the first connected CPO lists, once;
    ``holders`` are the CPOs that list a Location of that id (ids are unique per CPO only, so
    the Hub may answer with any of them)."""

    def build() -> OpenGet:
        cpos = hub.parties(request, ocpi, "CPO")
        owned = {
            party.key: {
                str(o["id"])
                for o in hub.routed_walk(request, ocpi, party)[1].objects
                if hub.owner(o) == party.key and o.get("id")
            }
            for party in cpos
        }
        for party in cpos:
            if not owned[party.key]:
                continue
            location_id = sorted(owned[party.key])[0]
            holders = frozenset(k for k, ids in owned.items() if location_id in ids)
            url = object_url(endpoint_or_skip(ocpi, "locations", "SENDER"), location_id)
            client = client_for(ocpi, routed=False).with_headers(
                routing_headers(None, our_party(ocpi))
            )
            return OpenGet(party, location_id, holders, client.get(url))
        skip_could_not_run("no connected CPO behind the Hub lists a Location of its own to ask for")

    return cached(request, ("hub", "open_routing", "get"), build)


@_hub_check(id="hub.open_routing.get_one", spec=OPEN, level="SHOULD")
def test_open_routing_get_one(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """A GET of one Location without OCPI-to-* is routed by the Hub to the CPO that holds it
    and answered with that Location (the spec lets a requester leave the receiver to the Hub;
    a Hub that cannot route it warns)."""
    found = _open_get(request, ocpi)
    if found.answered_by is not None:
        return
    code, (_, data) = _code(found.response), payload(found.response)
    got = data.get("id") if isinstance(data, dict) else None
    raise CheckFailure(
        f"an open routing GET of Location {found.location_id} ({found.owner.label}) is not "
        "answered with it",
        expected=f"HTTP 200, status_code 1000 and Location {found.location_id} of "
        + " or ".join("/".join(k) for k in sorted(found.holders)),
        actual=f"HTTP {found.response.http_status}, status_code {code}"
        + (f", Location {got!r}" if got else ""),
        spec=OPEN,
        exchange=found.response.exchange,
        hint="a request without OCPI-to-* leaves the receiver to the Hub, which may route it "
        "by the content",
    )


@_hub_check(id="hub.open_routing.answer_headers", spec=OPEN_HEADERS)
def test_open_routing_answer_headers(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """The Hub's answer to an open routing request names us in OCPI-to-* and the party that
    answered (the Location's CPO) in OCPI-from-*."""
    found = _open_get(request, ocpi)
    answered_by = found.answered_by
    if answered_by is None:
        skip_could_not_run("the Hub did not answer the open routing GET (hub.open_routing.get_one)")
    expected = expected_routing(
        "open",
        "answer",
        requester=our_party(ocpi),
        receiver=answered_by,
        hub=hub.hub_party(ocpi),
    )
    fail_with(
        routing_problems("locations", found.response.headers.items(), expected),
        "routing headers of the Hub's answer to an open routing request",
        expected=f"OCPI-to-* = our party, OCPI-from-* = {'/'.join(answered_by)}, whose "
        f"Location {found.location_id} came back",
        spec=OPEN_HEADERS,
        exchange=found.response.exchange,
    )

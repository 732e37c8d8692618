"""Checks of a Hub target (2.2.1/2.3.0): routing by OCPI-to-*, party isolation, refusal of an
unknown receiver, GET All, and the hubclientinfo Sender.

Our counterpart registers with the Hub as an eMSP. The parties behind the Hub come from its
hubclientinfo Sender list; we reach each connected CPO (its Locations) and eMSP (its Tokens) by
the routing headers and judge the answers. 2.1.1 has no Hub role: these checks do not apply.
"""

from __future__ import annotations

import pytest

from conformance.checks import _hub as hub
from conformance.checks._common import Walk, cached, client_for, endpoint_or_skip, our_party, walk
from conformance.checks._lists import fail_with
from conformance.failures import CheckFailure
from conformance.routing import expected_routing, routing_headers, routing_problems
from conformance.session import Run
from ocpi_core.versions import SINCE_2_2

check = pytest.mark.check
HUB = ("HUB",)
HEADERS = "2.2.1 §4.1.8.2 Message Routing Headers"
VIA_HUB = "2.2.1 §4.1.8.6.2 Party to Party via Hub"
GET_ALL = "2.2.1 §4.1.8.5 GET All via Hubs"
HUB_ERRORS = "2.2.1 §5.4 4xxx: Hub errors"
CLIENT_INFO_SENDER = "2.2.1 §15.3.2 Sender Interface"
CREDENTIALS_OBJECT = "2.3.0 §7.3.1 Credentials object"
UNKNOWN_RECEIVER = 4001


def _hub_check(**kwargs: object) -> pytest.MarkDecorator:
    return check(roles=HUB, versions=SINCE_2_2, mode="sandbox", **kwargs)


@_hub_check(id="hub.routing.forwarded", spec=VIA_HUB)
def test_routing_forwarded(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """A GET of a Sender list routed to a connected party is answered with its list."""
    problems = []
    exchange = None
    for party in hub.parties(request, ocpi):
        module, listed = hub.routed_walk(request, ocpi, party)
        if listed.first is None:
            problems.append(f"{party.label}: {module} list not answered ({listed.problem})")
            exchange = exchange or listed.problem_exchange
    fail_with(
        problems,
        "a request routed to a connected party is not answered with that party's list",
        expected="HTTP 200 and a list from every party hubclientinfo lists as CONNECTED",
        spec=VIA_HUB,
        exchange=exchange,
    )


@_hub_check(id="hub.routing.answer_headers", spec=VIA_HUB)
def test_routing_answer_headers(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """The answer to a routed request names us in OCPI-to-* and the party that answered in
    OCPI-from-*."""
    ours, own = our_party(ocpi), hub.hub_party(ocpi)
    problems = []
    exchange = None
    for party in hub.parties(request, ocpi):
        module, listed = hub.routed_walk(request, ocpi, party)
        if listed.first is None:
            continue  # hub.routing.forwarded's finding
        expected = expected_routing(
            "via_hub", "answer", requester=ours, receiver=party.key, hub=own
        )
        for page in listed.pages:
            found = routing_problems(module, page.headers.items(), expected)
            if found:
                problems += [f"{party.label}, GET {page.url}: {p}" for p in found]
                exchange = exchange or page.exchange
    fail_with(
        problems,
        "routing headers of the Hub's answer do not name the parties of the exchange",
        expected="OCPI-to-* = our party, OCPI-from-* = the party the request was routed to",
        spec=VIA_HUB,
        exchange=exchange,
    )


@_hub_check(id="hub.routing.isolation", spec=HEADERS)
def test_routing_isolation(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """A request routed to party X is answered by X alone: no object of another party."""
    problems = []
    exchange = None
    for party in hub.parties(request, ocpi):
        module, listed = hub.routed_walk(request, ocpi, party)
        foreign: dict[tuple[str, str], int] = {}
        for obj in listed.objects:
            found = hub.owner(obj)
            if found != party.key:
                foreign[found or ("?", "?")] = foreign.get(found or ("?", "?"), 0) + 1
        for (country, party_id), count in sorted(foreign.items()):
            problems.append(
                f"routed to {party.label}: {count} {module} object(s) of {country}/{party_id}"
            )
            exchange = exchange or (listed.first.exchange if listed.first else None)
    fail_with(
        problems,
        "a routed request answered with objects of another party",
        expected="only objects whose country_code/party_id is the party named in OCPI-to-*",
        spec=HEADERS,
        exchange=exchange,
        hint="the Hub forwarded to the wrong party, broadcast the request, or mixed answers",
    )


@_hub_check(id="hub.routing.unknown_party_refused", spec=HUB_ERRORS)
def test_unknown_party_refused(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """A request routed to a party the Hub does not know is refused with 4001."""
    unknown = hub.unknown_party(request, ocpi)
    url = endpoint_or_skip(ocpi, "locations", "SENDER")
    response = hub.routed_client(ocpi, unknown).get(url)
    code = response.body.get("status_code") if isinstance(response.body, dict) else None
    if code == UNKNOWN_RECEIVER and response.http_status != 200:
        return
    raise CheckFailure(
        f"a request routed to the unknown party {unknown[0]}/{unknown[1]} is not refused "
        "as an unknown receiver",
        expected=f"status_code {UNKNOWN_RECEIVER} (unknown receiver) and an HTTP error status",
        actual=f"HTTP {response.http_status}, status_code {code}",
        spec=HUB_ERRORS,
        exchange=response.exchange,
    )


def _get_all(request: pytest.FixtureRequest, ocpi: Run) -> tuple[str, Walk]:
    url = endpoint_or_skip(ocpi, "locations", "SENDER")
    headers = routing_headers(hub.hub_party(ocpi), our_party(ocpi))
    client = client_for(ocpi, routed=False).with_headers(headers)
    return "locations", cached(request, ("hub", "get_all"), lambda: walk(client, "locations", url))


@_hub_check(id="hub.get_all.answer_headers", spec=GET_ALL)
def test_get_all_answer_headers(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """A GET All (OCPI-to-* = the Hub) is answered by the Hub: OCPI-from-* names it."""
    module, listed = _get_all(request, ocpi)
    listed.require_first("GET All of locations via the Hub", GET_ALL)
    expected = expected_routing(
        "get_all", "answer", requester=our_party(ocpi), hub=hub.hub_party(ocpi)
    )
    problems = []
    for page in listed.pages:
        problems += [
            f"GET {page.url}: {p}" for p in routing_problems(module, page.headers.items(), expected)
        ]
    fail_with(
        problems,
        "routing headers of a GET All answer do not name the Hub and us",
        expected="OCPI-to-* = our party, OCPI-from-* = the Hub",
        spec=GET_ALL,
        exchange=listed.first.exchange,
    )


@_hub_check(id="hub.get_all.covers_parties", spec=GET_ALL, level="SHOULD")
def test_get_all_covers_parties(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """The GET All of Locations holds every Location each CPO gives when routed to, once (the
    spec lets a Hub combine its parties' objects: a SHOULD)."""
    module, listed = _get_all(request, ocpi)
    listed.require_first("GET All of locations via the Hub", GET_ALL)
    combined: dict[tuple[str, str, str], int] = {}
    for obj in listed.objects:
        key = (*(hub.owner(obj) or ("?", "?")), str(obj.get("id")))
        combined[key] = combined.get(key, 0) + 1
    problems = [
        f"location {'/'.join(key)} comes {count} times"
        for key, count in combined.items()
        if count > 1
    ]
    for party in hub.parties(request, ocpi, "CPO"):
        _, routed = hub.routed_walk(request, ocpi, party)
        missing = [
            obj.get("id")
            for obj in routed.objects
            if hub.owner(obj) == party.key and (*party.key, str(obj.get("id"))) not in combined
        ]
        if missing:
            problems.append(
                f"{len(missing)} location(s) of {party.label} missing, first {missing[0]}"
            )
    fail_with(
        problems,
        "the GET All list is not the union of the parties' lists",
        expected="every Location of every connected CPO, each once",
        spec=GET_ALL,
        exchange=listed.first.exchange,
    )


@_hub_check(id="hub.clientinfo.pagination", spec=CLIENT_INFO_SENDER)
def test_clientinfo_pagination(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """The ClientInfo list read one object a page gives each party once, as many as
    X-Total-Count says, and the same parties as the list read at once."""
    whole = hub.client_infos(request, ocpi)
    whole.require_first("GET of the hubclientinfo list", CLIENT_INFO_SENDER)
    url = endpoint_or_skip(ocpi, "hubclientinfo", "SENDER")
    paged = walk(client_for(ocpi, routed=False), "hubclientinfo", url, {"limit": 1})
    first = paged.require_first("GET of the hubclientinfo list, limit 1", CLIENT_INFO_SENDER)
    problems = [f"the walk stopped early: {paged.problem}"] if paged.problem else []
    keys = [hub.owner(info) for info in paged.objects]
    for key in sorted({k for k in keys if keys.count(k) > 1}, key=str):
        problems.append(f"ClientInfo of {key[0]}/{key[1]} comes {keys.count(key)} times")
    total = paged.total
    if total is not None and total != len(paged.objects):
        problems.append(f"X-Total-Count {total}, but {len(paged.objects)} objects in all pages")
    at_once = {hub.owner(info) for info in whole.objects}
    if set(keys) != at_once:
        problems.append(
            f"paged: {len(set(keys))} parties, at once: {len(at_once)} "
            f"(differ in {', '.join(sorted('/'.join(k) for k in set(keys) ^ at_once))})"
        )
    fail_with(
        problems,
        "the hubclientinfo list does not page correctly",
        expected="each ClientInfo once, X-Total-Count objects, the same parties as one page",
        spec=CLIENT_INFO_SENDER,
        exchange=first.exchange,
    )


@_hub_check(id="hub.clientinfo.not_routed", spec=HEADERS)
def test_clientinfo_not_routed(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """hubclientinfo is a configuration module: its answers carry no routing headers."""
    listed = hub.client_infos(request, ocpi)
    first = listed.require_first("GET of the hubclientinfo list", CLIENT_INFO_SENDER)
    fail_with(
        routing_problems("hubclientinfo", first.headers.items()),
        "routing headers on a hubclientinfo answer",
        expected="no OCPI-to-*/OCPI-from-* on a configuration module",
        spec=HEADERS,
        exchange=first.exchange,
    )


@check(
    id="hub.credentials.lists_parties",
    spec=CREDENTIALS_OBJECT,
    roles=HUB,
    versions=("2.3.0",),
    mode="sandbox",
    level="SHOULD",
)
def test_roles_name_the_parties_behind(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """A 2.3.0 Hub's Credentials list, in roles, the parties reachable through it: every party
    its hubclientinfo gives as CONNECTED (the spec expects it of a Hub: a SHOULD)."""
    client_for(ocpi, routed=False)  # registered first (a skip when that failed)
    response = ocpi.client().get(ocpi.registration.credentials_url or "")
    data = response.body.get("data") if isinstance(response.body, dict) else None
    roles = data.get("roles") if isinstance(data, dict) else None
    listed = {
        (str(r.get("role")).upper(), *(hub.owner(r) or ("", "")))
        for r in (roles if isinstance(roles, list) else [])
        if isinstance(r, dict)
    }
    missing = [p.label for p in hub.parties(request, ocpi) if (p.role, *p.key) not in listed]
    fail_with(
        [f"{label} is not among the Hub's credentials roles" for label in missing],
        "the Hub's credentials do not list the parties reachable through it",
        expected="a CredentialsRole (role, country_code, party_id) for every party the "
        "Hub's hubclientinfo gives as CONNECTED",
        spec=CREDENTIALS_OBJECT,
        exchange=response.exchange,
    )

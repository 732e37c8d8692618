"""What the module checks share: endpoints, the working client, success tests, list walks.

Private to the checks (pytest does not collect ``_*.py``). Results that several checks use, such
as the full walk of a Sender list, are kept for the run in ``config.stash``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import httpx
import pytest

from conformance.checks._via_hub import HubRoute, hub_route
from conformance.crossrules import MODULE_OBJECTS
from conformance.expect import unfollowed_redirect
from conformance.failures import CheckFailure, StatusMismatch
from conformance.rules.objects import data_violations
from conformance.session import Run
from conformance.skips import skip_could_not_run, skip_not_applicable
from ocpi_core.client import OcpiClient, OcpiClientError, OcpiResponse
from ocpi_core.exchange import Exchange
from ocpi_core.versions import party_records, rules

__all__ = [
    "CLOCK_TOLERANCE",
    "EPOCH",
    "Walk",
    "cached",
    "client_for",
    "data_violations",
    "endpoint_or_skip",
    "expect_ok",
    "full_walk",
    "list_params",
    "ok_problem",
    "our_parties",
    "our_party",
    "owned_elsewhere",
    "payload",
    "refusal_problem",
    "skip_reason",
    "target_party",
    "sender_lists",
    "utc_now",
    "walk",
    "walked_objects",
]

EPOCH = "1970-01-01T00:00:00Z"
CLOCK_TOLERANCE = timedelta(minutes=5)
SHOWN = 10

T = TypeVar("T")
_CACHE = pytest.StashKey[dict[Any, Any]]()


def utc_now() -> datetime:
    return datetime.now(UTC)


def cached(request: pytest.FixtureRequest, key: Any, build: Callable[[], T]) -> T:
    """``build()`` once per run for ``key``; later calls get the same value."""
    store = request.config.stash.setdefault(_CACHE, {})
    if key not in store:
        store[key] = build()
    return store[key]


def _registered_roles(ocpi: Run) -> list[dict[str, Any]]:
    """The credentials roles the target answered our registration with ([] without one); a
    2.3.0 ``hub_party_id`` as a first role HUB (``party_records``)."""
    if ocpi.config.mode == "read-only" or not ocpi.registration.ok:
        return []
    response = ocpi.registration.response
    data = payload(response)[1] if response is not None else None
    return party_records(ocpi.config.version, data)


def hub_route_of(ocpi: Run) -> HubRoute | None:
    """How the run reaches the target through a Hub (``None``: directly); 2.2+ only."""
    if not rules(ocpi.config.version).routing_headers:
        return None
    return hub_route(ocpi.config, _registered_roles(ocpi))


def target_party(ocpi: Run) -> tuple[str, str] | None:
    """The target's country_code and party_id: the party named in the config when it is
    reached through a Hub, else its declared role in our registration's answer."""
    route = hub_route_of(ocpi)
    if route is not None:
        return route.target
    roles = _registered_roles(ocpi)
    if not roles:
        return None
    # a Hub is its HUB record only: on 2.3.0 its other roles are the parties behind it
    fallback = roles[0] if roles and ocpi.config.role != "HUB" else None
    role = next((r for r in roles if r.get("role") == ocpi.config.role), fallback)
    if not role or not role.get("country_code") or not role.get("party_id"):
        return None
    return str(role["country_code"]), str(role["party_id"])


def client_for(ocpi: Run, *, routed: bool = True, module: str | None = None) -> OcpiClient:
    """The client with the working token: token C after our registration in sandbox mode.

    In sandbox mode requests also carry the routing headers (2.2+), except for the
    configuration modules (``routed=False``, or ``module`` hubclientinfo). Returns an
    OcpiClient or a RoutedClient; both have the same methods.
    """
    routed = routed and module != "hubclientinfo" and rules(ocpi.config.version).routing_headers
    if ocpi.config.mode != "read-only":
        registration = ocpi.registration
        if not registration.ok:
            skip_could_not_run(f"not registered with the target: {registration.error}")
    client = ocpi.client()
    route = hub_route_of(ocpi) if routed else None
    if route is not None and route.target is None:
        skip_could_not_run(
            f"the target answered as a Hub ({'/'.join(route.hub or ('?', '?'))}), not as a "
            f'{ocpi.config.role}: name the party behind it (party = "CC/PID" and via_hub = '
            "true in [target], or --via-hub --party CC/PID) so requests can be routed to it"
        )
    to = target_party(ocpi) if routed else None
    if to is None:
        return client
    ours = our_party(ocpi)
    return client.with_headers(
        {
            "OCPI-to-country-code": to[0],
            "OCPI-to-party-id": to[1],
            "OCPI-from-country-code": ours[0],
            "OCPI-from-party-id": ours[1],
        },
    )


def endpoint_or_skip(ocpi: Run, module: str, role: str) -> str:
    url = ocpi.discovery.endpoint(module, role)
    if url is None:
        if ocpi.discovery.error and not ocpi.discovery.endpoints:
            skip_could_not_run(f"no endpoints discovered: {ocpi.discovery.error}")
        skip_not_applicable(f"the target offers no {module} {role} interface")
    return url


def sender_lists(ocpi: Run) -> list[tuple[str, str]]:
    """(module, url) of every paginated Sender list the target offers."""
    found = []
    for module in MODULE_OBJECTS:
        url = ocpi.discovery.endpoint(module, "SENDER")
        if url is not None:
            found.append((module, url))
    return found


def list_params(module: str, **extra: Any) -> dict[str, Any]:
    """Query parameters for a list GET; the Sessions list requires ``date_from``."""
    params: dict[str, Any] = {"date_from": EPOCH} if module == "sessions" else {}
    params.update({k: v for k, v in extra.items() if v is not None})
    return params


def our_party(ocpi: Run) -> tuple[str, str]:
    """Our counterpart's country_code and party_id: the owner of what we push."""
    config = ocpi.counterpart.config
    return config.country_code, config.party_id


def our_parties(ocpi: Run) -> list[tuple[str, str, str]]:
    """(role, country_code, party_id) of every party our counterpart plays: its own first,
    then the ones it hosts besides (behind a Hub, ``extra_parties``)."""
    config = ocpi.counterpart.config
    own = [(role, config.country_code, config.party_id) for role in config.roles]
    return own + list(config.more_parties)


# ---- outcomes ------------------------------------------------------------------------------
#
# Each rule has one owner. The module checks judge the HTTP status and the payload; the shape of
# the envelope, its status_code and its timestamp are judged by the transport checks over every
# exchange. So a module check reads ``data`` from any JSON object that has it, and skips (rather
# than fails) when an answer's problem belongs to a transport check: a 5xx, a redirect the client
# did not follow, a body that is not JSON or has no ``data``. Rate limiting (429) makes a check
# inconclusive, so it skips too.


def payload(response: OcpiResponse) -> tuple[bool, Any]:
    """(True, data) when the body is a JSON object with ``data``; (False, None) otherwise."""
    body = response.body
    if isinstance(body, dict) and "data" in body:
        return True, body["data"]
    return False, None


def owned_elsewhere(response: OcpiResponse, *, needs_data: bool = False) -> str | None:
    """Why the answer cannot be judged here because a transport check owns its problem."""
    if response.http_status >= 500:
        return f"the target answered HTTP {response.http_status} (see transport.no_server_error)"
    redirect = unfollowed_redirect(response)
    if redirect is not None:
        return redirect
    owner = (
        "transport.envelope_valid" if response.http_status < 400 else "transport.error_is_envelope"
    )
    if response.body is None:
        return f"the answer is not JSON (see {owner})"
    if needs_data and not payload(response)[0]:
        return f"the answer has no envelope with data (see {owner})"
    return None


def skip_reason(response: OcpiResponse, *, needs_data: bool = False) -> str | None:
    if response.http_status == 429:
        return "the target is rate-limiting (HTTP 429); try again later"
    return owned_elsewhere(response, needs_data=needs_data)


def _code(response: OcpiResponse) -> int | None:
    body = response.body
    code = body.get("status_code") if isinstance(body, dict) else None
    return code if isinstance(code, int) and not isinstance(code, bool) else None


def _suffix(response: OcpiResponse) -> str:
    body = response.body if isinstance(response.body, dict) else {}
    code, message = _code(response), body.get("status_message")
    text = f", status_code {code}" if code is not None else ""
    return text + (f" ({message})" if isinstance(message, str) and message else "")


def ok_problem(response: OcpiResponse, http: Iterable[int] = (200,)) -> str | None:
    """Why ``response`` is not an answer with one of the ``http`` statuses (``None`` if it is)."""
    statuses = tuple(http)
    if response.http_status not in statuses:
        return f"HTTP {response.http_status}" + _suffix(response)
    return None


def expect_ok(
    response: OcpiResponse,
    title: str,
    *,
    spec: str | None = None,
    http: Iterable[int] = (200,),
    hint: str | None = None,
    needs_data: bool = False,
) -> Any:
    """The request succeeded (HTTP ``http``); returns ``data``. Skips when the answer's problem
    belongs to a transport check. With ``needs_data`` the data must be one JSON object (every
    caller reads fields of it): a list, a string or null there is a finding."""
    statuses = tuple(http)
    reason = skip_reason(response, needs_data=needs_data)
    if reason is not None:
        skip_could_not_run(reason)
    problem = ok_problem(response, statuses)
    if problem is not None:
        raise StatusMismatch(
            title,
            expected="HTTP " + " or ".join(map(str, statuses)) + " (success)",
            actual=problem,
            spec=spec,
            hint=hint,
            exchange=response.exchange,
        )
    data = payload(response)[1]
    if needs_data and not isinstance(data, dict):
        raise CheckFailure(
            title,
            expected="data: one JSON object",
            actual=f"data is {json_kind(data)}",
            spec=spec,
            exchange=response.exchange,
        )
    return data


def json_kind(value: Any) -> str:
    """How a JSON value is named in a finding: 'a list', 'null', 'a string', ..."""
    if value is None:
        return "null"
    names = {bool: "a boolean", int: "a number", float: "a number", str: "a string"}
    names.update({list: "a list", dict: "an object"})
    return names.get(type(value), type(value).__name__)


def refusal_problem(response: OcpiResponse, codes: Iterable[int] | None = None) -> str | None:
    """Why ``response`` is not a refusal, ``None`` when it is one.

    A refusal is an HTTP 4xx or an OCPI client error (2xxx); when ``codes`` are given, a 2xxx
    status_code must be one of them. A 1xxx code on an HTTP 4xx is left to
    transport.status_code_consistent.
    """
    code = _code(response)
    wanted = tuple(codes) if codes is not None else ()
    if code is not None and 2000 <= code < 3000:
        if wanted and code not in wanted:
            return f"status_code {code}, not {' or '.join(map(str, wanted))}" + _suffix(response)
        return None
    if 400 <= response.http_status < 500:
        return None
    return f"accepted: HTTP {response.http_status}" + _suffix(response)


# ---- schemas ---------------------------------------------------------------------------------


# ---- list walks ------------------------------------------------------------------------------


@dataclass
class Walk:
    """A Sender list read page by page, following ``Link: rel="next"``.

    ``problem`` says why the walk stopped before the last page (``None`` when it did not);
    ``objects`` holds what came until then.
    """

    module: str
    url: str
    params: dict[str, Any]
    pages: list[OcpiResponse] = field(default_factory=list)
    objects: list[dict[str, Any]] = field(default_factory=list)
    data: list[list[Any]] = field(default_factory=list)  # each page's data
    problem: str | None = None
    problem_exchange: Exchange | None = None
    skip: str | None = None  # set when the problem belongs to a transport check
    endless: bool = False  # the Links went on past the list's end: a finding of its own

    @property
    def first(self) -> OcpiResponse | None:
        return self.pages[0] if self.pages else None

    @property
    def total(self) -> int | None:
        """X-Total-Count of the first page."""
        return self.first.header_int("X-Total-Count") if self.first is not None else None

    def require_first(self, title: str, spec: str) -> OcpiResponse:
        """The first page; a failure when even that could not be read (a skip when the
        reason belongs to a transport check)."""
        if self.first is None:
            if self.skip:
                skip_could_not_run(f"the {self.module} list cannot be read: {self.skip}")
            raise CheckFailure(
                f"GET of the {self.module} list not answered with its objects",
                expected=f"HTTP 200 and data: a list of {self.module} objects",
                actual=self.problem or "no answer",
                spec=spec,
                exchange=self.problem_exchange,
            )
        return self.first


def walk(
    client: OcpiClient,
    module: str,
    url: str,
    params: Mapping[str, Any] | None = None,
    *,
    max_pages: int = 500,
) -> Walk:
    """Read the whole list at ``url``; never raises for what the server answers."""
    result = Walk(module=module, url=url, params=dict(params or {}))
    seen: set[str] = set()
    contents: dict[str, int] = {}  # a page's objects → its number, to spot a list going round
    last_offset: int | None = None
    next_url: str | None = url
    query: Mapping[str, Any] | None = result.params
    while next_url is not None:
        try:
            response = client.get(next_url, params=query)
        except OcpiClientError as exc:
            result.problem = str(exc)
            result.problem_exchange = getattr(exc, "exchange", None)
            return result
        seen.add(response.url)
        has_data, data = payload(response)
        problem = ok_problem(response)
        if problem is None and not isinstance(data, list):
            problem = (
                f"data is {type(data).__name__}, not a list"
                if has_data
                else "no data in the answer"
            )
        if problem is not None:
            result.problem = f"page {len(result.pages) + 1}: {problem}"
            result.problem_exchange = response.exchange
            result.skip = owned_elsewhere(response, needs_data=response.http_status == 200)
            return result
        result.pages.append(response)
        result.data.append(data)
        result.objects += [o for o in data if isinstance(o, dict)]
        link = response.next_url
        if link is None:
            return result
        next_url, query = str(httpx.URL(response.url).join(link)), None
        endless = _going_round(data, len(result.pages), contents, next_url, last_offset)
        if endless is not None:
            result.problem, result.endless = endless, True
            result.problem_exchange = response.exchange
            return result
        last_offset = _offset_of(next_url)
        if next_url in seen:
            result.problem = (
                f"endless Link: rel=next points back to a page already read: {next_url}"
            )
            result.problem_exchange, result.endless = response.exchange, True
            return result
        if len(result.pages) >= _page_budget(result, max_pages):
            result.problem = f"more pages than the list can hold; stopped after {len(seen)}"
            result.problem_exchange = response.exchange
            if result.total is not None:  # past X-Total-Count, and rel=next still points on
                result.problem = f"endless Link: {result.problem} (X-Total-Count {result.total})"
                result.endless = True
            return result
    return result


def _offset_of(url: str) -> int | None:
    value = httpx.URL(url).params.get("offset")
    return int(value) if value is not None and value.isascii() and value.isdigit() else None


def _going_round(
    data: list[Any], number: int, contents: dict[str, int], next_url: str, last: int | None
) -> str | None:
    """Why the Links of a list never end, seen early: a page repeating an earlier page's objects,
    or a next Link whose offset does not move forward; ``None`` while all looks right."""
    if data:
        key = json.dumps(data, sort_keys=True, default=str)
        if key in contents:
            return (
                f"endless Link: page {number} holds the same objects as page {contents[key]}, "
                f"and rel=next still points on ({next_url})"
            )
        contents[key] = number
    offset = _offset_of(next_url)
    if offset is not None and last is not None and offset <= last:
        return (
            f"endless Link: the next offset ({offset}) does not move past the one before "
            f"({last}): {next_url}"
        )
    return None


def _page_budget(result: Walk, max_pages: int) -> int:
    total = result.total
    if total is None or not result.data or not result.data[0]:
        return max_pages
    return min(max_pages, math.ceil(total / len(result.data[0])) + 3)


def full_walk(request: pytest.FixtureRequest, ocpi: Run, module: str) -> Walk:
    """The list of ``module`` read once per run with the server's own page size."""
    url = endpoint_or_skip(ocpi, module, "SENDER")
    client = client_for(ocpi, module=module)
    return cached(request, ("walk", module), lambda: walk(client, module, url, list_params(module)))


def walked_objects(
    request: pytest.FixtureRequest, ocpi: Run, module: str, title: str, spec: str
) -> list[dict[str, Any]]:
    """The objects of the full walk; a skip when the list could not be read at all (that is
    ``<module>.objects_valid``'s finding)."""
    result = full_walk(request, ocpi, module)
    if result.first is None:
        skip_could_not_run(
            f"the {module} list cannot be read ({result.problem}); see {module}.objects_valid"
        )
    return result.objects

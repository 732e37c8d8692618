"""Pagination of every Sender list the target offers (2.2.1 §4.1.4.1).

Each check runs over all the paginated lists (locations, sessions, cdrs, tariffs, tokens,
hubclientinfo) and reports per list. Limits are chosen relative to what the list holds, so the
checks work on any size of data set; a rule that needs more objects than a list has is skipped
for that list.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from conformance.checks._common import (
    EPOCH,
    Walk,
    cached,
    client_for,
    full_walk,
    list_params,
    ok_problem,
    payload,
    refusal_problem,
    sender_lists,
    skip_reason,
    walk,
)
from conformance.crossrules import describe_key, object_key, parse_datetime, repeated_keys
from conformance.failures import CheckFailure
from conformance.rules.pagination import (
    LINK_NAMES_NEXT,
    header_int_problem,
    link_problem,
    link_without_next,
)
from conformance.session import Run
from conformance.skips import skip_could_not_run, skip_not_applicable
from ocpi_core.client import OcpiClient, OcpiClientError, OcpiResponse, next_link
from ocpi_core.exchange import Exchange
from ocpi_core.versions import SINCE_2_2

check = pytest.mark.check
REQUEST = "2.2.1 §4.1.4.1.2 Paginated Request"
RESPONSE = "2.2.1 §4.1.4.1.3 Paginated Response"
FAR_FUTURE = "2100-01-01T00:00:00Z"
HUGE_LIMIT = 1_000_000


class _NotApplicable(Exception):
    """The rule cannot be tried on this list (too few objects, list unreadable, …)."""


@dataclass
class _Finding:
    module: str
    text: str
    exchange: Exchange | None = None


class _Failed(Exception):
    """The rule is broken in a way that ends the inspection of this list."""

    def __init__(self, finding: _Finding) -> None:
        super().__init__(finding.text)
        self.finding = finding


def _get_page(
    client: OcpiClient, module: str, url: str, params: dict[str, Any]
) -> tuple[OcpiResponse, list[Any]]:
    """One page of the list: the answer and its data; skips what transport checks own."""
    response = client.get(url, params=params)
    reason = skip_reason(response, needs_data=True)
    if reason is not None:
        raise _NotApplicable(reason)
    shown = "&".join(f"{k}={v}" for k, v in params.items())
    problem = ok_problem(response)
    data = payload(response)[1]
    if problem is None and not isinstance(data, list):
        problem = f"data is {type(data).__name__}, not a list"
    if problem is not None:
        raise _Failed(_Finding(module, f"GET ?{shown}: {problem}", response.exchange))
    return response, data


def _per_list(
    ocpi: Run,
    title: str,
    expected: str,
    rule: Callable[[str, str], list[_Finding]],
    *,
    spec: str,
    hint: str | None = None,
) -> None:
    """Apply ``rule(module, url)`` to every Sender list; fail with all findings together."""
    lists = sender_lists(ocpi)
    if not lists:
        skip_not_applicable("the target offers no paginated Sender list")
    findings: list[_Finding] = []
    skipped: list[str] = []
    for module, url in lists:
        try:
            findings += rule(module, url)
        except _NotApplicable as exc:
            skipped.append(f"{module}: {exc}")
        except _Failed as exc:
            findings.append(exc.finding)
    if findings:
        lists_hit = sorted({f.module for f in findings})
        raise CheckFailure(
            f"{title} ({', '.join(lists_hit)})",
            expected=expected,
            actual=findings[0].text if len(findings) == 1 else f"{len(findings)} problems",
            spec=spec,
            hint=hint,
            details=[f"{f.module}: {f.text}" for f in findings[:10]] if len(findings) > 1 else (),
            exchange=next((f.exchange for f in findings if f.exchange is not None), None),
        )
    if len(skipped) == len(lists):
        skip_could_not_run("; ".join(skipped))


def _endless(result: Walk) -> None:
    if result.endless:
        raise _Failed(_Finding(result.module, result.problem or "", result.problem_exchange))


def _complete(result: Walk) -> Walk:
    _endless(result)
    if result.first is None:
        raise _NotApplicable(f"the list cannot be read ({result.problem})")
    if result.problem is not None:
        raise _NotApplicable(f"the list cannot be read to its end ({result.problem})")
    return result


def _reference_count(result: Walk) -> int:
    """How many objects the list holds: the full walk's count, or X-Total-Count when the walk
    could not follow the Links to the end."""
    _endless(result)
    if result.first is None:
        raise _NotApplicable(f"the list cannot be read ({result.problem})")
    if result.problem is None:
        return len(result.objects)
    if result.total is not None:
        return result.total
    raise _NotApplicable(f"the list cannot be read to its end ({result.problem})")


def _small_limit(count: int, server_page: int) -> int:
    """A page size that cuts the list in about three pages."""
    return max(1, min(math.ceil(count / 3), max(server_page, 1)))


def _small_walk(
    request: pytest.FixtureRequest, ocpi: Run, client: OcpiClient, module: str, url: str
) -> tuple[Walk, int]:
    """The list walked with a small limit and date filters that keep every object."""
    base = full_walk(request, ocpi, module)
    limit = _small_limit(_reference_count(base), len(base.data[0]))
    params = {"date_from": EPOCH, "date_to": FAR_FUTURE, "limit": limit}
    result = cached(
        request, ("small-walk", module), lambda: walk(client, module, url, params, max_pages=200)
    )
    if result.skip is not None:
        raise _NotApplicable(result.skip)
    if result.first is None:
        raise _Failed(
            _Finding(module, f"GET ?limit={limit}: {result.problem}", result.problem_exchange)
        )
    return result, limit


def _lu(obj: dict[str, Any]) -> datetime | None:
    return parse_datetime(obj.get("last_updated"))


# ---- checks ----------------------------------------------------------------------------------


@check(id="pagination.limit_honoured", spec=REQUEST)
def test_limit_honoured(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """A list GET with ``limit`` returns no more objects than asked for."""

    def rule(module: str, url: str) -> list[_Finding]:
        client = client_for(ocpi, module=module)
        count = len(_complete(full_walk(request, ocpi, module)).objects)
        if count < 2:
            raise _NotApplicable(f"needs at least 2 objects, the list has {count}")
        limit = 2 if count > 2 else 1
        response, data = _get_page(client, module, url, list_params(module, limit=limit))
        returned = len(data)
        if returned > limit:
            return [
                _Finding(
                    module, f"limit={limit} answered with {returned} objects", response.exchange
                )
            ]
        return []

    _per_list(
        ocpi,
        "List GET returns more objects than the limit asked for",
        "at most `limit` objects per page",
        rule,
        spec=REQUEST,
    )


@check(id="pagination.limit_capped", spec=RESPONSE)
def test_limit_capped(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """A huge limit is answered with at most X-Limit objects, and X-Limit is the upper limit
    that applied: the page is not cut below both it and the limit asked while objects remain.
    A server with no maximum may return every object and say X-Limit = the limit asked. On
    2.2+, X-Limit still shows that upper limit on a page with fewer objects left (2.2.1
    §4.1.4.1.3, SHALL); 2.1.1 words X-Limit as the number of objects returned, so a short last
    page saying how many it holds is 2.1.1's reading and not judged there."""

    def x_limit_problem(response: OcpiResponse, asked: str) -> str | None:
        value = response.headers.get("X-Limit")
        x_limit = response.header_int("X-Limit")
        if x_limit is None or x_limit < 1:
            return f"X-Limit {'missing' if value is None else repr(value)} ({asked} asked)"
        return None

    def rule(module: str, url: str) -> list[_Finding]:
        client = client_for(ocpi, module=module)
        reference = full_walk(request, ocpi, module)
        count = _reference_count(reference)
        if reference.problem is None:  # objects, not entries (a repeat is page_unique's)
            count = len({object_key(module, o) for o in reference.objects})
        response, data = _get_page(client, module, url, list_params(module, limit=HUGE_LIMIT))
        problem = x_limit_problem(response, f"limit={HUGE_LIMIT}")
        if problem is not None:
            return [_Finding(module, problem, response.exchange)]
        x_limit, returned = response.header_int("X-Limit") or 0, len(data)
        if returned > x_limit:
            text = f"{returned} objects returned, X-Limit says {x_limit}"
            return [_Finding(module, text, response.exchange)]
        if returned < min(x_limit, HUGE_LIMIT) and returned < count:
            text = (
                f"{returned} objects returned of {count} with limit={HUGE_LIMIT} asked, but "
                f"X-Limit says {x_limit}: the page was cut below both, so X-Limit is not the "
                "upper limit the server applies"
            )
            return [_Finding(module, text, response.exchange)]
        if ocpi.config.version == "2.1.1" or count < 2 or x_limit < 2:
            return []
        offset = count - 1  # one object left: a page with fewer than X-Limit
        params = list_params(module, limit=HUGE_LIMIT, offset=offset)
        last, rest = _get_page(client, module, url, params)
        problem = x_limit_problem(last, f"limit={HUGE_LIMIT}&offset={offset}")
        if problem is not None:
            return [_Finding(module, problem, last.exchange)]
        shown = last.header_int("X-Limit") or 0
        if shown == len(rest) and shown < x_limit:
            text = (
                f"offset={offset}: X-Limit {shown} is the number of objects on the page, not the "
                f"most the server returns ({x_limit} on the first page)"
            )
            return [_Finding(module, text, last.exchange)]
        return []

    _per_list(
        ocpi,
        "A limit above the server's maximum is not capped as X-Limit says",
        "at most X-Limit objects; X-Limit the upper limit that applied (the server's maximum, or "
        "the limit asked when it has none), still shown when fewer objects are left",
        rule,
        spec=RESPONSE,
    )


@check(id="pagination.total_count", spec=RESPONSE)
def test_total_count(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """X-Total-Count is on every page and equals the number of objects a full walk returns."""

    def rule(module: str, url: str) -> list[_Finding]:
        result = _complete(full_walk(request, ocpi, module))
        findings = []
        for number, page in enumerate(result.pages, 1):
            total = page.header_int("X-Total-Count")
            if total is None:
                problem = header_int_problem("X-Total-Count", page.headers.get("X-Total-Count"))
                findings.append(_Finding(module, f"page {number}: {problem}", page.exchange))
            elif total != len(result.objects):
                findings.append(
                    _Finding(
                        module,
                        f"page {number}: X-Total-Count {total}, but the walk returned "
                        f"{len(result.objects)} objects",
                        page.exchange,
                    )
                )
        return findings[:3]

    _per_list(
        ocpi,
        "X-Total-Count does not match the list",
        "X-Total-Count on every page = the number of objects matching the query",
        rule,
        spec=RESPONSE,
    )


@check(id="pagination.link_present", spec=RESPONSE)
def test_link_present(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """Every page but the last has a Link to the next page; the last page has none."""

    def rule(module: str, url: str) -> list[_Finding]:
        client = client_for(ocpi, module=module)
        expected = _reference_count(full_walk(request, ocpi, module))
        result, limit = _small_walk(request, ocpi, client, module, url)
        findings = []
        seen = 0
        for number, (page, data) in enumerate(zip(result.pages, result.data, strict=True), 1):
            seen += len(data)
            has_link = page.next_url is not None
            if seen < expected and not has_link:
                findings.append(
                    _Finding(
                        module,
                        f'page {number} (limit={limit}) has no Link rel="next" although '
                        f"{expected - seen} of {expected} objects remain",
                        page.exchange,
                    )
                )
            elif seen >= expected and has_link:
                findings.append(
                    _Finding(
                        module,
                        f"page {number} (limit={limit}) is the last ({seen} of {expected} "
                        f"objects) but has a Link: {page.headers.get('Link')}",
                        page.exchange,
                    )
                )
            if findings:
                break
        return findings

    _per_list(
        ocpi,
        "Link header not present exactly when more objects remain",
        'a Link: <url>; rel="next" on every page but the last, none on the last',
        rule,
        spec=RESPONSE,
    )


@check(id=LINK_NAMES_NEXT.check_id, spec=LINK_NAMES_NEXT.spec, level=LINK_NAMES_NEXT.level)
def test_link_names_next(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """A Link header, where there is one, names the next page; the last page sends none, not
    an empty one."""

    def rule(module: str, url: str) -> list[_Finding]:
        client = client_for(ocpi, module=module)
        walks = [
            full_walk(request, ocpi, module),
            _small_walk(request, ocpi, client, module, url)[0],
        ]
        for result in walks:
            for number, page in enumerate(result.pages, 1):
                problem = link_without_next(page.headers.get("Link"))
                if problem is not None:
                    last = " (the last)" if number == len(result.pages) else ""
                    return [_Finding(module, f"page {number}{last}: {problem}", page.exchange)]
        return []

    _per_list(
        ocpi,
        LINK_NAMES_NEXT.title,
        LINK_NAMES_NEXT.expected,
        rule,
        spec=LINK_NAMES_NEXT.spec,
        hint=LINK_NAMES_NEXT.hint,
    )


def _same_instant(left: str | None, right: str) -> bool:
    return left is not None and (left == right or parse_datetime(left) == parse_datetime(right))


@check(id="pagination.link_absolute", spec=RESPONSE, level="SHOULD")
def test_link_absolute(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """The next-page Link is an absolute URL, keeps the query's filters and works as is."""

    def rule(module: str, url: str) -> list[_Finding]:
        client = client_for(ocpi, module=module)
        result, _ = _small_walk(request, ocpi, client, module, url)
        links = [(page, page.headers.get("Link")) for page in result.pages if page.next_url]
        if not links and result.problem is None:
            raise _NotApplicable("no page with a next Link to inspect")
        for page, header in links:
            problem = link_problem(header)
            if problem is not None:
                return [_Finding(module, problem, page.exchange)]
            parts = urlsplit(next_link(header) or "")
            query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
            lost = [
                name
                for name, value in (("date_from", EPOCH), ("date_to", FAR_FUTURE))
                if not _same_instant(query.get(name), value)
            ]
            if lost:
                return [
                    _Finding(
                        module,
                        f"Link drops the filter(s) {', '.join(lost)} of the request: {header}",
                        page.exchange,
                    )
                ]
        if result.problem is not None and len(result.pages) >= 1:
            return [
                _Finding(
                    module, f"following the Link failed: {result.problem}", result.problem_exchange
                )
            ]
        return []

    _per_list(
        ocpi,
        "Next-page Link is not absolute, loses the filters or cannot be followed",
        'Link: <absolute URL with the same date_from/date_to>; rel="next", answering 200',
        rule,
        spec=RESPONSE,
    )


@check(id="pagination.full_walk_unique", spec=RESPONSE)
def test_full_walk_unique(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """Walking the list page by page returns every object exactly once. The list may change
    while a client walks it (2.2.1 §4.1.4.1.3 says how a client copes): an object that comes
    again with a newer last_updated was updated between two page requests and moved in the
    list, which is no fault; each such move may make the walk skip one other object. An object
    that comes twice unchanged, or objects missing with no move to explain them, are."""

    def rule(module: str, url: str) -> list[_Finding]:
        client = client_for(ocpi, module=module)
        reference = _complete(full_walk(request, ocpi, module))
        result, limit = _small_walk(request, ocpi, client, module, url)
        _endless(result)  # pages going round: objects come again and again
        if result.problem is not None:
            raise _NotApplicable(f"the paged walk stopped: {result.problem}")
        stamps: dict[Any, list[Any]] = {}
        for obj in result.objects:
            stamps.setdefault(object_key(module, obj), []).append(obj.get("last_updated"))
        repeated = {k: v for k, v in stamps.items() if len(v) > 1}
        moved = sorted(k for k, v in repeated.items() if len(set(v)) == len(v))
        stale = sorted(k for k in repeated if k not in moved)
        missing = [
            k
            for k in dict.fromkeys(object_key(module, o) for o in reference.objects)
            if k not in stamps
        ]
        findings = []
        if stale:
            findings.append(
                _Finding(
                    module,
                    f"with limit={limit}, {len(stale)} object(s) came more than once with the "
                    "same last_updated (not updated in between), e.g. "
                    + ", ".join(describe_key(k) for k in stale[:3]),
                    result.pages[-1].exchange,
                )
            )
        if len(missing) > len(moved):
            pages = len(result.pages)
            cut = f" (the walk ended after {len(result.objects)}: page {pages} had no Link)"
            excused = f", {len(moved)} of them explained by objects updated during the walk"
            findings.append(
                _Finding(
                    module,
                    f"with limit={limit}, {len(missing)} object(s) never came{cut}"
                    f"{excused if moved else ''}, e.g. "
                    + ", ".join(describe_key(k) for k in missing[:3]),
                    result.pages[-1].exchange,
                )
            )
        return findings

    _per_list(
        ocpi,
        "Walking the pages does not return every object exactly once",
        "each object once over all pages, the same objects as one unpaged walk (an object "
        "updated during the walk may come again with its new last_updated)",
        rule,
        spec=RESPONSE,
    )


@check(id="pagination.page_unique", spec=RESPONSE)
def test_page_unique(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """No page holds the same object twice. A list is a set of objects each named by its id
    (uid for Tokens) within its party, and X-Total-Count counts them; a page repeating one
    inflates every page and every count a client makes of it."""

    def rule(module: str, url: str) -> list[_Finding]:
        result = full_walk(request, ocpi, module)
        _endless(result)
        if result.first is None:
            raise _NotApplicable(f"the list cannot be read ({result.problem})")
        for number, (page, data) in enumerate(zip(result.pages, result.data, strict=True), 1):
            repeated = repeated_keys(module, (o for o in data if isinstance(o, dict)))
            if repeated:
                worst = sorted(repeated.items(), key=lambda kv: -kv[1])
                shown = ", ".join(f"{describe_key(k)} {n} times" for k, n in worst[:3])
                return [
                    _Finding(
                        module,
                        f"page {number} holds {sum(repeated.values())} objects under "
                        f"{len(repeated)} id(s) that come more than once: {shown}",
                        page.exchange,
                    )
                ]
        return []

    _per_list(
        ocpi,
        "A page holds the same object more than once",
        "each object (country_code/party_id/id, Tokens by uid and type) at most once per page",
        rule,
        spec=RESPONSE,
    )


@check(id="pagination.offset_applied", spec=REQUEST)
def test_offset_applied(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """``offset`` skips that many objects: offset=1 starts at the second object."""

    def rule(module: str, url: str) -> list[_Finding]:
        client = client_for(ocpi, module=module)
        count = len(_complete(full_walk(request, ocpi, module)).objects)
        if count < 2:
            raise _NotApplicable(f"needs at least 2 objects, the list has {count}")
        _, first = _get_page(client, module, url, list_params(module, offset=0, limit=2))
        response, second = _get_page(client, module, url, list_params(module, offset=1, limit=1))
        if len(first) < 2 or not second:
            raise _NotApplicable("the server returned too few objects to compare")
        want, got = object_key(module, first[1]), object_key(module, second[0])
        if want != got:
            return [
                _Finding(
                    module,
                    f"offset=1 starts with {describe_key(got)}; the second object at offset=0 "
                    f"is {describe_key(want)}",
                    response.exchange,
                )
            ]
        return []

    _per_list(
        ocpi,
        "offset is not applied",
        "offset=1 returns the list from its second object on",
        rule,
        spec=REQUEST,
    )


def _pivot(objects: list[dict[str, Any]]) -> str:
    """A last_updated value from the middle of the list, as the server wrote it."""
    dated = sorted((o for o in objects if _lu(o) is not None), key=_lu)
    if not dated:
        raise _NotApplicable("no object has a readable last_updated")
    return dated[len(dated) // 2]["last_updated"]


def _filtered(
    request: pytest.FixtureRequest,
    ocpi: Run,
    client: OcpiClient,
    module: str,
    url: str,
    **filters: str,
) -> Walk:
    result = walk(client, module, url, list_params(module, **filters))
    if result.skip is not None:
        raise _NotApplicable(result.skip)
    if result.first is None or result.problem is not None:
        problem = result.problem or "no answer"
        raise _Failed(_Finding(module, f"GET with {filters}: {problem}", result.problem_exchange))
    return result


def _date_rule(
    request: pytest.FixtureRequest, ocpi: Run, name: str
) -> Callable[[str, str], list[_Finding]]:
    def rule(module: str, url: str) -> list[_Finding]:
        client = client_for(ocpi, module=module)
        reference = _complete(full_walk(request, ocpi, module)).objects
        if not reference:
            raise _NotApplicable("the list is empty")
        pivot = _pivot(reference)
        moment = parse_datetime(pivot)
        filters = {name: pivot}
        if name == "date_to" and module == "sessions":
            filters["date_from"] = EPOCH
        result = _filtered(request, ocpi, client, module, url, **filters)

        def wanted(o: dict[str, Any]) -> bool:
            stamp = _lu(o)
            return stamp is not None and (
                stamp >= moment if name == "date_from" else stamp < moment
            )

        exchange = result.pages[0].exchange
        outside = [o for o in result.objects if _lu(o) is not None and not wanted(o)]
        if outside:
            o = outside[0]
            on_edge = _lu(o) == moment
            text = (
                f"{name}={pivot} returned {describe_key(object_key(module, o))} with "
                f"last_updated {o.get('last_updated')}"
                + (" (equal to date_to: it must be excluded)" if on_edge else "")
            )
            return [_Finding(module, text, exchange)]
        got = {object_key(module, o) for o in result.objects}
        missed = [o for o in reference if wanted(o) and object_key(module, o) not in got]
        if missed:
            o = missed[0]
            on_edge = _lu(o) == moment
            text = (
                f"{name}={pivot} left out {len(missed)} matching object(s), e.g. "
                f"{describe_key(object_key(module, o))} with last_updated "
                f"{o.get('last_updated')}"
                + (" (equal to date_from: it must be included)" if on_edge else "")
            )
            return [_Finding(module, text, exchange)]
        return []

    return rule


@check(id="pagination.date_from_inclusive", versions=SINCE_2_2, spec=REQUEST)
def test_date_from_inclusive(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """``date_from`` is applied and inclusive: exactly the objects with last_updated >= it."""
    _per_list(
        ocpi,
        "date_from is not applied as an inclusive lower bound",
        "exactly the objects with last_updated >= date_from",
        _date_rule(request, ocpi, "date_from"),
        spec=REQUEST,
    )


@check(id="pagination.date_to_exclusive", versions=SINCE_2_2, spec=REQUEST)
def test_date_to_exclusive(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """``date_to`` is applied and exclusive: exactly the objects with last_updated < it."""
    _per_list(
        ocpi,
        "date_to is not applied as an exclusive upper bound",
        "exactly the objects with last_updated < date_to",
        _date_rule(request, ocpi, "date_to"),
        spec=REQUEST,
    )


@check(id="pagination.invalid_parameter", spec="2.2.1 §5.2 2xxx: Client errors", level="SHOULD")
def test_invalid_parameter(ocpi: Run) -> None:
    """An invalid pagination parameter is answered with an OCPI client error, not a crash."""

    def rule(module: str, url: str) -> list[_Finding]:
        client = client_for(ocpi, module=module)
        findings = []
        for params in ({"date_from": "yesterday"}, list_params(module, limit="many")):
            try:
                response = client.get(url, params=params)
            except OcpiClientError as exc:
                findings.append(_Finding(module, f"GET with {params}: {exc}"))
                continue
            reason = skip_reason(response)
            if reason is not None:
                raise _NotApplicable(reason)
            problem = refusal_problem(response)
            if problem:
                shown = "&".join(f"{k}={v}" for k, v in params.items())
                findings.append(_Finding(module, f"?{shown} answered {problem}", response.exchange))
        return findings[:1]

    _per_list(
        ocpi,
        "An invalid list parameter is not answered with an OCPI client error",
        "an OCPI envelope with status_code 2001 (or another 2xxx), HTTP below 500",
        rule,
        spec="2.2.1 §5.2 2xxx: Client errors",
        hint="reject an unparsable date_from/limit with status_code 2001",
    )

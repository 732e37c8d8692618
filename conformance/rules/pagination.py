"""Pagination rules one page shows on its own (2.2.1 §4.1.4.1.3): X-Total-Count and X-Limit
on every page, an absolute next-page Link, no more objects than X-Limit allows.

The run's pagination checks read these headers with the same functions on the pages of their
walks (and judge what only a walk can show: totals, offsets, filters); the proxy judges each
page it forwards.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from conformance.crossrules import MODULE_OBJECTS
from conformance.rules import ExchangeRule, RuleContext
from conformance.rules._read import body_json, header
from ocpi_core.client import next_link
from ocpi_core.exchange import Exchange

__all__ = [
    "LINK_ABSOLUTE",
    "LINK_NAMES_NEXT",
    "RULES",
    "TOTAL_COUNT",
    "header_int_problem",
    "link_problem",
    "link_without_next",
]

RESPONSE = "2.2.1 §4.1.4.1.3 Paginated Response"


def header_int_problem(name: str, value: str | None) -> str | None:
    """Why a pagination header is not a non-negative integer (``None`` when it is one)."""
    if value is None:
        return f"{name} missing"
    if not value.strip().isdigit():
        return f"{name} not an integer: {value!r}"
    return None


def link_problem(value: str | None) -> str | None:
    """Why a ``Link`` header's next URL cannot be followed as is (``None`` when it can)."""
    target = next_link(value) or ""
    parts = urlsplit(target)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return f"Link URL is not absolute: {value}"
    return None


def link_without_next(value: str | None) -> str | None:
    """Why a ``Link`` header that is there is not a next-page Link (``None`` when it names a
    rel="next" URL, or when there is no header at all)."""
    if value is None or next_link(value) is not None:
        return None
    if not value.strip():
        return "an empty Link header: a client testing for the header would read on"
    return f'a Link header without rel="next": {value}'


def _page(exchange: Exchange, context: RuleContext) -> bool:
    if exchange.method != "GET" or exchange.status != 200 or context.segments:
        return False
    if context.module not in MODULE_OBJECTS or context.role not in ("SENDER", None):
        return False
    body = body_json(exchange.response_body)
    return isinstance(body, dict) and isinstance(body.get("data"), list)


def _total(exchange: Exchange, context: RuleContext) -> str | None:
    return header_int_problem("X-Total-Count", header(exchange.response_headers, "X-Total-Count"))


TOTAL_COUNT = ExchangeRule(
    check_id="pagination.total_count",
    spec=RESPONSE,
    title="Sender list pages without a valid X-Total-Count",
    expected="X-Total-Count on every page: the number of objects the whole list holds",
    judge=_total,
    applies=_page,
)


def _limit(exchange: Exchange, context: RuleContext) -> str | None:
    value = header(exchange.response_headers, "X-Limit")
    problem = header_int_problem("X-Limit", value)
    if problem is not None:
        return problem
    returned = len(body_json(exchange.response_body)["data"])
    if returned > int(value):
        return f"{returned} objects returned, X-Limit says {value}"
    return None


LIMIT_CAPPED = ExchangeRule(
    check_id="pagination.limit_capped",
    spec=RESPONSE,
    title="Sender list pages that exceed or lack X-Limit",
    expected="at most X-Limit objects, X-Limit = the server's maximum page size",
    judge=_limit,
    applies=_page,
)


def _linked(exchange: Exchange, context: RuleContext) -> bool:
    return _page(exchange, context) and header(exchange.response_headers, "Link") is not None


def _link(exchange: Exchange, context: RuleContext) -> str | None:
    value = header(exchange.response_headers, "Link")
    if next_link(value) is None:
        return None
    return link_problem(value)


LINK_ABSOLUTE = ExchangeRule(
    check_id="pagination.link_absolute",
    spec=RESPONSE,
    title="Next-page Links that are not absolute URLs",
    expected='Link: <https://…?offset=…>; rel="next", an absolute URL',
    judge=_link,
    applies=_linked,
    level="SHOULD",  # absolute rests on the examples only, the filters on a lowercase should
)


def _names_next(exchange: Exchange, context: RuleContext) -> str | None:
    return link_without_next(header(exchange.response_headers, "Link"))


LINK_NAMES_NEXT = ExchangeRule(
    check_id="pagination.link_names_next",
    spec=RESPONSE,
    title='Sender list pages with a Link header that names no rel="next" page',
    expected='Link: <url>; rel="next" on a page followed by another, no Link header at all on '
    "the last page",
    judge=_names_next,
    applies=_linked,
    level="SHOULD",
    hint="leave the Link header out on the last page instead of sending it empty",
)

RULES: tuple[ExchangeRule, ...] = (TOTAL_COUNT, LIMIT_CAPPED, LINK_ABSOLUTE, LINK_NAMES_NEXT)

"""An empty ``Link:`` header on the last page of a list is not "no Link": a warning of its own
(pagination.link_names_next), and no other check is misled by it."""

from __future__ import annotations

import pytest

from conformance.rules import RuleContext
from conformance.rules.pagination import LINK_NAMES_NEXT, link_without_next
from ocpi_core.exchange import Exchange
from suite._runner import failed
from suite._wrappers import run_wrapped

pytestmark = pytest.mark.slow


def test_an_empty_link_on_the_last_page_warns_and_nothing_else_fails() -> None:
    results = run_wrapped("CPO", "EmptyLinkOnLastPage", "pagination")
    bad = failed(results)
    assert set(bad) == {"pagination.link_names_next"}, bad
    record = next(c for c in results["checks"] if c["id"] == "pagination.link_names_next")
    assert record["outcome"] == "warn"
    assert "(the last): an empty Link header" in record["message"]


def test_the_rule_tells_an_empty_header_from_none() -> None:
    assert link_without_next(None) is None
    assert link_without_next('<https://x.example/ocpi/locations?offset=2>; rel="next"') is None
    assert "empty" in link_without_next("  ")
    assert "without rel" in link_without_next('<https://x.example/a>; rel="prev"')


def test_the_proxy_judges_the_same_rule_on_a_forwarded_page() -> None:
    def page(headers: tuple[tuple[str, str], ...]) -> Exchange:
        return Exchange(
            method="GET",
            url="https://cpo.example/ocpi/2.2.1/locations",
            request_headers=(),
            request_body=None,
            status=200,
            response_headers=headers,
            response_body='{"data": [], "status_code": 1000, "timestamp": "2026-01-01T00:00:00Z"}',
            started_at="2026-01-01T00:00:00Z",
            elapsed=0.01,
        )

    context = RuleContext(version="2.2.1", module="locations", role="SENDER")
    assert LINK_NAMES_NEXT.problem(page((("Link", ""),)), context).startswith("an empty Link")
    assert LINK_NAMES_NEXT.problem(page(()), context) is None

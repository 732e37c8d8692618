"""Who judges a missing envelope, and how hard (2.2.1 §4.1.7 vs §5): a 2xx answer, or any
answer that gives an envelope, is transport.envelope_valid's (MUST); an HTTP error answered
without one only warns (transport.error_is_envelope, SHOULD), a 401 being auth.error_is_envelope's.
"""

from __future__ import annotations

import json

import pytest

from conformance.rules import RuleContext
from conformance.rules.transport import ENVELOPE_VALID, ERROR_IS_ENVELOPE
from ocpi_core.exchange import Exchange

GOOD = json.dumps({"status_code": 2003, "timestamp": "2026-01-01T00:00:00Z"})
NO_STAMP = json.dumps({"status_code": 2003, "status_message": "unknown"})
FASTAPI_404 = json.dumps({"detail": "Not Found"})


def _answer(status: int, body: str | None, media: str = "application/json") -> Exchange:
    return Exchange(
        "GET",
        "http://127.0.0.1:1/ocpi/cpo/2.2.1/locations/NOPE",
        (),
        None,
        status,
        (("Content-Type", media),),
        body,
        "2026-01-01T00:00:00Z",
        0.01,
    )


def _judged(status: int, body: str | None) -> dict[str, str | None]:
    """check id → its problem, for each rule that applies to the answer."""
    exchange = _answer(status, body)
    context = RuleContext(version="2.2.1", module="locations")
    return {
        rule.check_id: rule.problem(exchange, context)
        for rule in (ENVELOPE_VALID, ERROR_IS_ENVELOPE)
        if rule.applies_to(exchange, context)
    }


def test_levels() -> None:
    assert (ENVELOPE_VALID.level, ERROR_IS_ENVELOPE.level) == ("MUST", "SHOULD")


@pytest.mark.parametrize("body", ["[1, 2]", "<html>oops</html>", "", '{"data": []}'])
def test_a_success_without_envelope_is_a_must_failure(body: str) -> None:
    judged = _judged(200, body)
    assert set(judged) == {"transport.envelope_valid"}
    assert judged["transport.envelope_valid"]


@pytest.mark.parametrize(
    ("status", "body"),
    [(404, FASTAPI_404), (404, "<html>Not Found</html>"), (405, ""), (500, None)],
)
def test_an_error_without_envelope_only_warns(status: int, body: str | None) -> None:
    judged = _judged(status, body)
    assert set(judged) == {"transport.error_is_envelope"}
    assert judged["transport.error_is_envelope"]


def test_an_error_giving_an_envelope_has_to_give_it_whole() -> None:
    assert _judged(404, GOOD) == {"transport.envelope_valid": None}
    judged = _judged(404, NO_STAMP)
    assert set(judged) == {"transport.envelope_valid"}
    assert "timestamp" in judged["transport.envelope_valid"]


def test_a_bare_401_is_left_to_the_auth_check() -> None:
    assert _judged(401, "Unauthorized") == {}


def test_content_type_is_judged_where_the_envelope_is_owed() -> None:
    from conformance.rules.transport import CONTENT_TYPE_JSON

    context = RuleContext(version="2.2.1", module="locations")
    success = _answer(200, GOOD, "text/html")
    enveloped_error = _answer(404, GOOD, "text/html")
    bare_error = _answer(404, "<html>Not Found</html>", "text/html")
    assert CONTENT_TYPE_JSON.applies_to(success, context)
    assert CONTENT_TYPE_JSON.problem(success, context) == "Content-Type 'text/html'"
    assert CONTENT_TYPE_JSON.applies_to(enveloped_error, context)
    assert not CONTENT_TYPE_JSON.applies_to(bare_error, context)

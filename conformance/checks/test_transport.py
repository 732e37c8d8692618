"""Transport rules on every exchange of the run (2.2.1 §4): envelope, timestamp, status codes,
request/correlation ids, content type, no server errors.

These checks run late (see MODULE_ORDER) and read every response the target gave to the suite
so far; each rule is owned by one check, so one broken rule fails one check.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import pytest

from conformance.checks._common import CLOCK_TOLERANCE, client_for
from conformance.checks._scan import (
    CONFIGURATION_MODULES,
    body_json,
    fail_on,
    header,
    module_of,
    outgoing,
)
from conformance.crossrules import parse_datetime
from conformance.session import Run
from ocpi_core.exchange import Exchange
from ocpi_core.schemas import validate
from ocpi_core.versions import SINCE_2_2

check = pytest.mark.check
RESPONSE_FORMAT = "2.2.1 §4.1.7 Response format"
MESSAGE_IDS = "2.2.1 §4.2 Unique message IDs"
STATUS_CODES = "2.2.1 §5 Status codes"
ROUTING = "2.2.1 §4.1.8.2 Message Routing Headers"

# Owned by timestamp_valid and status_code_consistent, not by envelope_valid.
_OWNED_ELSEWHERE = {("$.timestamp", "pattern"), ("$.timestamp", "maxLength")}
_OWNED_ELSEWHERE |= {("$.status_code", "minimum"), ("$.status_code", "maximum")}


def _exchanges(ocpi: Run) -> list[Exchange]:
    found = outgoing(ocpi)
    if not found:
        pytest.skip("no response from the target was recorded in this run")
    return found


@check(id="transport.envelope_valid", spec=RESPONSE_FORMAT)
def test_envelope_valid(ocpi: Run) -> None:
    """Every response, errors included, is an OCPI envelope (data, status_code, timestamp)."""
    if ocpi.discovery.details_url:
        # one error of our making, so the rule is tried on an error answer too
        unknown = f"{ocpi.discovery.details_url.rstrip('/')}/no-such-module-{uuid.uuid4().hex[:8]}"
        client_for(ocpi, routed=False).get(unknown)
    findings = []
    for exchange in _exchanges(ocpi):
        body = body_json(exchange.response_body)
        if body is None:
            shown = "an empty body" if not exchange.response_body else "a body that is not JSON"
            findings.append((exchange, shown))
            continue
        violations = [
            v
            for v in validate(body, ocpi.config.version, "Response")
            if (v.json_path, v.keyword) not in _OWNED_ELSEWHERE
        ]
        if violations:
            findings.append((exchange, str(violations[0])))
    fail_on(
        findings,
        "Responses that are not OCPI envelopes",
        expected="a JSON object with status_code (int), timestamp, optional data and "
        "status_message, also for HTTP errors",
        spec=RESPONSE_FORMAT,
    )


def _started(exchange: Exchange) -> datetime | None:
    try:
        return datetime.fromisoformat(exchange.started_at.replace("Z", "+00:00"))
    except ValueError:
        return None


@check(id="transport.timestamp_valid", spec=RESPONSE_FORMAT)
def test_timestamp_valid(ocpi: Run) -> None:
    """Every envelope has a timestamp: an OCPI DateTime (UTC) close to our clock."""
    findings = []
    for exchange in _exchanges(ocpi):
        body = body_json(exchange.response_body)
        if not isinstance(body, dict) or "status_code" not in body:
            continue
        if "timestamp" not in body:
            findings.append((exchange, "no timestamp in the envelope"))
            continue
        value = body["timestamp"]
        stamp = parse_datetime(value)
        if stamp is None or not isinstance(value, str) or len(value) > 25:
            findings.append((exchange, f"timestamp {value!r} is not an OCPI DateTime"))
            continue
        started = _started(exchange)
        if started is None:
            continue
        drift = stamp - started
        if abs(drift.total_seconds()) > CLOCK_TOLERANCE.total_seconds() + exchange.elapsed:
            findings.append(
                (exchange, f"timestamp {value} is {drift} away from the time of the request")
            )
    fail_on(
        findings,
        "Envelope timestamps that are not valid or not current",
        expected=f"a UTC DateTime such as 2026-01-31T12:00:00Z (no offset), within "
        f"{int(CLOCK_TOLERANCE.total_seconds() // 60)} minutes of the request",
        spec="2.2.1 §4.1.7 Response format; §16.2 DateTime type",
    )


def _defined(code: int) -> bool:
    return (
        code == 1000
        or 2000 <= code <= 2004
        or 3000 <= code <= 3003
        or 4000 <= code <= 4003
        or any(base + 900 <= code <= base + 999 for base in (1000, 2000, 3000, 4000))
    )


@check(id="transport.status_code_consistent", spec=STATUS_CODES)
def test_status_code_consistent(ocpi: Run) -> None:
    """Every status_code is a defined OCPI code, and success codes come only with HTTP 2xx."""
    findings = []
    for exchange in _exchanges(ocpi):
        body = body_json(exchange.response_body)
        code = body.get("status_code") if isinstance(body, dict) else None
        if not isinstance(code, int) or isinstance(code, bool):
            continue
        if not _defined(code):
            findings.append((exchange, f"status_code {code} is not an OCPI status code"))
        elif 1000 <= code < 2000 and not 200 <= exchange.status < 300:
            findings.append((exchange, f"HTTP {exchange.status} with success code {code}"))
    fail_on(
        findings,
        "OCPI status codes that do not fit",
        expected="1000/19xx with HTTP 2xx; errors as 2xxx, 3xxx or 4xxx codes of §5",
        spec=STATUS_CODES,
    )


def _echo_findings(ocpi: Run, name: str) -> list[tuple[Exchange, str]]:
    findings = []
    for exchange in _exchanges(ocpi):
        sent = header(exchange.request_headers, name)
        if sent is None:
            continue
        got = header(exchange.response_headers, name)
        if got != sent:
            shown = "missing" if got is None else repr(got)
            findings.append((exchange, f"{name} {shown}, sent {sent!r}"))
    return findings


@check(id="transport.request_id_echoed", versions=SINCE_2_2, spec=MESSAGE_IDS)
def test_request_id_echoed(ocpi: Run) -> None:
    """Every response carries the X-Request-ID of its request."""
    fail_on(
        _echo_findings(ocpi, "X-Request-ID"),
        "Responses without our X-Request-ID",
        expected="X-Request-ID in the response equal to the request's",
        spec=MESSAGE_IDS,
    )


@check(id="transport.correlation_id_echoed", versions=SINCE_2_2, spec=MESSAGE_IDS)
def test_correlation_id_echoed(ocpi: Run) -> None:
    """Every response carries the X-Correlation-ID of its request."""
    fail_on(
        _echo_findings(ocpi, "X-Correlation-ID"),
        "Responses without our X-Correlation-ID",
        expected="X-Correlation-ID in the response equal to the request's",
        spec=MESSAGE_IDS,
    )


@check(id="transport.content_type_json", spec=RESPONSE_FORMAT)
def test_content_type_json(ocpi: Run) -> None:
    """Every response with a body says Content-Type: application/json."""
    findings = []
    for exchange in _exchanges(ocpi):
        if not exchange.response_body:
            continue
        value = header(exchange.response_headers, "Content-Type")
        media = (value or "").split(";", 1)[0].strip().lower()
        if media != "application/json":
            findings.append((exchange, f"Content-Type {value!r}"))
    fail_on(
        findings,
        "Responses that are not declared as JSON",
        expected="Content-Type: application/json",
        spec=RESPONSE_FORMAT,
    )


@check(id="transport.no_server_error", spec=STATUS_CODES)
def test_no_server_error(ocpi: Run) -> None:
    """No request of the run made the target fail with an HTTP 5xx."""
    findings = [
        (e, f"HTTP {e.status}")
        for e in _exchanges(ocpi)
        if e.status is not None and e.status >= 500
    ]
    fail_on(
        findings,
        "Server errors",
        expected="no HTTP 5xx: client errors are answered with 4xx/2xxx codes",
        spec=STATUS_CODES,
        hint="a request the server cannot handle is answered with an OCPI client error (2xxx)",
    )


@check(id="transport.config_modules_unrouted", versions=SINCE_2_2, spec=ROUTING)
def test_config_modules_unrouted(ocpi: Run) -> None:
    """Responses of versions, credentials and hubclientinfo carry no OCPI-to/from headers."""
    findings = []
    for exchange in _exchanges(ocpi):
        if module_of(ocpi, exchange.url) not in CONFIGURATION_MODULES:
            continue
        routed = [
            name
            for name, _ in exchange.response_headers
            if name.lower().startswith(("ocpi-to-", "ocpi-from-"))
        ]
        if routed:
            findings.append((exchange, "routing headers " + ", ".join(routed)))
    fail_on(
        findings,
        "Configuration modules answered with routing headers",
        expected="no OCPI-to-*/OCPI-from-* headers on versions, credentials, hubclientinfo",
        spec=ROUTING,
    )

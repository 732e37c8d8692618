"""Transport rules of every response (2.2.1 §4, §5): envelope, timestamp, status codes, echoed
ids, content type, no server errors, unrouted configuration modules.

The run's transport checks (checks/test_transport.py) apply them to every response the target
gave the suite; the proxy applies them to every response it forwards.
"""

from __future__ import annotations

from datetime import datetime

from conformance.crossrules import parse_datetime
from conformance.rules import ExchangeRule, RuleContext
from conformance.rules._read import body_json, header
from ocpi_core.exchange import Exchange
from ocpi_core.redirects import REDIRECT_STATUSES
from ocpi_core.schemas import validate
from ocpi_core.versions import SINCE_2_2

__all__ = [
    "CONFIG_MODULES_UNROUTED",
    "CONFIGURATION_MODULES",
    "CONTENT_TYPE_JSON",
    "CORRELATION_ID_ECHOED",
    "ERROR_IS_ENVELOPE",
    "ENVELOPE_VALID",
    "NO_REDIRECT",
    "NO_SERVER_ERROR",
    "REQUEST_ID_ECHOED",
    "RULES",
    "STATUS_CODE_CONSISTENT",
    "TIMESTAMP_VALID",
]

RESPONSE_FORMAT = "2.2.1 §4.1.7 Response format"
MESSAGE_IDS = "2.2.1 §4.2 Unique message IDs"
STATUS_CODES = "2.2.1 §5 Status codes"
ROUTING = "2.2.1 §4.1.8.2 Message Routing Headers"
CONFIGURATION_MODULES = frozenset({"versions", "credentials", "hubclientinfo"})

# Owned by timestamp_valid and status_code_consistent, not by envelope_valid.
_OWNED_ELSEWHERE = {("$.timestamp", "pattern"), ("$.timestamp", "maxLength")}
_OWNED_ELSEWHERE |= {("$.status_code", "minimum"), ("$.status_code", "maximum")}


def _answered(exchange: Exchange, context: RuleContext) -> bool:
    return exchange.status is not None


def _redirect(exchange: Exchange, context: RuleContext) -> bool:
    return exchange.status in REDIRECT_STATUSES


def _ocpi_answer(exchange: Exchange, context: RuleContext) -> bool:
    """An answer the OCPI layer gave: a redirect is the HTTP layer's, judged by no_redirect
    alone (the request it leads to is judged on its own)."""
    return exchange.status is not None and not _redirect(exchange, context)


def _envelope(exchange: Exchange, context: RuleContext) -> str | None:
    body = body_json(exchange.response_body)
    if body is None:
        return "an empty body" if not exchange.response_body else "a body that is not JSON"
    violations = [
        v
        for v in validate(body, context.version, "Response")
        if (v.json_path, v.keyword) not in _OWNED_ELSEWHERE
    ]
    return str(violations[0]) if violations else None


def _claims_envelope(body: object) -> bool:
    return isinstance(body, dict) and "status_code" in body


def _success_or_envelope(exchange: Exchange, context: RuleContext) -> bool:
    """A 2xx answer (its data always comes wrapped, §4.1.7), or any answer that gives an
    envelope, which then has to be whole (status_code and timestamp are mandatory)."""
    if exchange.status is None:
        return False
    return 200 <= exchange.status < 300 or _claims_envelope(body_json(exchange.response_body))


def _bare_error(exchange: Exchange, context: RuleContext) -> bool:
    """An HTTP error answered without an envelope; a 401 is auth.error_is_envelope's."""
    if exchange.status is None or exchange.status < 400 or exchange.status == 401:
        return False
    return not _claims_envelope(body_json(exchange.response_body))


ENVELOPE_VALID = ExchangeRule(
    check_id="transport.envelope_valid",
    spec=RESPONSE_FORMAT,
    title="Responses that are not OCPI envelopes",
    expected="a JSON object with status_code (int), timestamp, optional data and "
    "status_message, on every 2xx answer and on every error answer that gives an envelope",
    judge=_envelope,
    applies=_success_or_envelope,
)

# §4.1.7 wants the response format for HTTP errors too, but §5 asks it only at SHOULD level
# for requests that reach the OCPI layer (an error may come from a proxy or the HTTP layer).
ERROR_IS_ENVELOPE = ExchangeRule(
    check_id="transport.error_is_envelope",
    spec=STATUS_CODES,
    title="HTTP errors answered without an OCPI envelope",
    expected="an OCPI envelope (status_code 2xxx/3xxx, timestamp) on HTTP error answers too",
    judge=_envelope,
    applies=_bare_error,
    level="SHOULD",
    cites="2.2.1 §5 Status codes; §4.1.7 Response format",
)


def _has_envelope(exchange: Exchange, context: RuleContext) -> bool:
    body = body_json(exchange.response_body)
    return exchange.status is not None and isinstance(body, dict) and "status_code" in body


def _started(exchange: Exchange) -> datetime | None:
    try:
        return datetime.fromisoformat(exchange.started_at.replace("Z", "+00:00"))
    except ValueError:
        return None


def _timestamp(exchange: Exchange, context: RuleContext) -> str | None:
    body = body_json(exchange.response_body)
    if "timestamp" not in body:
        return "no timestamp in the envelope"
    value = body["timestamp"]
    stamp = parse_datetime(value)
    if stamp is None or not isinstance(value, str) or len(value) > 25:
        return f"timestamp {value!r} is not an OCPI DateTime"
    started = _started(exchange)
    if started is None:
        return None
    drift = stamp - started
    if abs(drift.total_seconds()) > context.clock_tolerance.total_seconds() + exchange.elapsed:
        return f"timestamp {value} is {drift} away from the time of the request"
    return None


TIMESTAMP_VALID = ExchangeRule(
    check_id="transport.timestamp_valid",
    spec=RESPONSE_FORMAT,
    title="Envelope timestamps that are not valid or not current",
    expected="a UTC DateTime such as 2026-01-31T12:00:00Z (no offset), within 5 minutes of "
    "the request",
    judge=_timestamp,
    applies=_has_envelope,
    cites="2.2.1 §4.1.7 Response format; §16.2 DateTime type",
)


def _defined(code: int) -> bool:
    return (
        code == 1000
        or 2000 <= code <= 2004
        or 3000 <= code <= 3003
        or 4000 <= code <= 4003
        or any(base + 900 <= code <= base + 999 for base in (1000, 2000, 3000, 4000))
    )


def _has_code(exchange: Exchange, context: RuleContext) -> bool:
    body = body_json(exchange.response_body)
    code = body.get("status_code") if isinstance(body, dict) else None
    return exchange.status is not None and isinstance(code, int) and not isinstance(code, bool)


def _status_code(exchange: Exchange, context: RuleContext) -> str | None:
    code = body_json(exchange.response_body)["status_code"]
    if not _defined(code):
        return f"status_code {code} is not an OCPI status code"
    if 1000 <= code < 2000 and not 200 <= exchange.status < 300:
        return f"HTTP {exchange.status} with success code {code}"
    return None


STATUS_CODE_CONSISTENT = ExchangeRule(
    check_id="transport.status_code_consistent",
    spec=STATUS_CODES,
    title="OCPI status codes that do not fit",
    expected="1000/19xx with HTTP 2xx; errors as 2xxx, 3xxx or 4xxx codes of §5",
    judge=_status_code,
    applies=_has_code,
)


def _echo_rule(check_id: str, name: str) -> ExchangeRule:
    def applies(exchange: Exchange, context: RuleContext) -> bool:
        return (
            _ocpi_answer(exchange, context) and header(exchange.request_headers, name) is not None
        )

    def judge(exchange: Exchange, context: RuleContext) -> str | None:
        sent = header(exchange.request_headers, name)
        got = header(exchange.response_headers, name)
        if got == sent:
            return None
        shown = "missing" if got is None else repr(got)
        return f"{name} {shown}, sent {sent!r}"

    return ExchangeRule(
        check_id=check_id,
        spec=MESSAGE_IDS,
        title=f"Responses without our {name}",
        expected=f"{name} in the response equal to the request's",
        judge=judge,
        applies=applies,
        versions=SINCE_2_2,
    )


REQUEST_ID_ECHOED = _echo_rule("transport.request_id_echoed", "X-Request-ID")
CORRELATION_ID_ECHOED = _echo_rule("transport.correlation_id_echoed", "X-Correlation-ID")


def _with_body(exchange: Exchange, context: RuleContext) -> bool:
    return exchange.status is not None and bool(exchange.response_body)


def _content_type(exchange: Exchange, context: RuleContext) -> str | None:
    value = header(exchange.response_headers, "Content-Type")
    media = (value or "").split(";", 1)[0].strip().lower()
    return None if media == "application/json" else f"Content-Type {value!r}"


def _enveloped_body(exchange: Exchange, context: RuleContext) -> bool:
    """A body envelope_valid owns; a bare error body is error_is_envelope's, type and all."""
    return _with_body(exchange, context) and _success_or_envelope(exchange, context)


CONTENT_TYPE_JSON = ExchangeRule(
    check_id="transport.content_type_json",
    spec=RESPONSE_FORMAT,
    title="Responses that are not declared as JSON",
    expected="Content-Type: application/json",
    judge=_content_type,
    applies=_enveloped_body,
)


def _server_error(exchange: Exchange, context: RuleContext) -> str | None:
    return f"HTTP {exchange.status}" if exchange.status >= 500 else None


NO_SERVER_ERROR = ExchangeRule(
    check_id="transport.no_server_error",
    spec=STATUS_CODES,
    title="Server errors",
    expected="no HTTP 5xx: client errors are answered with 4xx/2xxx codes",
    judge=_server_error,
    applies=_answered,
    hint="a request the server cannot handle is answered with an OCPI client error (2xxx)",
)


def _configuration(exchange: Exchange, context: RuleContext) -> bool:
    return _ocpi_answer(exchange, context) and context.module in CONFIGURATION_MODULES


def _routed(exchange: Exchange, context: RuleContext) -> str | None:
    routed = [
        name
        for name, _ in exchange.response_headers
        if name.lower().startswith(("ocpi-to-", "ocpi-from-"))
    ]
    return "routing headers " + ", ".join(routed) if routed else None


CONFIG_MODULES_UNROUTED = ExchangeRule(
    check_id="transport.config_modules_unrouted",
    spec=ROUTING,
    title="Configuration modules answered with routing headers",
    expected="no OCPI-to-*/OCPI-from-* headers on versions, credentials, hubclientinfo",
    judge=_routed,
    applies=_configuration,
    versions=SINCE_2_2,
)


def _redirected(exchange: Exchange, context: RuleContext) -> str | None:
    location = header(exchange.response_headers, "Location")
    text = f"HTTP {exchange.status} to {location}" if location else f"HTTP {exchange.status}"
    return f"{text}: {exchange.redirect}" if exchange.redirect else text


# OCPI says nothing of redirects. An endpoint's url is where the module is (§6.2.2), so one that
# answers with a redirect is worth a warning; the client follows it on the same origin so the
# module checks still judge the data behind it, and they skip (naming this check) where not.
NO_REDIRECT = ExchangeRule(
    check_id="transport.no_redirect",
    spec="2.2.1 §6.2.2 Endpoint class",
    title="URLs answered with a redirect",
    expected="the URLs of the version details answered directly, not with an HTTP redirect",
    judge=_redirected,
    applies=_redirect,
    level="SHOULD",
    hint="publish each endpoint URL in the form the server answers (e.g. with its trailing "
    "slash); the suite follows a redirect on the same origin (up to 5 in a row), never one to "
    "another host, whose module then cannot be tested",
)

RULES: tuple[ExchangeRule, ...] = (
    ENVELOPE_VALID,
    ERROR_IS_ENVELOPE,
    TIMESTAMP_VALID,
    STATUS_CODE_CONSISTENT,
    REQUEST_ID_ECHOED,
    CORRELATION_ID_ECHOED,
    CONTENT_TYPE_JSON,
    NO_SERVER_ERROR,
    CONFIG_MODULES_UNROUTED,
    NO_REDIRECT,
)

"""Transport rules on every exchange of the run (2.2.1 §4): envelope, timestamp, status codes,
request/correlation ids, content type, no server errors, no redirects.

These checks run late (see MODULE_ORDER) and read every response the target gave to the suite
so far; each rule is owned by one check, so one broken rule fails one check. The rules
themselves live in conformance/rules/transport.py, shared with the proxy.
"""

from __future__ import annotations

import uuid

import pytest

from conformance.checks._common import client_for
from conformance.checks._scan import fail_on_rule, outgoing
from conformance.rules import ExchangeRule
from conformance.rules import transport as rules
from conformance.session import Run
from conformance.skips import skip_could_not_run
from ocpi_core.exchange import Exchange

check = pytest.mark.check(roles=("CPO", "EMSP", "HUB"))


def _exchanges(ocpi: Run) -> list[Exchange]:
    found = outgoing(ocpi)
    if not found:
        skip_could_not_run("no response from the target was recorded in this run")
    return found


def _marker(rule: ExchangeRule) -> pytest.MarkDecorator:
    versions = {"versions": rule.versions} if rule.versions is not None else {}
    return check(id=rule.check_id, spec=rule.spec, level=rule.level, **versions)


def _provoke_error(ocpi: Run) -> None:
    """One error of our making, so the envelope rules are tried on an error answer too."""
    if ocpi.discovery.details_url:
        unknown = f"{ocpi.discovery.details_url.rstrip('/')}/no-such-module-{uuid.uuid4().hex[:8]}"
        client_for(ocpi, routed=False).get(unknown)


@_marker(rules.ENVELOPE_VALID)
def test_envelope_valid(ocpi: Run) -> None:
    """Every 2xx response, and every error answered with an envelope, is a whole OCPI envelope."""
    _provoke_error(ocpi)
    fail_on_rule(ocpi, rules.ENVELOPE_VALID, _exchanges(ocpi))


@_marker(rules.ERROR_IS_ENVELOPE)
def test_error_is_envelope(ocpi: Run) -> None:
    """Every HTTP error but a 401 (auth.error_is_envelope's) comes as an OCPI envelope too."""
    _provoke_error(ocpi)
    fail_on_rule(ocpi, rules.ERROR_IS_ENVELOPE, _exchanges(ocpi))


@_marker(rules.TIMESTAMP_VALID)
def test_timestamp_valid(ocpi: Run) -> None:
    """Every envelope has a timestamp: an OCPI DateTime (UTC) close to our clock."""
    fail_on_rule(ocpi, rules.TIMESTAMP_VALID, _exchanges(ocpi))


@_marker(rules.STATUS_CODE_CONSISTENT)
def test_status_code_consistent(ocpi: Run) -> None:
    """Every status_code is a defined OCPI code, and success codes come only with HTTP 2xx."""
    fail_on_rule(ocpi, rules.STATUS_CODE_CONSISTENT, _exchanges(ocpi))


@_marker(rules.REQUEST_ID_ECHOED)
def test_request_id_echoed(ocpi: Run) -> None:
    """Every response carries the X-Request-ID of its request."""
    fail_on_rule(ocpi, rules.REQUEST_ID_ECHOED, _exchanges(ocpi))


@_marker(rules.CORRELATION_ID_ECHOED)
def test_correlation_id_echoed(ocpi: Run) -> None:
    """Every response carries the X-Correlation-ID of its request."""
    fail_on_rule(ocpi, rules.CORRELATION_ID_ECHOED, _exchanges(ocpi))


@_marker(rules.CONTENT_TYPE_JSON)
def test_content_type_json(ocpi: Run) -> None:
    """Every 2xx response with a body, and every envelope, says Content-Type: application/json."""
    fail_on_rule(ocpi, rules.CONTENT_TYPE_JSON, _exchanges(ocpi))


@_marker(rules.NO_SERVER_ERROR)
def test_no_server_error(ocpi: Run) -> None:
    """No request of the run made the target fail with an HTTP 5xx."""
    fail_on_rule(ocpi, rules.NO_SERVER_ERROR, _exchanges(ocpi))


@_marker(rules.CONFIG_MODULES_UNROUTED)
def test_config_modules_unrouted(ocpi: Run) -> None:
    """Responses of versions, credentials and hubclientinfo carry no OCPI-to/from headers."""
    fail_on_rule(ocpi, rules.CONFIG_MODULES_UNROUTED, _exchanges(ocpi))


@_marker(rules.NO_REDIRECT)
def test_no_redirect(ocpi: Run) -> None:
    """No URL of the run was answered with a redirect (same-origin ones are followed)."""
    fail_on_rule(ocpi, rules.NO_REDIRECT, _exchanges(ocpi))

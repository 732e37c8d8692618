"""Commands module (2.2.1 §13): the CPO target as Receiver of our commands, and as the client
that POSTs the CommandResult to our ``response_url``."""

from __future__ import annotations

import pytest

from conformance.checks import _objects as make
from conformance.checks._common import (
    client_for,
    data_violations,
    endpoint_or_skip,
    expect_ok,
    our_party,
    payload,
    skip_reason,
    utc_now,
)
from conformance.checks._receiver import expect_refused
from conformance.checks._scan import body_json
from conformance.checks._single import object_url
from conformance.checks._story import Async, result_url, story, wait_timeout
from conformance.failures import CheckFailure, SchemaFailure
from conformance.session import Run
from conformance.skips import SkipReason, skip_could_not_run
from ocpi_core.versions import rules

check = pytest.mark.check
RESPONSE = "2.2.1 §13.3.2 CommandResponse Object"
RESULT = "2.2.1 §13.3.3 CommandResult Object"
CPO = ("CPO",)


def _expect_response(ocpi: Run, sent: Async | None, command: str) -> None:
    if sent is None:
        skip_could_not_run(f"{command} was not sent")
    title = f"{command}: no valid CommandResponse"
    data = expect_ok(sent.response, title, spec="2.2.1 §13.2.1.2.1 Response Data", needs_data=True)
    violations = data_violations(data, "CommandResponse", ocpi.config.version, "$.data")
    if violations:
        raise SchemaFailure(
            title,
            expected="data: a valid CommandResponse (result, timeout)",
            actual=f"{len(violations)} schema violation(s)",
            spec=RESPONSE,
            details=[str(v) for v in violations[:10]],
            exchange=sent.response.exchange,
        )


def _expect_result(ocpi: Run, sent: Async | None, command: str) -> None:
    if sent is None:
        skip_could_not_run(f"{command} was not sent")
    if not sent.accepted:
        skip_could_not_run(f"the CPO did not accept {command}: no CommandResult to expect")
    if sent.result is None:
        raise CheckFailure(
            f"{command}: no CommandResult at our response_url",
            expected=f"a POST to {sent.response_url} within {wait_timeout(sent.response):.0f} s "
            "(the timeout of the CommandResponse)",
            actual="nothing arrived",
            spec="2.2.1 §13.2.2.1 Sender POST Method",
            exchange=sent.response.exchange,
        )
    body = body_json(sent.result.request_body)
    result_object = rules(ocpi.config.version).command_result
    violations = data_violations(body, result_object, ocpi.config.version)
    if body is None or violations:
        raise SchemaFailure(
            f"{command}: the CommandResult is not valid",
            expected=f"a {result_object} (result, optional message) as JSON body",
            actual="no JSON body" if body is None else f"{len(violations)} schema violation(s)",
            spec=RESULT,
            details=[str(v) for v in violations[:10]],
            exchange=sent.result,
        )


@check(id="commands.start_session.response", spec=RESPONSE, mode="sandbox", roles=CPO)
def test_start_session_response(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """START_SESSION is answered at once with a valid CommandResponse."""
    played = story(request, ocpi)
    if played.start is None:
        (played.skip or SkipReason("START_SESSION was not sent")).skip()
    _expect_response(ocpi, played.start, "START_SESSION")


@check(id="commands.start_session.result", spec=RESULT, mode="sandbox", roles=CPO)
def test_start_session_result(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """An accepted START_SESSION is followed by a valid CommandResult at our response_url."""
    played = story(request, ocpi)
    if played.start is None:
        (played.skip or SkipReason("START_SESSION was not sent")).skip()
    _expect_result(ocpi, played.start, "START_SESSION")


@check(id="commands.stop_session.response", spec=RESPONSE, mode="sandbox", roles=CPO)
def test_stop_session_response(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """STOP_SESSION of the session we started is answered with a valid CommandResponse."""
    played = story(request, ocpi)
    if played.stop is None:
        (played.skip or SkipReason("STOP_SESSION was not sent")).skip()
    _expect_response(ocpi, played.stop, "STOP_SESSION")


@check(id="commands.stop_session.result", spec=RESULT, mode="sandbox", roles=CPO)
def test_stop_session_result(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """An accepted STOP_SESSION is followed by a valid CommandResult at our response_url."""
    played = story(request, ocpi)
    if played.stop is None:
        (played.skip or SkipReason("STOP_SESSION was not sent")).skip()
    _expect_result(ocpi, played.stop, "STOP_SESSION")


@check(
    id="commands.unknown_location",
    spec="2.2.1 §13.1 Flow; §5.2 2xxx: Client errors",
    mode="sandbox",
    roles=CPO,
)
def test_unknown_location(ocpi: Run) -> None:
    """START_SESSION at a location the CPO does not have is refused with status_code 2003."""
    url = object_url(endpoint_or_skip(ocpi, "commands", "RECEIVER"), "START_SESSION")
    body = {
        "response_url": result_url(ocpi, "START_SESSION"),
        "token": make.shape(
            "Token",
            make.token(our_party(ocpi), make.new_id("TOK"), utc_now(), whitelist="ALLOWED"),
            ocpi.config.version,
        ),
        "location_id": make.new_id("NOLOC"),
    }
    response = client_for(ocpi).post(url, body)
    title = "START_SESSION at an unknown location not refused as such"
    expect_refused(
        response,
        title,
        spec="2.2.1 §5.2 2xxx: Client errors",
        expected="status_code 2003 (unknown location), CommandResponse REJECTED",
        codes=(2003,),
    )
    data = payload(response)[1]
    if isinstance(data, dict) and data.get("result") == "ACCEPTED":
        raise CheckFailure(
            title,
            expected="CommandResponse result REJECTED",
            actual="result ACCEPTED",
            spec=RESPONSE,
            exchange=response.exchange,
        )


@check(
    id="commands.stop_session.unknown_session",
    spec="2.2.1 §13.4.1 CommandResponseType enum",
    level="SHOULD",
    mode="sandbox",
    roles=CPO,
)
def test_stop_unknown_session(ocpi: Run) -> None:
    """STOP_SESSION of a session the CPO does not know is answered UNKNOWN_SESSION."""
    url = object_url(endpoint_or_skip(ocpi, "commands", "RECEIVER"), "STOP_SESSION")
    body = {"response_url": result_url(ocpi, "STOP_SESSION"), "session_id": make.new_id("NOSES")}
    response = client_for(ocpi).post(url, body)
    reason = skip_reason(response, needs_data=True)
    if reason is not None:
        skip_could_not_run(reason)
    data = payload(response)[1]
    result = data.get("result") if isinstance(data, dict) else None
    if result != "UNKNOWN_SESSION":
        raise CheckFailure(
            "STOP_SESSION of an unknown session not answered UNKNOWN_SESSION",
            expected="CommandResponse result UNKNOWN_SESSION",
            actual=f"HTTP {response.http_status}, result {result!r}",
            spec="2.2.1 §13.4.1 CommandResponseType enum",
            exchange=response.exchange,
        )

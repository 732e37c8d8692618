"""ChargingProfiles module (2.2.1 §14): the CPO target as Receiver of a profile for the session
we started, and as the client that POSTs each result to our ``response_url``."""

from __future__ import annotations

import pytest

from conformance.checks import _objects as make
from conformance.checks._common import (
    client_for,
    data_violations,
    endpoint_or_skip,
    expect_ok,
    payload,
    skip_reason,
)
from conformance.checks._scan import body_json
from conformance.checks._single import object_url
from conformance.checks._story import Async, result_url, story, wait_timeout
from conformance.failures import CheckFailure, SchemaFailure
from conformance.session import Run
from conformance.skips import SkipReason, skip_could_not_run

check = pytest.mark.check
RESPONSE = "2.2.1 §14.5.1 ChargingProfileResponse Object"
CPO = ("CPO",)

_OPERATIONS = {
    "set": ("PUT", "ChargingProfileResult", "2.2.1 §14.4.1.2 Receiver PUT Method"),
    "get": ("GET", "ActiveChargingProfileResult", "2.2.1 §14.4.1.1 Receiver GET Method"),
    "clear": ("DELETE", "ClearProfileResult", "2.2.1 §14.4.1.4 Receiver DELETE Method"),
}


def _operation(ocpi: Run, request: pytest.FixtureRequest, name: str) -> Async:
    endpoint_or_skip(ocpi, "chargingprofiles", "RECEIVER")
    played = story(request, ocpi)
    sent = played.profiles.get(name)
    if sent is None:
        (played.skip or SkipReason("no session of ours to set a charging profile on")).skip()
    return sent


def _judge(ocpi: Run, sent: Async, name: str) -> None:
    method, result_name, spec = _OPERATIONS[name]
    title = f"{method} chargingprofiles: no valid ChargingProfileResponse"
    data = expect_ok(sent.response, title, spec=spec, needs_data=True)
    violations = data_violations(data, "ChargingProfileResponse", ocpi.config.version, "$.data")
    if violations:
        raise SchemaFailure(
            title,
            expected="data: a valid ChargingProfileResponse (result, timeout)",
            actual=f"{len(violations)} schema violation(s)",
            spec=RESPONSE,
            details=[str(v) for v in violations[:10]],
            exchange=sent.response.exchange,
        )
    if not sent.accepted:
        return
    if sent.result is None:
        raise CheckFailure(
            f"{method} chargingprofiles: no {result_name} at our response_url",
            expected=f"a POST to {sent.response_url} within {wait_timeout(sent.response):.0f} s",
            actual="nothing arrived",
            spec="2.2.1 §14.4.2.1 Sender POST Method",
            exchange=sent.response.exchange,
        )
    body = body_json(sent.result.request_body)
    violations = data_violations(body, result_name, ocpi.config.version)
    if body is None or violations:
        raise SchemaFailure(
            f"{method} chargingprofiles: the {result_name} is not valid",
            expected=f"a {result_name} as JSON body",
            actual="no JSON body" if body is None else f"{len(violations)} schema violation(s)",
            spec="2.2.1 §14.4.2.2 Request Body",
            details=[str(v) for v in violations[:10]],
            exchange=sent.result,
        )


@check(id="chargingprofiles.set", spec=_OPERATIONS["set"][2], mode="sandbox", roles=CPO)
def test_set(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """PUT of a profile answers a ChargingProfileResponse, then a ChargingProfileResult."""
    _judge(ocpi, _operation(ocpi, request, "set"), "set")


@check(id="chargingprofiles.get_active", spec=_OPERATIONS["get"][2], mode="sandbox", roles=CPO)
def test_get_active(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """GET of the active profile answers a response, then an ActiveChargingProfileResult."""
    _judge(ocpi, _operation(ocpi, request, "get"), "get")


@check(id="chargingprofiles.clear", spec=_OPERATIONS["clear"][2], mode="sandbox", roles=CPO)
def test_clear(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """DELETE of the profile answers a ChargingProfileResponse, then a ClearProfileResult."""
    _judge(ocpi, _operation(ocpi, request, "clear"), "clear")


@check(
    id="chargingprofiles.unknown_session",
    spec="2.2.1 §14.6.5 ChargingProfileResponseType enum",
    level="SHOULD",
    mode="sandbox",
    roles=CPO,
)
def test_unknown_session(ocpi: Run) -> None:
    """A profile for a session the CPO does not know is answered UNKNOWN_SESSION."""
    base = endpoint_or_skip(ocpi, "chargingprofiles", "RECEIVER")
    body = {"charging_profile": make.charging_profile(), "response_url": result_url(ocpi, "set")}
    response = client_for(ocpi).put(object_url(base, make.new_id("NOSES")), body)
    reason = skip_reason(response, needs_data=True)
    if reason is not None:
        skip_could_not_run(reason)
    data = payload(response)[1]
    result = data.get("result") if isinstance(data, dict) else None
    if result != "UNKNOWN_SESSION":
        raise CheckFailure(
            "Charging profile for an unknown session not answered UNKNOWN_SESSION",
            expected="ChargingProfileResponse result UNKNOWN_SESSION",
            actual=f"HTTP {response.http_status}, result {result!r}",
            spec="2.2.1 §14.6.5 ChargingProfileResponseType enum",
            exchange=response.exchange,
        )

"""Authentication: the Authorization header (2.2.1 §4.1.2). Runs before registration."""

from __future__ import annotations

import pytest

from conformance.expect import (
    expect_envelope,
    expect_http_status,
    expect_unauthorized,
    skip_unfollowed_redirect,
)
from conformance.failures import CheckFailure
from conformance.session import Run
from conformance.skips import skip_could_not_run
from ocpi_core.versions import SINCE_2_2

check = pytest.mark.check(roles=("CPO", "EMSP", "HUB"))
SPEC = "2.2.1 §4.1.2 Authorization header"
UNKNOWN = "not-a-token-of-anyone-0000"


@check(id="auth.missing_token_401", spec=SPEC)
def test_missing_token(ocpi: Run) -> None:
    """A request without Authorization header is refused with 401."""
    response = ocpi.client().get(ocpi.config.versions_url, token=None)
    expect_unauthorized(
        response,
        "GET versions without a token",
        hint="answer 401 Unauthorized when the Authorization header is missing",
    )


@check(id="auth.unknown_token_401", spec=SPEC)
def test_unknown_token(ocpi: Run) -> None:
    """A request with a token no party holds is refused with 401."""
    response = ocpi.client().get(ocpi.config.versions_url, token=UNKNOWN)
    expect_unauthorized(response, "GET versions with an unknown token")


@check(id="auth.unknown_token_module_401", spec=SPEC)
def test_unknown_token_on_modules(ocpi: Run) -> None:
    """A module URL (not only versions) refuses a token no party holds with 401."""
    endpoint = next(
        (
            e
            for e in ocpi.discovery.endpoints
            if e.get("identifier") not in ("credentials", None)
            and ocpi.discovery.interface(e) in ("SENDER", None)
            and isinstance(e.get("url"), str)
        ),
        None,
    )
    if endpoint is None:
        skip_could_not_run(ocpi.discovery.error or "the target lists no module besides credentials")
    response = ocpi.client().get(endpoint["url"], token=UNKNOWN)
    expect_unauthorized(
        response,
        f"GET {endpoint['identifier']} with an unknown token",
        hint="authenticate every module, not only the versions endpoints",
    )


@check(id="auth.error_is_envelope", spec="2.2.1 §4.1.7 Response format", level="SHOULD")
def test_unauthorized_is_envelope(ocpi: Run) -> None:
    """The 401 answer is an OCPI response envelope too."""
    response = ocpi.client().get(ocpi.config.versions_url, token=UNKNOWN)
    if response.http_status != 401:
        skip_could_not_run(f"no 401 to inspect (HTTP {response.http_status})")
    expect_envelope(response, "401 answer is not an OCPI envelope")


@check(id="auth.base64_accepted", versions=SINCE_2_2, spec=SPEC)
def test_base64_token_accepted(ocpi: Run) -> None:
    """The Base64-encoded token is accepted."""
    response = ocpi.client(ocpi.config.token).get(ocpi.config.versions_url, token_form="base64")
    expect_http_status(
        response,
        200,
        "GET versions with the Base64-encoded token: refused",
        hint="decode the token after 'Token ' with Base64 (RFC 4648 §4) before looking it up",
    )


@check(id="auth.plain_accepted", versions=("2.1.1",), spec=SPEC)
def test_plain_token_accepted(ocpi: Run) -> None:
    """The token as is (2.1.1 does not encode it) is accepted."""
    response = ocpi.client(ocpi.config.token).get(ocpi.config.versions_url, token_form="plain")
    expect_http_status(
        response,
        200,
        "GET versions with the plain token: refused",
        hint="OCPI 2.1.1 sends the token after 'Token ' as it is, without Base64",
    )


@check(id="auth.plain_token_info", versions=SINCE_2_2, spec=SPEC)
def test_plain_token_information(ocpi: Run, record_property) -> None:
    """Information only: whether the un-encoded token is accepted too (2.2.1-d2 allows either)."""
    response = ocpi.client(ocpi.config.token).get(ocpi.config.versions_url, token_form="plain")
    accepted = response.http_status == 200
    record_property(
        "info",
        "un-encoded token accepted (compatibility with 2.1.1/2.2 clients)"
        if accepted
        else f"un-encoded token refused (HTTP {response.http_status}); only Base64 works",
    )


@check(id="auth.plain_token_accepted_or_401", versions=SINCE_2_2, spec=SPEC)
def test_plain_token_accepted_or_refused(ocpi: Run) -> None:
    """The un-encoded token is accepted (2.2.1-d2 allows it) or refused with 401, never an error.

    Seen on a real 2.2.1 server: HTTP 200 with status_code 3000, which is neither."""
    response = ocpi.client(ocpi.config.token).get(ocpi.config.versions_url, token_form="plain")
    if response.http_status in (401, 403):
        expect_unauthorized(response, "GET versions with the un-encoded token")
        return
    code = response.body.get("status_code") if isinstance(response.body, dict) else None
    accepted = response.http_status == 200 and isinstance(code, int) and 1000 <= code <= 1999
    if accepted:
        return
    skip_unfollowed_redirect(response)
    raise CheckFailure(
        "GET versions with the un-encoded token: neither accepted nor refused with 401",
        expected="HTTP 200 with status_code 1000 (the token accepted as is) or HTTP 401",
        actual=f"HTTP {response.http_status}, status_code {code!r} "
        f"({response.body.get('status_message') if isinstance(response.body, dict) else '-'})",
        spec=SPEC,
        hint="a token that is not valid Base64 is either looked up as it is or refused with "
        "401; it is never a server error",
        exchange=response.exchange,
    )


@check(id="auth.token_a_other_module_401", versions=SINCE_2_2, spec=SPEC, mode="sandbox")
def test_token_a_only_for_credentials(ocpi: Run) -> None:
    """Token A reaches versions and credentials only; any other module answers 401."""
    discovery = ocpi.discovery
    other = next(
        (e for e in discovery.endpoints if e.get("identifier") not in ("credentials", None)),
        None,
    )
    if other is None:
        skip_could_not_run("the target lists no module besides credentials")
    if ocpi.registration_attempted:
        raise CheckFailure(
            "Check ran after registration",
            expected="run before the credentials checks",
            actual="token A was already used",
        )
    response = ocpi.client(ocpi.config.token).get(other["url"])
    expect_unauthorized(
        response,
        f"GET {other['identifier']} with token A",
        hint="token A may only be used on versions, version details and credentials",
    )

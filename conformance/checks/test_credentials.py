"""Credentials module and the registration handshake (2.2.1 §7), as the Sender of it; run
against CPO, eMSP and Hub targets (a 2.3.0 Hub also names itself in hub_party_id)."""

from __future__ import annotations

import pytest

from conformance.checks._hub_party_id import expect_hub_party_id
from conformance.expect import (
    data_of,
    expect_http_status,
    expect_success,
    expect_valid,
    skip_unfollowed_redirect,
)
from conformance.failures import CheckFailure
from conformance.session import Registration, Run
from conformance.skips import skip_could_not_run, skip_not_applicable
from ocpi_core.versions import SINCE_2_2

check = pytest.mark.check(roles=("CPO", "EMSP", "HUB"))
REGISTRATION = "2.2.1 §7.1.1 Registration"


def _registered(ocpi: Run) -> Registration:
    registration = ocpi.registration
    if not registration.ok:
        skip_could_not_run(
            f"registration failed, see credentials.post.register: {registration.error}"
        )
    return registration


@check(id="credentials.post.register", spec="2.2.1 §7.2.2 Credentials POST", mode="sandbox")
def test_register(ocpi: Run) -> None:
    """POST credentials with token A registers us and answers the target's credentials."""
    registration = ocpi.registration
    title = "POST credentials: registration failed"
    if registration.response is None and registration.credentials_url is None:
        skip_could_not_run(  # the versions checks own why there is no credentials endpoint
            f"no credentials endpoint to register at: {registration.error} (see versions.*)"
        )
    if registration.response is None:
        raise CheckFailure(title, expected="an answer to our POST", actual=registration.error)
    skip_unfollowed_redirect(registration.response)
    expect_success(registration.response, title, spec="2.2.1 §7.2.2 Credentials POST")
    expect_valid(
        registration.response,
        ocpi.config.version,
        "Credentials",
        title,
        spec="2.2.1 §7.3.1 Credentials object",
    )


@check(id="credentials.post.fetched_our_versions", spec=REGISTRATION, mode="sandbox")
def test_target_fetched_our_endpoints(ocpi: Run) -> None:
    """During the POST the target read our versions and version details with token B."""
    registration = _registered(ocpi)
    calls = [
        e
        for e in ocpi.recorder
        if e.direction == "incoming" and e.url.startswith(ocpi.counterpart.public_url)
    ]
    versions_calls = [e for e in calls if e.url.endswith("/ocpi/versions")]
    details_calls = [e for e in calls if e.url.rstrip("/").endswith("/ocpi/" + ocpi.config.version)]
    if not versions_calls or not details_calls:
        raise CheckFailure(
            "POST credentials: the target did not read our versions before answering",
            expected=f"GET {ocpi.counterpart.versions_url} and GET of our version details, "
            "with token B",
            actual="calls received: " + (", ".join(e.title for e in calls) or "none"),
            exchange=registration.response.exchange if registration.response else None,
        )
    refused = [e for e in versions_calls + details_calls if e.status != 200]
    if refused and len(refused) == len(versions_calls + details_calls):
        raise CheckFailure(
            "POST credentials: the target called us with a token other than token B",
            expected="Authorization: Token base64(token B)",
            actual="; ".join(e.title for e in refused),
            exchange=refused[0],
        )


@check(id="credentials.post.new_token", spec=REGISTRATION, mode="sandbox")
def test_token_c_is_new(ocpi: Run) -> None:
    """The token the target answers (C) differs from token A and from our token B."""
    registration = _registered(ocpi)
    if registration.token_c in (registration.token_a, registration.token_b):
        same = "token A" if registration.token_c == registration.token_a else "our token B"
        raise CheckFailure(
            "POST credentials: the target answered no new token",
            expected="a new, unique token C",
            actual=f"token C equals {same}",
            exchange=registration.response.exchange,
        )


@check(id="credentials.token_c.works", spec=REGISTRATION, mode="sandbox")
def test_token_c_works(ocpi: Run) -> None:
    """Token C opens the credentials module."""
    registration = _registered(ocpi)
    response = ocpi.client(registration.token_c).get(registration.credentials_url)
    expect_http_status(response, 200, "GET credentials with token C: refused")


@check(id="credentials.token_a.revoked", versions=SINCE_2_2, spec=REGISTRATION, mode="sandbox")
def test_token_a_revoked(ocpi: Run) -> None:
    """After registration token A no longer works, not even on credentials."""
    registration = _registered(ocpi)
    response = ocpi.client(registration.token_a).get(registration.credentials_url)
    expect_http_status(
        response,
        401,
        "GET credentials with token A after registration: not refused",
        hint="invalidate token A once a registration has used it",
    )


@check(id="credentials.get.valid", spec="2.2.1 §7.2.1 Credentials GET", mode="sandbox")
def test_get_credentials(ocpi: Run) -> None:
    """GET credentials answers valid Credentials holding the token we use (C)."""
    registration = _registered(ocpi)
    response = ocpi.client().get(registration.credentials_url)
    title = "GET credentials: not the credentials of our connection"
    expect_success(response, title)
    expect_valid(
        response, ocpi.config.version, "Credentials", title, spec="2.2.1 §7.3.1 Credentials object"
    )
    if data_of(response).get("token") != ocpi.token:
        raise CheckFailure(
            title,
            expected="token: the token C we were given",
            actual="another token",
            exchange=response.exchange,
        )


@check(
    id="credentials.post.already_registered_405",
    spec="2.2.1 §7.2.2 Credentials POST",
    mode="sandbox",
)
def test_second_post_refused(ocpi: Run) -> None:
    """A second POST by a registered party is answered 405 Method Not Allowed."""
    from conformance.session import counterpart_credentials

    registration = _registered(ocpi)
    response = ocpi.client().post(
        registration.credentials_url,
        counterpart_credentials(ocpi.counterpart, registration.token_b, ocpi.config.version),
    )
    if response.http_status == 200:
        # the target may have issued yet another token C; keep using what works
        data = data_of(response)
        if isinstance(data, dict) and isinstance(data.get("token"), str):
            ocpi.token = data["token"]
            ocpi.recorder.masker.add(data["token"])
            registration.token_c = data["token"]
    expect_http_status(
        response,
        405,
        "POST credentials when already registered: not refused with 405",
        hint="answer 405 Method Not Allowed; a registered party updates with PUT",
    )


@check(id="credentials.put.new_token", spec="2.2.1 §7.2.3 Credentials PUT", mode="sandbox")
def test_put_rotates_token(ocpi: Run) -> None:
    """PUT credentials with a new token B answers a new token C that works."""
    _registered(ocpi)
    response, previous = ocpi.update_credentials()
    title = "PUT credentials: no new token"
    expect_success(response, title)
    expect_valid(
        response, ocpi.config.version, "Credentials", title, spec="2.2.1 §7.3.1 Credentials object"
    )
    if ocpi.token == previous:
        raise CheckFailure(
            title,
            expected="a token C different from the previous one",
            actual="the same token",
            exchange=response.exchange,
        )
    check_response = ocpi.client().get(ocpi.registration.credentials_url)
    expect_http_status(check_response, 200, "GET credentials with the new token C: refused")


@check(
    id="credentials.put.old_token_revoked",
    versions=SINCE_2_2,
    spec="2.2.1 §7.1.4 Updating the credentials",
    level="SHOULD",
    mode="sandbox",
)
def test_old_token_revoked(ocpi: Run) -> None:
    """After a PUT the previous token C no longer works."""
    previous = ocpi.replaced_token
    if previous is None or previous == ocpi.token:
        skip_could_not_run("no token rotation happened (see credentials.put.new_token)")
    response = ocpi.client(previous).get(ocpi.registration.credentials_url)
    expect_http_status(response, 401, "GET credentials with the replaced token: not refused")


@check(
    id="credentials.put.switch_version",
    spec="2.2.1 §7.1.2 Updating to a newer version",
    mode="sandbox",
)
def test_switch_version(ocpi: Run) -> None:
    """A PUT to the credentials endpoint of another version the target offers moves the
    connection to that version with a new token; a PUT to ours moves it back."""
    _registered(ocpi)
    others = ocpi.other_versions()
    if not others:
        skip_not_applicable(
            f"the target offers no other version than {ocpi.config.version} to switch to"
        )
    version, details_url = others[0]
    switch = ocpi.switch_version(version, details_url)
    title = f"PUT credentials to the {version} credentials endpoint: no switch to {version}"
    if switch.response is None:
        raise CheckFailure(
            title,
            expected=f"a credentials endpoint in the {version} version details",
            actual=switch.error,
            exchange=switch.details.exchange,
        )
    expect_success(switch.response, title)
    expect_valid(
        switch.response, version, "Credentials", title, spec="2.2.1 §7.3.1 Credentials object"
    )
    back, _ = ocpi.update_credentials()
    expect_success(back, f"PUT credentials back to {ocpi.config.version}: refused")


@check(
    id="credentials.hub_party_id",
    spec="2.3.0 §7.3.1 Credentials object",
    roles=("HUB",),
    versions=("2.3.0",),
    mode="sandbox",
)
def test_router_names_its_party(ocpi: Run) -> None:
    """A 2.3.0 Hub's Credentials give its own party in hub_party_id (2.3.0 has no role HUB)."""
    expect_hub_party_id(ocpi, _registered(ocpi), "the Hub")

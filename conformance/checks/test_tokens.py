"""Tokens module (2.2.1 §12): the eMSP's Sender list, objects and real-time authorization; the
CPO's Receiver."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from conformance.checks import _objects as make
from conformance.checks._common import (
    cached,
    client_for,
    data_violations,
    endpoint_or_skip,
    expect_ok,
    full_walk,
    payload,
    skip_reason,
    utc_now,
)
from conformance.checks._lists import (
    check_ids_unique,
    check_last_updated_past,
    check_objects_valid,
)
from conformance.checks._receiver import (
    FOREIGN_PARTY,
    PUSHED,
    Pushed,
    expect_refused,
    expect_stored,
    pushed_once,
    receiver,
)
from conformance.checks._single import object_url
from conformance.failures import CheckFailure, SchemaFailure
from conformance.rules.objects import OBJECT_SPECS, PATCH_SPECS
from conformance.session import Run
from conformance.skips import skip_could_not_run
from ocpi_core.client import OcpiResponse
from ocpi_core.versions import SINCE_2_2, rules

check = pytest.mark.check
TOKEN = OBJECT_SPECS["tokens"]
AUTHORIZE = "2.2.1 §12.2.2.2 Sender POST Method (real-time authorization)"
AUTH_INFO = "2.2.1 §12.3.1 AuthorizationInfo Object"
R_GET = "2.2.1 §12.2.1.1 Receiver GET Method"
R_PUT = "2.2.1 §12.2.1.2 Receiver PUT Method"
R_PATCH = PATCH_SPECS["tokens"]
CPO = ("CPO",)
UNDOCUMENTED_FIELDS = "2.3.0 §4.1.8 Non-specified JSON fields"
EMSP = ("EMSP",)


# ---- Sender interface (eMSP target) ----------------------------------------------------------


def _listed(request: pytest.FixtureRequest, ocpi: Run) -> list[dict[str, Any]]:
    result = full_walk(request, ocpi, "tokens")
    if result.first is None:
        skip_could_not_run(
            f"the tokens list cannot be read ({result.problem}); see tokens.objects_valid"
        )
    return result.objects


def _authorize(ocpi: Run, token: dict[str, Any], body: Any = None) -> OcpiResponse:
    base = endpoint_or_skip(ocpi, "tokens", "SENDER")
    url = object_url(base, str(token.get("uid")), "authorize")
    return client_for(ocpi).post(url, body, params={"type": token.get("type") or "RFID"})


def _known_authorization(
    request: pytest.FixtureRequest, ocpi: Run
) -> tuple[dict[str, Any], OcpiResponse]:
    """One real-time authorization of a valid listed token, made once per run."""
    tokens = _listed(request, ocpi)
    if not tokens:
        skip_could_not_run("the tokens list is empty: no known token to authorize")
    token = next((t for t in tokens if t.get("valid") is True), tokens[0])

    def ask() -> OcpiResponse:
        response = _authorize(ocpi, token)
        if (
            response.body
            and isinstance(response.body, dict)
            and response.body.get("status_code") == 2002
        ):
            # the eMSP wants to know where: ask again with a location of ours
            response = _authorize(ocpi, token, {"location_id": make.new_id("LOC")})
        return response

    return token, cached(request, ("authorize", "known"), ask)


@check(id="tokens.objects_valid", spec=TOKEN, roles=EMSP)
def test_objects_valid(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """Every Token returned, by the list or inside an authorization, is schema-valid."""
    extra: list[tuple[OcpiResponse, str]] = []
    if ocpi.config.mode != "read-only" and full_walk(request, ocpi, "tokens").objects:
        _, response = _known_authorization(request, ocpi)
        has_data, data = payload(response)
        if response.http_status == 200 and has_data and isinstance(data, dict):
            extra = [(response, "AuthorizationInfo")]
    check_objects_valid(request, ocpi, "tokens", TOKEN, extra=extra)


@check(id="tokens.ids_unique", spec=TOKEN, roles=EMSP)
def test_ids_unique(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """No two different Tokens share a uid and type."""
    check_ids_unique(request, ocpi, "tokens", TOKEN)


@check(id="tokens.last_updated_not_future", spec=TOKEN, roles=EMSP)
def test_last_updated_not_future(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """No Token has a last_updated in the future."""
    check_last_updated_past(request, ocpi, "tokens", TOKEN)


@check(id="tokens.authorize.known", spec=AUTHORIZE, mode="sandbox", roles=EMSP)
def test_authorize_known(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """Real-time authorization of a listed token answers an AuthorizationInfo for that token."""
    token, response = _known_authorization(request, ocpi)
    title = "Authorization of a known token not answered with its AuthorizationInfo"
    data = expect_ok(response, title, spec=AUTHORIZE, needs_data=True)
    # the Token inside is tokens.objects_valid's to judge
    violations = [
        v
        for v in data_violations(data, "AuthorizationInfo", ocpi.config.version, "$.data")
        if not v.json_path.startswith("$.data.token")
    ]
    if violations:
        raise SchemaFailure(
            title,
            expected="data: a valid AuthorizationInfo",
            actual=f"{len(violations)} schema violation(s)",
            spec=AUTH_INFO,
            details=[str(v) for v in violations[:10]],
            exchange=response.exchange,
        )
    if not rules(ocpi.config.version).authorization_names_token:
        return
    answered = (data.get("token") or {}).get("uid") if isinstance(data, dict) else None
    if answered != token.get("uid"):
        raise CheckFailure(
            title,
            expected=f"AuthorizationInfo.token of token {token.get('uid')!r}",
            actual=f"token uid {answered!r}",
            spec=AUTH_INFO,
            exchange=response.exchange,
        )


@check(
    id="tokens.authorize.unknown_404",
    versions=SINCE_2_2,  # 2.1.1 does not say how an unknown token is answered
    spec=AUTHORIZE,
    mode="sandbox",
    roles=EMSP,
)
def test_authorize_unknown(ocpi: Run) -> None:
    """Authorization of an unknown token is answered HTTP 404, status_code 2004, no data."""
    unknown = {"uid": make.new_id("UNKNOWN"), "type": "RFID"}
    response = _authorize(ocpi, unknown)
    reason = skip_reason(response)
    if reason is not None:
        skip_could_not_run(reason)
    body = response.body if isinstance(response.body, dict) else {}
    code = body.get("status_code")
    problems = []
    if response.http_status != 404:
        problems.append(f"HTTP {response.http_status}")
    if isinstance(code, int) and 2000 <= code < 3000 and code != 2004:
        problems.append(f"status_code {code}")
    if response.http_status == 200 and code == 1000:
        problems.append("status_code 1000 (authorized)")
    if body.get("data") is not None:
        problems.append("a data field")
    if problems:
        raise CheckFailure(
            "Authorization of an unknown token not answered as unknown",
            expected="HTTP 404, status_code 2004 (Unknown Token), no data",
            actual=", ".join(problems),
            spec=AUTHORIZE,
            exchange=response.exchange,
        )


@check(
    id="tokens.authorize.invalid_not_allowed",
    spec=AUTH_INFO,
    level="SHOULD",
    mode="sandbox",
    roles=EMSP,
)
def test_authorize_invalid_not_allowed(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """A blocked token (named in the target file, or listed with valid=false) is not
    authorized (allowed is not ALLOWED)."""
    listed = _listed(request, ocpi)
    blocked = ocpi.config.blocked_token
    if blocked:
        invalid = next((t for t in listed if t.get("uid") == blocked), {"uid": blocked})
    else:
        invalid = next((t for t in listed if t.get("valid") is False), None)
    if invalid is None:
        skip_could_not_run(
            "no blocked token to try: name one in the target file ([tokens] blocked_uid) or "
            "list a token with valid=false"
        )
    response = _authorize(ocpi, invalid)
    title = "Authorization of an invalid token answered ALLOWED"
    data = expect_ok(response, title, spec=AUTHORIZE, needs_data=True)
    allowed = data.get("allowed") if isinstance(data, dict) else None
    if allowed == "ALLOWED":
        raise CheckFailure(
            title,
            expected=f"allowed BLOCKED, EXPIRED, NO_CREDIT or NOT_ALLOWED for token "
            f"{invalid.get('uid')} (valid=false)",
            actual="allowed ALLOWED",
            spec=AUTH_INFO,
            exchange=response.exchange,
        )


# ---- Receiver interface (CPO target) ---------------------------------------------------------

_TYPE = {"type": "RFID"}


def _pushed_token(ocpi: Run, request: pytest.FixtureRequest) -> Pushed:
    target = receiver(ocpi, "tokens")

    def push() -> Pushed:
        body = make.token(target.party, make.new_id("TOK"), utc_now() - timedelta(minutes=2))
        url = target.url(body["uid"])
        return Pushed(url, body, target.client.put(url, body, params=_TYPE))

    return pushed_once(request, "token", push)


@check(id="tokens.receiver.put_get", spec=R_PUT, mode="sandbox", roles=CPO)
def test_receiver_put_get(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """A Token PUT is accepted, and GET returns it as pushed."""
    pushed = _pushed_token(ocpi, request)
    expect_ok(pushed.response, "PUT of a new Token refused", spec=R_PUT, http=PUSHED)
    target = receiver(ocpi, "tokens")
    url = pushed.url + "?type=RFID"
    expect_stored(target.client, url, pushed.body, "GET of the pushed Token", spec=R_GET)


@check(id="tokens.receiver.patch_merges", spec=R_PATCH, mode="sandbox", roles=CPO)
def test_receiver_patch_merges(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """A PATCH changes the fields it names and leaves the others as they were."""
    pushed = _pushed_token(ocpi, request).require("tokens.receiver.put_get")
    target = receiver(ocpi, "tokens")
    patch = {"valid": False, "last_updated": make.ocpi_time(utc_now())}
    expect_ok(
        target.client.patch(pushed.url, patch, params=_TYPE),
        "PATCH of a Token refused",
        spec=R_PATCH,
    )
    expected = {**pushed.body, "valid": False, "last_updated": patch["last_updated"]}
    expect_stored(
        target.client,
        pushed.url + "?type=RFID",
        expected,
        "PATCH did not merge into the stored Token",
        spec=R_PATCH,
    )


@check(
    id="tokens.receiver.patch_requires_last_updated",
    versions=SINCE_2_2,
    spec=R_PATCH,
    mode="sandbox",
    roles=CPO,
)
def test_receiver_patch_requires_last_updated(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """A PATCH without last_updated is refused (status_code 2001)."""
    pushed = _pushed_token(ocpi, request).require("tokens.receiver.put_get")
    target = receiver(ocpi, "tokens")
    expect_refused(
        target.client.patch(pushed.url, {"whitelist": "NEVER"}, params=_TYPE),
        "PATCH without last_updated accepted",
        spec=R_PATCH,
        expected="an OCPI client error, status_code 2001",
        codes=(2001,),
        hint="every PATCH must carry last_updated; answer 2001 when it does not",
    )


@check(id="tokens.receiver.wrong_party_refused", spec=R_PUT, mode="sandbox", roles=CPO)
def test_receiver_wrong_party_refused(ocpi: Run) -> None:
    """A PUT whose URL names another party than the Token's owner is refused."""
    target = receiver(ocpi, "tokens")
    body = make.token(target.party, make.new_id("TOK"), utc_now())
    expect_refused(
        target.client.put(target.url(body["uid"], party=FOREIGN_PARTY), body, params=_TYPE),
        "PUT under another party's country_code/party_id accepted",
        spec=R_PUT,
        expected="a refusal: OCPI 2xxx, or HTTP 404 for a party we do not hold",
        hint="the URL's country_code/party_id must equal the Token's and be the caller's",
    )


@check(
    id="tokens.receiver.malformed_refused",
    spec="2.2.1 §5.2 2xxx: Client errors",
    mode="sandbox",
    roles=CPO,
)
def test_receiver_malformed_refused(ocpi: Run) -> None:
    """A Token without its required fields is refused with 2001."""
    target = receiver(ocpi, "tokens")
    body = make.token(target.party, make.new_id("TOK"), utc_now())
    for field in ("contract_id", "issuer", "whitelist"):
        body.pop(field)
    expect_refused(
        target.client.put(target.url(body["uid"]), body, params=_TYPE),
        "PUT of a Token without required fields accepted",
        spec="2.2.1 §5.2 2xxx: Client errors",
        expected="status_code 2001 (invalid or missing parameters)",
        codes=(2001,),
    )


@check(
    id="tokens.receiver.get_unknown_404",
    spec="2.2.1 §5 Status codes",
    level="SHOULD",
    mode="sandbox",
    roles=CPO,
)
def test_receiver_get_unknown(ocpi: Run) -> None:
    """GET of a Token the CPO does not have is answered 404 Not Found."""
    target = receiver(ocpi, "tokens")
    response = target.client.get(target.url(make.new_id("NONE")), params=_TYPE)
    reason = skip_reason(response)
    if reason is not None:
        skip_could_not_run(reason)
    if response.http_status != 404:
        raise CheckFailure(
            "GET of an unknown Token not answered 404",
            expected="HTTP 404 Not Found (with an OCPI envelope)",
            actual=f"HTTP {response.http_status}",
            spec="2.2.1 §5 Status codes",
            exchange=response.exchange,
        )


@check(
    id="tokens.receiver.unknown_fields_ignored",
    versions=("2.3.0",),
    spec=UNDOCUMENTED_FIELDS,
    mode="sandbox",
    roles=CPO,
)
def test_receiver_ignores_unknown_fields(ocpi: Run) -> None:
    """A Token with fields the spec does not document is accepted (2.3.0 extensibility)."""
    target = receiver(ocpi, "tokens")
    body = make.token(target.party, make.new_id("TOK"), utc_now())
    body["ocpi_conformance_extension"] = {"note": "an undocumented field"}
    expect_ok(
        target.client.put(target.url(body["uid"]), body, params=_TYPE),
        "PUT of a Token with undocumented fields refused",
        spec=UNDOCUMENTED_FIELDS,
        http=PUSHED,
    )


# ---- ad-hoc tokens and location-bound authorization (2.2+) ------------------------------------

TOKEN_TYPE = "2.2.1 §12.4.4 TokenType enum"
LOCATION_REFERENCES = "2.2.1 §12.4.3 LocationReferences class"


@check(
    id="tokens.ad_hoc_not_whitelisted",
    spec=TOKEN_TYPE,
    level="SHOULD",
    roles=EMSP,
    versions=SINCE_2_2,
)
def test_ad_hoc_not_whitelisted(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """AD_HOC_USER and APP_USER tokens are listed with whitelist NEVER: they start sessions
    from an app, where a whitelist brings nothing (the spec recommends NEVER)."""
    app_tokens = [t for t in _listed(request, ocpi) if t.get("type") in ("AD_HOC_USER", "APP_USER")]
    if not app_tokens:
        skip_could_not_run("no AD_HOC_USER or APP_USER token in the tokens list")
    # a whitelist value that is no WhitelistType is tokens.objects_valid's finding
    problems = [
        f"{t.get('type')} token {t.get('uid')}: whitelist {t.get('whitelist')}"
        for t in app_tokens
        if t.get("whitelist") in ("ALWAYS", "ALLOWED", "ALLOWED_OFFLINE")
    ]
    if problems:
        raise CheckFailure(
            "App and ad-hoc tokens offered for the CPO's whitelist",
            expected="whitelist NEVER on AD_HOC_USER and APP_USER tokens (a recommendation)",
            actual=problems[0] if len(problems) == 1 else f"{len(problems)} tokens",
            spec=TOKEN_TYPE,
            details=problems[:10] if len(problems) > 1 else (),
            exchange=full_walk(request, ocpi, "tokens").first.exchange,
        )


@check(
    id="tokens.authorize.location_references",
    spec=AUTH_INFO,
    mode="sandbox",
    roles=EMSP,
    versions=SINCE_2_2,
)
def test_authorize_location_references(ocpi: Run, request: pytest.FixtureRequest) -> None:
    """Real-time authorization for a Location and two of its EVSEs: an ALLOWED answer that
    names a location names that one, and only EVSEs among those asked for."""
    tokens = [t for t in _listed(request, ocpi) if t.get("valid") is True]
    if not tokens:
        skip_could_not_run("no valid token in the tokens list to authorize")
    asked = {"location_id": make.new_id("LOC"), "evse_uids": ["EVSE-A", "EVSE-B"]}
    response = _authorize(ocpi, tokens[0], asked)
    data = expect_ok(response, "Authorization with LocationReferences failed", spec=AUTHORIZE)
    if not isinstance(data, dict) or data.get("allowed") != "ALLOWED":
        skip_could_not_run("the token is not allowed there: no location to compare")
    location = data.get("location")
    if location is None:
        return  # an eMSP may leave it out (cardinality ?)
    problems = []
    if not isinstance(location, dict) or location.get("location_id") != asked["location_id"]:
        problems.append(f"location {location!r}, asked for {asked['location_id']!r}")
    elif not set(location.get("evse_uids") or ()) <= set(asked["evse_uids"]):
        extra = sorted(set(location.get("evse_uids") or ()) - set(asked["evse_uids"]))
        problems.append(f"EVSEs not asked for: {', '.join(map(str, extra))}")
    if problems:
        raise CheckFailure(
            "AuthorizationInfo.location is not the one asked for",
            expected=f"location_id {asked['location_id']}, EVSEs among "
            + ", ".join(asked["evse_uids"]),
            actual=problems[0],
            spec=f"{AUTH_INFO}; {LOCATION_REFERENCES}",
            exchange=response.exchange,
        )

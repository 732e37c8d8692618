"""The target as a client: every request it sent to our counterpart during the run.

The handshake (our versions and version details), pushes of its objects, command and charging
profile results, authorization requests: each is checked for our token, its headers, its URL and
its body. The objects it pushes are judged by ``<module>.objects_valid`` and the results by the
commands and chargingprofiles checks; what is left is judged here.
"""

from __future__ import annotations

import pytest

from conformance.checks._common import data_violations, hub_route_of, our_party, target_party
from conformance.checks._incoming import Incoming, incoming
from conformance.checks._scan import CONFIGURATION_MODULES, header
from conformance.failures import CheckFailure
from conformance.session import Run
from conformance.skips import skip_could_not_run, skip_not_applicable
from ocpi_core.exchange import mask_secret
from ocpi_core.versions import SINCE_2_2, VERSIONS, credentials_parties, rules

check = pytest.mark.check
SANDBOX = "sandbox"
CLIENT_OWNED = ("locations", "sessions", "tariffs", "tokens")
_SHOWN = 10


def _requests(ocpi: Run) -> list[Incoming]:
    if not ocpi.registration_attempted:
        skip_could_not_run("we did not register with the target, so it has no reason to call us")
    found = incoming(ocpi)
    if not found:
        skip_could_not_run("the target sent no request to our counterpart in this run")
    return found


def _fail(findings: list[tuple[Incoming, str]], title: str, *, expected: str, spec: str) -> None:
    if not findings:
        return
    details = [f"{r.method} {r.exchange.url}: {text}" for r, text in findings[:_SHOWN]]
    if len(findings) > _SHOWN:
        details.append(f"… and {len(findings) - _SHOWN} more")
    raise CheckFailure(
        f"{title} ({len(findings)} of its requests)",
        expected=expected,
        actual=findings[0][1],
        spec=spec,
        details=details,
        exchange=findings[0][0].exchange,
    )


def _issued_tokens(ocpi: Run) -> list[str]:
    """The tokens we gave the target (token B of the handshake, and the current one)."""
    return [ocpi.registration.token_b, *ocpi.counterpart.issued_tokens()]


def _is_versions(ocpi: Run, request: Incoming) -> bool:
    path = request.exchange.url.split("?", 1)[0].rstrip("/")
    # our details of any version: a credentials PUT to another version makes the target read them
    return path.endswith(("/ocpi/versions", *(f"/ocpi/{v}" for v in VERSIONS)))


@check(id="client.authorization", spec="2.2.1 §4.1.2 Authorization header", mode=SANDBOX)
def test_authorization(ocpi: Run) -> None:
    """Every request carries 'Authorization: Token <base64 of the token we issued>'."""
    requests = _requests(ocpi)
    plain_tails = {mask_secret(t) for t in _issued_tokens(ocpi)}
    base64 = rules(ocpi.config.version).token_form == "base64"
    findings = []
    for request in requests:
        value = header(request.exchange.request_headers, "Authorization")
        if value is None:
            findings.append((request, "no Authorization header"))
            continue
        scheme, _, credential = value.partition(" ")
        if scheme != "Token" or not credential or credential != credential.strip():
            findings.append((request, f"Authorization {value!r}: not 'Token <credential>'"))
        elif request.exchange.status == 401:
            sent_plain = credential in plain_tails
            findings.append(
                (
                    request,
                    "our token sent without Base64 encoding"
                    if sent_plain and base64
                    else "a token we did not issue (refused with 401)",
                )
            )
    _fail(
        findings,
        "Requests without our token in the Authorization header",
        expected="Authorization: Token <Base64 of the token we gave the target>"
        if base64
        else "Authorization: Token <the token we gave the target, as is>",
        spec="2.2.1 §4.1.2 Authorization header",
    )


@check(
    id="client.message_ids", versions=SINCE_2_2, spec="2.2.1 §4.2 Unique message IDs", mode=SANDBOX
)
def test_message_ids(ocpi: Run) -> None:
    """Every request carries an X-Request-ID and an X-Correlation-ID."""
    findings = []
    for request in _requests(ocpi):
        missing = [
            name
            for name in ("X-Request-ID", "X-Correlation-ID")
            if not header(request.exchange.request_headers, name)
        ]
        if missing:
            findings.append((request, "missing " + ", ".join(missing)))
    _fail(
        findings,
        "Requests without message ids",
        expected="X-Request-ID and X-Correlation-ID on every request (UUIDs advised)",
        spec="2.2.1 §4.2 Unique message IDs",
    )


@check(id="client.content_type", spec="2.2.1 §4.1.4 Request format", mode=SANDBOX)
def test_content_type(ocpi: Run) -> None:
    """Every request with a body says Content-Type: application/json."""
    findings = []
    for request in _requests(ocpi):
        if not request.exchange.request_body:
            continue
        value = header(request.exchange.request_headers, "Content-Type") or ""
        if value.split(";", 1)[0].strip().lower() != "application/json":
            findings.append((request, f"Content-Type {value!r}" if value else "no Content-Type"))
    _fail(
        findings,
        "Request bodies not declared as JSON",
        expected="Content-Type: application/json on POST, PUT and PATCH",
        spec="2.2.1 §4.1.4 Request format",
    )


def _routing(request: Incoming) -> dict[str, str]:
    return {
        name.lower(): value
        for name, value in request.exchange.request_headers
        if name.lower().startswith(("ocpi-to-", "ocpi-from-"))
    }


@check(
    id="client.config_modules_unrouted",
    versions=SINCE_2_2,
    spec="2.2.1 §4.1.8.2 Message Routing Headers",
    mode=SANDBOX,
)
def test_config_modules_unrouted(ocpi: Run) -> None:
    """Requests to versions and credentials carry no OCPI-to/from headers."""
    findings = []
    for request in _requests(ocpi):
        configuration = _is_versions(ocpi, request) or request.module in CONFIGURATION_MODULES
        if configuration and _routing(request):
            findings.append((request, "routing headers " + ", ".join(sorted(_routing(request)))))
    _fail(
        findings,
        "Configuration-module requests with routing headers",
        expected="no OCPI-to-*/OCPI-from-* headers on versions, credentials, hubclientinfo",
        spec="2.2.1 §4.1.8.2 Message Routing Headers",
    )


@check(
    id="client.routing_headers",
    versions=SINCE_2_2,
    spec="2.2.1 §4.1.8.6.1 Party to Party (without Hub)",
    level="SHOULD",
    mode=SANDBOX,
)
def test_routing_headers(ocpi: Run) -> None:
    """Functional-module requests name the target as sender and us as receiver."""
    if hub_route_of(ocpi) is not None:
        skip_not_applicable(
            "the target is reached through a Hub: via_hub.requests_routed judges this"
        )
    ours = our_party(ocpi)
    theirs = target_party(ocpi)
    findings = []
    for request in _requests(ocpi):
        if request.module is None or request.module in CONFIGURATION_MODULES:
            continue
        headers = _routing(request)
        expected = {
            "ocpi-to-country-code": ours[0],
            "ocpi-to-party-id": ours[1],
        }
        if theirs is not None:
            expected |= {"ocpi-from-country-code": theirs[0], "ocpi-from-party-id": theirs[1]}
        wrong = [
            f"{name} {headers.get(name)!r} (expected {value!r})"
            for name, value in expected.items()
            if (headers.get(name) or "").upper() != value.upper()
        ]
        if wrong:
            findings.append((request, "; ".join(wrong)))
    _fail(
        findings,
        "Functional-module requests without fitting routing headers",
        expected="OCPI-from-* = the target's party, OCPI-to-* = ours",
        spec="2.2.1 §4.1.8.6.1 Party to Party (without Hub)",
    )


def _owner_problem(request: Incoming, parties: set[tuple[str, str]]) -> str | None:
    segments = request.segments
    if len(segments) < 3:
        return (
            f"{len(segments)} path segment(s) after the endpoint; expected country_code/party_id/id"
        )
    url_party = (segments[0].upper(), segments[1].upper())
    if parties and url_party not in parties:
        return f"URL party {'/'.join(url_party)} is not one of the target's roles"
    body = request.body if isinstance(request.body, dict) else {}
    top_level = len(segments) == 3
    if request.method == "PUT" and top_level:
        key = "uid" if request.module == "tokens" else "id"
        pairs = [
            ("country_code", segments[0]),
            ("party_id", segments[1]),
            (key, segments[2]),
        ]
        wrong = [
            f"{name} {body.get(name)!r} in the body, {value!r} in the URL"
            for name, value in pairs
            if name in body and str(body.get(name)).upper() != value.upper()
        ]
        if wrong:
            return "; ".join(wrong)
    return None


@check(
    id="client.url_pattern",
    spec="2.2.1 §4.1.5 Client Owned Object Push",
    mode=SANDBOX,
)
def test_url_pattern(ocpi: Run) -> None:
    """Pushes go to {endpoint}/{country_code}/{party_id}/{id} of the object; CDRs to {endpoint}.

    The country_code, party_id and id in the URL are the pushed object's own, and the party is
    one of the target's."""
    theirs = target_party(ocpi)
    roles = _target_roles(ocpi) or ({theirs} if theirs else set())
    if hub_route_of(ocpi) is not None:  # the credentials are the Hub's: its parties are not
        roles = {theirs} if theirs else set()
    findings = []
    pushes = [
        r for r in _requests(ocpi) if r.role == "RECEIVER" and r.method in ("PUT", "PATCH", "POST")
    ]
    if not pushes:
        skip_could_not_run("the target pushed nothing to our Receiver endpoints in this run")
    for request in pushes:
        if request.module == "cdrs":
            if request.method != "POST" or request.segments:
                findings.append((request, "CDRs are POSTed to the cdrs endpoint itself"))
        elif request.module in CLIENT_OWNED:
            problem = _owner_problem(request, roles)
            if problem:
                findings.append((request, problem))
    _fail(
        findings,
        "Pushes to URLs that do not fit the object",
        expected="{endpoint}/{country_code}/{party_id}/{id}[/…], the country_code, party_id "
        "and id of the pushed object, one of the target's own parties",
        spec="2.2.1 §4.1.5 Client Owned Object Push",
    )


def _target_roles(ocpi: Run) -> set[tuple[str, str]]:
    response = ocpi.registration.response if ocpi.registration.ok else None
    data = (
        response.body.get("data")
        if response is not None and isinstance(response.body, dict)
        else None
    )
    return {
        (str(r.get("country_code", "")).upper(), str(r.get("party_id", "")).upper())
        for r in credentials_parties(ocpi.config.version, data)
    }


def _other_body_schema(ocpi: Run, request: Incoming) -> str | None:
    """The schema of a request body not judged elsewhere (pushed objects and our story's
    results have their own checks)."""
    if request.module == "tokens" and request.role == "SENDER" and request.method == "POST":
        return "LocationReferences" if request.body is not None else None
    if request.module == "credentials" and request.method in ("POST", "PUT"):
        return "Credentials"
    return None


@check(id="client.bodies_valid", spec="2.2.1 §12.4.3 LocationReferences class", mode=SANDBOX)
def test_bodies_valid(ocpi: Run) -> None:
    """Authorization and credentials requests carry schema-valid bodies.

    Pushed objects are judged by <module>.objects_valid, results by the commands and
    chargingprofiles checks."""
    findings = []
    judged = 0
    for request in _requests(ocpi):
        schema = _other_body_schema(ocpi, request)
        if schema is None:
            continue
        judged += 1
        violations = data_violations(request.body, schema, ocpi.config.version)
        if violations:
            findings.append((request, f"not a valid {schema}: {violations[0]}"))
    if not judged and not findings:
        skip_could_not_run("the target sent no authorization or credentials request to judge")
    _fail(
        findings,
        "Request bodies that are not valid",
        expected="bodies valid against their 2.2.1 schema",
        spec="2.2.1 §12.4.3 LocationReferences class; §7.3.1 Credentials object",
    )

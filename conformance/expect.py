"""Small assertions for checks; each raises a CheckFailure that explains itself."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from conformance.failures import CheckFailure, SchemaFailure, StatusMismatch
from conformance.skips import skip_could_not_run
from ocpi_core.client import OcpiResponse, reason_phrase
from ocpi_core.schemas import validate

__all__ = [
    "data_of",
    "skip_unfollowed_redirect",
    "unfollowed_redirect",
    "expect_envelope",
    "expect_http_status",
    "expect_success",
    "expect_unauthorized",
    "expect_valid",
]

_SHOWN_VIOLATIONS = 10


def _statuses(expected: int | Collection[int]) -> tuple[int, ...]:
    return (expected,) if isinstance(expected, int) else tuple(expected)


def unfollowed_redirect(response: OcpiResponse) -> str | None:
    """Why ``response`` cannot be judged: a redirect the client did not follow (to another
    origin, or one too many); transport.no_redirect owns that finding. ``None`` otherwise."""
    if response.exchange.redirect is None:
        return None
    return (
        f"the target answered HTTP {response.http_status}, a redirect "
        f"{response.exchange.redirect} (see transport.no_redirect)"
    )


def skip_unfollowed_redirect(response: OcpiResponse) -> None:
    reason = unfollowed_redirect(response)
    if reason is not None:
        skip_could_not_run(reason)


def expect_http_status(
    response: OcpiResponse,
    expected: int | Collection[int],
    title: str,
    *,
    spec: str | None = None,
    hint: str | None = None,
) -> None:
    statuses = _statuses(expected)
    if response.http_status not in statuses:
        skip_unfollowed_redirect(response)
        raise StatusMismatch(
            title,
            expected="HTTP " + " or ".join(f"{s} {reason_phrase(s)}" for s in statuses),
            actual=f"HTTP {response.http_status} {reason_phrase(response.http_status)}",
            spec=spec,
            hint=hint,
            exchange=response.exchange,
        )


def expect_unauthorized(
    response: OcpiResponse,
    what: str,
    *,
    spec: str | None = None,
    hint: str | None = None,
) -> None:
    """``what`` (e.g. "GET versions with an unknown token") is refused with HTTP 401; a refusal
    with 403 is named as such, so the owner sees it is the status, not the refusal, that is wrong.
    """
    if response.http_status == 401:
        return
    skip_unfollowed_redirect(response)
    title = (
        f"{what}: refused with 403, the spec asks 401"
        if response.http_status == 403
        else f"{what}: not refused with 401"
    )
    if response.http_status == 403:
        hint = hint or "403 Forbidden is for a known party without access; an unknown or absent "
        "token is not authenticated at all: 401 Unauthorized"
    expect_http_status(response, 401, title, spec=spec, hint=hint)


def data_of(response: OcpiResponse | None) -> Any:
    """``data`` of any JSON object that has it (``None`` otherwise): an envelope's own defects
    (its timestamp, its status_code) are judged once by the transport checks, so a check still
    judges the data beside them."""
    body = response.body if response is not None else None
    return body.get("data") if isinstance(body, dict) else None


def _claims_envelope(response: OcpiResponse) -> bool:
    body = response.body
    return isinstance(body, dict) and ("status_code" in body or "data" in body)


def expect_envelope(response: OcpiResponse, title: str, *, spec: str | None = None) -> None:
    """An OCPI envelope: a JSON object with status_code (or data). Whether it is whole (a
    timestamp, in the DateTime format; a defined status_code) is transport.envelope_valid's,
    transport.timestamp_valid's and transport.status_code_consistent's to judge, once."""
    if _claims_envelope(response):
        return
    raise CheckFailure(
        title,
        expected="an OCPI response envelope (data, status_code, status_message, timestamp)",
        actual=response.envelope_problem or "no status_code",
        spec=spec or "2.2.1 §4.1.7 Response format",
        exchange=response.exchange,
    )


def expect_success(
    response: OcpiResponse, title: str, *, spec: str | None = None, http: int = 200
) -> None:
    """HTTP ``http`` and OCPI status 1000 (or a 19xx custom success code). An answer that is no
    envelope at all skips: transport.envelope_valid owns that finding."""
    expect_http_status(response, http, title, spec=spec)
    if not _claims_envelope(response):
        skip_could_not_run(
            f"the answer is not an OCPI envelope ({response.envelope_problem}; see "
            "transport.envelope_valid)"
        )
    code = response.body.get("status_code")
    if not isinstance(code, int) or isinstance(code, bool):
        return  # no status_code to judge: transport.envelope_valid's finding
    if not (code == 1000 or 1900 <= code <= 1999):
        message = response.body.get("status_message")
        raise StatusMismatch(
            title,
            expected="OCPI status_code 1000 (success)",
            actual=f"status_code {code} ({message or 'no message'})",
            spec=spec or "2.2.1 §5.1 1xxx: Success",
            exchange=response.exchange,
        )


def expect_valid(
    response: OcpiResponse,
    version: str,
    object_name: str,
    title: str,
    *,
    spec: str | None = None,
    many: bool = False,
) -> None:
    """The envelope's data is one valid ``object_name`` (with ``many``: a list of them); the
    envelope around it is the transport checks' to judge."""
    body = response.body
    data = body.get("data") if isinstance(body, dict) else None
    if isinstance(body, dict) and (data is None or isinstance(data, list) != many):
        shape = {dict: "an object", list: "a list", type(None): "missing or null"}
        raise SchemaFailure(
            title,
            expected=f"data: {'a list of' if many else 'one'} {object_name}",
            actual=f"data is {shape.get(type(data), type(data).__name__)}",
            spec=spec,
            exchange=response.exchange,
        )
    violations = [
        v
        for v in validate(response.body, version, object_name, envelope=True)
        if v.json_path.startswith("$.data")
    ]
    if violations:
        raise SchemaFailure(
            title,
            expected=f"data valid against the {version} {object_name} schema",
            actual=f"{len(violations)} schema violation(s)",
            spec=spec,
            details=[str(v) for v in violations[:_SHOWN_VIOLATIONS]],
            exchange=response.exchange,
        )

"""Small assertions for checks; each raises a CheckFailure that explains itself."""

from __future__ import annotations

from collections.abc import Collection

import pytest

from conformance.failures import CheckFailure, SchemaFailure, StatusMismatch
from ocpi_core.client import OcpiResponse, reason_phrase
from ocpi_core.schemas import validate

__all__ = [
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
        pytest.skip(reason)


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


def expect_envelope(
    response: OcpiResponse, title: str, *, spec: str | None = None, version: str | None = None
) -> None:
    """An OCPI envelope valid in ``version`` (by default the version the request was made in)."""
    version = version or response.version
    if response.envelope_problem is not None:
        raise CheckFailure(
            title,
            expected="an OCPI response envelope (data, status_code, status_message, timestamp)",
            actual=response.envelope_problem,
            spec=spec or "2.2.1 §4.1.7 Response format",
            exchange=response.exchange,
        )
    violations = validate(response.body, version, "Response")
    if violations:
        raise SchemaFailure(
            title,
            expected="a response envelope valid against Response.json",
            actual=f"{len(violations)} schema violation(s)",
            spec=spec or "2.2.1 §4.1.7 Response format",
            details=[str(v) for v in violations[:_SHOWN_VIOLATIONS]],
            exchange=response.exchange,
        )


def expect_success(
    response: OcpiResponse, title: str, *, spec: str | None = None, http: int = 200
) -> None:
    """HTTP ``http``, an envelope, and OCPI status 1000 (or a 19xx custom success code)."""
    expect_http_status(response, http, title, spec=spec)
    expect_envelope(response, title, spec=spec)
    code = response.status_code
    if not (code == 1000 or 1900 <= code <= 1999):
        raise StatusMismatch(
            title,
            expected="OCPI status_code 1000 (success)",
            actual=f"status_code {code} ({response.status_message or 'no message'})",
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
) -> None:
    """The envelope's data (each item, for a list) is valid against ``object_name``."""
    violations = validate(response.body, version, object_name, envelope=True)
    if violations:
        raise SchemaFailure(
            title,
            expected=f"data valid against the {version} {object_name} schema",
            actual=f"{len(violations)} schema violation(s)",
            spec=spec,
            details=[str(v) for v in violations[:_SHOWN_VIOLATIONS]],
            exchange=response.exchange,
        )

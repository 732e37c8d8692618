"""Reading recorded exchanges: headers, JSON bodies, and which module a URL belongs to."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from conformance.failures import CheckFailure
from conformance.session import Run
from ocpi_core.exchange import Exchange

__all__ = [
    "CONFIGURATION_MODULES",
    "body_json",
    "fail_on",
    "header",
    "module_of",
    "outgoing",
]

CONFIGURATION_MODULES = frozenset({"versions", "credentials", "hubclientinfo"})
_SHOWN = 10


def header(headers: Iterable[tuple[str, str]], name: str) -> str | None:
    """A header's value, names compared case-insensitively (the last one wins)."""
    found = None
    for key, value in headers:
        if key.lower() == name.lower():
            found = value
    return found


def body_json(text: str | None) -> Any:
    """The parsed body, or ``None`` when there is none or it is not JSON."""
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def outgoing(ocpi: Run) -> list[Exchange]:
    """Every exchange of ours with the target that got a response."""
    return [e for e in ocpi.recorder if e.direction == "outgoing" and e.status is not None]


def module_of(ocpi: Run, url: str) -> str | None:
    """The module a target URL belongs to, from the versions URL and the endpoints listed."""
    path = url.split("?", 1)[0].rstrip("/")
    discovery = ocpi.discovery
    if path == ocpi.config.versions_url.rstrip("/"):
        return "versions"
    if discovery.details_url and path == discovery.details_url.rstrip("/"):
        return "versions"
    best: tuple[int, str | None] = (0, None)
    for endpoint in discovery.endpoints:
        base = str(endpoint.get("url") or "").rstrip("/")
        if base and (path == base or path.startswith(base + "/")) and len(base) > best[0]:
            best = (len(base), endpoint.get("identifier"))
    return best[1]


def fail_on(
    findings: Sequence[tuple[Exchange, str]],
    title: str,
    *,
    expected: str,
    spec: str,
    hint: str | None = None,
) -> None:
    """Raise one failure listing the exchanges that break a rule, if any do."""
    if not findings:
        return
    first_exchange, first_text = findings[0]
    details = [f"{e.method} {e.url} → {e.status}: {text}" for e, text in findings[:_SHOWN]]
    if len(findings) > _SHOWN:
        details.append(f"… and {len(findings) - _SHOWN} more")
    raise CheckFailure(
        f"{title} ({len(findings)} of the run's exchanges)",
        expected=expected,
        actual=first_text,
        spec=spec,
        hint=hint,
        details=details,
        exchange=first_exchange,
    )

"""Whether a read-only run's token reaches the target's modules at all.

A read-only run reads the lists of an existing connection, so it needs that connection's token
(token C). Given a registration token (token A) instead, a correct server answers versions and
credentials but refuses every other module, and the module checks would fail against it. This
probe tells that case apart before any check runs, so the run stops with a usage error instead.
"""

from __future__ import annotations

from typing import Any

from conformance.session import Run
from ocpi_core.client import OcpiClientError

__all__ = ["registration_token_only"]

_REFUSED = (401, 403)


def _first_module(run: Run) -> dict[str, Any] | None:
    """The first endpoint besides credentials that a read-only run would GET."""
    discovery = run.discovery
    for endpoint in discovery.endpoints:
        identifier = endpoint.get("identifier")
        if identifier in ("credentials", None) or not isinstance(endpoint.get("url"), str):
            continue
        if discovery.interface(endpoint) in ("SENDER", None):
            return endpoint
    return None


def registration_token_only(run: Run) -> str | None:
    """Why the run's token reaches versions but not the modules (a usage error), or ``None``
    when it reaches them, or when the probe cannot tell (no endpoints, no answer)."""
    if run.discovery.details is None or run.discovery.details.http_status != 200:
        return None
    endpoint = _first_module(run)
    if endpoint is None:
        return None
    try:
        response = run.client().get(endpoint["url"])
    except OcpiClientError:
        return None  # the transport checks report it
    if response.http_status not in _REFUSED:
        return None
    return (
        f"the token reaches the versions endpoints but not the modules: GET "
        f"{endpoint['identifier']} was refused with HTTP {response.http_status}. It looks like a "
        "registration token (token A), which only reaches versions and credentials. Use "
        "--mode sandbox to register with it, or give the token of an existing connection "
        "(token C) for a read-only run."
    )

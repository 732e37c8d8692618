"""Discovery: what the version details list, seen against the target's declared role (2.2.1 §6.2).

The versions checks cover the shape of the documents; these cover what they say: known module
identifiers, roles that fit a CPO or an eMSP, URLs that answer, and the modules a party of the
role offers.
"""

from __future__ import annotations

from typing import Any

import pytest

from conformance.checks._common import client_for, hub_route_of
from conformance.crossrules import MODULE_OBJECTS
from conformance.failures import CheckFailure
from conformance.session import Run
from conformance.skips import skip_could_not_run
from ocpi_core.client import OcpiClientError
from ocpi_core.versions import SINCE_2_2, rules

check = pytest.mark.check
ENDPOINT = "2.2.1 §6.2.2 Endpoint class"

# The interface each role implements per module (2.2.1 §2.3.1 Typical OCPI implementations).
INTERFACES: dict[str, dict[str, str]] = {
    "CPO": {
        "cdrs": "SENDER",
        "chargingprofiles": "RECEIVER",
        "commands": "RECEIVER",
        "hubclientinfo": "RECEIVER",
        "locations": "SENDER",
        "payments": "RECEIVER",  # 2.3.0: the Payment Terminal Provider is the Sender
        "sessions": "SENDER",
        "tariffs": "SENDER",
        "tokens": "RECEIVER",
    },
    "EMSP": {
        "cdrs": "RECEIVER",
        "commands": "SENDER",
        "hubclientinfo": "RECEIVER",
        "locations": "RECEIVER",
        "payments": "SENDER",  # 2.3.0: an eMSP that also plays the Payment Terminal Provider
        "sessions": "RECEIVER",
        "tariffs": "RECEIVER",
        "tokens": "SENDER",
    },
}

# What a party of the role is expected to offer for roaming to work at all.
TYPICAL: dict[str, tuple[str, ...]] = {
    "CPO": ("locations", "sessions", "cdrs", "tariffs", "tokens", "commands"),
    "EMSP": ("locations", "sessions", "cdrs", "tariffs", "tokens"),
}


def _endpoints(ocpi: Run) -> tuple[dict[str, Any], ...]:
    discovery = ocpi.discovery
    if not discovery.endpoints:
        skip_could_not_run(f"no endpoints to inspect: {discovery.error or 'none listed'}")
    return discovery.endpoints


def _details_exchange(ocpi: Run):
    details = ocpi.discovery.details
    return details.exchange if details is not None else None


@check(id="discovery.identifiers_known", spec="2.2.1 §6.2.4 ModuleID enum", level="SHOULD")
def test_identifiers_known(ocpi: Run) -> None:
    """Every endpoint identifier is an OCPI module id (custom modules need an agreement)."""
    version = ocpi.config.version
    known = rules(version).modules
    unknown = sorted({str(e.get("identifier")) for e in _endpoints(ocpi)} - known)
    if unknown:
        raise CheckFailure(
            f"Version details list modules that OCPI {version} does not define",
            expected="identifiers among: " + ", ".join(sorted(known)),
            actual="unknown: " + ", ".join(unknown),
            hint="custom modules are only for partners that agreed on them (§6.2.5.1)",
            exchange=_details_exchange(ocpi),
        )


@check(id="discovery.roles_fit", versions=SINCE_2_2, spec="2.2.1 §6.2.3 InterfaceRole enum")
def test_roles_fit(ocpi: Run) -> None:
    """Each module is offered with the interface role a party of the target's role implements."""
    role = ocpi.config.role
    modules = rules(ocpi.config.version).modules
    wanted = {m: r for m, r in INTERFACES[role].items() if m in modules}
    if hub_route_of(ocpi) is not None and "hubclientinfo" in wanted:
        wanted["hubclientinfo"] = "SENDER"  # these details are the Hub's, its ClientInfo Sender
    offered: dict[str, set[str]] = {}
    problems = []
    for endpoint in _endpoints(ocpi):
        identifier = str(endpoint.get("identifier"))
        interface = endpoint.get("role")
        if interface not in ("SENDER", "RECEIVER"):
            problems.append(f"{identifier}: role {interface!r} is not SENDER or RECEIVER")
            continue
        offered.setdefault(identifier, set()).add(interface)
    for identifier, interfaces in sorted(offered.items()):
        if identifier in wanted and wanted[identifier] not in interfaces:
            problems.append(
                f"{identifier} offered as {'/'.join(sorted(interfaces))} only; a {role} "
                f"implements its {wanted[identifier]} interface"
            )
    if problems:
        raise CheckFailure(
            f"Version details: interface roles that do not fit a {role}",
            expected=", ".join(f"{m} {r}" for m, r in wanted.items()),
            actual=problems[0] if len(problems) == 1 else f"{len(problems)} problems",
            details=problems if len(problems) > 1 else (),
            exchange=_details_exchange(ocpi),
        )


@check(id="discovery.endpoints_answer", spec=ENDPOINT)
def test_endpoints_answer(ocpi: Run) -> None:
    """Every endpoint URL is reachable, and no Sender list URL is answered 404 Not Found.

    Other answers (errors, 5xx, 429) are judged by the module and transport checks."""
    endpoints = _endpoints(ocpi)
    routed, plain = client_for(ocpi), client_for(ocpi, routed=False)
    # through a Hub the details list every party's interfaces; the target answers its own only
    own = INTERFACES[ocpi.config.role] if hub_route_of(ocpi) is not None else None
    problems = []
    first_exchange = None
    for endpoint in endpoints:
        identifier, url = endpoint.get("identifier"), str(endpoint.get("url") or "")
        if identifier == "credentials" or not url.startswith(("http://", "https://")):
            continue  # credentials is exercised by its own checks, bad URLs by versions.*
        params = {"limit": 1}
        if identifier == "sessions":
            params["date_from"] = "1970-01-01T00:00:00Z"
        interface = ocpi.discovery.interface(endpoint)  # implied by the party's role in 2.1.1
        sender = interface == "SENDER" and identifier in MODULE_OBJECTS
        if own is not None and identifier in own and own[identifier] != interface:
            continue
        try:
            client = plain if identifier == "hubclientinfo" else routed
            response = client.get(url, params=params if sender else None)
        except OcpiClientError as exc:
            problems.append(f"{identifier} {interface}: {exc}")
            continue
        if response.http_status in (404, 410) and sender:
            problems.append(f"{identifier} SENDER: GET {url} answered HTTP {response.http_status}")
            first_exchange = first_exchange or response.exchange
    if problems:
        raise CheckFailure(
            "Endpoints listed in version details do not answer",
            expected="every listed URL reachable; a Sender list found at its URL",
            actual=problems[0] if len(problems) == 1 else f"{len(problems)} endpoints",
            details=problems if len(problems) > 1 else (),
            exchange=first_exchange,
        )


@check(
    id="discovery.typical_modules",
    spec="2.2.1 §2.3.1 Typical OCPI implementations per Role",
    level="SHOULD",
)
def test_typical_modules(ocpi: Run) -> None:
    """The target offers the modules a party of its role needs for roaming."""
    role = ocpi.config.role
    discovery = ocpi.discovery
    _endpoints(ocpi)
    missing = [
        f"{module} {INTERFACES[role][module]}"
        for module in TYPICAL[role]
        if discovery.endpoint(module, INTERFACES[role][module]) is None
    ]
    if missing:
        raise CheckFailure(
            f"Version details: modules a {role} usually offers are missing",
            expected=", ".join(f"{m} {INTERFACES[role][m]}" for m in TYPICAL[role]),
            actual="missing: " + ", ".join(missing),
            hint="partners cannot exchange these objects with you; the roles table lists "
            "what is typical, the spec does not require it",
            exchange=_details_exchange(ocpi),
        )

"""What the Hub checks share: the parties behind the Hub (from its hubclientinfo Sender list),
clients routed to one of them, and each party's Sender list read through the Hub once per run."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from conformance.checks._common import (
    Walk,
    cached,
    client_for,
    endpoint_or_skip,
    our_parties,
    our_party,
    target_party,
    walk,
)
from conformance.routing import routing_headers
from conformance.session import Run
from conformance.skips import skip_could_not_run
from ocpi_core.client import OcpiClient, OcpiResponse
from ocpi_core.exchange import Exchange

__all__ = [
    "SENDER_MODULE",
    "addressed_to",
    "arrived",
    "hosted",
    "ForwardToUs",
    "HubParty",
    "client_infos",
    "forward_to_us",
    "header",
    "hub_party",
    "owner",
    "parties",
    "routed_client",
    "routed_walk",
    "unknown_party",
]

#: the Sender list we read of a party of each role, to see whose objects come back
SENDER_MODULE = {"CPO": "locations", "EMSP": "tokens"}


@dataclass(frozen=True)
class HubParty:
    """One party behind the Hub, as its ClientInfo tells it."""

    country_code: str
    party_id: str
    role: str
    status: str

    @property
    def key(self) -> tuple[str, str]:
        return (self.country_code.upper(), self.party_id.upper())

    @property
    def label(self) -> str:
        return f"{self.role} {self.country_code}/{self.party_id}"


def hub_party(ocpi: Run) -> tuple[str, str]:
    """The Hub's own country_code and party_id, from our registration with it."""
    client_for(ocpi, routed=False)  # registers first (a skip when that failed)
    found = target_party(ocpi)
    if found is None:
        skip_could_not_run(
            "the Hub's credentials do not say which party it is (a role HUB up to 2.2.1, "
            "hub_party_id on 2.3.0: see credentials.hub_party_id)"
        )
    return found[0].upper(), found[1].upper()


def client_infos(request: pytest.FixtureRequest, ocpi: Run) -> Walk:
    """The Hub's ClientInfo list (a configuration module: no routing headers), read once."""
    url = endpoint_or_skip(ocpi, "hubclientinfo", "SENDER")
    client = client_for(ocpi, routed=False)
    return cached(request, ("hub", "clientinfo"), lambda: walk(client, "hubclientinfo", url))


def parties(request: pytest.FixtureRequest, ocpi: Run, role: str | None = None) -> list[HubParty]:
    """The connected parties behind the Hub (of ``role``), ours left out; a skip when the
    ClientInfo list names none, which is hubclientinfo.objects_valid's finding."""
    listed = client_infos(request, ocpi)
    if listed.first is None:
        skip_could_not_run(f"the Hub's hubclientinfo list cannot be read: {listed.problem}")
    ours = {(c.upper(), p.upper()) for _, c, p in our_parties(ocpi)}
    found = []
    for info in listed.objects:
        fields = ("country_code", "party_id", "role", "status")
        if not all(isinstance(info.get(name), str) for name in fields):
            continue  # a malformed ClientInfo: hubclientinfo.objects_valid's finding
        party = HubParty(
            str(info.get("country_code", "")),
            str(info.get("party_id", "")),
            str(info.get("role", "")),
            str(info.get("status", "")),
        )
        wanted = role is None or party.role == role
        if wanted and party.status == "CONNECTED" and party.key not in ours and party not in found:
            found.append(party)
    if not found:
        skip_could_not_run(
            "the Hub's hubclientinfo list names no connected "
            + (f"{role} " if role else "")
            + "party besides ours"
        )
    return found


def routed_client(ocpi: Run, to: tuple[str, str]) -> OcpiClient:
    """A client whose requests name ``to`` as receiver and our party as sender."""
    return client_for(ocpi, routed=False).with_headers(routing_headers(to, our_party(ocpi)))


def routed_walk(request: pytest.FixtureRequest, ocpi: Run, party: HubParty) -> tuple[str, Walk]:
    """(module, walk) of the Sender list of ``party``'s role, read through the Hub routed to
    ``party``."""
    module = SENDER_MODULE.get(party.role)
    if module is None:
        skip_could_not_run(
            f"{party.label}: a party of role {party.role} has no Sender list to read"
        )
    url = endpoint_or_skip(ocpi, module, "SENDER")
    client = routed_client(ocpi, party.key)
    return module, cached(
        request, ("hub", "routed", party.key, module), lambda: walk(client, module, url)
    )


def hosted(ocpi: Run, role: str) -> list[tuple[str, str]]:
    """Our parties of ``role`` besides our own, registered with the Hub first."""
    client_for(ocpi, routed=False)  # registers first (a skip when that failed)
    own = our_party(ocpi)
    return [(c, p) for r, c, p in our_parties(ocpi) if r == role and (c, p) != own]


def arrived(ocpi: Run, response: OcpiResponse) -> list[Exchange]:
    """The requests that reached our counterpart carrying ``response``'s X-Correlation-ID."""
    correlation = header(response.exchange.request_headers, "X-Correlation-ID")
    return [
        e
        for e in ocpi.recorder
        if e.direction == "incoming"
        and correlation
        and header(e.request_headers, "X-Correlation-ID") == correlation
    ]


def addressed_to(exchange: Exchange) -> tuple[str, str]:
    """The party a request that reached us names in OCPI-to-*."""
    headers = exchange.request_headers
    return (
        header(headers, "OCPI-to-country-code").upper(),
        header(headers, "OCPI-to-party-id").upper(),
    )


def owner(obj: Any) -> tuple[str, str] | None:
    """The party owning a Location or Token (its country_code and party_id)."""
    if not isinstance(obj, dict):
        return None
    return (str(obj.get("country_code", "")).upper(), str(obj.get("party_id", "")).upper())


def unknown_party(request: pytest.FixtureRequest, ocpi: Run) -> tuple[str, str]:
    """A country_code/party_id that no ClientInfo of the Hub names (nor we, nor the Hub)."""
    listed = client_infos(request, ocpi).objects
    taken = {owner(info) for info in listed} | {hub_party(ocpi)}
    taken |= {(c, p) for _, c, p in our_parties(ocpi)}
    for candidate in (("ZZ", "ZZZ"), ("ZY", "ZZY"), ("ZX", "ZZX")):
        if candidate not in taken:
            return candidate
    raise AssertionError("every candidate of an unknown party is taken")  # pragma: no cover


@dataclass(frozen=True)
class ForwardToUs:
    """A GET we routed through the Hub to our own party, and what reached our counterpart."""

    module: str
    response: OcpiResponse
    correlation_id: str
    request_id: str
    arrived: tuple[Exchange, ...]


def header(headers: Any, name: str) -> str:
    """The value of header ``name`` among (name, value) pairs, "" when absent."""
    return next((v for k, v in headers if k.lower() == name.lower()), "")


def forward_to_us(request: pytest.FixtureRequest, ocpi: Run) -> ForwardToUs:
    """GET our counterpart's Tokens Sender list through the Hub, routed to our party (the
    receiving platform is ours, so we see the forwarded request), once per run."""

    def build() -> ForwardToUs:
        url = endpoint_or_skip(ocpi, "tokens", "SENDER")
        ours = our_party(ocpi)
        response = routed_client(ocpi, ours).get(url)
        sent = response.exchange.request_headers
        correlation = header(sent, "X-Correlation-ID")
        arrived = tuple(
            e
            for e in ocpi.recorder
            if e.direction == "incoming"
            and correlation
            and header(e.request_headers, "X-Correlation-ID") == correlation
        )
        return ForwardToUs("tokens", response, correlation, header(sent, "X-Request-ID"), arrived)

    client_for(ocpi, routed=False)  # registered first: the Hub knows our endpoints
    found = cached(request, ("hub", "forward-to-us"), build)
    code = found.response.body.get("status_code") if isinstance(found.response.body, dict) else None
    if not found.arrived and (found.response.http_status != 200 or code != 1000):
        skip_could_not_run(
            f"the Hub does not route a request to our own party (HTTP "
            f"{found.response.http_status}, status_code {code}): nothing forwarded to judge"
        )
    return found

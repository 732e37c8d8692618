"""How the hub moves one request: to the party its OCPI-to-* headers name, to every party of
the opposite role (broadcast push), or to all Senders at once (GET All), then back.

Spec 2.2.1/2.3.0 transport §4.1.8 "Message Routing" and status codes §"4xxx: Hub errors":
4001 unknown receiver, 4002 forwarded request timed out, 4003 receiving party not connected.
A party is either played by the hub in process (``LocalParty``) or held by a registered
platform, reached over HTTP at the endpoints it registered. The caller's token never leaves
the hub: each hop carries the hub's own credentials.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
from flask import current_app, g, request

from mock_party.hub import relay
from mock_party.hub.clients import client
from mock_party.hub.parties import LocalParty, Requester
from mock_party.ocpi import OcpiError, ocpi_timestamp
from mock_party.store import Partner, get_store
from mock_party.urls import base_url, module_url
from mock_party.versions import profile

__all__ = [
    "Destination",
    "Reply",
    "destinations_for_broadcast",
    "find_destination",
    "forward",
    "rewrite_link",
    "routing_headers",
    "sources_for_get_all",
]

log = logging.getLogger(__name__)

_PASSED = ("Content-Type", "X-Total-Count", "X-Limit", "Link", "Location")
_LINK = re.compile(r"<([^>]*)>")
# a push of a CPO goes to eMSP-like roles (OTHER counts as one), any other push to CPOs
_OPPOSITE = {"CPO": ("EMSP", "OTHER", "NSP", "NAP", "SCSP"), "EMSP": ("CPO",), "OTHER": ("CPO",)}


@dataclass(frozen=True)
class Destination:
    """A party to forward to: played by us (``local``) or held by a platform (``partner``)."""

    key: tuple[str, str]
    role: str
    local: LocalParty | None = None
    partner: Partner | None = None

    @property
    def label(self) -> str:
        return f"{self.key[0]}/{self.key[1]}"


@dataclass
class Reply:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)

    def envelope(self) -> dict[str, Any] | None:
        try:
            found = json.loads(self.body or b"null")
        except ValueError:
            return None
        return found if isinstance(found, dict) else None


def _local_parties() -> list[LocalParty]:
    return current_app.config["OCPI_HUB_PARTIES"]


def _platform_parties() -> Iterable[tuple[Partner, dict[str, Any]]]:
    for partner in get_store().partners():
        if partner.registered and partner.token_out:
            for role in partner.roles:
                yield partner, role


def _key(role: dict[str, Any]) -> tuple[str, str]:
    return (str(role.get("country_code", "")).upper(), str(role.get("party_id", "")).upper())


def routing_headers(to: tuple[str, str], from_: tuple[str, str]) -> dict[str, str]:
    """The four OCPI-to/from-* headers (2.2.1 §4.1.8.2): to party ``to``, from ``from_``."""
    return {
        "OCPI-to-country-code": to[0],
        "OCPI-to-party-id": to[1],
        "OCPI-from-country-code": from_[0],
        "OCPI-from-party-id": from_[1],
    }


def find_destination(key: tuple[str, str]) -> Destination:
    """The party ``key`` names; 4001 when the hub holds none, 4003 when it is not connected."""
    destination = None
    for local in _local_parties():
        if local.party.key == key:
            destination = Destination(key, local.party.role, local=local)
    if destination is None:
        for partner, role in _platform_parties():
            if _key(role) == key:
                destination = Destination(key, str(role.get("role")), partner=partner)
                break
    if destination is None:
        raise OcpiError(
            f"Unknown receiver: no party {key[0]}/{key[1]} is connected to this hub "
            "(its parties are listed by the hubclientinfo Sender)",
            status_code=4001,
            http_status=404,
        )
    info = client(get_store(), *key)
    if info is not None and info.status != "CONNECTED":
        raise OcpiError(
            f"Party {key[0]}/{key[1]} is {info.status}: not connected, nothing can be delivered",
            status_code=4003,
            http_status=503,
        )
    return destination


def _offers(role: str, module: str, interface: str, version: str) -> bool:
    from mock_party.config import MockConfig
    from mock_party.modules import Offer, offers

    if role not in ("CPO", "EMSP"):
        return False
    config = MockConfig(roles=(role,), versions=(version,))
    return Offer(module, interface.upper(), interface) in offers(config, version)


def _connected(key: tuple[str, str]) -> bool:
    info = client(get_store(), *key)
    return info is None or info.status == "CONNECTED"


def sources_for_get_all(module: str, version: str, caller: Partner | None) -> list[Destination]:
    """Every connected party that is a Sender of ``module``, but the caller's own."""
    found = [
        Destination(local.party.key, local.party.role, local=local)
        for local in _local_parties()
        if _offers(local.party.role, module, "sender", version)
    ]
    for partner, role in _platform_parties():
        if (caller is None or partner.id != caller.id) and partner.endpoint(module, "SENDER"):
            found.append(Destination(_key(role), str(role.get("role")), partner=partner))
    return [d for d in found if _connected(d.key)]


def destinations_for_broadcast(
    module: str, version: str, requester: Requester, caller: Partner | None
) -> list[Destination]:
    """Every connected party of the role opposite to the requester's that receives ``module``:
    the other parties of the requester's own platform too (a push reaches each party, 2.2.1
    §4.1.8.3), never the requester itself."""
    roles = _OPPOSITE.get(requester.role, ())
    found = [
        Destination(local.party.key, local.party.role, local=local)
        for local in _local_parties()
        if local.party.role in roles and _offers(local.party.role, module, "receiver", version)
    ]
    for partner, role in _platform_parties():
        if role.get("role") in roles and partner.endpoint(module, "RECEIVER"):
            found.append(Destination(_key(role), str(role.get("role")), partner=partner))
    return [d for d in found if _connected(d.key) and d.key != requester.key]


def rewrite_link(link: str, version: str, module: str, interface: str, prefix: str) -> str:
    """A party's ``Link`` next page as a URL of the hub: ``prefix`` (the party's endpoint URL)
    becomes the hub's endpoint URL, so the next page goes through the hub again."""
    ours = module_url(version, module, interface)

    def replace(match: re.Match[str]) -> str:
        url = match.group(1)
        if url.startswith(prefix):
            return f"<{ours}{url[len(prefix) :]}>"
        parts = urlsplit(url)
        return f"<{ours}{parts.query and '?' + parts.query}>"

    return _LINK.sub(replace, link)


def _ids() -> dict[str, str]:
    """A forwarded request's ids: a new X-Request-ID, the same X-Correlation-ID (2.2.1 §4.2)."""
    ids = {"X-Request-ID": str(uuid.uuid4())}
    if "X-Correlation-ID" in request.headers:
        ids["X-Correlation-ID"] = request.headers["X-Correlation-ID"]
    return ids


def forward(
    destination: Destination,
    requester: Requester,
    routing: dict[str, str],
    *,
    version: str,
    module: str,
    interface: str,
    rest: str,
    query: str,
    method: str | None = None,
    body: bytes | None = None,
) -> Reply:
    """Send the current request (or ``method``/``query``/``body``) on to ``destination`` with
    the ``routing`` headers; the reply as it came, its Link pointing back at the hub."""
    from mock_party.hub import hub_faults

    method = method or request.method
    body = request.get_data() if body is None else body
    config = current_app.config["OCPI_MOCK"]
    hub_key = (config.country_code.upper(), config.party_id.upper())
    routing = hub_faults.addressed(destination, routing)
    for _ in range(2 if hub_faults.forward_twice() else 1):
        headers = hub_faults.forwarded_headers({**_ids(), **routing}, hub_key)
        if body:
            headers["Content-Type"] = "application/json"
        if destination.local is not None:
            forward, receiver = _forward_local, destination.local
        else:
            assert destination.partner is not None
            forward, receiver = _forward_http, destination
        reply = forward(
            receiver, requester, headers, version, module, interface, rest, query, method, body
        )
        g.setdefault("hub_forwards", []).append((destination.label, method, reply.status))
    return reply


def _forward_local(
    local: LocalParty,
    requester: Requester,
    headers: dict[str, str],
    version: str,
    module: str,
    interface: str,
    rest: str,
    query: str,
    method: str,
    body: bytes,
) -> Reply:
    from mock_party.hub import hub_faults

    caller = g.get("ocpi_caller")
    platform = caller.partner if caller is not None else None
    headers["Authorization"] = local.authorization(
        requester, version, hub_faults.on_behalf_of_platform(platform)
    )
    body, query = relay.swap_response_url(
        module,
        body,
        query,
        partner_id=caller.partner.id if caller is not None and caller.partner else None,
        requester=requester.key,
        party=local.party.key,
        version=version,
    )
    path = f"/ocpi/{version}/{interface}/{module}" + (f"/{rest}" if rest else "")
    response = local.app.test_client().open(
        path, method=method, query_string=query, data=body, headers=headers
    )
    passed = {n: response.headers[n] for n in _PASSED if n in response.headers}
    if "Link" in passed:
        prefix = f"http://localhost/ocpi/{version}/{interface}/{module}"
        passed["Link"] = rewrite_link(passed["Link"], version, module, interface, prefix)
    location = passed.get("Location", "")
    if location.startswith("http://localhost/"):  # the party's own URL: reached through us
        passed["Location"] = base_url() + location[len("http://localhost") :]
    return Reply(response.status_code, response.get_data(), passed)


def _authorization(partner: Partner, version: str) -> str:
    token = partner.token_out or ""
    form = partner.token_form or profile(version).token_form
    if form == "base64":
        token = base64.b64encode(token.encode()).decode()
    return "Token " + token


def _forward_http(
    destination: Destination,
    requester: Requester,
    headers: dict[str, str],
    version: str,
    module: str,
    interface: str,
    rest: str,
    query: str,
    method: str,
    body: bytes,
) -> Reply:
    partner = destination.partner
    assert partner is not None
    endpoint = partner.endpoint(module, interface.upper())
    if endpoint is None:
        # answered for the party, as a party the hub plays answers itself (and so routed back)
        refusal = {
            "status_code": 2000,
            "status_message": f"{destination.label} offers no {module} {interface} interface "
            "(answered by the hub, which holds its endpoints)",
            "timestamp": ocpi_timestamp(),
        }
        return Reply(404, json.dumps(refusal).encode(), {"Content-Type": "application/json"})
    caller = g.get("ocpi_caller")
    body, query = relay.swap_response_url(
        module,
        body,
        query,
        partner_id=caller.partner.id if caller is not None and caller.partner else None,
        requester=requester.key,
        party=destination.key,
        version=version,
        answerer=partner.id,
    )
    base = endpoint.rstrip("/")
    url = base + (f"/{rest}" if rest else "") + (f"?{query}" if query else "")
    headers["Authorization"] = _authorization(partner, partner.version or version)
    timeout = current_app.config["OCPI_MOCK"].http_timeout
    try:
        response = httpx.request(
            method, url, content=body or None, headers=headers, timeout=timeout
        )
    except httpx.TimeoutException as exc:
        raise OcpiError(
            f"Timeout on the forwarded request: {exc}", status_code=4002, http_status=504
        ) from exc
    except httpx.HTTPError as exc:
        raise OcpiError(
            f"Cannot reach the receiving platform: {type(exc).__name__}",
            status_code=4003,
            http_status=502,
        ) from exc
    passed = {n: response.headers[n] for n in _PASSED if n in response.headers}
    if "Link" in passed:
        passed["Link"] = rewrite_link(passed["Link"], version, module, interface, base)
    return Reply(response.status_code, response.content, passed)


def next_link(offset: int, limit: int) -> str:
    """The hub's own Link to the next page of an aggregated list, keeping the date filters."""
    query: dict[str, Any] = {"offset": offset, "limit": limit}
    for name in ("date_from", "date_to"):
        if request.args.get(name):
            query[name] = request.args[name]
    return f'<{base_url()}{request.path}?{urlencode(query)}>; rel="next"'

"""The hub's injected faults (ids ``hub.*`` in mock_party.faults): each function is one seam of
the routing code that breaks one rule when its fault is on, and does nothing otherwise."""

from __future__ import annotations

import json

from flask import current_app, request

from mock_party import faults
from mock_party.hub.forward import Destination, Reply
from mock_party.hub.parties import LocalParty
from mock_party.ocpi import OcpiError
from mock_party.store import Partner

__all__ = [
    "add_leaked",
    "addressed",
    "authorize_routed",
    "broadcast_targets",
    "clientinfo_push",
    "drop_response",
    "forwarded_headers",
    "forward_twice",
    "is_stale",
    "leak_from",
    "misroute",
    "open_routing",
    "on_behalf_of_platform",
    "route_as_get_all",
    "routes_by_content",
    "routing_on_answers",
    "unknown_answered_ok",
]


def _locals() -> list[LocalParty]:
    return current_app.config["OCPI_HUB_PARTIES"]


def _sibling(destination: Destination) -> Destination | None:
    """Another party the hub plays, of the role of ``destination`` (itself played by the hub)."""
    if destination.local is None:
        return None
    for local in _locals():
        if local.party.role == destination.role and local.party.key != destination.key:
            return Destination(local.party.key, local.party.role, local=local)
    return None


def forwarded_headers(headers: dict[str, str], hub_key: tuple[str, str]) -> dict[str, str]:
    """The headers of a forwarded request, as the forward faults leave them."""
    if faults.active("hub.forward_from_missing"):
        headers = {k: v for k, v in headers.items() if not k.startswith("OCPI-from-")}
    if faults.active("hub.forward_from_hub"):
        headers.update({"OCPI-from-country-code": hub_key[0], "OCPI-from-party-id": hub_key[1]})
    if faults.active("hub.forward_request_id_copied") and "X-Request-ID" in request.headers:
        headers["X-Request-ID"] = request.headers["X-Request-ID"]
    return headers


def forward_twice() -> bool:
    return faults.active("hub.forward_duplicated")


def misroute(destination: Destination) -> Destination:
    """The party a request routed to ``destination`` goes to."""
    if faults.active("hub.routes_to_wrong_party"):
        return _sibling(destination) or destination
    return destination


def route_as_get_all(destination: Destination, is_list_get: bool) -> bool:
    return (
        is_list_get
        and destination.local is not None
        and faults.active("hub.broadcast_instead_of_routing")
    )


def is_stale(destination: Destination) -> None:
    """4003 for the hub's last party while its ClientInfo still says CONNECTED."""
    if faults.active("hub.clientinfo_stale") and destination.local is _locals()[-1]:
        raise OcpiError(
            f"Party {destination.label} is not connected", status_code=4003, http_status=503
        )


def unknown_answered_ok(error: OcpiError) -> bool:
    return error.status_code == 4001 and faults.active("hub.unknown_party_ok")


def drop_response(reply: Reply) -> Reply:
    if not faults.active("hub.response_dropped"):
        return reply
    body = {"status_code": 1000, "timestamp": _now()}
    return Reply(200, json.dumps(body).encode(), {"Content-Type": "application/json"})


def leak_from(destination: Destination, is_list_get: bool) -> Destination | None:
    """The party whose first object a routed list answer also gets."""
    if is_list_get and faults.active("hub.leaks_other_party"):
        return _sibling(destination)
    return None


def add_leaked(reply: Reply, leaked: Reply) -> Reply:
    ours, theirs = reply.envelope() or {}, leaked.envelope() or {}
    data, extra = ours.get("data"), theirs.get("data")
    if (
        reply.status != 200
        or not isinstance(data, list)
        or not isinstance(extra, list)
        or not extra
    ):
        return reply
    ours["data"] = [*data, extra[0]]
    return Reply(reply.status, json.dumps(ours).encode(), reply.headers)


def broadcast_targets(targets: list[Destination]) -> list[Destination]:
    """The receivers a broadcast push goes to: the first one only (hub.broadcast_partial), or
    one party a platform (hub.broadcast_per_platform)."""
    if faults.active("hub.broadcast_partial"):
        return targets[:1]
    if faults.active("hub.broadcast_per_platform"):
        seen: set[int] = set()
        kept = []
        for target in targets:
            if target.partner is not None:
                if target.partner.id in seen:
                    continue
                seen.add(target.partner.id)
            kept.append(target)
        return kept
    return targets


def addressed(destination: Destination, routing: dict[str, str]) -> dict[str, str]:
    """The routing headers of a forward: OCPI-to-* names the receiving platform's first party
    instead of the party asked for with hub.forward_to_platform."""
    partner = destination.partner
    if not faults.active("hub.forward_to_platform") or partner is None or not partner.roles:
        return routing
    first = partner.roles[0]
    return {
        **routing,
        "OCPI-to-country-code": str(first.get("country_code", "")),
        "OCPI-to-party-id": str(first.get("party_id", "")),
    }


def on_behalf_of_platform(caller: Partner | None) -> tuple[str, list] | None:
    """With hub.acts_for_platform, the hub acts towards its parties for the requester's whole
    platform (its name and every credentials role), not for the party in OCPI-from-*."""
    if caller is None or not faults.active("hub.acts_for_platform"):
        return None
    return (f"partner-{caller.id}", list(caller.roles))


def open_routing() -> bool:
    """Whether a GET of one object without OCPI-to-* is routed (not: hub.open_routing_refused)."""
    return not faults.active("hub.open_routing_refused")


def routes_by_content() -> bool:
    """Whether a push or command without OCPI-to-* is routed by its content (not:
    hub.open_routing_broadcasts_content, which broadcasts it to every party of the role)."""
    return not faults.active("hub.open_routing_broadcasts_content")


def authorize_routed() -> bool:
    """Whether an authorization without OCPI-to-* is routed to an eMSP (not:
    hub.open_routing_authorize_refused, which refuses it 4001)."""
    return not faults.active("hub.open_routing_authorize_refused")


def routing_on_answers() -> bool:
    return not faults.active("hub.answer_routing_missing")


def clientinfo_push(
    body: dict[str, str], hub_key: tuple[str, str], receiver: tuple[str, str] | None
) -> tuple[dict[str, str], dict[str, str]] | None:
    """The body and extra headers of a ClientInfo push as the push faults leave them; None:
    not sent at all."""
    if faults.active("hub.clientinfo_not_pushed"):
        return None
    headers: dict[str, str] = {}
    if faults.active("hub.clientinfo_push_malformed"):
        body = {k: v for k, v in body.items() if k != "last_updated"}
    if faults.active("hub.clientinfo_push_stale"):
        # the status it had before, as if a queued older push went out last
        stale = "PLANNED" if body.get("status") != "PLANNED" else "CONNECTED"
        body = {**body, "status": stale}
    if faults.active("hub.clientinfo_push_routed"):
        to = receiver or hub_key
        headers = {
            "OCPI-from-country-code": hub_key[0],
            "OCPI-from-party-id": hub_key[1],
            "OCPI-to-country-code": to[0],
            "OCPI-to-party-id": to[1],
        }
    return body, headers


def _now() -> str:
    from mock_party.ocpi import ocpi_timestamp

    return ocpi_timestamp()

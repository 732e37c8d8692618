"""The hub's OCPI views: every functional module routed, and the ClientInfo Sender.

A request names its sender in OCPI-from-* (one of the caller's credentials roles, so nobody
speaks for another party) and, usually, its receiver in OCPI-to-*:
- another party: forwarded to it (4001 when unknown, 4003 when not connected);
- the hub itself: a GET of a Sender list is a GET All over every Sender party, a push to a
  Receiver is a broadcast to every party of the opposite role;
- no receiver (open routing request, 2.2.1 §4.1.8.4): the hub decides by the content
  (mock_party.hub.content): a Session, CDR or command goes to the party it names, a
  real-time authorization to the eMSP that knows the token, any other push is broadcast; a
  list GET is a GET All, a GET of one object of a Sender goes to the party that holds it
  (asked in turn; 4001 when none has it).
The answer carries OCPI-to = the requester, OCPI-from = the party that answered.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, current_app, g, request

from mock_party import faults
from mock_party.auth import authenticate
from mock_party.config import MockConfig
from mock_party.hub import content, hub_faults
from mock_party.hub import forward as hop
from mock_party.hub.clients import all_clients
from mock_party.hub.parties import Requester
from mock_party.modules import Offer, offers
from mock_party.objects import sort_key
from mock_party.ocpi import OcpiError, envelope
from mock_party.pagination import json_envelope, page_request
from mock_party.store import get_store

__all__ = ["bp"]

bp = Blueprint("hub", __name__, url_prefix="/ocpi/<version>")
_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


def _config() -> MockConfig:
    return current_app.config["OCPI_MOCK"]


def _hub_key() -> tuple[str, str]:
    config = _config()
    return (config.country_code.upper(), config.party_id.upper())


def _authenticate(version: str, module: str) -> None:
    config = _config()
    if version not in config.versions:
        raise OcpiError(
            f"Version {version} is not served here; served: {', '.join(config.versions)}",
            status_code=3002,
            http_status=404,
        )
    g.ocpi_caller = authenticate(module, version)


def _pair(prefix: str) -> tuple[str, str] | None:
    country = request.headers.get(f"OCPI-{prefix}-country-code")
    party = request.headers.get(f"OCPI-{prefix}-party-id")
    if not country and not party:
        return None
    if not (country and party):
        raise OcpiError(
            f"OCPI-{prefix}-country-code and OCPI-{prefix}-party-id go together: one is missing",
            status_code=2001,
            http_status=400,
        )
    return (country.strip().upper(), party.strip().upper())


def _requester() -> Requester:
    """The party the request comes from, which must be one of the caller's own."""
    named = _pair("from")
    if named is None:
        raise OcpiError(
            "OCPI-from-country-code and OCPI-from-party-id missing: a request through a hub "
            "names the party it comes from (2.2.1 §4.1.8.2)",
            status_code=2001,
            http_status=400,
        )
    caller = g.ocpi_caller
    roles = caller.partner.roles if caller.partner is not None else []
    for role in roles:
        if hop._key(role) == named:
            name = (role.get("business_details") or {}).get("name", "")
            return Requester(str(role.get("role")), named[0], named[1], name)
    if caller.kind == "anonymous":  # only with the auth.any_token_accepted fault
        return Requester("EMSP", named[0], named[1])
    raise OcpiError(
        f"OCPI-from-* names {named[0]}/{named[1]}, which is not one of your credentials roles",
        status_code=2000,
        http_status=403,
    )


_routing = hop.routing_headers


def _answer(reply: hop.Reply, requester: Requester, answered_by: tuple[str, str]) -> Response:
    response = current_app.response_class(reply.body, status=reply.status)
    for name, value in reply.headers.items():
        response.headers[name] = value
    if hub_faults.routing_on_answers():
        response.headers.update(_routing(requester.key, answered_by))
    return response


@bp.route("/<interface>/<module>", methods=_METHODS)
@bp.route("/<interface>/<module>/", methods=_METHODS)
@bp.route("/<interface>/<module>/<path:rest>", methods=_METHODS)
def route(version: str, interface: str, module: str, rest: str = "") -> Any:
    _authenticate(version, module)
    if Offer(module, interface.upper(), interface) not in offers(_config(), version):
        raise OcpiError(
            f"This hub has no {module} {interface} interface", status_code=2000, http_status=404
        )
    faults.request_seam()
    requester = _requester()
    to = _pair("to")
    query = request.query_string.decode()
    context = dict(version=version, module=module, interface=interface, rest=rest, query=query)
    caller = g.ocpi_caller.partner
    if to is None or to == _hub_key():
        if request.method == "GET" and interface == "sender" and not rest.strip("/"):
            return _get_all(requester, version, module)
        if to is None and content.is_authorize(request.method, interface, module, rest):
            return _open_authorize(requester, caller, context)
        if to is None and request.method != "GET" and interface == "receiver":
            return _open_push(requester, caller, context)
        if request.method != "GET" and interface == "receiver":
            return _broadcast(requester, caller, context)
        if to is None and request.method == "GET" and interface == "sender":
            return _open_get(requester, caller, context)
        raise OcpiError(
            "Unknown receiver: name the party this request is for in OCPI-to-* "
            "(a GET of one object is never broadcast)",
            status_code=4001,
            http_status=404,
        )
    try:
        destination = hop.find_destination(to)
    except OcpiError as error:
        if not hub_faults.unknown_answered_ok(error):
            raise
        return _page([], page_request(request.args, _config().page_limit), routing={})
    hub_faults.is_stale(destination)
    is_list_get = request.method == "GET" and interface == "sender" and not rest.strip("/")
    if hub_faults.route_as_get_all(destination, is_list_get):
        return _get_all(requester, version, module)
    destination = hub_faults.misroute(destination)
    reply = hop.forward(destination, requester, _routing(to, requester.key), **context)
    _remember(reply, requester, destination, context)
    leaked_from = hub_faults.leak_from(destination, is_list_get)
    if leaked_from is not None:
        leaked = hop.forward(leaked_from, requester, _routing(to, requester.key), **context)
        reply = hub_faults.add_leaked(reply, leaked)
    return _answer(hub_faults.drop_response(reply), requester, destination.key)


def _broadcast(requester: Requester, caller: Any, context: dict[str, str]) -> Response:
    targets = hub_faults.broadcast_targets(
        hop.destinations_for_broadcast(context["module"], context["version"], requester, caller)
    )
    delivered = 0
    for target in targets:
        try:
            reply = hop.forward(target, requester, _routing(target.key, _hub_key()), **context)
        except OcpiError:
            continue
        found = reply.envelope() or {}
        delivered += int(reply.status < 300 and found.get("status_code") == 1000)
    response, status = envelope(
        message=f"Broadcast to {len(targets)} part{'y' if len(targets) == 1 else 'ies'}, "
        f"{delivered} accepted"
    )
    response.status_code = status
    response.headers.update(_routing(requester.key, _hub_key()))
    return response


def _remember(
    reply: hop.Reply, requester: Requester, destination: hop.Destination, context: dict[str, str]
) -> None:
    """Note where an accepted push of a Session or CDR, or a RESERVE_NOW, went."""
    content.remember_routed(
        requester,
        destination,
        reply,
        method=request.method,
        body=request.get_data(),
        module=context["module"],
        interface=context["interface"],
        rest=context["rest"],
    )


def _open_push(requester: Requester, caller: Any, context: dict[str, str]) -> Response:
    """A push or command to a Receiver without OCPI-to-*: routed to the party its content
    names (see mock_party.hub.content), broadcast only when it is meant for everybody."""
    decision = content.BROADCAST
    if hub_faults.routes_by_content():
        decision = content.decide(
            requester, caller, method=request.method, body=request.get_data(), **context
        )
    if decision.destination is None:
        return _broadcast(requester, caller, context)
    destination = decision.destination
    reply = hop.forward(destination, requester, _routing(destination.key, requester.key), **context)
    _remember(reply, requester, destination, context)
    return _answer(hub_faults.drop_response(reply), requester, destination.key)


def _open_authorize(requester: Requester, caller: Any, context: dict[str, str]) -> Response:
    """A real-time authorization without OCPI-to-*: asked of each eMSP in turn, answered by the
    one whose token it is (an eMSP answering for a token of another party is kept in reserve:
    a platform may answer for every party it hosts); 2004 when no eMSP knows it."""
    if not hub_faults.authorize_routed():
        raise OcpiError(
            "Unknown receiver: this hub does not route an authorization without OCPI-to-*",
            status_code=4001,
            http_status=404,
        )
    reserve: tuple[hop.Reply, hop.Destination] | None = None
    for source in content.authorize_sources(requester, caller, context["version"]):
        try:
            reply = hop.forward(source, requester, _routing(source.key, requester.key), **context)
        except OcpiError:
            continue
        found = reply.envelope() or {}
        data = found.get("data")
        if reply.status != 200 or found.get("status_code") != 1000 or not isinstance(data, dict):
            continue
        owner = content.party_of(data.get("token"))
        if owner is None or owner == source.key:
            return _answer(hub_faults.drop_response(reply), requester, source.key)
        reserve = reserve or (reply, source)
    if reserve is not None:
        return _answer(hub_faults.drop_response(reserve[0]), requester, reserve[1].key)
    uid = context["rest"].strip("/").split("/")[0]
    raise OcpiError(
        f"Unknown token {uid}: no eMSP behind this hub knows it", status_code=2004, http_status=404
    )


def _open_get(requester: Requester, caller: Any, context: dict[str, str]) -> Response:
    """An open routing GET of one object: forwarded to each Sender party in turn, answered by
    the first that has it, as if it had been routed there."""
    if not hub_faults.open_routing():
        raise OcpiError(
            "Unknown receiver: this hub does not route requests without OCPI-to-*",
            status_code=4001,
            http_status=404,
        )
    for source in hop.sources_for_get_all(context["module"], context["version"], caller):
        try:
            reply = hop.forward(source, requester, _routing(source.key, requester.key), **context)
        except OcpiError:
            continue
        found = reply.envelope() or {}
        if reply.status == 200 and found.get("status_code") == 1000 and found.get("data"):
            return _answer(hub_faults.drop_response(reply), requester, source.key)
    raise OcpiError(
        f"Unknown receiver: no party behind this hub has {context['module']} "
        f"{context['rest'].strip('/')} (name the party in OCPI-to-*)",
        status_code=4001,
        http_status=404,
    )


def _all_of(source: hop.Destination, requester: Requester, version: str, module: str) -> list:
    """Every object ``source`` sends for ``module`` within the date filters, page by page."""
    found: list[Any] = []
    filters = {n: request.args[n] for n in ("date_from", "date_to") if request.args.get(n)}
    for _ in range(1000):
        query = "&".join(f"{k}={v}" for k, v in {**filters, "offset": len(found)}.items())
        reply = hop.forward(
            source,
            requester,
            _routing(source.key, requester.key),
            version=version,
            module=module,
            interface="sender",
            rest="",
            query=query,
            method="GET",
            body=b"",
        )
        data = (reply.envelope() or {}).get("data")
        if reply.status != 200 or not isinstance(data, list) or not data:
            break
        found.extend(data)
        total = reply.headers.get("X-Total-Count", "")
        if not total.isdigit() or len(found) >= int(total) or "Link" not in reply.headers:
            break
    return found


def _get_all(requester: Requester, version: str, module: str) -> Response:
    """One list over every Sender party, in a fixed order (ours, then platforms by
    registration), paginated by the hub as if it were one Sender."""
    config = _config()
    page = page_request(request.args, config.page_limit)
    caller = g.ocpi_caller.partner
    objects: list[Any] = []
    for source in hop.sources_for_get_all(module, version, caller):
        try:
            objects.extend(_all_of(source, requester, version, module))
        except OcpiError:
            continue  # a platform that cannot be reached contributes nothing
    routing = _routing(requester.key, _hub_key()) if hub_faults.routing_on_answers() else {}
    return _page(objects, page, routing=routing)


def _page(objects: list[Any], page: Any, *, routing: dict[str, str]) -> Response:
    chunk = objects[page.offset : page.offset + page.limit]
    response = json_envelope(json.dumps(chunk, separators=(",", ":")))
    response.headers["X-Total-Count"] = str(len(objects))
    response.headers["X-Limit"] = str(_config().page_limit)
    if page.offset + len(chunk) < len(objects):
        response.headers["Link"] = hop.next_link(page.offset + len(chunk), page.limit)
    response.headers.update(routing)
    return response


@bp.get("/sender/hubclientinfo")
@bp.get("/sender/hubclientinfo/")
def client_info_list(version: str) -> Response:
    """ClientInfo of every party the hub holds but the caller's own (a configuration
    module: no routing headers)."""
    _authenticate(version, "hubclientinfo")
    faults.request_seam()
    page = page_request(request.args, _config().page_limit)
    caller = g.ocpi_caller.partner
    infos = [
        info for info in all_clients(get_store()) if caller is None or info.partner_id != caller.id
    ]
    if page.date_from:
        infos = [i for i in infos if sort_key(i.last_updated) >= sort_key(page.date_from)]
    if page.date_to:
        infos = [i for i in infos if sort_key(i.last_updated) < sort_key(page.date_to)]
    return _page([i.as_object() for i in infos], page, routing={})

"""What the functional modules share: the guard before every view, and the Receiver rules.

Receiver rules (spec 2.2.1 §4.1.4.2–§4.1.5): PUT creates (HTTP 201) or replaces (200); PATCH
merges into an existing object and needs ``last_updated`` (missing: 2001); the country_code,
party_id and id in the URL must match the body (2001) and the URL's party must be one of the
caller's credentials roles, otherwise the object is not there for it (HTTP 404); a caller
registered as HUB brings the objects of the parties behind it.
Reads and writes of one object run in one IMMEDIATE transaction, so concurrent PATCHes through
waitress's threads lose nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, current_app, g, request

from mock_party import faults
from mock_party.auth import Caller, authenticate, current_caller
from mock_party.config import MockConfig
from mock_party.modules import Offer, offers
from mock_party.objects import (
    RECEIVER,
    SENDER,
    ObjectKey,
    get_objects,
    now_datetime,
    stored_module,
)
from mock_party.ocpi import OcpiError, envelope
from mock_party.store import get_store
from mock_party.versions import VersionProfile, profile
from ocpi_core.schemas import validate

__all__ = [
    "TOKEN_TYPES",
    "bare_receiver_route",
    "caller_partner_id",
    "check_identity",
    "check_valid",
    "guard",
    "merge_shallow",
    "module_blueprint",
    "not_found",
    "own_key",
    "patch_body",
    "printable",
    "put_body",
    "receiver_get",
    "receiver_patch",
    "receiver_key",
    "receiver_put",
    "require_owner",
    "stored",
    "token_type_parameter",
    "version_of_request",
    "version_profile",
]

TOKEN_TYPES = ("AD_HOC_USER", "APP_USER", "OTHER", "RFID")
_SHOWN = 5


def version_of_request() -> str:
    return (request.view_args or {}).get("version", "")


def version_profile() -> VersionProfile:
    """The profile of the version the request was made in (served: the guard checked it)."""
    return profile(version_of_request())


def _interface_of(path: str) -> str:
    # /ocpi/<version>/<interface>/<module>/...
    parts = path.split("/")
    return parts[3] if len(parts) > 3 else ""


def guard(module: str) -> None:
    """Before every view of a functional module: version served, caller known (token A gets
    401), interface offered by our roles, then the request-level faults."""
    config: MockConfig = current_app.config["OCPI_MOCK"]
    version = version_of_request()
    if version not in config.versions:
        raise OcpiError(
            f"Version {version} is not served here; served: {', '.join(config.versions)}",
            status_code=3002,
            http_status=404,
        )
    g.ocpi_caller = authenticate(module, version)
    interface = _interface_of(request.path)
    if Offer(module, interface.upper(), interface) not in offers(config, version):
        raise OcpiError(
            f"This mock ({'+'.join(config.roles)}) does not offer the {module} "
            f"{interface or '?'} interface",
            status_code=2000,
            http_status=404,
        )
    faults.request_seam()


def _routing_headers(response: Response) -> Response:
    """Message routing headers on a functional module's answer (spec 2.2.1 §4.1.8.2): from us
    (the party of ours the request was addressed to), to whoever the request came from."""
    config: MockConfig = current_app.config["OCPI_MOCK"]
    answering = (config.country_code, config.party_id)
    addressed = (
        str(request.headers.get("OCPI-to-country-code", "")).upper(),
        str(request.headers.get("OCPI-to-party-id", "")).upper(),
    )
    for _, country, party in config.more_parties:
        if (country.upper(), party.upper()) == addressed:
            answering = (country, party)
    response.headers["OCPI-from-country-code"] = answering[0]
    response.headers["OCPI-from-party-id"] = answering[1]
    to_country = request.headers.get("OCPI-from-country-code")
    to_party = request.headers.get("OCPI-from-party-id")
    caller = g.get("ocpi_caller")
    if not (to_country and to_party) and caller is not None and caller.partner is not None:
        roles = caller.partner.roles
        if roles:
            to_country, to_party = roles[0].get("country_code"), roles[0].get("party_id")
    if to_country and to_party:
        response.headers["OCPI-to-country-code"] = str(to_country)
        response.headers["OCPI-to-party-id"] = str(to_party)
    return response


def module_blueprint(module: str, import_name: str, *, routed: bool = True) -> Blueprint:
    """The blueprint of a functional module under ``/ocpi/<version>``, guarded; ``routed``
    adds the routing headers (not for the configuration module hubclientinfo)."""
    bp = Blueprint(module, import_name, url_prefix="/ocpi/<version>")
    bp.before_request(lambda: guard(module))
    if routed:
        bp.after_request(_routing_headers)
    return bp


def bare_receiver_route(bp: Blueprint, module: str, template: str) -> None:
    """The Receiver base URL itself: authenticated (so token A gets its 401), then a 404 that
    says which URL form to use. ``template`` is the object path, e.g.
    ``{country_code}/{party_id}/{location_id}``."""

    def bare(version: str, **_: Any) -> Response:
        raise OcpiError(
            f"No {module} object at this URL: use {request.base_url.rstrip('/')}/{template}",
            status_code=2000,
            http_status=404,
        )

    bare.__name__ = f"{module}_receiver_base"
    for rule in (f"/receiver/{module}", f"/receiver/{module}/"):
        bp.add_url_rule(rule, view_func=bare, methods=["GET", "PUT", "PATCH", "DELETE"])


def printable(text: str) -> str:
    """``text`` safe for a status_message: control characters (from URLs) escaped."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def not_found(what: str, status_code: int = 2000) -> OcpiError:
    return OcpiError(f"Unknown {printable(what)}", status_code=status_code, http_status=404)


def _same(left: Any, right: Any) -> bool:
    # CiString comparison
    return isinstance(left, str) and isinstance(right, str) and left.upper() == right.upper()


def require_owner(country_code: str, party_id: str, caller: Caller | None = None) -> None:
    """The URL's party must be one of the caller's roles; other parties' objects are not
    reachable (spec 2.2.1 §4.1.5.1: HTTP 404)."""
    caller = caller or current_caller()
    if caller.kind != "partner" or caller.partner is None:
        return  # only with the auth.any_token_accepted fault
    if any(role.get("role") == "HUB" for role in caller.partner.roles):
        return  # a hub speaks for the parties behind it (2.2.1 §4.1.8.3: broadcast push)
    for role in caller.partner.roles:
        if _same(role.get("country_code"), country_code) and _same(role.get("party_id"), party_id):
            return
    raise OcpiError(
        f"{printable(country_code)}/{printable(party_id)} is not one of your credentials roles:"
        " no such object here",
        status_code=2000,
        http_status=404,
    )


def token_type_parameter() -> str:
    """The ``type`` query parameter of the Tokens module (RFID when absent)."""
    value = request.args.get("type") or "RFID"
    allowed = version_profile().token_types
    if allowed is None:  # an open enum (2.3.0): any printable value
        allowed = (value,) if value.isprintable() and " " not in value else ()
    if value not in allowed:
        raise OcpiError(
            f"type: {value!r} is not a TokenType; allowed: {', '.join(allowed)}",
            status_code=2001,
            http_status=400,
        )
    return value


def _json_object() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise OcpiError("The body must be a JSON object", status_code=2001, http_status=400)
    return body


def check_valid(document: Any, object_name: str) -> None:
    """``document`` valid against ``object_name``, or an OcpiError 2001 naming the violations."""
    found = validate(document, version_of_request(), object_name)
    if found:
        shown = "; ".join(str(v) for v in found[:_SHOWN])
        more = f" (and {len(found) - _SHOWN} more)" if len(found) > _SHOWN else ""
        raise OcpiError(f"Invalid {object_name}: {shown}{more}", status_code=2001, http_status=400)


def put_body(object_name: str) -> dict[str, Any]:
    """A PUT body: a complete, valid ``object_name``."""
    body = _json_object()
    check_valid(body, object_name)
    return body


def patch_body(patch_name: str) -> dict[str, Any]:
    """A PATCH body: only changed fields, ``last_updated`` required (spec 2.2.1 §4.1.4.3)."""
    body = _json_object()
    if "last_updated" not in body:
        # 2.1.1 does not require it: the PATCH is stamped with its arrival
        required = version_profile().patch_needs_last_updated
        if required and not faults.active("receiver.patch_without_last_updated_accepted"):
            raise OcpiError(
                "PATCH without last_updated: every PATCH must carry it",
                status_code=2001,
                http_status=400,
            )
        body = {**body, "last_updated": now_datetime()}
    check_valid(body, patch_name)
    return body


def check_identity(
    body: dict[str, Any], expected: dict[str, str], *, partial: bool = False
) -> None:
    """Fields that identify the object must equal the URL's (2001 otherwise). With ``partial``
    (PATCH) absent fields are fine. Fields the version's objects lack (2.1.1: no owner, and
    tokens without a type in the URL) are not compared."""
    version = version_profile()
    for name, value in expected.items():
        if name in ("country_code", "party_id") and not version.owner_fields:
            continue
        if name == "type" and not version.token_key_type:
            continue
        if name not in body and partial:
            continue
        if not _same(body.get(name), value):
            raise OcpiError(
                f"{name} in the body ({body.get(name)!r}) differs from the URL ({value!r})",
                status_code=2001,
                http_status=400,
            )


def merge_shallow(current: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    return {**current, **patch}


def stored(key: ObjectKey, what: str, status_code: int = 2000) -> dict[str, Any]:
    found = get_objects().get(key)
    if found is None:
        raise not_found(what, status_code)
    return found.body


def caller_partner_id() -> int | None:
    caller = current_caller()
    return caller.partner.id if caller.partner is not None else None


def receiver_get(key: ObjectKey, what: str, status_code: int = 2000) -> tuple[Response, int]:
    require_owner(key.country_code, key.party_id)
    return envelope(stored(key, what, status_code))


def receiver_put(
    key: ObjectKey, object_name: str, identity: dict[str, str]
) -> tuple[Response, int]:
    """PUT of a complete object: 201 when new, 200 when replaced; no data in the answer."""
    require_owner(key.country_code, key.party_id)
    body = put_body(object_name)
    check_identity(body, identity)
    store = get_store()
    with store.transaction():
        created = get_objects().put(key, body, partner_id=caller_partner_id())
    return envelope(
        message="Created" if created else "Updated", http_status=201 if created else 200
    )


def receiver_patch(
    key: ObjectKey,
    patch_name: str,
    object_name: str,
    identity: dict[str, str],
    what: str,
    *,
    merge: Callable[[dict[str, Any], dict[str, Any]], dict[str, Any]] = merge_shallow,
    status_code: int = 2000,
) -> tuple[Response, int]:
    """PATCH: merge into the stored object (404 when there is none); the result stays valid."""
    require_owner(key.country_code, key.party_id)
    patch = patch_body(patch_name)
    check_identity(patch, identity, partial=True)
    store = get_store()
    objects = get_objects()
    with store.transaction():
        current = objects.get(key)
        if current is None:
            raise not_found(what, status_code)
        merged = merge(current.body, patch)
        check_valid(merged, object_name)
        objects.put(key, merged, partner_id=caller_partner_id())
    return envelope(message="Updated")


def receiver_key(
    module: str, country_code: str, party_id: str, object_id: str, type_: str = ""
) -> ObjectKey:
    """The key of an object a partner pushed to us, among those of the request's version
    (2.1.1 tokens are known by uid alone)."""
    version = version_profile()
    if module == "tokens" and not version.token_key_type:
        type_ = ""
    stored = stored_module(module, version.number)
    return ObjectKey(stored, RECEIVER, country_code, party_id, object_id, type_)


def own_key(module: str, object_id: str, type_: str = "") -> ObjectKey:
    """The key of one of our own objects (we are its Sender)."""
    config: MockConfig = current_app.config["OCPI_MOCK"]
    return ObjectKey(module, SENDER, config.country_code, config.party_id, object_id, type_)

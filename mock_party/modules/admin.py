"""The admin API: not OCPI, for developers and tests (faults, registration, state).

Open on loopback; on any other listen address every request needs the admin token (see
mock_party.admin_auth).
"""

from __future__ import annotations

import uuid

from flask import Blueprint, current_app, request

from mock_party import payments_flow
from mock_party.config import MockConfig
from mock_party.faults import FAULTS
from mock_party.handshake import HandshakeError, new_token, register_with
from mock_party.modules.commands import COMMAND_OBJECTS
from mock_party.modules.tokens import ALLOWED_TYPES
from mock_party.objects import RECEIVER, SENDER, ObjectKey, get_objects, stored_module
from mock_party.ocpi import OcpiError, envelope
from mock_party.push import object_path, push_object, routing_headers_for
from mock_party.simulate import SimulationError, set_evse_status, simulate_session
from mock_party.store import get_store
from mock_party.urls import module_url, versions_url
from mock_party.versions import profile
from ocpi_core.client import OcpiClient, OcpiClientError
from ocpi_core.schemas import validate

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _json() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise OcpiError("Expected a JSON object body", status_code=2001, http_status=400)
    return body


@bp.get("/faults")
def list_faults():
    active = current_app.extensions["ocpi_faults"].ids()
    return envelope(
        [
            {
                "id": f.id,
                "description": f.description,
                "trips": list(f.trips),
                "active": f.id in active,
            }
            for f in FAULTS.values()
        ]
    )


@bp.post("/faults")
def set_faults():
    ids = _json().get("faults")
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise OcpiError("'faults' must be a list of fault ids", status_code=2001, http_status=400)
    try:
        current_app.extensions["ocpi_faults"].set(ids)
    except ValueError as exc:
        raise OcpiError(str(exc), status_code=2001, http_status=400) from exc
    return envelope({"faults": current_app.extensions["ocpi_faults"].ids()})


@bp.post("/tokens-a")
def issue_token_a():
    token = _json().get("token") or new_token()
    get_store().add_token_a(token)
    return envelope({"token": token, "versions_url": versions_url()})


@bp.get("/partners")
def partners():
    return envelope(
        [
            {
                "id": p.id,
                "versions_url": p.versions_url,
                "version": p.version,
                "registered": p.registered,
                "roles": p.roles,
                "endpoints": p.endpoints,
                "token_form": p.token_form,
            }
            for p in get_store().partners()
        ]
    )


@bp.post("/register")
def register():
    body = _json()
    missing = [key for key in ("versions_url", "token_a") if not body.get(key)]
    if missing:
        raise OcpiError(
            f"Missing field(s): {', '.join(missing)}", status_code=2001, http_status=400
        )
    config: MockConfig = current_app.config["OCPI_MOCK"]
    try:
        partner = register_with(
            get_store(),
            config,
            our_versions_url=versions_url(),
            their_versions_url=body["versions_url"],
            token_a=body["token_a"],
        )
    except HandshakeError as exc:
        raise OcpiError(
            f"Registration failed: {exc}", status_code=exc.status_code, http_status=502
        ) from exc
    return envelope(
        {"partner_id": partner.id, "version": partner.version, "endpoints": partner.endpoints}
    )


# ---- data, pushes and the session simulator -------------------------------------------------

_OWN_OBJECTS = {
    "locations": "Location",
    "tariffs": "Tariff",
    "tokens": "Token",
    "sessions": "Session",
}
_LISTED = (
    "locations",
    "tariffs",
    "tokens",
    "sessions",
    "cdrs",
    "hubclientinfo",
    "commandresults",
    "reservations",
    "chargingprofiles",
    "payments",
)


def _simulation_error(exc: SimulationError) -> OcpiError:
    return OcpiError(
        str(exc),
        status_code=exc.status_code,
        http_status=404 if exc.status_code in (2003, 2004) else 400,
    )


@bp.post("/simulate")
def simulate():
    """Run a charging session (see mock_party.simulate.simulate_session) and report it."""
    body = request.get_json(silent=True) or {}
    if not isinstance(body, dict):
        raise OcpiError("Expected a JSON object body", status_code=2001, http_status=400)
    known = {
        "token_uid",
        "token_type",
        "location_id",
        "evse_uid",
        "connector_id",
        "updates",
        "minutes",
        "step_delay",
        "power_kw",
    }
    unknown = set(body) - known
    if unknown:
        raise OcpiError(
            f"Unknown field(s): {', '.join(sorted(unknown))}; known: {', '.join(sorted(known))}",
            status_code=2001,
            http_status=400,
        )
    try:
        result = simulate_session(**body)
    except SimulationError as exc:
        raise _simulation_error(exc) from exc
    except TypeError as exc:
        raise OcpiError(f"Invalid field: {exc}", status_code=2001, http_status=400) from exc
    return envelope(result.as_dict())


@bp.post("/evse-status")
def evse_status():
    """Set an EVSE's status and PATCH it to partners: {location_id, evse_uid, status}."""
    body = _json()
    missing = [k for k in ("location_id", "evse_uid", "status") if not body.get(k)]
    if missing:
        raise OcpiError(
            f"Missing field(s): {', '.join(missing)}", status_code=2001, http_status=400
        )
    if validate(body["status"], "2.2.1", "Status"):
        raise OcpiError(
            f"Not an EVSE Status: {body['status']!r}", status_code=2001, http_status=400
        )
    try:
        deliveries = set_evse_status(body["location_id"], body["evse_uid"], body["status"])
    except SimulationError as exc:
        raise _simulation_error(exc) from exc
    return envelope({"deliveries": [d.as_dict() for d in deliveries]})


@bp.post("/tariffs/<tariff_id>/change")
def change_tariff(tariff_id: str):
    """Demand pricing: change our Tariff's prices from ``at`` (default now): {"factor": 1.5}
    or {"elements": [...]}, optional "at" (an OCPI DateTime); both Tariffs and the changed
    Locations are pushed. See mock_party.demand."""
    from datetime import datetime

    from mock_party import demand

    body = _json()
    unknown = set(body) - {"factor", "elements", "at"}
    if unknown:
        raise OcpiError(
            f"Unknown field(s): {', '.join(sorted(unknown))}; known: at, elements, factor",
            status_code=2001,
            http_status=400,
        )
    at = None
    if body.get("at") is not None:
        try:
            at = datetime.fromisoformat(str(body["at"]).removesuffix("Z") + "+00:00")
        except ValueError:
            raise OcpiError(
                f"at: {body['at']!r} is not an OCPI DateTime", status_code=2001, http_status=400
            ) from None
    factor = body.get("factor")
    if factor is not None and (isinstance(factor, bool) or not isinstance(factor, (int, float))):
        raise OcpiError("factor must be a number", status_code=2001, http_status=400)
    elements = body.get("elements")
    if elements is not None and (
        not isinstance(elements, list)
        or not elements
        or any(validate(e, "2.2.1", "TariffElement") for e in elements)
    ):
        raise OcpiError(
            "elements must be a list of valid TariffElements", status_code=2001, http_status=400
        )
    try:
        change = demand.change_tariff(tariff_id, factor=factor, elements=elements, at=at)
    except KeyError:
        raise OcpiError(f"Unknown tariff {tariff_id}", status_code=2003, http_status=404) from None
    except ValueError as exc:
        raise OcpiError(str(exc), status_code=2001, http_status=400) from None
    return envelope(dict(change))


@bp.post("/payments/assign")
def assign_terminal():
    """As CPO: assign a Terminal a PTP created here, and PATCH the assignment to that PTP:
    {terminal_id, location_ids?, evse_uids?}."""
    body = _json()
    terminal_id = body.get("terminal_id")
    lists = {k: body.get(k) for k in ("location_ids", "evse_uids")}
    bad = [k for k, v in lists.items() if v is not None and not isinstance(v, list)]
    if not isinstance(terminal_id, str) or bad:
        raise OcpiError(
            "Expected terminal_id (text) and location_ids/evse_uids (lists)",
            status_code=2001,
            http_status=400,
        )
    try:
        terminal, deliveries = payments_flow.assign_terminal(terminal_id, **lists)
    except KeyError:
        raise OcpiError(
            f"No Terminal {terminal_id} was created here", status_code=2003, http_status=404
        ) from None
    return envelope({"terminal": terminal, "deliveries": [d.as_dict() for d in deliveries]})


@bp.put("/objects/<module>")
def put_own_object(module: str):
    """Create or replace one of our own objects and push it (PUT) to partners."""
    if module not in _OWN_OBJECTS:
        raise OcpiError(
            f"Objects of {module!r} cannot be put; modules: {', '.join(_OWN_OBJECTS)}",
            status_code=2001,
            http_status=404,
        )
    config: MockConfig = current_app.config["OCPI_MOCK"]
    body = _json()
    # our objects are kept (and put here) in the 2.2.1 shape, whatever versions we serve
    violations = validate(body, "2.2.1", _OWN_OBJECTS[module])
    if violations:
        raise OcpiError(
            f"Invalid {_OWN_OBJECTS[module]}: {violations[0]}", status_code=2001, http_status=400
        )
    if (body["country_code"].upper(), body["party_id"].upper()) != (
        config.country_code.upper(),
        config.party_id.upper(),
    ):
        raise OcpiError(
            f"Our objects belong to {config.country_code}/{config.party_id}",
            status_code=2001,
            http_status=400,
        )
    object_id = body["uid"] if module == "tokens" else body["id"]
    type_ = body["type"] if module == "tokens" else ""
    key = ObjectKey(module, SENDER, config.country_code, config.party_id, object_id, type_)
    store = get_store()
    with store.transaction():
        created = get_objects().put(key, body)
    path = object_path(config.country_code, config.party_id, object_id)
    deliveries = push_object(store, config, module, "PUT", path, body)
    return envelope(
        {"created": created, "deliveries": [d.as_dict() for d in deliveries]},
        http_status=201 if created else 200,
    )


@bp.get("/objects/<module>")
def list_objects(module: str):
    """What the mock holds: ?side=sender (our own, default) or receiver (pushed to us); what
    was pushed under another version than 2.2.1 with ?version=…"""
    side = request.args.get("side", SENDER)
    version = request.args.get("version", "2.2.1")
    if module not in _LISTED or side not in (SENDER, RECEIVER):
        raise OcpiError(
            f"Use /admin/objects/<{'|'.join(_LISTED)}>?side=sender|receiver",
            status_code=2001,
            http_status=404,
        )
    objects = get_objects()
    return envelope(
        [
            {
                **o.body,
                "_key": {
                    "country_code": o.key.country_code,
                    "party_id": o.key.party_id,
                    "id": o.key.id,
                    "type": o.key.type,
                },
            }
            if module in ("commandresults", "hubclientinfo")
            else o.body
            for o in objects.iter(
                stored_module(module, version) if side == RECEIVER else module, side
            )
        ]
    )


@bp.post("/tokens/<token_uid>/allowed")
def set_token_allowed(token_uid: str):
    """What real-time authorization answers for one of our tokens: {allowed, type?}."""
    body = _json()
    allowed = body.get("allowed")
    if allowed not in ALLOWED_TYPES and allowed is not None:
        raise OcpiError(
            f"allowed: {allowed!r} is not an AllowedType ({', '.join(ALLOWED_TYPES)}) or null",
            status_code=2001,
            http_status=400,
        )
    objects = get_objects()
    with get_store().transaction():
        token = objects.find("tokens", SENDER, token_uid, body.get("type", "RFID"))
        if token is None:
            raise OcpiError(f"Unknown token {token_uid}", status_code=2004, http_status=404)
        meta = {k: v for k, v in token.meta.items() if k != "allowed"}
        if allowed is not None:
            meta["allowed"] = allowed
        objects.set_meta(token.key, meta)
    return envelope({"uid": token_uid, "allowed": allowed})


@bp.post("/commands/<command>")
def send_command(command: str):
    """Send a command to the partner CPO; the response_url points back at us."""
    if command not in COMMAND_OBJECTS:
        raise OcpiError(
            f"Unknown command {command!r}; commands: {', '.join(COMMAND_OBJECTS)}",
            status_code=2001,
            http_status=404,
        )
    config: MockConfig = current_app.config["OCPI_MOCK"]
    body = _json()
    partner = next(
        (p for p in get_store().partners() if p.registered and p.endpoint("commands", "RECEIVER")),
        None,
    )
    if partner is None:
        raise OcpiError(
            "No registered partner offers a commands Receiver", status_code=2001, http_status=404
        )
    version = partner.version or config.versions[0]
    if command not in profile(version).commands:
        raise OcpiError(
            f"OCPI {version} has no {command} command", status_code=2001, http_status=404
        )
    reference = uuid.uuid4().hex
    body["response_url"] = f"{module_url(version, 'commands', 'sender')}/{command}/{reference}"
    violations = validate(body, version, profile(version).commands[command])
    if violations:
        raise OcpiError(
            f"Invalid {profile(version).commands[command]}: {violations[0]}",
            status_code=2001,
            http_status=400,
        )
    url = f"{partner.endpoint('commands', 'RECEIVER').rstrip('/')}/{command}"
    with OcpiClient(token=partner.token_out, version=version) as client:
        try:
            response = client.post(url, body, headers=routing_headers_for(config, partner))
        except OcpiClientError as exc:
            raise OcpiError(
                f"Sending the command failed: {exc}", status_code=3001, http_status=502
            ) from exc
    return envelope(
        {
            "url": url,
            "response_url": body["response_url"],
            "http_status": response.http_status,
            "response": response.body,
        }
    )


@bp.post("/pull/<module>")
def pull(module: str):
    """Read a registered partner's Sender list of ``module``, every page (as a platform
    pulls); how many pages and objects came. {"params": {...}} adds query parameters."""
    partner = next(
        (p for p in get_store().partners() if p.registered and p.endpoint(module, "SENDER")),
        None,
    )
    if partner is None:
        raise OcpiError(
            f"No registered partner offers a {module} Sender", status_code=2001, http_status=404
        )
    config: MockConfig = current_app.config["OCPI_MOCK"]
    params = _json().get("params") or {}
    if module == "sessions":
        params.setdefault("date_from", "1970-01-01T00:00:00Z")
    url = partner.endpoint(module, "SENDER")
    pages = objects = 0
    version = partner.version or config.versions[0]
    with OcpiClient(token=partner.token_out, version=version) as plain:
        c = plain.with_headers(routing_headers_for(config, partner))
        try:
            for page in c.iter_pages(url, params=params):
                pages += 1
                data = page.body.get("data") if isinstance(page.body, dict) else None
                objects += len(data) if isinstance(data, list) else 0
        except OcpiClientError as exc:
            raise OcpiError(
                f"Pulling {module} failed: {exc}", status_code=3001, http_status=502
            ) from exc
    return envelope({"url": url, "pages": pages, "objects": objects})

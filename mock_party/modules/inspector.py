"""The inspector: ``/admin/ui``, a page to watch and steer a running mock (not OCPI).

It shows the exchanges partners made (masked when recorded, see :mod:`mock_party.recording`),
filtered by partner and module; the partners registered with their roles and endpoints; the
faults with toggles (through ``POST /admin/faults``); the objects per module; and, for a CPO,
buttons for the session simulator. ``/admin/ui/live.json`` is what the page polls for live
updates. Everything comes from the store, so any worker of a shared mock serves the same page.
Served unless ``--no-ui``; behind the admin token off loopback (:mod:`mock_party.admin_auth`).
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, current_app, redirect, render_template, request

from mock_party.config import MockConfig
from mock_party.faults import FAULTS
from mock_party.objects import RECEIVER, SENDER, Objects, get_objects
from mock_party.ocpi import OcpiError, envelope
from mock_party.recording import masker_for
from mock_party.simulate import (
    SimulationError,
    authorize_token,
    find_charge_point,
    start_authorized_session,
    stop_session,
)
from mock_party.store import Partner, get_store
from ocpi_core.exchange import Masker

bp = Blueprint(
    "inspector",
    __name__,
    url_prefix="/admin/ui",
    static_folder="../static",
    static_url_path="/static",
)

SHOWN = 100  # exchanges on the page and in one live.json answer at most
_EVSES_SHOWN = 200
_LOCATIONS_SHOWN = 100
_SESSIONS_LOOKED_AT = 200  # active sessions are looked for among the newest this many
_MODULES = (
    "locations",
    "sessions",
    "cdrs",
    "tariffs",
    "tokens",
    "commandresults",
    "reservations",
    "chargingprofiles",
    "hubclientinfo",
    "payments",
)
EVSE_STATUSES = ("AVAILABLE", "BLOCKED", "CHARGING", "INOPERATIVE", "OUTOFORDER", "PLANNED")
EVSE_STATUSES += ("REMOVED", "RESERVED", "UNKNOWN")


def _config() -> MockConfig:
    return current_app.config["OCPI_MOCK"]


def _ocpi_modules() -> list[str]:
    """The OCPI modules served here (the filter's choices)."""
    return [name for name in current_app.blueprints if not name.startswith(("admin", "inspector"))]


def _partner_label(partner: Partner) -> str:
    parties = sorted(
        {f"{r.get('country_code')}/{r.get('party_id')}" for r in partner.roles if r} or {"?"}
    )
    return f"#{partner.id} {', '.join(parties)}"


def _partner_view(partner: Partner) -> dict[str, Any]:
    return {
        "id": partner.id,
        "label": _partner_label(partner),
        "registered": partner.registered,
        "version": partner.version,
        "versions_url": partner.versions_url,
        "roles": [
            {
                "role": r.get("role"),
                "country_code": r.get("country_code"),
                "party_id": r.get("party_id"),
                "name": (r.get("business_details") or {}).get("name"),
            }
            for r in partner.roles
        ],
        "endpoints": [
            {"identifier": e.get("identifier"), "role": e.get("role"), "url": e.get("url")}
            for e in partner.endpoints
        ],
    }


def _pretty(body: str | None) -> str:
    if not body:
        return ""
    try:
        return json.dumps(json.loads(body), indent=2, ensure_ascii=False)
    except ValueError:
        return body


def _exchange_view(
    exchange: dict[str, Any], labels: dict[int, str], masker: Masker
) -> dict[str, Any]:
    # stored masked already; masked again with today's secrets, as a second lock
    partner_id = exchange["partner_id"]
    return {
        "id": exchange["id"],
        "at": exchange["at"],
        "method": exchange["method"],
        "path": masker.text(exchange["path"]),
        "module": exchange["module"],
        "status": exchange["status"],
        "partner_id": partner_id,
        "partner": labels.get(partner_id, f"#{partner_id} (gone)") if partner_id else "",
        "duration_ms": exchange["duration_ms"],
        "request_headers": {
            name: masker.header(name, value) for name, value in exchange["request_headers"].items()
        },
        "request_body": masker.text(_pretty(exchange["request_body"])),
        "response_body": masker.text(_pretty(exchange["response_body"])),
    }


def _filters() -> tuple[int, int | None, str | None]:
    def number(name: str) -> int | None:
        value = request.args.get(name, "")
        if not value:
            return None
        if not (value.isascii() and value.isdigit()) or len(value) > 18:
            raise OcpiError(
                f"{name}: {value!r} must be a whole number", status_code=2001, http_status=400
            )
        return int(value)

    module = request.args.get("module") or None
    if module is not None and module not in _ocpi_modules():
        raise OcpiError(
            f"module: {module!r} is not served here; modules: {', '.join(_ocpi_modules())}",
            status_code=2001,
            http_status=400,
        )
    return number("after") or 0, number("partner"), module


def _object_counts(objects: Objects) -> list[dict[str, Any]]:
    counts = [
        {
            "module": module,
            "sender": objects.count(module, SENDER),
            "receiver": objects.count(module, RECEIVER),
        }
        for module in _MODULES
    ]
    return [c for c in counts if c["sender"] or c["receiver"]]


def _evses(objects: Objects) -> list[dict[str, Any]]:
    """The EVSEs of our first Locations (enough to pick one from)."""
    bodies, _ = objects.page("locations", SENDER, offset=0, limit=_LOCATIONS_SHOWN)
    evses = [
        {"location_id": location["id"], "evse_uid": evse.get("uid"), "status": evse.get("status")}
        for location in map(json.loads, bodies)
        for evse in location.get("evses") or []
    ]
    return evses[:_EVSES_SHOWN]


def _active_sessions(objects: Objects) -> list[dict[str, Any]]:
    size = objects.count("sessions", SENDER)
    start = max(0, size - _SESSIONS_LOOKED_AT)
    bodies, _ = objects.page("sessions", SENDER, offset=start, limit=_SESSIONS_LOOKED_AT)
    sessions = [json.loads(body) for body in bodies]
    return [
        {
            "id": s.get("id"),
            "location_id": s.get("location_id"),
            "evse_uid": s.get("evse_uid"),
            "start_date_time": s.get("start_date_time"),
        }
        for s in sessions
        if s.get("status") == "ACTIVE"
    ]


def _live(after: int, partner_id: int | None, module: str | None) -> dict[str, Any]:
    store = get_store()
    objects = get_objects()
    config = _config()
    partners = store.partners()
    labels = {p.id: _partner_label(p) for p in partners}
    masker = masker_for(store, config)
    exchanges = store.exchanges(after=after, partner_id=partner_id, module=module, limit=SHOWN)
    cpo = "CPO" in config.roles
    return {
        "last_id": store.last_exchange_id(),
        "exchanges": [_exchange_view(e, labels, masker) for e in exchanges],
        "partners": [_partner_view(p) for p in partners],
        "faults_on": current_app.extensions["ocpi_faults"].ids(),
        "objects": _object_counts(objects),
        "evses": _evses(objects) if cpo else [],
        "active_sessions": _active_sessions(objects) if cpo else [],
    }


@bp.get("")
@bp.get("/")
def page():
    after, partner_id, module = _filters()
    config = _config()
    faults_on = set(current_app.extensions["ocpi_faults"].ids())
    return render_template(
        "inspector/page.html",
        live=_live(after, partner_id, module),
        config=config,
        modules=_ocpi_modules(),
        chosen_partner=partner_id,
        chosen_module=module or "",
        faults=[
            {
                "id": f.id,
                "description": f.description,
                "trips": f.trips,
                "on": f.id in faults_on,
            }
            for f in FAULTS.values()
        ],
        statuses=EVSE_STATUSES,
        poll_ms=1000,
    )


@bp.post("/sign-in")
def sign_in():
    # reached only when no admin token is needed (admin_auth answers the sign-in otherwise)
    return redirect("/admin/ui", code=303)


@bp.get("/live.json")
def live():
    """What changed since ``after`` (an exchange id): new exchanges (of ``partner``, of
    ``module`` when given), and the partners, faults on, object counts, EVSEs and active
    sessions as they are now."""
    return envelope(_live(*_filters()))


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if body is None and not request.get_data():
        return {}
    if not isinstance(body, dict):
        raise OcpiError("Expected a JSON object body", status_code=2001, http_status=400)
    return body


def _need_cpo() -> None:
    if "CPO" not in _config().roles:
        raise OcpiError(
            "The session simulator needs the CPO role", status_code=2001, http_status=409
        )


def _refused(exc: SimulationError) -> OcpiError:
    http_status = 404 if exc.status_code in (2003, 2004) else 400
    return OcpiError(str(exc), status_code=exc.status_code, http_status=http_status)


@bp.post("/sessions")
def begin_session():
    """Start a session and leave it ACTIVE (pushed to partners): {location_id?, evse_uid?,
    token_uid?, token_type?}; without them the first available EVSE and a known token."""
    _need_cpo()
    body = _body()
    text = {"location_id", "evse_uid", "token_uid", "token_type"}
    unknown = sorted(set(body) - text)
    if unknown or any(v is not None and not isinstance(v, str) for v in body.values()):
        raise OcpiError(
            f"Expected text fields among: {', '.join(sorted(text))}",
            status_code=2001,
            http_status=400,
        )
    try:
        point = find_charge_point(body.get("location_id"), body.get("evse_uid"))
        auth = authorize_token(
            body.get("token_uid"),
            body.get("token_type") or "RFID",
            point.location["id"],
            point.evse["uid"],
        )
        if auth.allowed != "ALLOWED":
            raise SimulationError(f"The token is {auth.allowed} here ({auth.auth_method})")
        session, deliveries = start_authorized_session(point, auth)
    except SimulationError as exc:
        raise _refused(exc) from exc
    return envelope({"session_id": session["id"], "deliveries": [d.as_dict() for d in deliveries]})


@bp.post("/sessions/<session_id>/stop")
def end_session(session_id: str):
    """Stop an ACTIVE session and send its CDR (both pushed to partners)."""
    _need_cpo()
    found = get_objects().find("sessions", SENDER, session_id)
    if found is None or found.body.get("status") != "ACTIVE":
        raise OcpiError(f"No active session {session_id}", status_code=2003, http_status=404)
    try:
        cdr, deliveries = stop_session(session_id)
    except SimulationError as exc:
        raise _refused(exc) from exc
    return envelope({"cdr_id": cdr["id"], "deliveries": [d.as_dict() for d in deliveries]})

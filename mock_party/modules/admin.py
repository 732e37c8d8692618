"""The admin API: not OCPI, for developers and tests (faults, registration, state).

It has no authentication: run the mock on loopback or behind your own gateway.
"""

from __future__ import annotations

from flask import Blueprint, current_app, request

from mock_party.config import MockConfig
from mock_party.faults import FAULTS
from mock_party.handshake import HandshakeError, new_token, register_with
from mock_party.ocpi import OcpiError, envelope
from mock_party.store import get_store
from mock_party.urls import versions_url

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

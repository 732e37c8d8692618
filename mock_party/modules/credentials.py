"""Credentials module: register, read, update and unregister (spec 2.2.1 credentials §1.2).

The mock is the Receiver of the handshake here: a partner POSTs its token B with token A, the
mock reads the partner's versions and endpoints with B, and answers with a new token C.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, g, request

from mock_party import faults
from mock_party.auth import authenticate, current_caller
from mock_party.config import MockConfig
from mock_party.handshake import HandshakeError, fetch_endpoints, new_token, our_credentials
from mock_party.ocpi import OcpiError, envelope
from mock_party.partner_locks import partner_lock
from mock_party.store import get_store
from mock_party.urls import versions_url
from mock_party.validation import validated_body
from mock_party.versions import partner_roles

bp = Blueprint("credentials", __name__, url_prefix="/ocpi/<version>/credentials")


@bp.before_request
def _authenticate() -> None:
    version = (request.view_args or {}).get("version", "")
    config: MockConfig = current_app.config["OCPI_MOCK"]
    if version not in config.versions:
        raise OcpiError(f"Version {version} is not served here", status_code=3002, http_status=404)
    g.ocpi_caller = authenticate("credentials", version)


def _not_registered() -> OcpiError:
    return OcpiError(
        "Not registered: register first with POST and token A",
        status_code=2000,
        http_status=405,
        headers={"Allow": "GET, POST"},
    )


def _refuse_taken_identity(roles: list[dict[str, Any]], caller_id: int | None) -> None:
    """One party (country_code, party_id, role) belongs to one partner: a second partner that
    claims it would read and overwrite the first one's objects."""
    wanted = {_party_key(role) for role in roles if isinstance(role, dict)}
    for partner in get_store().partners():
        if partner.id == caller_id or not partner.registered:
            continue
        taken = wanted & {_party_key(role) for role in partner.roles if isinstance(role, dict)}
        if taken:
            country_code, party_id, role = sorted(taken)[0]
            raise OcpiError(
                f"The party {country_code}/{party_id} ({role}) is already registered here by "
                "another partner; register with your own country_code and party_id",
                status_code=2000,
                http_status=409,
            )


def _party_key(role: dict[str, Any]) -> tuple[str, str, str]:
    # CiString: country_code and party_id compare without case
    return (
        str(role.get("country_code") or "").upper(),
        str(role.get("party_id") or "").upper(),
        str(role.get("role") or "").upper(),
    )


def _peer(body: dict[str, Any], version: str):
    try:
        return fetch_endpoints(
            body["url"],
            body["token"],
            (version,),
            timeout=current_app.config["OCPI_MOCK"].http_timeout,
        )
    except HandshakeError as exc:
        raise OcpiError(
            f"Cannot use your API: {exc}",
            status_code=exc.status_code,
            http_status=400 if exc.status_code == 3003 else 502,
        ) from exc


def _ours(token: str, version: str, caller_id: int | None) -> dict[str, Any]:
    """Our Credentials for the caller; a 2.3.0 hub's list the parties reachable through it,
    the caller's own left out (``OCPI_REACHABLE_ROLES``, set by the hub's app factory)."""
    config: MockConfig = current_app.config["OCPI_MOCK"]
    reachable = current_app.config.get("OCPI_REACHABLE_ROLES")
    if faults.active("hub.credentials_lists_only_itself"):
        reachable = None
    body = our_credentials(
        config, token, versions_url(), version, reachable(caller_id) if reachable else None
    )
    if faults.active("hub.credentials_without_hub_party_id"):
        body.pop("hub_party_id", None)
    return body


@bp.get("")
def get_credentials(version: str):
    caller = current_caller()
    caller_id = caller.partner.id if caller.partner is not None else None
    return envelope(_ours(caller.token or "", version, caller_id))


@bp.post("")
def register(version: str):
    caller = current_caller()
    config: MockConfig = current_app.config["OCPI_MOCK"]
    store = get_store()
    repeat = caller.kind == "partner" and caller.partner is not None
    if repeat and not faults.active("credentials.repeat_post_accepted"):
        raise OcpiError(
            "Already registered: use PUT to update or DELETE to unregister",
            status_code=2000,
            http_status=405,
            headers={"Allow": "GET, PUT, DELETE"},
        )
    body = validated_body(version, "Credentials")
    roles = partner_roles(body, version, config.roles)
    _refuse_taken_identity(roles, caller.partner.id if repeat else None)
    peer = _peer(body, version)
    token_c = new_token()
    fields = dict(
        token_in=token_c,
        token_out=body["token"],
        versions_url=body["url"],
        version=peer.version,
        endpoints=peer.endpoints,
        roles=roles,
        registered=True,
        token_form=caller.form,
    )
    with store.transaction():
        if repeat:
            store.update_partner(caller.partner.id, **fields)
        else:
            partner_id = store.add_partner(versions_url=body["url"])
            store.update_partner(partner_id, **fields)
            store.use_token_a(caller.token or "")
    return envelope(_ours(token_c, version, caller.partner.id if repeat else partner_id))


@bp.put("")
def update(version: str):
    caller = current_caller()
    if caller.kind != "partner" or caller.partner is None:
        raise _not_registered()
    config: MockConfig = current_app.config["OCPI_MOCK"]
    body = validated_body(version, "Credentials")
    roles = partner_roles(body, version, config.roles)
    _refuse_taken_identity(roles, caller.partner.id)
    peer = _peer(body, version)
    token_c = new_token()
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    with partner_lock(app, caller.partner.id):  # not while a push is sending with the old token
        get_store().update_partner(
            caller.partner.id,
            token_in=token_c,
            token_in_previous=None,  # the token just replaced stops working, whatever was held
            token_out=body["token"],
            versions_url=body["url"],
            version=peer.version,
            endpoints=peer.endpoints,
            roles=roles,
        )
    return envelope(_ours(token_c, version, caller.partner.id))


@bp.delete("")
def unregister(version: str):
    caller = current_caller()
    if caller.kind != "partner" or caller.partner is None:
        raise _not_registered()
    get_store().delete_partner(caller.partner.id)
    return envelope(message="Unregistered")

"""The hub's admin API (not OCPI, no authentication: loopback only) and its ClientInfo pushes.

``GET /admin/hub/parties``: every party the hub holds, with its ClientInfo status.
``POST /admin/hub/clients/<cc>/<pid>`` ``{"status": "OFFLINE"}``: change a party's status and
tell the registered platforms. After a platform registers, updates or unregisters
(credentials), its parties' status follows and the other platforms are told; a newly
registered platform is sent the ClientInfo of every other party.
"""

from __future__ import annotations

import logging
import re

from flask import Blueprint, Flask, Response, current_app, request

from mock_party.hub import clients, hub_faults
from mock_party.ocpi import OcpiError, envelope
from mock_party.partner_locks import partner_lock
from mock_party.push import later
from mock_party.store import Partner, Store, get_store
from mock_party.versions import profile
from ocpi_core.client import OcpiClient, OcpiClientError

__all__ = ["after_registration", "bp", "push_client_info"]

log = logging.getLogger(__name__)
bp = Blueprint("hub_admin", __name__, url_prefix="/admin/hub")
_CREDENTIALS = re.compile(r"^/ocpi/[^/]+/credentials/?$")
_PUSH_DELAY = 0.2  # the platform learns its token C from our answer: let that arrive first


@bp.get("/parties")
def parties():
    local = {p.party.key for p in current_app.config["OCPI_HUB_PARTIES"]}
    return envelope(
        [
            {**info.as_object(), "played_by": "hub" if info.key in local else "platform"}
            for info in clients.all_clients(get_store())
        ]
    )


@bp.post("/clients/<country_code>/<party_id>")
def set_client_status(country_code: str, party_id: str):
    body = request.get_json(silent=True) or {}
    status = body.get("status")
    if status not in clients.STATUSES:
        raise OcpiError(
            f"status: {status!r}; allowed: {', '.join(clients.STATUSES)}",
            status_code=2001,
            http_status=400,
        )
    store = get_store()
    info = clients.client(store, country_code, party_id)
    if info is None:
        raise OcpiError(
            f"No party {country_code}/{party_id} here", status_code=2000, http_status=404
        )
    clients.set_status(store, info.country_code, info.party_id, info.role, status, info.partner_id)
    updated = clients.client(store, country_code, party_id)
    assert updated is not None
    deliveries = push_client_info(store, updated)
    return envelope({**updated.as_object(), "pushed_to": deliveries})


def _put(partner: Partner, info: clients.ClientInfo) -> int | None:
    base = partner.endpoint("hubclientinfo", "RECEIVER")
    if base is None or not partner.token_out:
        return None
    version = partner.version or "2.2.1"
    url = f"{base.rstrip('/')}/{info.country_code}/{info.party_id}"
    form = partner.token_form if partner.token_form in ("base64", "plain") else None
    config = current_app.config["OCPI_MOCK"]
    receiver = next(
        ((str(r.get("country_code")), str(r.get("party_id"))) for r in partner.roles), None
    )
    shaped = hub_faults.clientinfo_push(
        info.as_object(), (config.country_code, config.party_id), receiver
    )
    if shaped is None:
        return None
    body, headers = shaped
    with OcpiClient(token=partner.token_out, version=version, timeout=5.0) as client:
        try:
            response = client.request(
                "PUT",
                url,
                json_body=body,
                headers=headers,
                token_form=form or profile(version).token_form,  # type: ignore[arg-type]
            )
        except OcpiClientError as exc:
            log.warning("ClientInfo PUT %s failed: %s", url, exc)
            return None
    return response.http_status


def _send(store: Store, partner_id: int, info: clients.ClientInfo) -> int | None:
    """PUT ``info`` to the platform with the token it gave us last, read under the partner's
    lock (see :mod:`mock_party.partner_locks`): a push job may run while that platform
    updates its credentials."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    with partner_lock(app, partner_id):
        partner = store.partner(partner_id)
        return _put(partner, info) if partner is not None else None


def push_client_info(
    store: Store, info: clients.ClientInfo, only: Partner | None = None
) -> list[dict]:
    """PUT ``info`` to the ClientInfo Receiver of every platform it is not about."""
    targets = [only] if only is not None else clients.receivers(store, info)
    return [{"partner_id": p.id, "http_status": _send(store, p.id, info)} for p in targets]


def _sync(store: Store, registered: int | None) -> None:
    """Statuses after a credentials change; push what changed, and everything to a newcomer."""
    changed = []
    seen = set()
    for partner in store.partners():
        if not partner.registered:
            continue
        for role in partner.roles:
            cc, pid = str(role.get("country_code", "")), str(role.get("party_id", ""))
            seen.add((cc.upper(), pid.upper()))
            if clients.set_status(store, cc, pid, str(role.get("role")), "CONNECTED", partner.id):
                changed.append(clients.client(store, cc, pid))
    for info in clients.all_clients(store):
        if info.partner_id is not None and info.key not in seen and info.status != "SUSPENDED":
            clients.set_status(
                store, info.country_code, info.party_id, info.role, "SUSPENDED", info.partner_id
            )
            changed.append(clients.client(store, info.country_code, info.party_id))
    for info in changed:
        if info is not None:
            push_client_info(store, info)
    newcomer = store.partner(registered) if registered is not None else None
    if newcomer is not None:
        for info in clients.all_clients(store):
            if info.partner_id != newcomer.id:
                push_client_info(store, info, only=newcomer)


def after_registration(response: Response) -> Response:
    """After a successful credentials POST/PUT/DELETE, let the ClientInfo follow."""
    if request.method not in ("POST", "PUT", "DELETE") or response.status_code >= 300:
        return response
    if not _CREDENTIALS.match(request.path):
        return response
    store = get_store()
    registered = None
    if request.method == "POST":
        body = response.get_json(silent=True) or {}
        token_c = (body.get("data") or {}).get("token")
        partner = store.partner_by_token(token_c) if token_c else None
        registered = partner.id if partner is not None else None
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    later(app, _PUSH_DELAY, sync_clients, registered)
    return response


def sync_clients(registered: int | None) -> None:
    """The asynchronous half of :func:`after_registration` (a job: any worker may run it)."""
    _sync(get_store(), registered)

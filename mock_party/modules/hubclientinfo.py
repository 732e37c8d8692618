"""HubClientInfo module (spec 2.2.1 §14), Receiver side: what a Hub tells about other parties.

``GET``/``PUT`` on ``/receiver/hubclientinfo/{country_code}/{party_id}``. The URL names the party
the ClientInfo is about, not the caller (a Hub reports on others), so the ownership rule of the
client-owned modules does not apply; the body's country_code and party_id must match the URL.
Only a partner that registered as a Hub (role HUB) may write; others read what a Hub wrote.
"""

from __future__ import annotations

from mock_party.auth import current_caller
from mock_party.modules._objects import (
    bare_receiver_route,
    caller_partner_id,
    check_identity,
    module_blueprint,
    not_found,
    put_body,
    receiver_key,
)
from mock_party.objects import get_objects
from mock_party.ocpi import OcpiError, envelope
from mock_party.store import get_store

bp = module_blueprint("hubclientinfo", __name__, routed=False)
MODULE = "hubclientinfo"


bare_receiver_route(bp, MODULE, "{country_code}/{party_id}")
_ROUTE = "/receiver/hubclientinfo/<country_code>/<party_id>"


@bp.get(_ROUTE)
def receiver_get_client_info(version: str, country_code: str, party_id: str):
    found = get_objects().get(receiver_key(MODULE, country_code, party_id, ""))
    if found is None:
        raise not_found(f"client info of {country_code}/{party_id}")
    return envelope(found.body)


@bp.put(_ROUTE)
def receiver_put_client_info(version: str, country_code: str, party_id: str):
    partner = current_caller().partner
    roles = partner.roles if partner is not None else []
    if not any(isinstance(r, dict) and str(r.get("role")).upper() == "HUB" for r in roles):
        raise OcpiError(
            "Only a Hub may push ClientInfo: this partner did not register as one (a role HUB "
            "in 2.2.1, a hub_party_id in 2.3.0)",
            status_code=2000,
            http_status=403,
        )
    body = put_body("ClientInfo")
    check_identity(body, {"country_code": country_code, "party_id": party_id})
    with get_store().transaction():
        created = get_objects().put(
            receiver_key(MODULE, country_code, party_id, ""), body, partner_id=caller_partner_id()
        )
    return envelope(
        message="Created" if created else "Updated", http_status=201 if created else 200
    )

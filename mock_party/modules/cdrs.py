"""CDRs module (spec 2.2.1 §10): Sender (CPO) and Receiver (eMSP).

Sender: ``GET /sender/cdrs`` (paginated). Receiver: ``POST /receiver/cdrs`` stores a CDR and
answers its URL in the ``Location`` header (HTTP 201); ``GET`` on that URL
(``/receiver/cdrs/{country_code}/{party_id}/{cdr_id}``) returns it. CDRs are immutable: the same
CDR posted again is acknowledged, a different one under a known id is refused (2001).
"""

from __future__ import annotations

from urllib.parse import quote

from mock_party.auth import current_caller
from mock_party.modules._objects import (
    caller_partner_id,
    module_blueprint,
    put_body,
    receiver_get,
    receiver_key,
    require_owner,
    version_of_request,
    version_profile,
)
from mock_party.objects import SENDER, get_objects
from mock_party.ocpi import OcpiError, envelope
from mock_party.pagination import paginated
from mock_party.payments_flow import on_cdr_received
from mock_party.store import get_store
from mock_party.urls import module_url

bp = module_blueprint("cdrs", __name__)
MODULE = "cdrs"


@bp.get("/sender/cdrs")
@bp.get("/sender/cdrs/")
def sender_list(version: str):
    return paginated(get_objects(), MODULE, SENDER)


def _owner(body: dict) -> tuple[str, str]:
    """Whose CDR this is: its owner fields, or (2.1.1 CDRs have none) the caller's party."""
    if version_profile().owner_fields:
        return body["country_code"], body["party_id"]
    caller = current_caller()
    roles = caller.partner.roles if caller.partner is not None else []
    role = roles[0] if roles else {}
    return str(role.get("country_code") or "XX"), str(role.get("party_id") or "XXX")


@bp.post("/receiver/cdrs")
@bp.post("/receiver/cdrs/")
def receiver_post(version: str):
    body = put_body("CDR")
    country_code, party_id = _owner(body)
    cdr_id = body["id"]
    require_owner(country_code, party_id)
    key = receiver_key(MODULE, country_code, party_id, cdr_id)
    objects = get_objects()
    with get_store().transaction():
        existing = objects.get(key)
        if existing is None:
            objects.put(key, body, partner_id=caller_partner_id())
        elif existing.body != body:
            raise OcpiError(
                f"CDR {cdr_id} exists with other content; CDRs are immutable: correct it with a "
                "credit CDR under a new id",
                status_code=2001,
                http_status=400,
            )
    if existing is None and "payments" in version_profile().modules:
        on_cdr_received(body, caller_partner_id())  # as PTP: a card payment to capture
    url = "/".join(
        [module_url(version_of_request(), MODULE, "receiver")]
        + [quote(part, safe="") for part in (country_code, party_id, cdr_id)]
    )
    response, status = envelope(
        message="Created" if existing is None else "Already received",
        http_status=201 if existing is None else 200,
    )
    response.headers["Location"] = url
    return response, status


@bp.route("/receiver/cdrs", methods=["GET", "PUT", "PATCH", "DELETE"])
@bp.route("/receiver/cdrs/", methods=["GET", "PUT", "PATCH", "DELETE"])
def receiver_base(version: str):
    raise OcpiError(
        "CDRs are POSTed to this URL; each is then read at the URL of its Location header",
        status_code=2000,
        http_status=405,
        headers={"Allow": "POST"},
    )


@bp.get("/receiver/cdrs/<country_code>/<party_id>/<cdr_id>")
def receiver_get_cdr(version: str, country_code: str, party_id: str, cdr_id: str):
    key = receiver_key(MODULE, country_code, party_id, cdr_id)
    return receiver_get(key, f"CDR {country_code}/{party_id}/{cdr_id}")

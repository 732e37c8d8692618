"""Tokens module (spec 2.2.1 §12): Sender (eMSP) and Receiver (CPO).

Sender: ``GET /sender/tokens`` (paginated) and the real-time authorization
``POST /sender/tokens/{token_uid}/authorize[?type=…]`` with an optional LocationReferences body,
answered with an AuthorizationInfo; an unknown token gets HTTP 404 with OCPI 2004 and no data.
Receiver: ``GET``/``PUT``/``PATCH`` on ``/receiver/tokens/{country_code}/{party_id}/{token_uid}
[?type=…]``. ``type`` is RFID when absent; uid and type together identify a token.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from flask import request

from mock_party import faults
from mock_party.modules._objects import (
    bare_receiver_route,
    check_valid,
    module_blueprint,
    own_key,
    printable,
    receiver_get,
    receiver_key,
    receiver_patch,
    receiver_put,
    token_type_parameter,
    version_profile,
)
from mock_party.objects import SENDER, StoredObject, get_objects, serialize
from mock_party.ocpi import OcpiError, envelope
from mock_party.pagination import paginated
from mock_party.versions import profile

bp = module_blueprint("tokens", __name__)
MODULE = "tokens"
ALLOWED_TYPES = ("ALLOWED", "BLOCKED", "EXPIRED", "NO_CREDIT", "NOT_ALLOWED")


def allowed_for(token: StoredObject) -> str:
    """The AllowedType the mock answers for ``token``: the state set by seeding or the admin
    API (meta ``allowed``), else ALLOWED for a valid token and BLOCKED for an invalid one."""
    state = token.meta.get("allowed")
    if state in ALLOWED_TYPES:
        return state
    return "ALLOWED" if token.body.get("valid") else "BLOCKED"


def authorization_info(
    token: StoredObject, location: dict[str, Any] | None, version: str = "2.2.1"
) -> dict[str, Any]:
    """The AuthorizationInfo of ``version`` (2.1.1: without the token and the reference)."""
    allowed = allowed_for(token)
    with_token = profile(version).authorization_token
    info: dict[str, Any] = {"allowed": allowed}
    if with_token:
        info["token"] = json.loads(serialize(MODULE, json.dumps(token.body), version=version))
    if location is not None and allowed == "ALLOWED":
        info["location"] = location
        if faults.active("tokens.authorize_location_widened"):
            info["location"] = {**location, "evse_uids": [*location.get("evse_uids", []), "ZZ9"]}
    if allowed == "ALLOWED" and with_token:
        info["authorization_reference"] = uuid.uuid4().hex
    else:
        info["info"] = {"language": "en", "text": f"Token not allowed to charge: {allowed}"}
    return info


# ---- Sender --------------------------------------------------------------------------------


@bp.get("/sender/tokens")
@bp.get("/sender/tokens/")
def sender_list(version: str):
    return paginated(get_objects(), MODULE, SENDER)


@bp.post("/sender/tokens/<token_uid>/authorize")
def authorize(version: str, token_uid: str):
    type_ = token_type_parameter()
    location: dict[str, Any] | None = None
    if request.get_data().strip():
        location = request.get_json(silent=True)
        if not isinstance(location, dict):
            raise OcpiError(
                "The body must be a LocationReferences object (or empty)",
                status_code=2001,
                http_status=400,
            )
        check_valid(location, "LocationReferences")
    token = _own_token(token_uid, type_)
    if token is None:
        # spec 2.2.1 §12.2.1.2: HTTP 404, OCPI 2004 Unknown Token, no data
        raise OcpiError(
            f"Unknown token {printable(token_uid)} ({type_})", status_code=2004, http_status=404
        )
    return envelope(authorization_info(token, location, version))


def _own_token(token_uid: str, type_: str) -> StoredObject | None:
    """One of our tokens by uid and the type the request's version calls it (2.1.1 knows only
    RFID and OTHER: an APP_USER token is OTHER there)."""
    objects = get_objects()
    if version_profile().token_key_type:
        return objects.get(own_key(MODULE, token_uid, type_))
    for candidate in ("RFID",) if type_ == "RFID" else ("OTHER", "APP_USER", "AD_HOC_USER"):
        found = objects.get(own_key(MODULE, token_uid, candidate))
        if found is not None:
            return found
    return None


# ---- Receiver ------------------------------------------------------------------------------

bare_receiver_route(bp, MODULE, "{country_code}/{party_id}/{token_uid}")
_ROUTE = "/receiver/tokens/<country_code>/<party_id>/<token_uid>"


def _identity(country_code: str, party_id: str, token_uid: str, type_: str) -> dict[str, str]:
    return {"country_code": country_code, "party_id": party_id, "uid": token_uid, "type": type_}


@bp.get(_ROUTE)
def receiver_get_token(version: str, country_code: str, party_id: str, token_uid: str):
    type_ = token_type_parameter()
    key = receiver_key(MODULE, country_code, party_id, token_uid, type_)
    return receiver_get(key, f"token {country_code}/{party_id}/{token_uid} ({type_})", 2004)


@bp.put(_ROUTE)
def receiver_put_token(version: str, country_code: str, party_id: str, token_uid: str):
    type_ = token_type_parameter()
    key = receiver_key(MODULE, country_code, party_id, token_uid, type_)
    return receiver_put(key, "Token", _identity(country_code, party_id, token_uid, type_))


@bp.patch(_ROUTE)
def receiver_patch_token(version: str, country_code: str, party_id: str, token_uid: str):
    type_ = token_type_parameter()
    key = receiver_key(MODULE, country_code, party_id, token_uid, type_)
    return receiver_patch(
        key,
        "TokenPatch",
        "Token",
        _identity(country_code, party_id, token_uid, type_),
        f"token {country_code}/{party_id}/{token_uid} ({type_})",
        status_code=2004,
    )

"""Sessions module (spec 2.2.1 §9): Sender (CPO) and Receiver (eMSP).

Sender: ``GET /sender/sessions`` (paginated; ``date_from`` is accepted as optional) and
``PUT /sender/sessions/{session_id}/charging_preferences``. Receiver: ``GET``/``PUT``/``PATCH`` on
``/receiver/sessions/{country_code}/{party_id}/{session_id}``; a PATCH with ``charging_periods``
appends them, a PUT replaces the list (§9.2.2).
"""

from __future__ import annotations

from typing import Any

from mock_party.modules._objects import (
    bare_receiver_route,
    module_blueprint,
    not_found,
    own_key,
    put_body,
    receiver_get,
    receiver_key,
    receiver_patch,
    receiver_put,
    version_profile,
)
from mock_party.modules.locations import find_evse
from mock_party.objects import SENDER, get_objects
from mock_party.ocpi import OcpiError, envelope
from mock_party.pagination import paginated

bp = module_blueprint("sessions", __name__)
MODULE = "sessions"


def merge_session(current: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """A Session PATCH: fields replaced, except ``charging_periods``, which are appended."""
    merged = {**current, **{k: v for k, v in patch.items() if k != "charging_periods"}}
    added = patch.get("charging_periods") or []
    if added:
        merged["charging_periods"] = [*(current.get("charging_periods") or []), *added]
    return merged


# ---- Sender --------------------------------------------------------------------------------


@bp.get("/sender/sessions")
@bp.get("/sender/sessions/")
def sender_list(version: str):
    return paginated(get_objects(), MODULE, SENDER)


@bp.put("/sender/sessions/<session_id>/charging_preferences")
def charging_preferences(version: str, session_id: str):
    if not version_profile().charging_preferences:
        raise OcpiError(
            f"OCPI {version} has no charging preferences", status_code=2000, http_status=404
        )
    put_body("ChargingPreferences")
    objects = get_objects()
    session = objects.get(own_key(MODULE, session_id))
    if session is None:
        raise not_found(f"session {session_id}")
    location = objects.get(own_key("locations", session.body["location_id"]))
    evse = find_evse(location.body, session.body["evse_uid"]) if location else None
    if evse is None or "CHARGING_PREFERENCES_CAPABLE" not in (evse.get("capabilities") or []):
        # spec 2.2.1 §9.2.1.2: HTTP 404 with OCPI 2001 for an EVSE without the capability
        raise OcpiError(
            "The EVSE of this session does not support charging preferences",
            status_code=2001,
            http_status=404,
        )
    return envelope("ACCEPTED")


# ---- Receiver ------------------------------------------------------------------------------

bare_receiver_route(bp, MODULE, "{country_code}/{party_id}/{session_id}")
_ROUTE = "/receiver/sessions/<country_code>/<party_id>/<session_id>"


def _identity(country_code: str, party_id: str, session_id: str) -> dict[str, str]:
    return {"country_code": country_code, "party_id": party_id, "id": session_id}


@bp.get(_ROUTE)
def receiver_get_session(version: str, country_code: str, party_id: str, session_id: str):
    key = receiver_key(MODULE, country_code, party_id, session_id)
    return receiver_get(key, f"session {country_code}/{party_id}/{session_id}")


@bp.put(_ROUTE)
def receiver_put_session(version: str, country_code: str, party_id: str, session_id: str):
    key = receiver_key(MODULE, country_code, party_id, session_id)
    return receiver_put(key, "Session", _identity(country_code, party_id, session_id))


@bp.patch(_ROUTE)
def receiver_patch_session(version: str, country_code: str, party_id: str, session_id: str):
    key = receiver_key(MODULE, country_code, party_id, session_id)
    return receiver_patch(
        key,
        "SessionPatch",
        "Session",
        _identity(country_code, party_id, session_id),
        f"session {country_code}/{party_id}/{session_id}",
        merge=merge_session,
    )

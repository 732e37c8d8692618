"""ChargingProfiles module (spec 2.2.1 §15), Receiver side (CPO).

``GET /receiver/chargingprofiles/{session_id}?duration=…&response_url=…`` (active profile),
``PUT …/{session_id}`` with a SetChargingProfile, ``DELETE …/{session_id}?response_url=…``. Each
answers a ChargingProfileResponse at once (UNKNOWN_SESSION for a session we do not have, else
ACCEPTED), and ``command_delay`` seconds later POSTs the result (ActiveChargingProfileResult,
ChargingProfileResult or ClearProfileResult) to the response_url.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, request

from mock_party.auth import current_caller
from mock_party.config import MockConfig
from mock_party.modules._objects import bare_receiver_route, module_blueprint, own_key, put_body
from mock_party.objects import get_objects, now_datetime
from mock_party.ocpi import OcpiError, envelope
from mock_party.push import later, post_result
from mock_party.scoping import caller_foreign, session_refusal
from mock_party.store import get_store

bp = module_blueprint("chargingprofiles", __name__)
MODULE = "chargingprofiles"
TIMEOUT = 30
_ROUTE = "/receiver/chargingprofiles/<session_id>"


def _answer(result: str) -> tuple[Any, int]:
    return envelope({"result": result, "timeout": TIMEOUT})


def _required(name: str) -> str:
    value = request.args.get(name)
    if not value:
        raise OcpiError(f"Query parameter {name} is required", status_code=2001, http_status=400)
    return value


def _session_known(session_id: str) -> bool:
    """Whether the session exists; refused when it is another eMSP's."""
    session = get_objects().get(own_key("sessions", session_id))
    if session is None:
        return False
    refusal = session_refusal(session_id, session.body, caller_foreign())
    if refusal is not None:
        raise OcpiError(refusal, status_code=2000, http_status=403, data={"result": "REJECTED"})
    return True


def _reply_later(url: str, body: dict[str, Any]) -> None:
    config: MockConfig = current_app.config["OCPI_MOCK"]
    caller = current_caller()
    if caller.partner is None:
        return
    later(
        current_app._get_current_object(),  # type: ignore[attr-defined]
        config.command_delay,
        _post,
        caller.partner.id,
        url,
        body,
    )


def _post(partner_id: int, url: str, body: dict[str, Any]) -> None:
    partner = get_store().partner(partner_id)
    if partner is not None and partner.token_out:
        post_result(partner, current_app.config["OCPI_MOCK"], url, body)


def _default_profile() -> dict[str, Any]:
    return {
        "charging_rate_unit": "W",
        "charging_profile_period": [{"start_period": 0, "limit": 11000}],
    }


bare_receiver_route(bp, MODULE, "{session_id}")


@bp.get(_ROUTE)
def active_profile(version: str, session_id: str):
    duration = _required("duration")
    if not duration.isdigit():
        raise OcpiError("duration must be a number of seconds", status_code=2001, http_status=400)
    response_url = _required("response_url")
    if not _session_known(session_id):
        return _answer("UNKNOWN_SESSION")
    stored = get_objects().get(own_key(MODULE, session_id))
    profile = stored.body["charging_profile"] if stored else _default_profile()
    result = {
        "result": "ACCEPTED",
        "profile": {"start_date_time": now_datetime(), "charging_profile": profile},
    }
    _reply_later(response_url, result)
    return _answer("ACCEPTED")


@bp.put(_ROUTE)
def set_profile(version: str, session_id: str):
    body = put_body("SetChargingProfile")
    if not _session_known(session_id):
        return _answer("UNKNOWN_SESSION")
    with get_store().transaction():
        get_objects().put(
            own_key(MODULE, session_id),
            {"charging_profile": body["charging_profile"], "last_updated": now_datetime()},
        )
    _reply_later(body["response_url"], {"result": "ACCEPTED"})
    return _answer("ACCEPTED")


@bp.delete(_ROUTE)
def clear_profile(version: str, session_id: str):
    response_url = _required("response_url")
    if not _session_known(session_id):
        return _answer("UNKNOWN_SESSION")
    with get_store().transaction():
        get_objects().delete(own_key(MODULE, session_id))
    _reply_later(response_url, {"result": "ACCEPTED"})
    return _answer("ACCEPTED")

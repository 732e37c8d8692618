"""Commands module (spec 2.2.1 §13): Receiver (CPO) and Sender (eMSP).

Receiver: ``POST /receiver/commands/{command}`` for START_SESSION, STOP_SESSION, RESERVE_NOW,
CANCEL_RESERVATION and UNLOCK_CONNECTOR. The answer is the CPO's own CommandResponse at once
(ACCEPTED; REJECTED with OCPI 2003 for an unknown location; UNKNOWN_SESSION for STOP_SESSION of
an unknown session); ``command_delay`` seconds later the charge point's CommandResult
(``command_result``, ACCEPTED by default) is POSTed to the ``response_url``, and an accepted
START_SESSION or STOP_SESSION then runs the session simulator.

Sender: ``POST /sender/commands/{anything}`` receives CommandResults; the mock's own commands
to a CPO are sent with the admin API (``POST /admin/commands/{command}``), with a response_url
under that path.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import current_app, request

from mock_party.auth import current_caller
from mock_party.config import MockConfig
from mock_party.modules._objects import (
    bare_receiver_route,
    module_blueprint,
    own_key,
    put_body,
    version_profile,
)
from mock_party.modules.locations import find_connector, find_evse
from mock_party.objects import RECEIVER, ObjectKey, get_objects, now_datetime
from mock_party.ocpi import OcpiError, envelope
from mock_party.push import later, post_result
from mock_party.scoping import caller_foreign, session_refusal
from mock_party.shapes import command_result_211, token_from_211
from mock_party.simulate import (
    SimulationError,
    set_evse_status,
    start_session,
    stop_session,
)
from mock_party.store import get_store
from mock_party.versions import profile

bp = module_blueprint("commands", __name__)
MODULE = "commands"
TIMEOUT = 30  # seconds the eMSP should wait for the CommandResult

log = logging.getLogger(__name__)

COMMAND_OBJECTS = {
    "CANCEL_RESERVATION": "CancelReservation",
    "RESERVE_NOW": "ReserveNow",
    "START_SESSION": "StartSession",
    "STOP_SESSION": "StopSession",
    "UNLOCK_CONNECTOR": "UnlockConnector",
}


def _response(result: str, message: str | None = None) -> dict[str, Any]:
    """The CommandResponse of the request's version (2.1.1: the result alone)."""
    response: dict[str, Any] = {"result": result}
    if version_profile().command_response_timeout:
        response["timeout"] = TIMEOUT
        if message:
            response["message"] = [{"language": "en", "text": message}]
    return response


class _Refused(Exception):
    """The CPO refuses the command itself: answered at once, no CommandResult follows."""

    def __init__(self, result: str, message: str, status_code: int = 1000, http: int = 200):
        super().__init__(message)
        self.result = result
        self.status_code = status_code
        self.http = http


def _charge_point(body: dict[str, Any], *, connector_needed: bool = False) -> None:
    """Refuse a command for a location, EVSE or connector we do not have."""
    location = get_objects().get(own_key("locations", body["location_id"]))
    if location is None:
        # spec 2.2.1 §13.1 (UNLOCK_CONNECTOR Unknown Location): 2003 with REJECTED
        raise _Refused("REJECTED", f"Unknown location {body['location_id']}", 2003, 404)
    evse_uid = body.get("evse_uid")
    connector_id = body.get("connector_id")
    if connector_id and not evse_uid:
        raise _Refused("REJECTED", "connector_id given without evse_uid")
    if evse_uid:
        evse = find_evse(location.body, evse_uid)
        if evse is None:
            raise _Refused("REJECTED", f"Unknown EVSE {evse_uid}")
        if connector_id and find_connector(evse, connector_id) is None:
            raise _Refused("REJECTED", f"Unknown connector {connector_id}")
    elif connector_needed:
        raise _Refused("REJECTED", "evse_uid and connector_id are required")


def _own_token(token: Any) -> None:
    """Refuse a session or reservation started with another eMSP partner's token."""
    if not isinstance(token, dict) or "party_id" not in token:
        return  # 2.1.1: the token takes the caller's party
    party = (str(token.get("country_code", "")).upper(), str(token["party_id"]).upper())
    if party in caller_foreign():
        raise _Refused(
            "REJECTED",
            f"The token is one of {party[0]}/{party[1]}, another eMSP: an eMSP starts "
            "sessions and reservations with its own tokens only",
            2000,
            403,
        )


def _check(command: str, body: dict[str, Any]) -> None:
    if command in ("START_SESSION", "RESERVE_NOW"):
        _charge_point(body)
        _own_token(body.get("token"))
    elif command == "UNLOCK_CONNECTOR":
        _charge_point(body, connector_needed=True)
    elif command == "STOP_SESSION":
        session = get_objects().get(own_key("sessions", body["session_id"]))
        if session is None:
            raise _Refused("UNKNOWN_SESSION", f"Unknown session {body['session_id']}")
        refusal = session_refusal(body["session_id"], session.body, caller_foreign())
        if refusal is not None:
            raise _Refused("REJECTED", refusal, 2000, 403)
        if session.body.get("status") not in ("ACTIVE", "PENDING"):
            raise _Refused("REJECTED", f"Session is {session.body.get('status')}")


bare_receiver_route(bp, MODULE, "{command}")


@bp.post("/receiver/commands/<command>")
def receive_command(version: str, command: str):
    commands = version_profile().commands
    if command not in commands:
        raise OcpiError(
            f"Unknown command {command!r}; commands: {', '.join(commands)}",
            status_code=2000,
            http_status=404,
        )
    body = put_body(commands[command])
    try:
        _check(command, body)
    except _Refused as refused:
        return envelope(
            _response(refused.result, str(refused)),
            status_code=refused.status_code,
            message=str(refused) if refused.status_code != 1000 else "Success",
            http_status=refused.http,
        )
    config: MockConfig = current_app.config["OCPI_MOCK"]
    caller = current_caller()
    partner_id = caller.partner.id if caller.partner is not None else None
    if "token" in body and not version_profile().owner_fields:
        body = {**body, "token": token_from_211(body["token"], *_caller_party(caller))}
    if "reservation_id" in body:
        body = {**body, "reservation_id": str(body["reservation_id"])}  # an int in 2.1.1
    later(
        current_app._get_current_object(),  # type: ignore[attr-defined]
        config.command_delay,
        _carry_out,
        command,
        body,
        partner_id,
    )
    return envelope(_response("ACCEPTED"))


def _carry_out(command: str, body: dict[str, Any], partner_id: int | None) -> None:
    """The charge point's part: what the command does, then the CommandResult (so that when
    the result arrives, the Session, the CDR or the reservation is already there)."""
    config: MockConfig = current_app.config["OCPI_MOCK"]
    result = config.command_result
    if result == "ACCEPTED":
        try:
            result = _effect(command, body)
        except SimulationError as exc:
            log.info("%s could not be carried out: %s", command, exc)
            result = "EVSE_OCCUPIED" if "not AVAILABLE" in str(exc) else "FAILED"
    partner = get_store().partner(partner_id) if partner_id is not None else None
    if partner is not None and partner.token_out:
        if partner.version and profile(partner.version).command_result == "CommandResponse":
            result = command_result_211(result)
        post_result(partner, config, body["response_url"], {"result": result})


def _caller_party(caller: Any) -> tuple[str, str]:
    roles = caller.partner.roles if caller.partner is not None else []
    role = roles[0] if roles else {}
    return str(role.get("country_code") or "XX"), str(role.get("party_id") or "XXX")


def _effect(command: str, body: dict[str, Any]) -> str:
    """Carry out an accepted command; the CommandResultType to report."""
    if command == "START_SESSION":
        _start(body)
    elif command == "STOP_SESSION":
        stop_session(body["session_id"])
    elif command == "RESERVE_NOW":
        _reserve(body)
    elif command == "CANCEL_RESERVATION" and not _cancel(body["reservation_id"]):
        return "UNKNOWN_RESERVATION"
    return "ACCEPTED"


def _start(body: dict[str, Any]) -> None:
    token = dict(body["token"])
    start_session(
        token=token,
        auth_method="COMMAND",
        location_id=body["location_id"],
        evse_uid=body.get("evse_uid"),
        connector_id=body.get("connector_id"),
        authorization_reference=body.get("authorization_reference"),
    )


def _reservation(reservation_id: str):
    return get_objects().get(own_key("reservations", reservation_id))


def _reserve(body: dict[str, Any]) -> None:
    reservation = {**body, "last_updated": now_datetime()}
    with get_store().transaction():
        get_objects().put(own_key("reservations", body["reservation_id"]), reservation)
    if body.get("evse_uid"):
        set_evse_status(body["location_id"], body["evse_uid"], "RESERVED")


def _cancel(reservation_id: str) -> bool:
    found = _reservation(reservation_id)
    if found is None:
        return False
    with get_store().transaction():
        get_objects().delete(found.key)
    if found.body.get("evse_uid"):
        set_evse_status(found.body["location_id"], found.body["evse_uid"], "AVAILABLE")
    return True


# ---- Sender: CommandResults arriving at our response_url -------------------------------------


@bp.post("/sender/commands")
@bp.post("/sender/commands/<path:reference>")
def receive_result(version: str, reference: str = ""):
    body = put_body(version_profile().command_result)
    caller = current_caller()
    roles = caller.partner.roles if caller.partner is not None else []
    owner = roles[0] if roles else {}
    key = ObjectKey(
        "commandresults",
        RECEIVER,
        str(owner.get("country_code", "")),
        str(owner.get("party_id", "")),
        reference or request.path,
    )
    with get_store().transaction():
        get_objects().put(
            key,
            {**body, "last_updated": now_datetime()},
            partner_id=caller.partner.id if caller.partner is not None else None,
        )
    return envelope(message="CommandResult received")


@bp.route("/sender/commands", methods=["GET", "PUT", "PATCH", "DELETE"])
@bp.route("/sender/commands/<path:reference>", methods=["GET", "PUT", "PATCH", "DELETE"])
def sender_other_methods(version: str, reference: str = ""):
    raise OcpiError(
        "CommandResults are POSTed here",
        status_code=2000,
        http_status=405,
        headers={"Allow": "POST"},
    )

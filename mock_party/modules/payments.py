"""Payments module (spec 2.3.0 payments): Sender (the mock as eMSP/PTP) and Receiver (CPO).

The spec announces the module's two resources through the one ``payments`` identifier; the
mock lists one base URL per interface and puts ``terminals`` and
``financial-advice-confirmations`` below it, as the spec's examples do. Only 2.3.0 has it.

Sender (the Payment Terminal Provider owns Terminals and Financial Advice Confirmations):
``GET /sender/payments/terminals`` (paginated), ``GET …/terminals/{terminal_id}``,
``POST …/terminals/activate`` (a Terminal without id: the PTP gives it one, answers it and
creates it on the caller's Receiver), ``POST …/terminals/{terminal_id}/deactivate`` (the
Terminal leaves the list), ``PUT``/``PATCH …/terminals/{terminal_id}`` (the CPO updates its
data or assigns locations/EVSEs; PATCH needs ``last_updated``), ``GET
…/financial-advice-confirmations`` (paginated) and ``GET …/{id}``.

Receiver (CPO): ``POST``/``GET /receiver/payments/terminals[/{terminal_id}]`` and
``POST``/``GET /receiver/payments/financial-advice-confirmations[/{id}]``, kept per caller.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import current_app, request

from mock_party import faults
from mock_party.auth import current_caller
from mock_party.modules._objects import (
    caller_partner_id,
    check_valid,
    merge_shallow,
    module_blueprint,
    not_found,
    own_key,
    patch_body,
    put_body,
    receiver_key,
)
from mock_party.objects import SENDER, ObjectKey, get_objects, now_datetime
from mock_party.ocpi import OcpiError, envelope
from mock_party.pagination import paginated
from mock_party.payments_flow import FACS, TERMINALS, create_on_partner
from mock_party.store import get_store

bp = module_blueprint("payments", __name__)
MODULE = "payments"
# resource in the URL -> (object name, its id field, the Receiver key's type column)
_RESOURCES = {
    "terminals": ("Terminal", "terminal_id", "terminal"),
    "financial-advice-confirmations": ("FinancialAdviceConfirmation", "id", "confirmation"),
}
_OWN = {"terminals": TERMINALS, "financial-advice-confirmations": FACS}


# ---- Sender interface (PTP) ------------------------------------------------------------------


@bp.get("/sender/payments/terminals")
@bp.get("/sender/payments/terminals/")
def sender_terminals(version: str):
    return paginated(get_objects(), TERMINALS, SENDER)


@bp.get("/sender/payments/financial-advice-confirmations")
@bp.get("/sender/payments/financial-advice-confirmations/")
def sender_confirmations(version: str):
    return paginated(get_objects(), FACS, SENDER)


def _own(resource: str, object_id: str) -> ObjectKey:
    return own_key(_OWN[resource], object_id)


def _own_body(resource: str, object_id: str) -> dict[str, Any]:
    found = get_objects().get(_own(resource, object_id))
    if found is None:
        raise not_found(f"{_RESOURCES[resource][0]} {object_id}")
    return found.body


@bp.get("/sender/payments/terminals/<terminal_id>")
def sender_terminal(version: str, terminal_id: str):
    return envelope(_own_body("terminals", terminal_id))


@bp.get("/sender/payments/financial-advice-confirmations/<confirmation_id>")
def sender_confirmation(version: str, confirmation_id: str):
    return envelope(_own_body("financial-advice-confirmations", confirmation_id))


def _same_id(body: dict[str, Any], terminal_id: str) -> None:
    if "terminal_id" in body and str(body["terminal_id"]).upper() != terminal_id.upper():
        raise OcpiError(
            f"terminal_id in the body ({body['terminal_id']!r}) differs from the URL "
            f"({terminal_id!r})",
            status_code=2001,
            http_status=400,
        )


@bp.put("/sender/payments/terminals/<terminal_id>")
def sender_put_terminal(version: str, terminal_id: str):
    """The CPO updates a Terminal's data (it stays the PTP's object: it must exist)."""
    body = put_body("Terminal")
    _same_id(body, terminal_id)
    objects = get_objects()
    with get_store().transaction():
        current = objects.get(_own("terminals", terminal_id))
        if current is None:
            raise not_found(f"Terminal {terminal_id}")
        if not faults.active("payments.terminal_update_ignored"):
            objects.put(current.key, body, partner_id=caller_partner_id())
    return envelope(message="Updated")


@bp.patch("/sender/payments/terminals/<terminal_id>")
def sender_patch_terminal(version: str, terminal_id: str):
    """The CPO assigns locations and/or EVSEs (or changes other fields)."""
    patch = patch_body("TerminalPatch")
    _same_id(patch, terminal_id)
    objects = get_objects()
    with get_store().transaction():
        current = objects.get(_own("terminals", terminal_id))
        if current is None:
            raise not_found(f"Terminal {terminal_id}")
        merged = merge_shallow(current.body, patch)
        check_valid(merged, "Terminal")
        if not faults.active("payments.terminal_update_ignored"):
            objects.put(current.key, merged, partner_id=caller_partner_id())
    return envelope(message="Updated")


@bp.post("/sender/payments/terminals/activate")
def sender_activate(version: str):
    """Activation by the CPO: the PTP gives the Terminal its id, keeps it, answers it, and
    creates it on the CPO's Receiver (spec: 'the PTP should start the Terminal creation')."""
    given = request.get_json(silent=True)
    if not isinstance(given, dict):
        raise OcpiError("The body must be a JSON object", status_code=2001, http_status=400)
    body = dict(given)
    body.pop("terminal_id", None)
    body["terminal_id"] = str(uuid.uuid4())
    body["last_updated"] = now_datetime()
    check_valid(body, "Terminal")
    with get_store().transaction():
        get_objects().put(_own("terminals", body["terminal_id"]), body)
    caller = current_caller()
    if caller.partner is not None:
        create_on_partner(current_app._get_current_object(), caller.partner.id, body)  # type: ignore[attr-defined]
    return envelope(body, message="Activated", http_status=201)


@bp.post("/sender/payments/terminals/<terminal_id>/deactivate")
def sender_deactivate(version: str, terminal_id: str):
    with get_store().transaction():
        deleted = get_objects().delete(_own("terminals", terminal_id))
    if not deleted:
        raise not_found(f"Terminal {terminal_id}")
    return envelope(message="Deactivated")


# ---- Receiver interface (CPO) ----------------------------------------------------------------


def _key(resource: str, object_id: str) -> ObjectKey:
    caller = current_caller()
    roles = caller.partner.roles if caller.partner is not None else []
    role: dict[str, Any] = roles[0] if roles else {}
    kind = _RESOURCES[resource][2]
    owner = (str(role.get("country_code") or "XX"), str(role.get("party_id") or "XXX"))
    return receiver_key(MODULE, *owner, object_id, kind)


def _post(resource: str):
    name, id_field, _ = _RESOURCES[resource]
    body = put_body(name)
    key = _key(resource, str(body[id_field]))
    kept = body
    if resource == "financial-advice-confirmations" and faults.active(
        "payments.receiver_confirmation_lost"
    ):
        kept = None
    created = True
    if kept is not None:
        with get_store().transaction():
            created = get_objects().put(key, kept, partner_id=caller_partner_id())
    return envelope(
        body, message="Created" if created else "Updated", http_status=201 if created else 200
    )


def _get(resource: str, object_id: str):
    found = get_objects().get(_key(resource, object_id))
    if found is None:
        raise not_found(f"{_RESOURCES[resource][0]} {object_id}")
    return envelope(found.body)


@bp.post("/receiver/payments/terminals")
@bp.post("/receiver/payments/terminals/")
def post_terminal(version: str):
    return _post("terminals")


@bp.get("/receiver/payments/terminals/<terminal_id>")
def get_terminal(version: str, terminal_id: str):
    return _get("terminals", terminal_id)


@bp.post("/receiver/payments/financial-advice-confirmations")
@bp.post("/receiver/payments/financial-advice-confirmations/")
def post_confirmation(version: str):
    return _post("financial-advice-confirmations")


@bp.get("/receiver/payments/financial-advice-confirmations/<confirmation_id>")
def get_confirmation(version: str, confirmation_id: str):
    return _get("financial-advice-confirmations", confirmation_id)

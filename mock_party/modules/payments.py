"""Payments module (spec 2.3.0 payments), Receiver side (CPO): a minimal one.

The Payment Terminal Provider (PTP) is the Sender. It POSTs Terminals and Financial Advice
Confirmations to the CPO, which keeps them for the caller and gives them back by id:
``POST``/``GET /receiver/payments/terminals[/{terminal_id}]`` and
``POST``/``GET /receiver/payments/financial-advice-confirmations[/{id}]``. The spec announces both
resources through the one ``payments`` identifier without saying how; the mock lists one base
URL and puts the two resources below it. Only 2.3.0 has the module.
"""

from __future__ import annotations

from typing import Any

from mock_party.auth import current_caller
from mock_party.modules._objects import (
    caller_partner_id,
    module_blueprint,
    not_found,
    put_body,
    receiver_key,
)
from mock_party.objects import ObjectKey, get_objects
from mock_party.ocpi import envelope
from mock_party.store import get_store

bp = module_blueprint("payments", __name__)
MODULE = "payments"
# resource in the URL -> (object name, its id field, the key's type column)
_RESOURCES = {
    "terminals": ("Terminal", "terminal_id", "terminal"),
    "financial-advice-confirmations": ("FinancialAdviceConfirmation", "id", "confirmation"),
}


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
    with get_store().transaction():
        created = get_objects().put(key, body, partner_id=caller_partner_id())
    return envelope(
        body, message="Created" if created else "Updated", http_status=201 if created else 200
    )


def _get(resource: str, object_id: str):
    found = get_objects().get(_key(resource, object_id))
    if found is None:
        raise not_found(f"{_RESOURCES[resource][0]} {object_id}")
    return envelope(found.body)


@bp.post("/receiver/payments/terminals")
def post_terminal(version: str):
    return _post("terminals")


@bp.get("/receiver/payments/terminals/<terminal_id>")
def get_terminal(version: str, terminal_id: str):
    return _get("terminals", terminal_id)


@bp.post("/receiver/payments/financial-advice-confirmations")
def post_confirmation(version: str):
    return _post("financial-advice-confirmations")


@bp.get("/receiver/payments/financial-advice-confirmations/<confirmation_id>")
def get_confirmation(version: str, confirmation_id: str):
    return _get("financial-advice-confirmations", confirmation_id)

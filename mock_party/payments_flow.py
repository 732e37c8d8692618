"""The flows of 2.3.0 Payments between a CPO and a Payment Terminal Provider, as the mock plays
them (spec 2.3.0 payments, "Usage Flows"):

- activation: a PTP that activated a Terminal creates it on the CPO (:func:`create_on_partner`);
- assignment: a CPO assigns one of the Terminals a PTP created on it to locations/EVSEs and
  PATCHes the assignment to the PTP's Sender (:func:`assign_terminal`);
- capture: a PTP that receives a CDR paid at one of its Terminals captures the amount and
  keeps (and POSTs to the CPO) a Financial Advice Confirmation of it (:func:`on_cdr_received`).

All functions need an app context, except that the asynchronous halves run on their own thread.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime
from typing import Any

from flask import Flask, current_app

from mock_party import faults
from mock_party.config import MockConfig
from mock_party.fake.payments import confirmation_for
from mock_party.objects import RECEIVER, SENDER, ObjectKey, get_objects, now_datetime
from mock_party.push import Delivery, later, object_path, send_to_partner
from mock_party.store import get_store

__all__ = ["FACS", "TERMINALS", "assign_terminal", "create_on_partner", "on_cdr_received"]

log = logging.getLogger(__name__)
TERMINALS = "terminals"  # the module column of our own Terminals (as PTP)
FACS = "financial-advice-confirmations"
RECEIVED = "payments@2.3.0"  # the module column of what PTPs created on us (as CPO)


def _config() -> MockConfig:
    return current_app.config["OCPI_MOCK"]


def create_on_partner(app: Flask, partner_id: int, terminal: dict[str, Any]) -> None:
    """After an activation: POST the new Terminal to the partner's payments Receiver, soon."""

    later(app, _config().command_delay, _post_to_receiver, partner_id, "/terminals", terminal)


def _post_to_receiver(partner_id: int, path: str, body: dict[str, Any]) -> None:
    """The asynchronous half: POST ``body`` to the partner's payments Receiver + ``path``."""
    partner = get_store().partner(partner_id)
    base = partner.endpoint("payments", "RECEIVER") if partner else None
    if partner is None or base is None or not partner.token_out:
        return
    send_to_partner(partner, _config(), "POST", base.rstrip("/") + path, body)


def assign_terminal(
    terminal_id: str, location_ids: list[str] | None, evse_uids: list[str] | None
) -> tuple[dict[str, Any], list[Delivery]]:
    """As CPO: assign a Terminal a PTP created on us, and PATCH the assignment to that PTP.

    Raises KeyError when no PTP created a Terminal with this id here.
    """
    objects = get_objects()
    stamp = now_datetime()
    patch: dict[str, Any] = {"last_updated": stamp}
    if location_ids is not None:
        patch["location_ids"] = list(location_ids)
    if evse_uids is not None:
        patch["evse_uids"] = list(evse_uids)
    with get_store().transaction():
        found = next(
            (
                o
                for o in objects.iter(RECEIVED, RECEIVER)
                if o.key.type == "terminal" and o.key.id.upper() == terminal_id.upper()
            ),
            None,
        )
        if found is None:
            raise KeyError(terminal_id)
        body = {**found.body, **patch}
        objects.put(found.key, body, partner_id=found.partner_id)
    deliveries: list[Delivery] = []
    partner = get_store().partner(found.partner_id) if found.partner_id is not None else None
    base = partner.endpoint("payments", "SENDER") if partner else None
    if partner is not None and base is not None and partner.token_out:
        url = base.rstrip("/") + "/terminals" + object_path(found.key.id)
        deliveries.append(send_to_partner(partner, _config(), "PATCH", url, patch))
    return body, deliveries


def _covering_terminal(cdr: dict[str, Any]) -> dict[str, Any] | None:
    where = cdr.get("cdr_location") or {}
    location_id = str(where.get("id", "")).upper()
    evse_uid = str(where.get("evse_uid", "")).upper()
    for terminal in get_objects().iter(TERMINALS, SENDER):
        body = terminal.body
        if location_id in {str(i).upper() for i in body.get("location_ids") or ()}:
            return body
        if evse_uid and evse_uid in {str(i).upper() for i in body.get("evse_uids") or ()}:
            return body
    return None


def on_cdr_received(cdr: dict[str, Any], partner_id: int | None) -> dict[str, Any] | None:
    """As PTP: a CDR with an AD_HOC_USER token and an authorization_reference at one of our
    Terminals was paid there: capture its total_cost, keep the confirmation in our Sender list
    and POST it to the CPO (when it offers the payments Receiver). Returns the confirmation."""
    token = cdr.get("cdr_token") or {}
    reference = cdr.get("authorization_reference")
    if token.get("type") != "AD_HOC_USER" or not reference or cdr.get("credit"):
        return None
    if _covering_terminal(cdr) is None:
        return None
    total = cdr.get("total_cost")
    if faults.active("payments.capture_amount_wrong") and isinstance(total, dict):
        total = {**total, "before_taxes": round(float(total.get("before_taxes", 0)) + 1.0, 4)}
    fac = confirmation_for(
        str(uuid.uuid4()), str(reference), total, str(cdr.get("currency")), datetime.now(UTC)
    )
    config = _config()
    with get_store().transaction():
        get_objects().put(
            ObjectKey(FACS, SENDER, config.country_code, config.party_id, fac["id"]), fac
        )
    if partner_id is not None:
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        path = "/financial-advice-confirmations"
        later(app, config.command_delay, _post_to_receiver, partner_id, path, fac)
    return fac

"""Asynchronous results through the hub: the ``response_url`` of commands and charging profiles.

A party answers a command (or a charging profile request) later, by a POST to the request's
response_url; whether the hub plays it in process or forwarded the request over HTTP to the
platform holding it, that party holds no token of the requesting platform, so the hub
puts a relay URL of its own in the request it forwards and sends what arrives there on to the
original response_url, with the hub's token for that platform and the routing headers of the
answering party (2.2.1 §4.1.8: OCPI-from = the party, OCPI-to = the requester). The relays are
kept in the hub app (``app.config["OCPI_HUB_RELAYS"]``), so they last as long as the process.
"""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

import httpx
from flask import Blueprint, current_app, request

from mock_party.ocpi import OcpiError, envelope
from mock_party.store import get_store
from mock_party.urls import base_url
from mock_party.versions import profile
from ocpi_core.client import OcpiClient, OcpiClientError

__all__ = ["bp", "swap_response_url"]

bp = Blueprint("hub_relay", __name__, url_prefix="/hub-relay")
_RELAYED = ("commands", "chargingprofiles")


@dataclass(frozen=True)
class Relay:
    response_url: str
    partner_id: int
    requester: tuple[str, str]
    party: tuple[str, str]
    version: str
    answerer: int | None = None  # the platform holding ``party``; None: a party the hub plays


def _relays() -> dict[str, Relay]:
    return current_app.config.setdefault("OCPI_HUB_RELAYS", {})


def _relay_url(original: str, **fields: Any) -> str:
    relay_id = uuid.uuid4().hex
    _relays()[relay_id] = Relay(response_url=original, **fields)
    return f"{base_url()}/hub-relay/{relay_id}"


def swap_response_url(
    module: str,
    body: bytes,
    query: str,
    *,
    partner_id: int | None,
    requester: tuple[str, str],
    party: tuple[str, str],
    version: str,
    answerer: int | None = None,
) -> tuple[bytes, str]:
    """``body`` and ``query`` with a response_url replaced by a relay URL of the hub's (only
    for commands and charging profiles; anything else, or no platform to answer, as it was)."""
    if module not in _RELAYED or partner_id is None:
        return body, query
    fields = dict(
        partner_id=partner_id, requester=requester, party=party, version=version, answerer=answerer
    )
    params = parse_qsl(query, keep_blank_values=True)
    if any(name == "response_url" for name, _ in params):
        query = urlencode(
            [(n, _relay_url(v, **fields) if n == "response_url" else v) for n, v in params]
        )
    try:
        document = json.loads(body) if body else None
    except ValueError:
        return body, query  # the party refuses it itself
    if isinstance(document, dict) and isinstance(document.get("response_url"), str):
        document["response_url"] = _relay_url(document["response_url"], **fields)
        body = json.dumps(document).encode()
    return body, query


def _presented_token() -> str:
    value = request.headers.get("Authorization", "")
    token = value[len("Token ") :].strip() if value.startswith("Token ") else ""
    try:
        return base64.b64decode(token, validate=True).decode()
    except ValueError:
        return token


def _from_answerer(found: Relay, token: str) -> bool:
    """Whether ``token`` is the answering party's: a party the hub plays, or the platform the
    request was forwarded to over HTTP (its token for the hub)."""
    if found.answerer is None:
        tokens = {t for p in current_app.config["OCPI_HUB_PARTIES"] for t in p.tokens.values()}
        return token in tokens
    caller = get_store().partner_by_token(token) if token else None
    return caller is not None and caller.id == found.answerer


@bp.post("/<relay_id>")
def relay(relay_id: str):
    """A party's asynchronous result, sent on to the platform that asked."""
    found = _relays().get(relay_id)
    if found is None or not _from_answerer(found, _presented_token()):
        raise OcpiError("Unknown response URL", status_code=2000, http_status=404)
    partner = get_store().partner(found.partner_id)
    if partner is None or not partner.token_out:
        raise OcpiError("The requesting platform is gone", status_code=4003, http_status=404)
    headers = {
        "OCPI-to-country-code": found.requester[0],
        "OCPI-to-party-id": found.requester[1],
        "OCPI-from-country-code": found.party[0],
        "OCPI-from-party-id": found.party[1],
    }
    form = partner.token_form if partner.token_form in ("base64", "plain") else None
    timeout = httpx.Timeout(10.0, connect=5.0)
    with OcpiClient(token=partner.token_out, version=found.version, timeout=timeout) as client:
        try:
            answer = client.request(
                "POST",
                found.response_url,
                json_body=request.get_json(silent=True),
                headers=headers,
                token_form=form or profile(found.version).token_form,  # type: ignore[arg-type]
            )
        except OcpiClientError as exc:
            raise OcpiError(
                f"The requesting platform did not answer: {exc}", status_code=4002, http_status=504
            ) from None
    return envelope(answer.body.get("data") if isinstance(answer.body, dict) else None)

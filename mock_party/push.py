"""Pushing our changes to partners, and the asynchronous POSTs to a ``response_url``.

A change to one of our own objects goes to every registered partner whose version details list
the module's Receiver interface: EVSE status as a PATCH, tariffs and sessions as a PUT, session
progress as a PATCH, CDRs as a POST. Nothing is queued or retried (spec 2.2.1 §4.4): a partner
that missed a push catches up with a GET. Calls carry the message routing headers (§4.1.8.2).
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import quote

import httpx

from mock_party import faults
from mock_party.config import MockConfig
from mock_party.objects import Objects, dumps, own_lookup, serialize
from mock_party.shapes import BASE_VERSION, Lookup, to_version
from mock_party.store import Partner, Store
from ocpi_core.client import OcpiClient, OcpiClientError
from ocpi_core.versions import rules

__all__ = [
    "Delivery",
    "later",
    "object_path",
    "routing_headers_for",
    "post_result",
    "push",
    "push_object",
    "send_to_partner",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Delivery:
    """One push or result POST and how the partner answered."""

    partner_id: int
    method: str
    url: str
    http_status: int | None = None
    status_code: int | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return (
            self.error is None
            and self.http_status is not None
            and 200 <= self.http_status < 300
            and self.status_code == 1000
        )

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ok": self.ok}


def object_path(*parts: str) -> str:
    """``/NL/MCK/LOC1``: URL segments, each escaped."""
    return "".join("/" + quote(part, safe="") for part in parts)


def _routing_headers(config: MockConfig, partner: Partner) -> dict[str, str]:
    headers = {
        "OCPI-from-country-code": config.country_code,
        "OCPI-from-party-id": config.party_id,
    }
    if partner.roles:
        headers["OCPI-to-country-code"] = str(partner.roles[0].get("country_code", ""))
        headers["OCPI-to-party-id"] = str(partner.roles[0].get("party_id", ""))
    return headers


def routing_headers_for(config: MockConfig, partner: Partner) -> dict[str, str]:
    """The routing headers of our requests to ``partner`` (none in 2.1.1, which has none)."""
    if not rules(partner.version or config.versions[0]).routing_headers:
        return {}
    return _routing_headers(config, partner)


def _send(
    partner: Partner,
    config: MockConfig,
    method: str,
    url: str,
    body: Any,
    *,
    routing: bool = True,
) -> Delivery:
    timeout = httpx.Timeout(config.http_timeout, connect=min(5.0, config.http_timeout))
    version = partner.version or config.versions[0]
    form = partner.token_form if partner.token_form in ("base64", "plain") else None
    headers = _routing_headers(config, partner) if routing else {}
    with OcpiClient(token=partner.token_out, version=version, timeout=timeout) as client:
        try:
            response = client.request(
                method,
                url,
                json_body=body,
                headers=headers,
                token_form=form,  # type: ignore[arg-type]
            )
        except OcpiClientError as exc:
            log.warning("%s %s to partner %s failed: %s", method, url, partner.id, exc)
            return Delivery(partner.id, method, url, error=str(exc))
    code = response.body.get("status_code") if isinstance(response.body, dict) else None
    delivery = Delivery(partner.id, method, url, response.http_status, code)
    if not delivery.ok:
        log.warning(
            "%s %s to partner %s answered HTTP %s: %s",
            method,
            url,
            partner.id,
            response.http_status,
            response.text[:300],
        )
    return delivery


def _shaped(
    module: str, body: Any, version: str, lookup: Lookup, *, whole: bool, partial: bool
) -> Any:
    """``body`` (2.2.1 shape) as a partner of ``version`` gets it; a ``whole`` object of ours
    also passes the serializer's faults."""
    if whole:
        return json.loads(serialize(module, dumps(body), None, version, lookup))
    if version == BASE_VERSION or not isinstance(body, dict):
        return body
    return to_version(module, body, version, lookup, partial=partial)


def push(
    store: Store,
    config: MockConfig,
    module: str,
    method: str,
    path: str,
    body: Any,
    *,
    fallback: tuple[str, dict[str, Any]] | None = None,
    whole: bool = False,
) -> list[Delivery]:
    """Send ``body`` to ``{module Receiver URL}{path}`` of every registered partner, in the
    shape of the version it registered with (our objects are kept in the 2.2.1 shape).

    ``whole`` says ``body`` is a complete object of ours (the serializer's faults apply).
    ``fallback`` is (path, complete object) for a PATCH: a partner that answers 404 (it never
    got the object) is sent the whole object with a PUT, as spec 2.2.1 §4.1.4.3 advises.
    """
    if not config.push:
        return []
    if module == "locations" and method == "PATCH" and isinstance(body, dict):
        body = _status_faults(body)
    deliveries = []
    lookup = own_lookup(Objects(store.db), config.country_code, config.party_id)
    for partner in store.partners():
        if not partner.registered or not partner.token_out:
            continue
        base = partner.endpoint(module, "RECEIVER")
        if base is None:
            continue
        version = partner.version or config.versions[0]
        shaped = _shaped(module, body, version, lookup, whole=whole, partial=method == "PATCH")
        delivery = _send(partner, config, method, base.rstrip("/") + path, shaped)
        deliveries.append(delivery)
        if fallback is not None and method == "PATCH" and delivery.http_status == 404:
            again = _shaped(module, fallback[1], version, lookup, whole=True, partial=False)
            deliveries.append(_send(partner, config, "PUT", base.rstrip("/") + fallback[0], again))
    return deliveries


def _status_faults(body: dict[str, Any]) -> dict[str, Any]:
    """An EVSE status PATCH as the push.* faults send it."""
    if "status" not in body:
        return body
    changed = dict(body)
    if faults.active("push.status_last_updated_backdated") and "last_updated" in body:
        from datetime import UTC, datetime, timedelta

        from mock_party.objects import format_datetime, sort_key

        stored = datetime.fromisoformat(sort_key(body["last_updated"])).replace(tzinfo=UTC)
        changed["last_updated"] = format_datetime(stored - timedelta(hours=1))
    if faults.active("push.available_as_unknown") and body["status"] == "AVAILABLE":
        changed["status"] = "UNKNOWN"
    return changed


def push_object(
    store: Store, config: MockConfig, module: str, method: str, path: str, body: dict[str, Any]
) -> list[Delivery]:
    """Push one of our own complete objects, as the serializer (and its faults) writes it."""
    return push(store, config, module, method, path, body, whole=True)


def send_to_partner(
    partner: Partner, config: MockConfig, method: str, url: str, body: Any
) -> Delivery:
    """One request of ours to one partner's URL (the Payments flows: POST, PATCH)."""
    return _send(partner, config, method, url, body)


def post_result(partner: Partner, config: MockConfig, url: str, body: Any) -> Delivery:
    """POST an asynchronous result (CommandResult, charging profile results) to the
    ``response_url`` a partner gave."""
    return _send(partner, config, "POST", url, body)


def later(app: Any, delay: float, work: Any, *args: Any) -> None:
    """Run ``work(*args)`` (a module-level function, JSON arguments) after ``delay`` seconds,
    in an app context of ``app``: the asynchronous half of commands and charging profiles. The
    job is kept in the store (see :mod:`mock_party.jobs`), so any worker may carry it out."""
    from mock_party.jobs import schedule

    schedule(app, delay, work, *args)

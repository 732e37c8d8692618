"""Locations module (spec 2.2.1 §8): Sender (CPO) and Receiver (eMSP).

Sender: ``GET /sender/locations`` (paginated) and ``GET /sender/locations/{location_id}
[/{evse_uid}[/{connector_id}]]``. Receiver: ``GET``/``PUT``/``PATCH`` on
``/receiver/locations/{country_code}/{party_id}/{location_id}[/{evse_uid}[/{connector_id}]]``.
A Location is stored whole, EVSEs and Connectors inside it; a PUT or PATCH of an EVSE or a
Connector moves its parents' ``last_updated`` along (§8.2.2).
"""

from __future__ import annotations

import json
from typing import Any

from mock_party import faults
from mock_party.modules._objects import (
    bare_receiver_route,
    caller_partner_id,
    check_identity,
    check_valid,
    module_blueprint,
    not_found,
    own_key,
    patch_body,
    put_body,
    receiver_key,
    require_owner,
)
from mock_party.objects import SENDER, get_objects, now_datetime, serialize, sort_key
from mock_party.ocpi import envelope
from mock_party.pagination import json_envelope, paginated
from mock_party.store import get_store

bp = module_blueprint("locations", __name__)
MODULE = "locations"
UNKNOWN_LOCATION = 2003


def find_evse(location: dict[str, Any], evse_uid: str) -> dict[str, Any] | None:
    for evse in location.get("evses") or []:
        if evse.get("uid", "").upper() == evse_uid.upper():
            return evse
    return None


def find_connector(evse: dict[str, Any], connector_id: str) -> dict[str, Any] | None:
    for connector in evse.get("connectors") or []:
        if connector.get("id", "").upper() == connector_id.upper():
            return connector
    return None


def _part(
    location: dict[str, Any], evse_uid: str | None, connector_id: str | None
) -> dict[str, Any]:
    if evse_uid is None:
        return location
    evse = find_evse(location, evse_uid)
    if evse is None:
        raise not_found(f"EVSE {evse_uid} at location {location.get('id')}")
    if connector_id is None:
        return evse
    connector = find_connector(evse, connector_id)
    if connector is None:
        raise not_found(f"connector {connector_id} of EVSE {evse_uid}")
    return connector


# ---- Sender --------------------------------------------------------------------------------


@bp.get("/sender/locations")
@bp.get("/sender/locations/")
def sender_list(version: str):
    return paginated(get_objects(), MODULE, SENDER)


@bp.get("/sender/locations/<location_id>")
@bp.get("/sender/locations/<location_id>/<evse_uid>")
@bp.get("/sender/locations/<location_id>/<evse_uid>/<connector_id>")
def sender_object(
    version: str, location_id: str, evse_uid: str | None = None, connector_id: str | None = None
):
    found = get_objects().get(own_key(MODULE, location_id))
    if found is None:
        raise not_found(f"location {location_id}", UNKNOWN_LOCATION)
    location = json.loads(serialize(MODULE, json.dumps(found.body), version=version))
    return json_envelope(json.dumps(_part(location, evse_uid, connector_id)))


# ---- Receiver ------------------------------------------------------------------------------

bare_receiver_route(bp, MODULE, "{country_code}/{party_id}/{location_id}")

_ROUTES = (
    "/receiver/locations/<country_code>/<party_id>/<location_id>",
    "/receiver/locations/<country_code>/<party_id>/<location_id>/<evse_uid>",
    "/receiver/locations/<country_code>/<party_id>/<location_id>/<evse_uid>/<connector_id>",
)


def _latest(*values: str) -> str:
    return max(values, key=sort_key)


@bp.get(_ROUTES[0])
@bp.get(_ROUTES[1])
@bp.get(_ROUTES[2])
def receiver_get(
    version: str,
    country_code: str,
    party_id: str,
    location_id: str,
    evse_uid: str | None = None,
    connector_id: str | None = None,
):
    require_owner(country_code, party_id)
    found = get_objects().get(receiver_key(MODULE, country_code, party_id, location_id))
    if found is None:
        raise not_found(f"location {country_code}/{party_id}/{location_id}", UNKNOWN_LOCATION)
    return envelope(_part(found.body, evse_uid, connector_id))


@bp.put(_ROUTES[0])
@bp.put(_ROUTES[1])
@bp.put(_ROUTES[2])
def receiver_put(
    version: str,
    country_code: str,
    party_id: str,
    location_id: str,
    evse_uid: str | None = None,
    connector_id: str | None = None,
):
    require_owner(country_code, party_id)
    key = receiver_key(MODULE, country_code, party_id, location_id)
    if evse_uid is None:
        body = put_body("Location")
        check_identity(
            body, {"country_code": country_code, "party_id": party_id, "id": location_id}
        )
    elif connector_id is None:
        body = put_body("EVSE")
        check_identity(body, {"uid": evse_uid})
    else:
        body = put_body("Connector")
        check_identity(body, {"id": connector_id})
    store = get_store()
    objects = get_objects()
    with store.transaction():
        if evse_uid is None:
            created = objects.put(key, body, partner_id=caller_partner_id())
        else:
            current = objects.get(key)
            if current is None:
                raise not_found(
                    f"location {country_code}/{party_id}/{location_id}: PUT the Location first",
                    UNKNOWN_LOCATION,
                )
            location = current.body
            created = _put_child(location, body, evse_uid, connector_id)
            objects.put(key, location, partner_id=caller_partner_id())
    return envelope(
        message="Created" if created else "Updated", http_status=201 if created else 200
    )


def _put_child(
    location: dict[str, Any], body: dict[str, Any], evse_uid: str, connector_id: str | None
) -> bool:
    """Put an EVSE or a Connector into ``location``; True when it is new there."""
    evses = location.setdefault("evses", [])
    evse = find_evse(location, evse_uid)
    if connector_id is None:
        if evse is None:
            evses.append(body)
        else:
            evses[evses.index(evse)] = body
        location["last_updated"] = _latest(location["last_updated"], body["last_updated"])
        return evse is None
    if evse is None:
        raise not_found(f"EVSE {evse_uid}: PUT the EVSE first")
    connectors = evse.setdefault("connectors", [])
    connector = find_connector(evse, connector_id)
    if connector is None:
        connectors.append(body)
    else:
        connectors[connectors.index(connector)] = body
    evse["last_updated"] = _latest(evse["last_updated"], body["last_updated"])
    location["last_updated"] = _latest(location["last_updated"], body["last_updated"])
    return connector is None


@bp.patch(_ROUTES[0])
@bp.patch(_ROUTES[1])
@bp.patch(_ROUTES[2])
def receiver_patch(
    version: str,
    country_code: str,
    party_id: str,
    location_id: str,
    evse_uid: str | None = None,
    connector_id: str | None = None,
):
    require_owner(country_code, party_id)
    key = receiver_key(MODULE, country_code, party_id, location_id)
    if evse_uid is None:
        patch = patch_body("LocationPatch")
        check_identity(
            patch,
            {"country_code": country_code, "party_id": party_id, "id": location_id},
            partial=True,
        )
    elif connector_id is None:
        patch = patch_body("EVSEPatch")
        check_identity(patch, {"uid": evse_uid}, partial=True)
    else:
        patch = patch_body("ConnectorPatch")
        check_identity(patch, {"id": connector_id}, partial=True)
    store = get_store()
    objects = get_objects()
    with store.transaction():
        current = objects.get(key)
        if current is None:
            raise not_found(f"location {country_code}/{party_id}/{location_id}", UNKNOWN_LOCATION)
        location = current.body
        target = _part(location, evse_uid, connector_id)
        if (
            connector_id is None
            and evse_uid is not None
            and faults.active("receiver.evse_status_not_stored")
        ):
            patch = {k: v for k, v in patch.items() if k != "status"}
        target.update(patch)
        if evse_uid is not None:
            stamp = patch["last_updated"]
            if faults.active("receiver.parent_stamped_now"):
                stamp = now_datetime()
            if connector_id is not None:
                evse = find_evse(location, evse_uid)
                assert evse is not None
                evse["last_updated"] = _latest(evse["last_updated"], stamp)
            location["last_updated"] = _latest(location["last_updated"], stamp)
        check_valid(location, "Location")
        objects.put(key, location, partner_id=caller_partner_id())
    return envelope(message="Updated")

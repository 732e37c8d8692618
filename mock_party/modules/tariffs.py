"""Tariffs module (spec 2.2.1 §11): Sender (CPO) and Receiver (eMSP).

Sender: ``GET /sender/tariffs`` (paginated). Receiver: ``GET``/``PUT``/``DELETE`` on
``/receiver/tariffs/{country_code}/{party_id}/{tariff_id}`` (no PATCH since 2.2).
"""

from __future__ import annotations

from mock_party.modules._objects import (
    bare_receiver_route,
    module_blueprint,
    not_found,
    receiver_get,
    receiver_key,
    receiver_put,
    require_owner,
)
from mock_party.objects import SENDER, get_objects
from mock_party.ocpi import envelope
from mock_party.pagination import paginated
from mock_party.store import get_store

bp = module_blueprint("tariffs", __name__)
MODULE = "tariffs"


@bp.get("/sender/tariffs")
@bp.get("/sender/tariffs/")
def sender_list(version: str):
    return paginated(get_objects(), MODULE, SENDER)


bare_receiver_route(bp, MODULE, "{country_code}/{party_id}/{tariff_id}")
_ROUTE = "/receiver/tariffs/<country_code>/<party_id>/<tariff_id>"


@bp.get(_ROUTE)
def receiver_get_tariff(version: str, country_code: str, party_id: str, tariff_id: str):
    key = receiver_key(MODULE, country_code, party_id, tariff_id)
    return receiver_get(key, f"tariff {country_code}/{party_id}/{tariff_id}")


@bp.put(_ROUTE)
def receiver_put_tariff(version: str, country_code: str, party_id: str, tariff_id: str):
    key = receiver_key(MODULE, country_code, party_id, tariff_id)
    identity = {"country_code": country_code, "party_id": party_id, "id": tariff_id}
    return receiver_put(key, "Tariff", identity)


@bp.delete(_ROUTE)
def receiver_delete_tariff(version: str, country_code: str, party_id: str, tariff_id: str):
    require_owner(country_code, party_id)
    with get_store().transaction():
        deleted = get_objects().delete(receiver_key(MODULE, country_code, party_id, tariff_id))
    if not deleted:
        raise not_found(f"tariff {country_code}/{party_id}/{tariff_id}")
    return envelope(message="Deleted")

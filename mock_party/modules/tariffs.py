"""Tariffs module (spec 2.2.1 §11): Sender (CPO) and Receiver (eMSP).

Sender: ``GET /sender/tariffs`` (paginated). Receiver: ``GET``/``PUT``/``DELETE`` on
``/receiver/tariffs/{country_code}/{party_id}/{tariff_id}``; ``PATCH`` only in 2.1.1 (removed
in 2.2).
"""

from __future__ import annotations

from mock_party.modules._objects import (
    bare_receiver_route,
    module_blueprint,
    not_found,
    receiver_get,
    receiver_key,
    receiver_patch,
    receiver_put,
    require_owner,
    version_profile,
)
from mock_party.objects import SENDER, get_objects
from mock_party.ocpi import OcpiError, envelope
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


@bp.patch(_ROUTE)
def receiver_patch_tariff(version: str, country_code: str, party_id: str, tariff_id: str):
    if not version_profile().tariff_patch:  # removed in 2.2
        raise OcpiError(
            f"Tariffs take no PATCH in OCPI {version}: PUT the whole Tariff",
            status_code=2000,
            http_status=405,
            headers={"Allow": "GET, PUT, DELETE"},
        )
    key = receiver_key(MODULE, country_code, party_id, tariff_id)
    identity = {"country_code": country_code, "party_id": party_id, "id": tariff_id}
    what = f"tariff {country_code}/{party_id}/{tariff_id}"
    return receiver_patch(key, "TariffPatch", "Tariff", identity, what)


@bp.delete(_ROUTE)
def receiver_delete_tariff(version: str, country_code: str, party_id: str, tariff_id: str):
    require_owner(country_code, party_id)
    with get_store().transaction():
        deleted = get_objects().delete(receiver_key(MODULE, country_code, party_id, tariff_id))
    if not deleted:
        raise not_found(f"tariff {country_code}/{party_id}/{tariff_id}")
    return envelope(message="Deleted")

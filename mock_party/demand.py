"""Demand pricing of a mock CPO: tariffs that change while people charge.

A price change is data, as OCPI models it (spec 2.2.1 tariffs, ``start_date_time`` /
``end_date_time``; connectors, ``tariff_ids``: one Tariff of each type active at a time): the
Tariff in force gets an ``end_date_time`` at the moment of the change, a successor Tariff (same
type, new prices, a new id) starts at that moment, and every connector that had the old one
lists the successor too. The old Tariff stays (it is the history, and CDRs name it). A change
"from now" takes effect at once; a change "at 17:00" is a future ``start_date_time``: nothing
has to run at 17:00, the Tariff in force is whichever is valid at a moment
(:func:`tariff_in_force`). Both Tariffs and the changed Locations are pushed to partners.

The simulator (``mock_party.simulate``) prices each charging period with the Tariff in force at
its start and starts a new period at each price change (:func:`change_moments`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from flask import current_app

from mock_party import faults
from mock_party.config import MockConfig
from mock_party.objects import SENDER, ObjectKey, Objects, format_datetime, get_objects
from mock_party.push import Delivery, object_path, push_object
from mock_party.store import get_store

__all__ = [
    "TariffChange",
    "change_moments",
    "change_tariff",
    "tariff_in_force",
]


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value.removesuffix("Z")).replace(tzinfo=UTC)


def _valid_at(tariff: Mapping[str, Any], moment: datetime) -> bool:
    start, end = tariff.get("start_date_time"), tariff.get("end_date_time")
    if start and moment < _parse(start):
        return False
    return not end or moment < _parse(end)


def tariff_in_force(tariffs: Iterable[Mapping[str, Any]], moment: datetime) -> str | None:
    """The id of the Tariff in force at ``moment`` among ``tariffs`` (a connector's, in its
    order): the first valid one of the type of the connector's first Tariff (a price change
    keeps the type), else the first valid one; the first one when none is valid (and always with
    the ``pricing.tariff_change_ignored`` fault)."""
    tariffs = list(tariffs)
    if not tariffs:
        return None
    if faults.active("pricing.tariff_change_ignored"):
        return str(tariffs[0]["id"])
    kind = tariffs[0].get("type", "REGULAR")  # the connector's first names the session's type
    valid = [t for t in tariffs if _valid_at(t, moment)]
    same = [t for t in valid if t.get("type", "REGULAR") == kind]
    return str((same or valid or tariffs)[0]["id"])


def change_moments(
    tariffs: Iterable[Mapping[str, Any]], start: datetime, end: datetime
) -> list[datetime]:
    """The validity boundaries of ``tariffs`` strictly between ``start`` and ``end``, in order:
    where a charging period must end because the price changes."""
    found = set()
    for tariff in tariffs:
        for key in ("start_date_time", "end_date_time"):
            if tariff.get(key):
                moment = _parse(tariff[key])
                if start < moment < end:
                    found.add(moment)
    return sorted(found)


def _scaled(value: Any, factor: Decimal) -> float:
    return float(round(Decimal(str(value)) * factor, 4))


def _repriced(elements: list[dict[str, Any]], factor: Decimal) -> list[dict[str, Any]]:
    return [
        {
            **element,
            "price_components": [
                {**c, "price": _scaled(c["price"], factor)} for c in element["price_components"]
            ],
        }
        for element in elements
    ]


class TariffChange(dict):
    """What :func:`change_tariff` did: ``old`` and ``new`` Tariff, ``locations`` changed,
    ``deliveries`` to partners (a dict, so the admin API can answer it as it is)."""


def _successor_id(objects: Objects, config: MockConfig, tariff_id: str) -> str:
    base = tariff_id[:30]
    for n in range(2, 1000):
        candidate = f"{base}-{n}"
        if (
            objects.get(
                ObjectKey("tariffs", SENDER, config.country_code, config.party_id, candidate)
            )
            is None
        ):
            return candidate
    raise ValueError(f"no free id for a successor of tariff {tariff_id}")


def change_tariff(
    tariff_id: str,
    *,
    factor: float | str | None = None,
    elements: list[dict[str, Any]] | None = None,
    at: datetime | None = None,
    push: bool = True,
) -> TariffChange:
    """Change the price of our Tariff ``tariff_id`` from ``at`` (now by default): new
    ``elements``, or the old ones with every price times ``factor``. Raises KeyError for an
    unknown tariff, ValueError for a change that cannot be made (a tariff that already ended)."""
    config: MockConfig = current_app.config["OCPI_MOCK"]
    moment = at or datetime.now(UTC)
    stamp = format_datetime(datetime.now(UTC))
    when = format_datetime(moment)
    if elements is None and factor is None:
        raise ValueError("give the new elements or a price factor")

    def write(objects: Objects) -> TariffChange:
        key = ObjectKey("tariffs", SENDER, config.country_code, config.party_id, tariff_id)
        stored = objects.get(key)
        if stored is None:
            raise KeyError(tariff_id)
        old = stored.body
        if old.get("end_date_time") and _parse(old["end_date_time"]) <= moment:
            raise ValueError(
                f"tariff {tariff_id} ended at {old['end_date_time']}: change its successor"
            )
        if old.get("start_date_time") and _parse(old["start_date_time"]) >= moment:
            raise ValueError(f"tariff {tariff_id} starts after {when}: change it in place instead")
        new_id = _successor_id(objects, config, tariff_id)
        new = {
            **old,
            "id": new_id,
            "elements": elements
            if elements is not None
            else _repriced(old["elements"], Decimal(str(factor))),
            "start_date_time": when,
            "last_updated": stamp,
        }
        new.pop("end_date_time", None)
        if old.get("end_date_time"):
            new["end_date_time"] = old["end_date_time"]
        old = {**old, "end_date_time": when, "last_updated": stamp}
        objects.put(key, old)
        objects.put(ObjectKey("tariffs", SENDER, config.country_code, config.party_id, new_id), new)
        changed = []
        for location in list(objects.iter("locations", SENDER)):
            body, touched = location.body, False
            for evse in body.get("evses") or []:
                for connector in evse.get("connectors") or []:
                    ids = connector.get("tariff_ids") or []
                    if tariff_id in ids and new_id not in ids:
                        connector["tariff_ids"] = [*ids, new_id]
                        connector["last_updated"] = evse["last_updated"] = stamp
                        touched = True
            if touched:
                body["last_updated"] = stamp
                objects.put(location.key, body)
                changed.append(body)
        return TariffChange(old=old, new=new, locations=changed, deliveries=[])

    with get_store().transaction():
        change = write(get_objects())
    if push:
        deliveries: list[Delivery] = []
        store = get_store()
        for tariff in (change["old"], change["new"]):
            path = object_path(config.country_code, config.party_id, tariff["id"])
            deliveries += push_object(store, config, "tariffs", "PUT", path, tariff)
        for location in change["locations"]:
            path = object_path(config.country_code, config.party_id, location["id"])
            deliveries += push_object(store, config, "locations", "PUT", path, location)
        change["deliveries"] = [d.as_dict() for d in deliveries]
    return change


def seed_change(app: Any, now: datetime | None = None) -> dict[str, Any] | None:
    """On a fresh mock CPO whose data set has sessions and CDRs: one price change half an hour
    ago (the first regular Tariff of an available connector, prices times 1.5) and a card-paid
    session of the last hour across it at changing power, so that a data set shows demand
    pricing from the start: one Tariff, one Session and one CDR more than the volumes say."""
    from datetime import timedelta

    from mock_party.simulate import simulate_session

    config: MockConfig = app.config["OCPI_MOCK"]
    if "CPO" not in config.roles or not (config.sessions and config.cdrs and config.tariffs):
        return None
    moment = now or datetime.now(UTC)
    with app.app_context():
        objects = get_objects()
        place = _changeable(objects)
        if place is None:
            return None
        location, evse, connector = place
        if not set(evse.get("capabilities") or ()) & {"CREDIT_CARD_PAYABLE", "DEBIT_CARD_PAYABLE"}:
            evse["capabilities"] = sorted(
                {*(evse.get("capabilities") or ()), "CREDIT_CARD_PAYABLE"}
            )
            with get_store().transaction():
                stored = objects.get(
                    ObjectKey(
                        "locations", SENDER, config.country_code, config.party_id, location["id"]
                    )
                )
                if stored is not None:
                    for other in stored.body.get("evses") or []:
                        if other.get("uid") == evse["uid"]:
                            other["capabilities"] = evse["capabilities"]
                    objects.put(stored.key, stored.body)
        change = change_tariff(
            connector["tariff_ids"][0], factor="1.5", at=moment - timedelta(minutes=30), push=False
        )
        result = simulate_session(
            location_id=location["id"],
            evse_uid=evse["uid"],
            connector_id=connector["id"],
            updates=2,
            minutes=60,
            power_kw=[11.0, 7.4, 22.0],
        )
        return {"tariff": change["new"]["id"], "session_id": result.session_id}


def _changeable(objects: Objects) -> tuple[dict, dict, dict] | None:
    tariffs = {t.key.id: t.body for t in objects.iter("tariffs", SENDER)}
    for location in objects.iter("locations", SENDER):
        for evse in location.body.get("evses") or []:
            if evse.get("status") != "AVAILABLE":
                continue
            for connector in evse.get("connectors") or []:
                ids = connector.get("tariff_ids") or []
                tariff = tariffs.get(ids[0]) if ids else None
                if (
                    tariff is not None
                    and tariff.get("type", "REGULAR") == "REGULAR"
                    and not tariff.get("end_date_time")
                    and not tariff.get("start_date_time")
                ):
                    return location.body, evse, connector
    return None

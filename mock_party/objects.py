"""Stored OCPI objects: our own (served on our Sender interfaces) and those partners pushed.

Objects live in the ``objects`` table of the store as JSON text, keyed by module, side
(``sender`` or ``receiver``), country_code, party_id, id and (for tokens) type. Lists are read in
creation order (``seq``), so an object updated while a client walks the pages keeps its place
and new objects only show up on the last page (spec 2.2.1 §4.1.4.1.3, "oldest first").

``serialize`` is the seam where the schema and pricing faults change objects on their way out.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from flask import current_app

from mock_party import faults
from mock_party.db import Connection
from mock_party.page_cache import MAX_LIMIT, PageCache
from mock_party.shapes import BASE_VERSION, Lookup, to_version
from mock_party.store import get_store

__all__ = [
    "RECEIVER",
    "SENDER",
    "ObjectKey",
    "Objects",
    "StoredObject",
    "dumps",
    "format_datetime",
    "get_objects",
    "now_datetime",
    "own_lookup",
    "serialize",
    "sort_key",
    "stored_module",
]

SENDER = "sender"
RECEIVER = "receiver"
_SORT_IN_MEMORY = 5000  # date windows up to this many objects are ordered in memory

_DATETIME = re.compile(r"^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.(\d+))?Z?$")


def sort_key(value: str, *, strict: bool = False) -> str:
    """An OCPI DateTime as a fixed-width string that sorts by instant.

    ``2015-06-29T20:39:09Z``, ``2015-06-29T20:39:09`` and ``2015-06-29T20:39:09.000Z`` all give
    ``2015-06-29T20:39:09.000000``. Raises ``ValueError`` for anything else; with ``strict``
    also for dates that do not exist (month 13, a leap second), which the schema lets pass.
    """
    match = _DATETIME.match(value)
    if match is None:
        raise ValueError(f"not an OCPI DateTime: {value!r}")
    date, time, fraction = match.groups()
    if strict:
        datetime.strptime(f"{date}T{time}", "%Y-%m-%dT%H:%M:%S")
    return f"{date}T{time}.{(fraction or '0')[:6].ljust(6, '0')}"


def format_datetime(moment: datetime) -> str:
    """An OCPI DateTime with milliseconds and ``Z``."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def now_datetime() -> str:
    return format_datetime(datetime.now(UTC))


def dumps(body: Any) -> str:
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False)


def stored_module(module: str, version: str) -> str:
    """The ``module`` column of what partners push under ``version``: each version keeps its
    own (2.2.1 under the plain module name, the others as ``locations@2.1.1``), so an object
    pushed in one version's shape is never served under another version's URL."""
    return module if version == BASE_VERSION else f"{module}@{version}"


@dataclass(frozen=True)
class ObjectKey:
    module: str
    side: str
    country_code: str
    party_id: str
    id: str
    type: str = ""


@dataclass(frozen=True)
class StoredObject:
    key: ObjectKey
    body: dict[str, Any]
    partner_id: int | None = None
    meta: dict[str, Any] = field(default_factory=dict)


def _key_of(row: Any) -> ObjectKey:
    return ObjectKey(
        row["module"], row["side"], row["country_code"], row["party_id"], row["id"], row["type"]
    )


class Objects:
    """Object access over one store connection; writes that read first belong in a
    ``store.transaction()``."""

    def __init__(self, db: Connection, pages: PageCache | None = None) -> None:
        self.db = db
        self.pages = pages  # this process's pages served lately (see mock_party.page_cache)

    def get(self, key: ObjectKey) -> StoredObject | None:
        row = self.db.execute(
            "SELECT * FROM objects WHERE module = ? AND side = ? AND country_code = ?"
            " AND party_id = ? AND id = ? AND type = ?",
            (key.module, key.side, key.country_code, key.party_id, key.id, key.type),
        ).fetchone()
        return _stored(row) if row else None

    def find(
        self, module: str, side: str, object_id: str, type_: str | None = None
    ) -> StoredObject | None:
        """The first object of ``module`` with this id (and type), whoever owns it."""
        sql = "SELECT * FROM objects WHERE module = ? AND side = ? AND id = ?"
        params: tuple[Any, ...] = (module, side, object_id)
        if type_ is not None:
            sql += " AND type = ?"
            params += (type_,)
        row = self.db.execute(sql + " ORDER BY seq LIMIT 1", params).fetchone()
        return _stored(row) if row else None

    def put(
        self,
        key: ObjectKey,
        body: dict[str, Any],
        *,
        partner_id: int | None = None,
        meta: dict[str, Any] | None = None,
    ) -> bool:
        """Create or replace; True when the object is new. A replaced object keeps its place."""
        existing = self.db.execute(
            "SELECT seq FROM objects WHERE module = ? AND side = ? AND country_code = ?"
            " AND party_id = ? AND id = ? AND type = ?",
            (key.module, key.side, key.country_code, key.party_id, key.id, key.type),
        ).fetchone()
        last_updated = sort_key(body["last_updated"])
        if existing is not None:
            sql = "UPDATE objects SET body = ?, last_updated = ?, partner_id = ?"
            params: list[Any] = [dumps(body), last_updated, partner_id]
            if meta is not None:
                sql += ", meta = ?"
                params.append(json.dumps(meta))
            self.db.execute(sql + " WHERE seq = ?", (*params, existing["seq"]))
            return False
        self.db.execute(
            "INSERT INTO objects (pos, module, side, country_code, party_id, id, type,"
            " last_updated, partner_id, meta, body) SELECT coalesce(max(pos) + 1, 0),"
            " ?, ?, ?, ?, ?, ?, ?, ?, ?, ? FROM objects WHERE module = ? AND side = ?",
            (
                key.module,
                key.side,
                key.country_code,
                key.party_id,
                key.id,
                key.type,
                last_updated,
                partner_id,
                json.dumps(meta or {}),
                dumps(body),
                key.module,
                key.side,
            ),
        )
        return True

    def put_many(self, rows: list[tuple[ObjectKey, dict[str, Any], dict[str, Any]]]) -> None:
        """Insert new objects in bulk (seeding, tests): (key, body, meta) each, in creation
        order, all of one (module, side). Run it in a transaction."""
        if not rows:
            return
        module, side = rows[0][0].module, rows[0][0].side
        first = self._next_pos(module, side)
        self.db.executemany(
            "INSERT INTO objects (pos, module, side, country_code, party_id, id, type,"
            " last_updated, meta, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    first + i,
                    k.module,
                    k.side,
                    k.country_code,
                    k.party_id,
                    k.id,
                    k.type,
                    sort_key(body["last_updated"]),
                    json.dumps(meta),
                    dumps(body),
                )
                for i, (k, body, meta) in enumerate(rows)
            ],
        )

    def _next_pos(self, module: str, side: str) -> int:
        row = self.db.execute(
            "SELECT max(pos) FROM objects WHERE module = ? AND side = ?", (module, side)
        ).fetchone()
        return 0 if row[0] is None else int(row[0]) + 1

    def set_meta(self, key: ObjectKey, meta: dict[str, Any]) -> None:
        self.db.execute(
            "UPDATE objects SET meta = ? WHERE module = ? AND side = ? AND country_code = ?"
            " AND party_id = ? AND id = ? AND type = ?",
            (
                json.dumps(meta),
                key.module,
                key.side,
                key.country_code,
                key.party_id,
                key.id,
                key.type,
            ),
        )

    def delete(self, key: ObjectKey) -> bool:
        """Delete an object and close the gap in its list's positions. Run it in a
        transaction."""
        row = self.db.execute(
            "DELETE FROM objects WHERE module = ? AND side = ? AND country_code = ?"
            " AND party_id = ? AND id = ? AND type = ? RETURNING pos",
            (key.module, key.side, key.country_code, key.party_id, key.id, key.type),
        ).fetchone()
        if row is None:
            return False
        self.db.execute(
            "UPDATE objects SET pos = pos - 1 WHERE module = ? AND side = ? AND pos > ?",
            (key.module, key.side, row[0]),
        )
        return True

    def count(self, module: str, side: str) -> int:
        return self._next_pos(module, side)

    def iter(self, module: str, side: str) -> Iterator[StoredObject]:
        rows = self.db.execute(
            "SELECT * FROM objects WHERE module = ? AND side = ? ORDER BY pos", (module, side)
        )
        for row in rows:
            yield _stored(row)

    def page(
        self,
        module: str,
        side: str,
        *,
        offset: int,
        limit: int,
        date_from: str | None = None,
        date_to: str | None = None,
        date_to_inclusive: bool = False,
    ) -> tuple[list[str], int]:
        """One page of bodies (JSON text) in creation order, and how many match in all.

        ``date_from``/``date_to`` are sort keys (see :func:`sort_key`). Without them the page
        is one seek on the dense positions, at any offset, that also reads the list's length
        (one query, not two: every Sender list GET runs it), or none at all when this process
        kept the page and no object changed since (``self.pages``); with them the matching
        range of ``last_updated`` is counted and skipped on its index.
        """
        if date_from is None and date_to is None:
            if self.pages is None or limit > MAX_LIMIT:
                return self._positions_and_size(module, side, offset, limit)
            return self._kept_page(self.pages, module, side, offset, limit)
        size = self._next_pos(module, side)
        hint = self.db.dialect.indexed_by
        where = "module = ? AND side = ?"
        params: list[Any] = [module, side]
        if date_from is not None:
            where += " AND last_updated >= ?"
            params.append(date_from)
        if date_to is not None:
            where += " AND last_updated <= ?" if date_to_inclusive else " AND last_updated < ?"
            params.append(date_to)
        total = int(
            self.db.execute(
                f"SELECT count(*) FROM objects{hint('objects_updated')} WHERE {where}", params
            ).fetchone()[0]
        )
        if limit <= 0 or offset >= total:
            return [], total
        if total == size:  # the window holds the whole list
            return self._positions(module, side, offset, limit), total
        if total <= _SORT_IN_MEMORY:
            # a narrow window: its rows straight from the last_updated index, put in order here
            seqs = sorted(
                row[0]
                for row in self.db.execute(
                    f"SELECT seq FROM objects{hint('objects_updated')} WHERE {where}", params
                )
            )[offset : offset + limit]
            marks = ",".join("?" * len(seqs))
            sql = f"SELECT body FROM objects WHERE seq IN ({marks}) ORDER BY seq"
            rows = self.db.execute(sql, seqs).fetchall()
        else:
            # a wide window: walk the list's index in order, filtering on its last_updated
            # column; skipped rows are never read from the table
            rows = self.db.execute(
                "SELECT body FROM objects WHERE seq IN (SELECT seq FROM"
                f" objects{hint('objects_list')} WHERE {where} ORDER BY pos LIMIT ? OFFSET ?)"
                " ORDER BY seq",
                (*params, limit, offset),
            ).fetchall()
        return [row[0] for row in rows], total

    def _kept_page(
        self, pages: PageCache, module: str, side: str, offset: int, limit: int
    ) -> tuple[list[str], int]:
        version = self.state("objects_version")  # read before the page (see PageCache.put)
        if version is None:  # a store without the counter: nothing can be kept
            return self._positions_and_size(module, side, offset, limit)
        key = (module, side, offset, limit)
        page = pages.get(key, version)
        if page is None:
            page = self._positions_and_size(module, side, offset, limit)
            pages.put(key, version, page)
        return page

    def _positions_and_size(
        self, module: str, side: str, offset: int, limit: int
    ) -> tuple[list[str], int]:
        rows = self.db.execute(
            "SELECT body, (SELECT max(pos) FROM objects WHERE module = ? AND side = ?)"
            " FROM objects WHERE module = ? AND side = ? AND pos >= ? ORDER BY pos LIMIT ?",
            (module, side, module, side, offset, max(limit, 0)),
        ).fetchall()
        if not rows:  # past the end (or limit 0): the length alone
            return [], self._next_pos(module, side)
        return [row[0] for row in rows], int(rows[0][1]) + 1

    def _positions(self, module: str, side: str, offset: int, limit: int) -> list[str]:
        rows = self.db.execute(
            "SELECT body FROM objects WHERE module = ? AND side = ? AND pos >= ?"
            " ORDER BY pos LIMIT ?",
            (module, side, offset, max(limit, 0)),
        ).fetchall()
        return [row[0] for row in rows]

    # small key/value state of the mock (seeding marker, …)
    def state(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM mock_state WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_state(self, key: str, value: str) -> None:
        self.db.execute(
            "INSERT INTO mock_state (key, value) VALUES (?, ?)"
            " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )


def _stored(row: Any) -> StoredObject:
    return StoredObject(
        key=_key_of(row),
        body=json.loads(row["body"]),
        partner_id=row["partner_id"],
        meta=json.loads(row["meta"]),
    )


def get_objects() -> Objects:
    """Objects over the request's store connection (and the app's pages served lately)."""
    return Objects(get_store().db, current_app.extensions.get("ocpi_pages"))


def own_lookup(objects: Objects, country_code: str, party_id: str) -> Lookup:
    """Finds our own objects by module and id (a 2.1.1 Session or CDR embeds its Location)."""

    def lookup(module: str, object_id: str) -> dict[str, Any] | None:
        found = objects.get(ObjectKey(module, SENDER, country_code, party_id, object_id))
        return found.body if found is not None else None

    return lookup


# ---- the serializer seam ---------------------------------------------------------------------

_SCHEMA_FAULTS = (
    "schema.required_field_dropped",
    "schema.overlong_string",
    "schema.datetime_offset",
    "schema.bad_enum",
    "pricing.cdr_total_mismatch",
    "cdrs.unsplit_periods",
    "payments.card_cdr_unreferenced",
    "tokens.ad_hoc_whitelisted",
    "tariffs.overlapping_windows",
)

# Per module: a required field to drop, and how to break a string and an enum. The fields
# exist in every version, unless a version's own entry says otherwise.
_DROPPED = {
    "locations": "city",
    "sessions": "auth_method",
    "cdrs": "auth_method",
    "tariffs": "currency",
    "tokens": "issuer",
    "hubclientinfo": "status",
}
_OVERLONG = "x" * 300
# a DateTime other than last_updated, per version (2.1.1 Sessions say start_datetime)
_STARTS = {"2.1.1": {"sessions": "start_datetime", "cdrs": "start_date_time"}}
_STARTS_22 = {"sessions": "start_date_time", "cdrs": "start_date_time"}


def _overlong(module: str, body: dict[str, Any]) -> None:
    if module == "locations":
        body["address"] = _OVERLONG  # string(45); 255 in 2.3.0
    elif module in ("sessions", "cdrs"):
        body["meter_id"] = _OVERLONG  # string(255)
    elif module == "tariffs":
        body["tariff_alt_text"] = [{"language": "en", "text": "y" * 600}]  # string(512)
    elif module == "tokens":
        body["visual_number"] = _OVERLONG[:100]  # string(64)
    else:
        body["party_id"] = "TOOLONG"  # CiString(3)


def _bad_enum(module: str, body: dict[str, Any], version: str) -> None:
    # EnergySourceCategory is a closed enum in every version, and no price depends on it
    bad_mix = {
        "is_green_energy": False,
        "energy_sources": [{"source": "DILITHIUM", "percentage": 100}],
    }
    if module == "locations":
        if version == "2.1.1":
            body["type"] = "ON_THE_MOON"
        elif version == "2.3.0":  # ParkingType is an open enum there
            body["energy_mix"] = bad_mix
        else:
            body["parking_type"] = "ON_THE_MOON"
    elif module in ("sessions", "cdrs"):
        body["auth_method"] = "MAGIC"
    elif module == "tariffs":
        if version == "2.1.1":  # no Tariff.type in 2.1.1
            body["energy_mix"] = bad_mix
        else:
            body["type"] = "HAPPY_HOUR"
    elif module == "tokens":
        body["whitelist"] = "SOMETIMES"
    else:
        body["status"] = "HALF_CONNECTED"


def _offset_datetime(value: str) -> str:
    return value[:-1] + "+00:00" if value.endswith("Z") else value + "+00:00"


def _offset_datetimes(module: str, body: dict[str, Any], version: str) -> None:
    # where possible another DateTime than last_updated, so the date filters stay testable
    start = _STARTS.get(version, _STARTS_22).get(module)
    if module == "locations" and body.get("evses"):
        evse = body["evses"][0]
        evse["last_updated"] = _offset_datetime(evse["last_updated"])
    elif start is not None and isinstance(body.get(start), str):
        body[start] = _offset_datetime(body[start])
    elif isinstance(body.get("last_updated"), str):
        body["last_updated"] = _offset_datetime(body["last_updated"])


def _mismatched_total(body: dict[str, Any]) -> None:
    price = body.get("total_cost")
    if isinstance(price, (int, float)):  # 2.1.1: a number excl. VAT
        body["total_cost"] = round(float(price) + 1.5, 4)
    elif isinstance(price, dict) and "before_taxes" in price:  # 2.3.0
        price["before_taxes"] = round(float(price["before_taxes"]) + 1.5, 4)
    elif isinstance(price, dict):
        price["excl_vat"] = round(float(price.get("excl_vat", 0)) + 1.5, 4)
        if price.get("incl_vat") is not None:
            price["incl_vat"] = round(float(price["incl_vat"]) + 1.8, 4)


def _day_later(value: str) -> str:
    from datetime import timedelta

    moment = datetime.fromisoformat(value.removesuffix("Z")).replace(tzinfo=UTC)
    return format_datetime(moment + timedelta(days=1))


def active_object_faults() -> frozenset[str]:
    """The serializer faults switched on now (asked once per response)."""
    return frozenset(f for f in _SCHEMA_FAULTS if faults.active(f))


def _unsplit(cdr: dict[str, Any], lookup: Lookup) -> None:
    """Charging periods the mock cut at a price change joined again (across the change)."""
    from mock_party.price_changes import merge_at_price_changes

    periods = cdr.get("charging_periods") or []
    ids = {p.get("tariff_id") for p in periods} - {None}
    tariffs = cdr.get("tariffs") or [t for t in (lookup("tariffs", i) for i in ids) if t]
    location = lookup("locations", (cdr.get("cdr_location") or {}).get("id", ""))
    if location and location.get("time_zone") and periods:
        cdr["charging_periods"] = merge_at_price_changes(
            periods, tariffs, time_zone=location["time_zone"], end=cdr["end_date_time"]
        )


def serialize(
    module: str,
    text: str,
    active: frozenset[str] | None = None,
    version: str = BASE_VERSION,
    lookup: Lookup | None = None,
) -> str:
    """One of our own objects (JSON text, 2.2.1 shape) as it goes out in ``version``: in that
    version's shape, and unchanged otherwise unless a fault is on. ``lookup`` finds our other
    objects (see ``shapes.to_version``)."""
    active = active_object_faults() if active is None else active
    if not active and version == BASE_VERSION:
        return text
    body = json.loads(text)
    if "cdrs.unsplit_periods" in active and module == "cdrs" and lookup is not None:
        _unsplit(body, lookup)
    if version != BASE_VERSION:
        kwargs = {} if lookup is None else {"lookup": lookup}
        body = to_version(module, body, version, **kwargs)
    if "schema.required_field_dropped" in active:
        body.pop(_DROPPED.get(module, "last_updated"), None)
    if "schema.overlong_string" in active:
        _overlong(module, body)
    if "schema.datetime_offset" in active:
        _offset_datetimes(module, body, version)
    if "schema.bad_enum" in active:
        _bad_enum(module, body, version)
    if "pricing.cdr_total_mismatch" in active and module == "cdrs":
        _mismatched_total(body)
    if (
        "tariffs.overlapping_windows" in active
        and module == "tariffs"
        and body.get("end_date_time")
    ):
        body["end_date_time"] = _day_later(body["end_date_time"])
    ad_hoc = body.get("type") in ("AD_HOC_USER", "APP_USER")
    if "tokens.ad_hoc_whitelisted" in active and module == "tokens" and ad_hoc:
        body["whitelist"] = "ALWAYS"
    if "payments.card_cdr_unreferenced" in active and module == "cdrs":
        from mock_party.fake.payments import card_paid

        if card_paid(body):
            body.pop("authorization_reference", None)
    return dumps(body)

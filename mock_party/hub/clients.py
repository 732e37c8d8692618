"""The hub's ClientInfo (2.2.1 §15): the connection status of every party it holds.

Kept in the hub's SQLite file (table ``hub_clients``). The parties the hub plays are CONNECTED
from the start; a platform's parties become CONNECTED when it registers and SUSPENDED when it
unregisters; an operator sets any status through the admin API. Each change is pushed (PUT) to
the ClientInfo Receiver of every registered platform except the one it is about.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from mock_party.ocpi import ocpi_timestamp
from mock_party.store import Partner, Store

__all__ = ["STATUSES", "ClientInfo", "all_clients", "client", "ensure_table", "set_status"]

log = logging.getLogger(__name__)
STATUSES = ("CONNECTED", "OFFLINE", "PLANNED", "SUSPENDED")

_TABLE = """
CREATE TABLE IF NOT EXISTS hub_clients (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    country_code TEXT NOT NULL COLLATE NOCASE,
    party_id TEXT NOT NULL COLLATE NOCASE,
    role TEXT NOT NULL,
    status TEXT NOT NULL,
    last_updated TEXT NOT NULL,
    partner_id INTEGER,            -- the registered platform holding the party; NULL: ours
    UNIQUE (country_code, party_id, role)
);
"""


@dataclass(frozen=True)
class ClientInfo:
    country_code: str
    party_id: str
    role: str
    status: str
    last_updated: str
    partner_id: int | None

    @property
    def key(self) -> tuple[str, str]:
        return (self.country_code.upper(), self.party_id.upper())

    def as_object(self) -> dict[str, str]:
        return {
            "party_id": self.party_id,
            "country_code": self.country_code,
            "role": self.role,
            "status": self.status,
            "last_updated": self.last_updated,
        }


def ensure_table(store: Store) -> None:
    store.db.execute(_TABLE)  # SQLite only: a hub on PostgreSQL is not supported yet


def all_clients(store: Store) -> list[ClientInfo]:
    rows = store.db.execute(
        "SELECT country_code, party_id, role, status, last_updated, partner_id"
        " FROM hub_clients ORDER BY seq"
    ).fetchall()
    return [ClientInfo(*row) for row in rows]


def client(store: Store, country_code: str, party_id: str) -> ClientInfo | None:
    for found in all_clients(store):
        if found.key == (country_code.upper(), party_id.upper()):
            return found
    return None


def set_status(
    store: Store,
    country_code: str,
    party_id: str,
    role: str,
    status: str,
    partner_id: int | None = None,
    *,
    moment: datetime | None = None,
) -> bool:
    """Record ``status``; True when something changed (a new party or a new status)."""
    now = ocpi_timestamp(moment or datetime.now(UTC))
    with store.transaction():
        row = store.db.execute(
            "SELECT status, partner_id FROM hub_clients"
            " WHERE country_code = ? AND party_id = ? AND role = ?",
            (country_code, party_id, role),
        ).fetchone()
        if row is not None and row[0] == status and row[1] == partner_id:
            return False
        store.db.execute(
            "INSERT INTO hub_clients (country_code, party_id, role, status, last_updated,"
            " partner_id) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (country_code, party_id, role)"
            " DO UPDATE SET status = excluded.status, last_updated = excluded.last_updated,"
            " partner_id = excluded.partner_id",
            (country_code, party_id, role, status, now, partner_id),
        )
    return True


def receivers(store: Store, about: ClientInfo) -> list[Partner]:
    """The registered platforms to tell about ``about``: all but the one holding it."""
    return [
        p
        for p in store.partners()
        if p.registered
        and p.token_out
        and p.id != about.partner_id
        and p.endpoint("hubclientinfo", "RECEIVER")
    ]

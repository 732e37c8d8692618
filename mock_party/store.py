"""The mock's SQLite store: partners, their tokens and endpoints, registration tokens.

One connection per request (``get_store``), closed at app-context teardown, so no connection is
shared between waitress threads. WAL mode and a busy timeout let concurrent writers wait instead
of failing.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from flask import Flask, current_app, g

__all__ = ["Partner", "Store", "get_store", "init_app"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS tokens_a (
    token TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    used_at TEXT
);
CREATE TABLE IF NOT EXISTS partners (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    token_in TEXT UNIQUE,          -- the token the partner uses to call us
    token_out TEXT,                -- the token we use to call the partner
    versions_url TEXT NOT NULL,
    version TEXT,
    endpoints TEXT NOT NULL DEFAULT '[]',
    roles TEXT NOT NULL DEFAULT '[]',
    registered INTEGER NOT NULL DEFAULT 0,
    token_form TEXT,               -- how the partner encodes its token: base64 or plain
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
-- OCPI objects (mock_party/objects.py): side 'sender' = our own data, served on our Sender
-- interfaces; side 'receiver' = what partners pushed to our Receiver interfaces. seq is the
-- creation order, the order of every list; pos is the object's index in its (module, side)
-- list, kept dense, so that a page at any offset is one index seek. The key columns are
-- CiStrings (NOCASE).
CREATE TABLE IF NOT EXISTS objects (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    pos INTEGER NOT NULL,
    module TEXT NOT NULL,
    side TEXT NOT NULL,
    country_code TEXT NOT NULL COLLATE NOCASE,
    party_id TEXT NOT NULL COLLATE NOCASE,
    id TEXT NOT NULL COLLATE NOCASE,
    type TEXT NOT NULL DEFAULT '',
    last_updated TEXT NOT NULL,    -- normalised, sortable: 2026-01-02T03:04:05.000000
    partner_id INTEGER,
    meta TEXT NOT NULL DEFAULT '{}',
    body TEXT NOT NULL,
    UNIQUE (module, side, country_code, party_id, id, type)
);
CREATE INDEX IF NOT EXISTS objects_list ON objects (module, side, pos, last_updated);
CREATE INDEX IF NOT EXISTS objects_updated ON objects (module, side, last_updated, seq);
CREATE INDEX IF NOT EXISTS objects_by_id ON objects (module, side, id);
CREATE TABLE IF NOT EXISTS mock_state (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Partner:
    id: int
    token_in: str | None = field(repr=False)
    token_out: str | None = field(repr=False)
    versions_url: str
    version: str | None
    endpoints: list[dict[str, Any]]
    roles: list[dict[str, Any]]
    registered: bool
    token_form: str | None

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Partner:
        return cls(
            id=row["id"],
            token_in=row["token_in"],
            token_out=row["token_out"],
            versions_url=row["versions_url"],
            version=row["version"],
            endpoints=json.loads(row["endpoints"]),
            roles=json.loads(row["roles"]),
            registered=bool(row["registered"]),
            token_form=row["token_form"],
        )

    def endpoint(self, identifier: str, role: str | None = None) -> str | None:
        for endpoint in self.endpoints:
            if endpoint.get("identifier") == identifier and (
                role is None or endpoint.get("role") in (role, None)
            ):
                return endpoint.get("url")
        return None


class Store:
    """Data access over one SQLite connection."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.db = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA busy_timeout = 30000")
        self.db.execute("PRAGMA foreign_keys = ON")

    def close(self) -> None:
        self.db.close()

    def init_schema(self) -> None:
        self.db.execute("PRAGMA journal_mode = WAL")
        self.db.executescript(_SCHEMA)

    def transaction(self) -> sqlite3.Connection:
        """``with store.transaction():`` runs the block in one IMMEDIATE transaction."""
        return _Immediate(self.db)  # type: ignore[return-value]

    # registration tokens (token A)
    def add_token_a(self, token: str) -> None:
        self.db.execute(
            "INSERT OR IGNORE INTO tokens_a (token, created_at) VALUES (?, ?)", (token, _now())
        )

    def token_a_valid(self, token: str) -> bool:
        row = self.db.execute(
            "SELECT 1 FROM tokens_a WHERE token = ? AND used_at IS NULL", (token,)
        ).fetchone()
        return row is not None

    def token_a_exists(self, token: str) -> bool:
        """Whether ``token`` was ever a registration token, used or not."""
        row = self.db.execute("SELECT 1 FROM tokens_a WHERE token = ?", (token,)).fetchone()
        return row is not None

    def use_token_a(self, token: str) -> None:
        self.db.execute("UPDATE tokens_a SET used_at = ? WHERE token = ?", (_now(), token))

    def unused_tokens_a(self) -> list[str]:
        rows = self.db.execute(
            "SELECT token FROM tokens_a WHERE used_at IS NULL ORDER BY created_at"
        ).fetchall()
        return [row["token"] for row in rows]

    # partners
    def partner_by_token(self, token: str) -> Partner | None:
        row = self.db.execute("SELECT * FROM partners WHERE token_in = ?", (token,)).fetchone()
        return Partner.from_row(row) if row else None

    def partner(self, partner_id: int) -> Partner | None:
        row = self.db.execute("SELECT * FROM partners WHERE id = ?", (partner_id,)).fetchone()
        return Partner.from_row(row) if row else None

    def partners(self) -> list[Partner]:
        rows = self.db.execute("SELECT * FROM partners ORDER BY id").fetchall()
        return [Partner.from_row(row) for row in rows]

    def add_partner(
        self,
        *,
        versions_url: str,
        token_in: str | None = None,
        token_out: str | None = None,
        version: str | None = None,
        endpoints: list[dict[str, Any]] | None = None,
        roles: list[dict[str, Any]] | None = None,
        registered: bool = False,
    ) -> int:
        now = _now()
        cursor = self.db.execute(
            "INSERT INTO partners (token_in, token_out, versions_url, version, endpoints, roles,"
            " registered, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                token_in,
                token_out,
                versions_url,
                version,
                json.dumps(endpoints or []),
                json.dumps(roles or []),
                int(registered),
                now,
                now,
            ),
        )
        return int(cursor.lastrowid or 0)

    def update_partner(self, partner_id: int, **fields: Any) -> None:
        allowed = {
            "token_in",
            "token_out",
            "versions_url",
            "version",
            "endpoints",
            "roles",
            "registered",
            "token_form",
        }
        unknown = set(fields) - allowed
        if unknown:
            raise ValueError(f"unknown partner fields: {sorted(unknown)}")
        values = {
            key: json.dumps(value) if key in ("endpoints", "roles") else value
            for key, value in fields.items()
        }
        if "registered" in values:
            values["registered"] = int(values["registered"])
        assignments = ", ".join(f"{key} = ?" for key in values)
        self.db.execute(
            f"UPDATE partners SET {assignments}, updated_at = ? WHERE id = ?",
            (*values.values(), _now(), partner_id),
        )

    def delete_partner(self, partner_id: int) -> None:
        self.db.execute("DELETE FROM partners WHERE id = ?", (partner_id,))


class _Immediate:
    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> sqlite3.Connection:
        self.db.execute("BEGIN IMMEDIATE")
        return self.db

    def __exit__(self, exc_type: object, *rest: object) -> None:
        self.db.execute("ROLLBACK" if exc_type else "COMMIT")


def get_store() -> Store:
    """The request's store connection, opened on first use."""
    if "ocpi_store" not in g:
        g.ocpi_store = Store(current_app.config["OCPI_DATABASE"])
    return g.ocpi_store


def _close_store(exc: BaseException | None = None) -> None:
    store = g.pop("ocpi_store", None)
    if store is not None:
        store.close()


def init_app(app: Flask) -> None:
    store = Store(app.config["OCPI_DATABASE"])
    try:
        store.init_schema()
    finally:
        store.close()
    app.teardown_appcontext(_close_store)

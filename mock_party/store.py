"""The mock's store: partners, their tokens and endpoints, registration tokens, and the
exchanges partners made with the mock (already masked, for the inspector at /admin/ui).

On SQLite (a file, the default) or PostgreSQL (a ``postgresql://`` DSN, for several workers);
the backends are in :mod:`mock_party.db`, the schema in :mod:`mock_party.migrations`. One
connection per request (``get_store``), given back at app-context teardown, so no connection is
shared between threads. SQLite runs in WAL mode with a busy timeout, so concurrent writers wait
instead of failing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from flask import Flask, current_app, g

from mock_party import db as backends
from mock_party.migrations import migrate

__all__ = ["EXCHANGE_FIELDS", "Partner", "Store", "get_store", "init_app"]

EXCHANGE_FIELDS = (
    "at",
    "method",
    "path",
    "module",
    "status",
    "partner_id",
    "duration_ms",
    "request_headers",
    "request_body",
    "response_body",
)


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
    # a token being replaced, still let in (see Store.partner_by_token)
    token_in_previous: str | None = field(default=None, repr=False)

    @classmethod
    def from_row(cls, row: Any) -> Partner:
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
            token_in_previous=row["token_in_previous"],
        )

    def endpoint(self, identifier: str, role: str | None = None) -> str | None:
        for endpoint in self.endpoints:
            if endpoint.get("identifier") == identifier and (
                role is None or endpoint.get("role") in (role, None)
            ):
                return endpoint.get("url")
        return None


class Store:
    """Data access over one connection of either backend (``path``: a SQLite file or a
    PostgreSQL DSN)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.db = backends.connect(path)

    @property
    def dialect(self) -> backends.Dialect:
        return self.db.dialect

    def close(self) -> None:
        self.db.close()

    def init_schema(self) -> list[int]:
        """Apply the migrations this database lacks; the versions applied now."""
        if self.db.dialect is backends.SQLITE:
            self.db.execute("PRAGMA journal_mode = WAL")
        return migrate(self.db)

    def transaction(self) -> Any:
        """``with store.transaction():`` runs the block in one write transaction (one writer
        at a time, on either backend)."""
        return self.db.transaction()

    # registration tokens (token A)
    def add_token_a(self, token: str) -> None:
        self.db.execute(
            "INSERT INTO tokens_a (token, created_at) VALUES (?, ?) ON CONFLICT DO NOTHING",
            (token, _now()),
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
        """The partner calling with ``token``: its token_in, or the token being replaced."""
        row = self.db.execute("SELECT * FROM partners WHERE token_in = ?", (token,)).fetchone()
        if row is None:
            row = self.db.execute(
                "SELECT * FROM partners WHERE token_in_previous = ?", (token,)
            ).fetchone()
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
        row = self.db.execute(
            "INSERT INTO partners (token_in, token_out, versions_url, version, endpoints, roles,"
            " registered, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " RETURNING id",
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
        ).fetchone()
        return int(row[0])

    def update_partner(self, partner_id: int, **fields: Any) -> None:
        allowed = {
            "token_in",
            "token_in_previous",
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

    def secrets(self) -> list[str]:
        """Every token the store knows (tokens A, partners' tokens both ways): what a masker
        must hide."""
        rows = self.db.execute(
            "SELECT token_in, token_in_previous, token_out FROM partners"
        ).fetchall()
        found = [value for row in rows for value in row if value]
        found += [row[0] for row in self.db.execute("SELECT token FROM tokens_a").fetchall()]
        return found

    # exchanges (masked before they get here)
    def add_exchanges(self, exchanges: list[dict[str, Any]], *, keep: int) -> None:
        """Keep these exchanges (the keys of ``EXCHANGE_FIELDS``, request_headers a dict), in
        one transaction, and drop all but the newest ``keep``."""
        rows = [
            [
                json.dumps(e.get(key) or {}) if key == "request_headers" else e.get(key)
                for key in EXCHANGE_FIELDS
            ]
            for e in exchanges
        ]
        with self.transaction():
            self.db.executemany(
                f"INSERT INTO exchanges ({', '.join(EXCHANGE_FIELDS)})"
                f" VALUES ({', '.join('?' for _ in EXCHANGE_FIELDS)})",
                rows,
            )
            self.db.execute(
                "DELETE FROM exchanges WHERE id <= (SELECT max(id) FROM exchanges) - ?", (keep,)
            )

    def exchanges(
        self,
        *,
        after: int = 0,
        partner_id: int | None = None,
        module: str | None = None,
        limit: int = 200,
    ) -> list[dict[str, Any]]:
        """The newest ``limit`` exchanges with an id above ``after`` (of one partner, of one
        module when given), newest first."""
        where, args = ["id > ?"], [after]
        if partner_id is not None:
            where.append("partner_id = ?")
            args.append(partner_id)
        if module:
            where.append("module = ?")
            args.append(module)
        rows = self.db.execute(
            f"SELECT * FROM exchanges WHERE {' AND '.join(where)} ORDER BY id DESC LIMIT ?",
            (*args, limit),
        ).fetchall()
        return [
            {
                **{name: row[name] for name in ("id", *EXCHANGE_FIELDS)},
                "request_headers": json.loads(row["request_headers"]),
            }
            for row in rows
        ]

    def last_exchange_id(self) -> int:
        row = self.db.execute("SELECT max(id) FROM exchanges").fetchone()
        return int(row[0] or 0)


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

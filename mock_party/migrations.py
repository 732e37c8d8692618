"""The store's schema, as explicit numbered migrations, applied in order on either backend.

Each migration is a number, a name and its statements, written once for both backends; the
only per-backend word is ``{identity}`` (an auto-numbered primary key, see
:class:`mock_party.db.Dialect`), besides what has no common form (the triggers of migration 6,
the lz4 setting of migration 5: a migration's ``postgres_only`` and ``sqlite_only``). CiString
columns use the collation ``nocase``: SQLite's own, and on PostgreSQL an ICU case-insensitive
collation the first migration creates.

``schema_migrations`` records what was applied. :func:`migrate` applies what is missing inside
one write transaction, so several workers starting at once apply each migration exactly once.
A database made before migrations existed has the tables of migration 1 already; its
``IF NOT EXISTS`` statements leave them alone and it is recorded as applied.

To change the schema, append a migration (never edit one that has landed).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from mock_party.db import Connection

__all__ = ["MIGRATIONS", "Migration", "applied", "migrate"]


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    statements: tuple[str, ...]
    postgres_only: tuple[str, ...] = ()  # run before the statements, on PostgreSQL only
    sqlite_only: tuple[str, ...] = ()  # run after the statements, on SQLite only


def _split(script: str) -> tuple[str, ...]:
    lines = [line for line in script.splitlines() if not line.strip().startswith("--")]
    return tuple(s.strip() for s in "\n".join(lines).split(";") if s.strip())


_INITIAL = """
CREATE TABLE IF NOT EXISTS tokens_a (
    token TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    used_at TEXT
);
CREATE TABLE IF NOT EXISTS partners (
    id {identity},
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
-- CiStrings (nocase).
CREATE TABLE IF NOT EXISTS objects (
    seq {identity},
    pos INTEGER NOT NULL,
    module TEXT NOT NULL,
    side TEXT NOT NULL,
    country_code TEXT NOT NULL COLLATE nocase,
    party_id TEXT NOT NULL COLLATE nocase,
    id TEXT NOT NULL COLLATE nocase,
    type TEXT NOT NULL DEFAULT '',
    last_updated TEXT NOT NULL,    -- normalised, sortable: 2026-01-02T03:04:05.000000
    partner_id INTEGER,
    meta TEXT NOT NULL DEFAULT '{{}}',
    body TEXT NOT NULL,
    UNIQUE (module, side, country_code, party_id, id, type)
);
CREATE INDEX IF NOT EXISTS objects_list ON objects (module, side, pos, last_updated);
CREATE INDEX IF NOT EXISTS objects_updated ON objects (module, side, last_updated, seq);
CREATE INDEX IF NOT EXISTS objects_by_id ON objects (module, side, id);
-- small key/value state of the mock: seeding marker, churn schedule, faults switched on
CREATE TABLE IF NOT EXISTS mock_state (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""

_JOBS = """
-- work due later (a CommandResult, a charging profile result, a Terminal to create on a
-- partner): kept here so that any worker carries it out and a restart does not lose it.
-- claimed_at is set by the process doing it; a claim older than the lease is taken over.
CREATE TABLE IF NOT EXISTS jobs (
    id {identity},
    due_at TEXT NOT NULL,
    name TEXT NOT NULL,
    args TEXT NOT NULL,
    claimed_at TEXT
);
CREATE INDEX IF NOT EXISTS jobs_due ON jobs (due_at)
"""

_EXCHANGES = """
-- requests partners made to the mock's OCPI endpoints, tokens already masked (recorded by
-- mock_party/recording.py, shown by the inspector at /admin/ui); only the newest are kept
CREATE TABLE IF NOT EXISTS exchanges (
    id {identity},
    at TEXT NOT NULL,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    module TEXT NOT NULL DEFAULT '',
    status INTEGER NOT NULL,
    partner_id INTEGER,
    duration_ms REAL NOT NULL,
    request_headers TEXT NOT NULL DEFAULT '{{}}',
    request_body TEXT,
    response_body TEXT
)
"""

_PREVIOUS_TOKEN = """
-- a token the partner may still use for a while besides token_in: the one being replaced
-- while a credentials update is under way (the suite's counterpart sets it during its PUT)
ALTER TABLE partners ADD COLUMN token_in_previous TEXT
"""

MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "initial: tokens_a, partners, objects, mock_state",
        _split(_INITIAL),
        postgres_only=(
            "CREATE COLLATION IF NOT EXISTS nocase"
            " (provider = icu, locale = 'und-u-ks-level2', deterministic = false)",
        ),
    ),
    Migration(2, "jobs: work due later, for every worker", _split(_JOBS)),
    Migration(3, "exchanges: what partners asked, for the inspector", _split(_EXCHANGES)),
    Migration(4, "partners.token_in_previous: a token being replaced", _split(_PREVIOUS_TOKEN)),
    Migration(
        5,
        "lz4 for the bodies on PostgreSQL",
        (),
        # Every page read decompresses its bodies and every recorded exchange compresses up to
        # 20 kB twice: lz4 costs the server less CPU than its default (pglz) both ways. Values
        # written before keep their compression; a server built without lz4 keeps its default.
        postgres_only=(
            "DO $$ BEGIN"
            " EXECUTE 'ALTER TABLE objects ALTER COLUMN body SET COMPRESSION lz4';"
            " EXECUTE 'ALTER TABLE exchanges ALTER COLUMN request_body SET COMPRESSION lz4,"
            " ALTER COLUMN response_body SET COMPRESSION lz4';"
            " EXCEPTION WHEN feature_not_supported OR syntax_error THEN NULL;"
            " END $$",
        ),
    ),
    Migration(
        6,
        "objects_version: moved by every change of objects (triggers)",
        (
            "INSERT INTO mock_state (key, value) VALUES ('objects_version', '0')"
            " ON CONFLICT DO NOTHING",
        ),
        postgres_only=(
            "CREATE OR REPLACE FUNCTION mock_objects_changed() RETURNS trigger LANGUAGE plpgsql AS"
            " $$ BEGIN UPDATE mock_state SET value = (value::bigint + 1)::text"
            " WHERE key = 'objects_version'; RETURN NULL; END $$",
            "CREATE TRIGGER objects_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE"
            " ON objects FOR EACH STATEMENT EXECUTE FUNCTION mock_objects_changed()",
        ),
        sqlite_only=tuple(
            f"CREATE TRIGGER IF NOT EXISTS objects_{event.lower()} AFTER {event} ON objects"
            " BEGIN UPDATE mock_state SET value = CAST(value AS INTEGER) + 1"
            " WHERE key = 'objects_version'; END"
            for event in ("INSERT", "UPDATE", "DELETE")
        ),
    ),
)

_LEDGER = (
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
)


def applied(connection: Connection) -> list[int]:
    """The versions recorded as applied, in order."""
    rows = connection.execute("SELECT version FROM schema_migrations ORDER BY version")
    return [int(row[0]) for row in rows]


def migrate(connection: Connection, migrations: tuple[Migration, ...] = MIGRATIONS) -> list[int]:
    """Apply the migrations not applied yet, in order; the versions applied now."""
    done: list[int] = []
    with connection.transaction():
        connection.execute(_LEDGER)
        have = set(applied(connection))
        for migration in sorted(migrations, key=lambda m: m.version):
            if migration.version in have:
                continue
            if connection.dialect.name == "postgresql":
                for statement in migration.postgres_only:
                    connection.execute(statement)
            for statement in migration.statements:
                connection.execute(statement.format(identity=connection.dialect.identity))
            if connection.dialect.name == "sqlite":
                for statement in migration.sqlite_only:
                    connection.execute(statement)
            connection.execute(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                (migration.version, migration.name, datetime.now(UTC).isoformat()),
            )
            done.append(migration.version)
    return done

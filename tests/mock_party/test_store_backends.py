"""The store on both backends (a SQLite file, a real PostgreSQL database): versioned
migrations, partners and tokens, one-writer transactions, and a whole mock app over each."""

from __future__ import annotations

import sqlite3

import pytest
from mock_support import NO_DATA, OcpiActions

from mock_party import MockConfig, create_app
from mock_party.db import IntegrityError, masked_url
from mock_party.migrations import MIGRATIONS, applied, migrate
from mock_party.store import Store


@pytest.fixture
def store(database_url):
    opened = Store(database_url)
    opened.init_schema()
    yield opened
    opened.close()


def test_migrations_are_applied_once_and_recorded(database_url):
    first = Store(database_url)
    assert first.init_schema() == [m.version for m in MIGRATIONS]
    first.close()
    again = Store(database_url)
    assert again.init_schema() == []  # a second start applies nothing
    assert applied(again.db) == [m.version for m in MIGRATIONS]
    again.close()


def test_a_database_from_before_migrations_is_taken_over(tmp_path):
    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as old:  # the tables as the first releases made them
        old.execute("CREATE TABLE mock_state (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        old.execute("INSERT INTO mock_state VALUES ('seeded', '1')")
    store = Store(str(path))
    assert store.init_schema() == [m.version for m in MIGRATIONS]
    assert store.db.execute("SELECT value FROM mock_state").fetchone()[0] == "1"
    store.close()


def test_partners_and_tokens(store):
    store.add_token_a("A-1")
    store.add_token_a("A-1")  # twice is once
    assert store.unused_tokens_a() == ["A-1"] and store.token_a_valid("A-1")
    store.use_token_a("A-1")
    assert not store.token_a_valid("A-1") and store.token_a_exists("A-1")
    first = store.add_partner(versions_url="http://a/versions", token_in="in-1", roles=[{"r": 1}])
    second = store.add_partner(versions_url="http://b/versions", token_in="in-2")
    assert second > first
    store.update_partner(first, registered=True, endpoints=[{"identifier": "locations"}])
    found = store.partner_by_token("in-1")
    assert found is not None and found.registered and found.roles == [{"r": 1}]
    assert found.endpoints == [{"identifier": "locations"}]
    with pytest.raises(IntegrityError):
        store.add_partner(versions_url="http://c/versions", token_in="in-2")
    store.delete_partner(first)
    assert [p.id for p in store.partners()] == [second]


def test_a_failed_transaction_leaves_nothing(store):
    with pytest.raises(RuntimeError), store.transaction():
        store.add_partner(versions_url="http://a/versions", token_in="in-1")
        raise RuntimeError("stop")
    assert store.partners() == []
    with store.transaction():  # and the connection is usable afterwards
        store.add_partner(versions_url="http://a/versions", token_in="in-1")
    assert len(store.partners()) == 1


def test_a_migration_added_later_is_applied_to_an_existing_database(store):
    from mock_party.migrations import Migration

    extra = Migration(999, "test: a column", ("CREATE TABLE later_table (id {identity})",))
    assert migrate(store.db, (*MIGRATIONS, extra)) == [999]
    store.db.execute("INSERT INTO later_table DEFAULT VALUES")
    assert store.db.execute("SELECT count(*) FROM later_table").fetchone()[0] == 1


def test_a_whole_mock_over_each_backend(database_url):
    config = {"database": database_url, "token_a": "token-A-1234", **NO_DATA, "locations": 3}
    app = create_app(MockConfig(**config))
    ocpi = OcpiActions(app.test_client(), app)
    ocpi.register()
    listed = ocpi.get("/ocpi/2.2.1/sender/locations")
    assert listed.status_code == 200 and len(listed.json["data"]) == 3
    # a restart over the same database keeps the partner and the data, and does not reseed
    again = create_app(MockConfig(**config))
    ocpi_again = OcpiActions(again.test_client(), again)
    ocpi_again.token = ocpi.token
    relisted = ocpi_again.get("/ocpi/2.2.1/sender/locations")
    assert relisted.status_code == 200 and relisted.json["data"] == listed.json["data"]


def test_a_dsn_is_printed_without_its_password():
    assert masked_url("postgresql://u:secret@h:5432/db") == "postgresql://u:***@h:5432/db"
    assert masked_url("postgresql://u@h/db") == "postgresql://u@h/db"
    assert masked_url("/tmp/mock.sqlite") == "/tmp/mock.sqlite"


def test_bodies_are_lz4_compressed_on_postgresql(postgres_url):
    store = Store(postgres_url)
    store.init_schema()
    store.db.execute(
        "INSERT INTO objects (pos, module, side, country_code, party_id, id, last_updated, body)"
        " VALUES (0, 'locations', 'sender', 'NL', 'MCK', 'L1', '2026-01-01', ?)",
        ('{"name": "' + "a long Location " * 400 + '"}',),
    )
    row = store.db.execute("SELECT pg_column_compression(body) FROM objects").fetchone()
    assert row[0] == "lz4"
    settings = store.db.execute(
        "SELECT attname, attcompression FROM pg_attribute WHERE attrelid = 'exchanges'::regclass"
        " AND attname IN ('request_body', 'response_body') ORDER BY attname"
    ).fetchall()
    assert [tuple(row) for row in settings] == [("request_body", "l"), ("response_body", "l")]
    store.close()

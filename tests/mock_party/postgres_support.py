"""PostgreSQL for the tests: the server named by ``OCPI_TEST_POSTGRES`` (``.ci/run`` starts
one), or a throwaway cluster started here when the server programs are installed.

Without either, tests that need PostgreSQL skip with the reason, except in CI (``CI`` set, or
``OCPI_TEST_POSTGRES`` set): there they fail, so a CI run never passes by skipping them. Each
test gets a fresh database of its own (``fresh_database``).
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent.parent))
import pg_cluster  # noqa: E402

ENV = "OCPI_TEST_POSTGRES"


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() not in ("", "0", "false") or bool(os.environ.get(ENV))


def _unavailable(reason: str) -> None:
    if in_ci():
        pytest.fail(f"PostgreSQL is required in CI and {reason}", pytrace=False)
    pytest.skip(f"PostgreSQL not available: {reason} (set {ENV} to a server's DSN)")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """The DSN of a PostgreSQL server's maintenance database."""
    given = os.environ.get(ENV)
    if given:
        yield given
        return
    try:
        import psycopg  # noqa: F401
    except ImportError:
        _unavailable("psycopg is not installed")
    if pg_cluster.find_bin("initdb") is None:
        _unavailable("no PostgreSQL server programs (initdb) are installed")
    directory = tempfile.mkdtemp(prefix="ocpi-test-pg-")  # not under pytest's 0700 tmp
    try:
        dsn = pg_cluster.start(directory)
    except Exception as exc:  # noqa: BLE001 - the reason is what the skip says
        _unavailable(f"a throwaway cluster did not start: {exc}")
    try:
        yield dsn
    finally:
        pg_cluster.stop(directory)
        shutil.rmtree(directory, ignore_errors=True)


def fresh_database(server: str) -> str:
    """Create an empty database on ``server``; its DSN."""
    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE {name}")
    return server.rsplit("/", 1)[0] + "/" + name


@pytest.fixture
def postgres_url(postgres_server: str) -> str:
    """A fresh, empty PostgreSQL database for one test."""
    return fresh_database(postgres_server)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path) -> str:
    """The store's database for one test, once on each backend."""
    if request.param == "sqlite":
        return str(tmp_path / "mock.sqlite")
    return fresh_database(request.getfixturevalue("postgres_server"))

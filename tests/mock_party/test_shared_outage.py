"""A shared mock whose PostgreSQL server goes away and comes back: ``ocpi-mock serve --workers
2`` over a throwaway cluster of its own, stopped (as by a crash) for a few seconds under a
running status churn and started again on the same port. Afterwards the churn goes on and the
workers' job sweepers still take over a job a killed worker had claimed."""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from postgres_support import in_ci
from shared_mock_support import serve

from mock_party.db import close_pools
from mock_party.jobs import LEASE
from mock_party.store import Store

sys.path.insert(0, str(Path(__file__).parent.parent))
import pg_cluster  # noqa: E402

HERE = Path(__file__).parent


@pytest.fixture
def own_cluster():
    """A cluster only this test uses (it is stopped on purpose): its directory and DSN."""
    if pg_cluster.find_bin("initdb") is None:
        reason = "no PostgreSQL server programs (initdb) are installed"
        if in_ci():
            pytest.fail(f"PostgreSQL is required in CI and {reason}", pytrace=False)
        pytest.skip(f"PostgreSQL not available: {reason}")
    directory = tempfile.mkdtemp(prefix="ocpi-test-pg-")  # not under pytest's 0700 tmp
    try:
        yield directory, pg_cluster.start(directory)
    finally:
        close_pools()  # this process's own, else they go on trying to reach the stopped server
        pg_cluster.stop(directory)
        shutil.rmtree(directory, ignore_errors=True)


def _changes(url: str) -> int | None:
    try:
        answer = httpx.get(f"{url}/admin/churn", timeout=10)
    except httpx.HTTPError:
        return None
    return answer.json()["data"]["changes"] if answer.status_code == 200 else None


def _churns(url: str, seconds: float) -> int:
    first = _changes(url)
    assert first is not None
    time.sleep(seconds)
    last = _changes(url)
    assert last is not None
    return last - first


def _ran(dsn: str) -> list[str]:
    store = Store(dsn)
    try:
        row = store.db.execute(
            "SELECT value FROM mock_state WHERE key = 'test_jobs_ran'"
        ).fetchone()
    finally:
        store.close()
    return json.loads(row[0]) if row else []


def test_the_churn_and_the_sweepers_go_on_after_the_database_came_back(own_cluster, tmp_path):
    directory, dsn = own_cluster
    # the job below names a function of tests/mock_party/test_jobs.py: the mock imports it
    mock = serve(dsn, 2, tmp_path, "--locations", "10", env={"PYTHONPATH": str(HERE)})
    try:
        mock.wait_for_workers(2)
        on = httpx.post(f"{mock.url}/admin/churn", json={"per_minute": 300}, timeout=10)
        assert on.status_code == 200, on.text
        assert _churns(mock.url, 1.5) >= 2

        pg_cluster.stop(directory)
        time.sleep(3)
        pg_cluster.start_again(directory)
        deadline = time.monotonic() + 30
        while _changes(mock.url) is None and time.monotonic() < deadline:
            time.sleep(0.2)
        made = _churns(mock.url, 2.5)
        assert made >= 3, f"the churn did not resume: {made} changes in 2.5 s"

        # a job a killed worker had claimed, its lease run out: a sweeper takes it over
        store = Store(dsn)
        try:
            store.db.execute(
                "INSERT INTO jobs (due_at, name, args, claimed_at) VALUES (?, ?, ?, ?)",
                (
                    (datetime.now(UTC) - timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%S.%f"),
                    "test_jobs:record_job",
                    json.dumps(["after the outage"]),
                    (datetime.now(UTC) - LEASE - timedelta(seconds=5)).strftime(
                        "%Y-%m-%dT%H:%M:%S.%f"
                    ),
                ),
            )
        finally:
            store.close()
        deadline = time.monotonic() + 10
        while _ran(dsn) != ["after the outage"] and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _ran(dsn) == ["after the outage"], mock.output.read_text()[-2000:]
        assert mock.workers() and mock.process.poll() is None
    finally:
        mock.stop()

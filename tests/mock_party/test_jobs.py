"""Work due later (mock_party.jobs) on both backends: a job a killed process had claimed is
taken over once its lease ran out, a live claim is left alone, and a mock started again over
the database carries out a job the previous process promised but never ran."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

from flask import Flask
from mock_support import NO_DATA

from mock_party import MockConfig, create_app
from mock_party.jobs import LEASE, pending, run_due, schedule
from mock_party.store import Store, get_store


def record_job(value: str) -> None:
    """A job: append ``value`` to the store's ``test_jobs_ran`` list."""
    store = get_store()
    with store.transaction():
        row = store.db.execute(
            "SELECT value FROM mock_state WHERE key = 'test_jobs_ran'"
        ).fetchone()
        ran = json.loads(row[0]) if row else []
        store.db.execute(
            "INSERT INTO mock_state (key, value) VALUES ('test_jobs_ran', ?)"
            " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (json.dumps([*ran, value]),),
        )


def record_job_slowly(value: str, seconds: float) -> None:
    """A job: ``record_job(value)`` after ``seconds``."""
    time.sleep(seconds)
    record_job(value)


def _app(database: str) -> Flask:
    return create_app(MockConfig(database=database, token_a="token-A-1234", **NO_DATA))


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")


def _insert_job(database: str, value: str, claimed_at: datetime | None) -> None:
    """A job row as a process that stopped (or holds it) left it: due a second ago."""
    store = Store(database)
    try:
        store.db.execute(
            "INSERT INTO jobs (due_at, name, args, claimed_at) VALUES (?, ?, ?, ?)",
            (
                _stamp(datetime.now(UTC) - timedelta(seconds=1)),
                f"{__name__}:record_job",
                json.dumps([value]),
                _stamp(claimed_at) if claimed_at else None,
            ),
        )
    finally:
        store.close()


def _ran(app: Flask) -> list[str]:
    with app.app_context():
        row = (
            get_store()
            .db.execute("SELECT value FROM mock_state WHERE key = 'test_jobs_ran'")
            .fetchone()
        )
    return json.loads(row[0]) if row else []


def test_a_dead_claim_is_taken_over_and_a_live_one_left_alone(database_url):
    app = _app(database_url)
    now = datetime.now(UTC)
    _insert_job(database_url, "killed worker's", now - LEASE - timedelta(seconds=5))
    _insert_job(database_url, "live worker's", now)
    assert run_due(app) == 1
    assert run_due(app) == 0  # done once, not again
    assert _ran(app) == ["killed worker's"]
    assert pending(app) == 1  # the live claim stays for its holder


def test_a_restarted_mock_carries_out_promised_work(database_url):
    _app(database_url)  # the first process made the database ...
    _insert_job(database_url, "promised", None)  # ... promised this, and stopped
    again = _app(database_url)  # started again: it sees a job waiting and sweeps
    deadline = time.monotonic() + 10
    # the job is deleted just after it ran: wait for both
    while (_ran(again) != ["promised"] or pending(again)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _ran(again) == ["promised"]
    assert pending(again) == 0


def test_jobs_due_together_are_carried_out_in_the_order_they_came(tmp_path):
    """Two jobs due at once (a START_SESSION's work, then a STOP_SESSION's): the second waits
    for the first, however slow, instead of overtaking it on its own timer."""
    app = _app(str(tmp_path / "jobs.sqlite"))
    schedule(app, 0, record_job_slowly, "first", 0.3)
    schedule(app, 0, record_job, "second")
    deadline = time.monotonic() + 10
    while (len(_ran(app)) < 2 or pending(app)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _ran(app) == ["first", "second"]

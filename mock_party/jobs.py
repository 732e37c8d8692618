"""Work the mock does a little later (a CommandResult, a charging profile result, a Terminal
created on a partner, a payment confirmation), kept in the store's ``jobs`` table.

:func:`schedule` stores the job (a module-level function, by name, and JSON arguments) and
starts a timer in this process that carries it out when due. A job is claimed in a write
transaction before it runs and deleted when done, so two processes never run it twice; a claim
older than :data:`LEASE` (its process died) is taken over. A sweeper thread claims whatever is
due and left over: in every worker of a shared mock for as long as it lives, elsewhere while
jobs are pending. So any worker carries out the work of a killed one, and a restarted mock the
work promised before it stopped; a worker's sweeper outlives its database going away and
coming back.

A process carries out its jobs one at a time, earliest due first, however many timers fire at
once: commands take effect in the order they came in (a START_SESSION received before a
STOP_SESSION is carried out before it, as a charge point would). Workers of a shared mock
still run their claims side by side.
"""

from __future__ import annotations

import importlib
import json
import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask

from mock_party.store import Store

__all__ = ["LEASE", "pending", "run_due", "schedule", "start_sweeper"]

log = logging.getLogger(__name__)
LEASE = timedelta(seconds=30)
SWEEP = 1.0  # seconds between two looks for left-over jobs
_SWEEPER = "ocpi_jobs_sweeper"
_RUNNING = "ocpi_jobs_running"


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")


def _name(work: Callable[..., Any]) -> str:
    if "<" in work.__qualname__:
        raise ValueError(f"a job must be a module-level function, not {work.__qualname__}")
    return f"{work.__module__}:{work.__qualname__}"


def _function(name: str) -> Callable[..., Any]:
    module, _, qualname = name.partition(":")
    return getattr(importlib.import_module(module), qualname)


def schedule(app: Flask, delay: float, work: Callable[..., Any], *args: Any) -> None:
    """Run ``work(*args)`` in an app context of ``app`` after ``delay`` seconds, once, in
    whichever process gets to it first (this one, unless it dies)."""
    due = datetime.now(UTC) + timedelta(seconds=delay)
    store = Store(app.config["OCPI_DATABASE"])
    try:
        store.db.execute(
            "INSERT INTO jobs (due_at, name, args) VALUES (?, ?, ?)",
            (_stamp(due), _name(work), json.dumps(list(args))),
        )
    finally:
        store.close()
    timer = threading.Timer(max(delay, 0.0), run_due, args=(app,))
    timer.daemon = True
    timer.start()
    start_sweeper(app, forever=False)


def _claim(store: Store) -> tuple[int, str, list[Any]] | None:
    now = datetime.now(UTC)
    with store.transaction():
        row = store.db.execute(
            "SELECT id, name, args FROM jobs WHERE due_at <= ?"
            " AND (claimed_at IS NULL OR claimed_at < ?) ORDER BY due_at, id LIMIT 1",
            (_stamp(now), _stamp(now - LEASE)),
        ).fetchone()
        if row is None:
            return None
        store.db.execute("UPDATE jobs SET claimed_at = ? WHERE id = ?", (_stamp(now), row[0]))
    return int(row[0]), row[1], json.loads(row[2])


def run_due(app: Flask) -> int:
    """Carry out every job due now that no live process holds, one after another in due order
    (another thread of this process doing so waits for it); how many ran."""
    with app.extensions.setdefault(_RUNNING, threading.Lock()):
        return _run_due(app)


def _run_due(app: Flask) -> int:
    ran = 0
    store = Store(app.config["OCPI_DATABASE"])
    try:
        while (claimed := _claim(store)) is not None:
            job_id, name, args = claimed
            with app.app_context():
                try:
                    _function(name)(*args)
                except Exception:
                    log.exception("job %s failed", name)
            store.db.execute("DELETE FROM jobs WHERE id = ?", (job_id,))
            ran += 1
    finally:
        store.close()
    return ran


def pending(app: Flask) -> int:
    """How many jobs wait (due or not)."""
    store = Store(app.config["OCPI_DATABASE"])
    try:
        return int(store.db.execute("SELECT count(*) FROM jobs").fetchone()[0])
    finally:
        store.close()


def start_sweeper(app: Flask, *, forever: bool) -> None:
    """This process's sweeper of left-over jobs: ``forever`` in a worker of a shared mock,
    otherwise until no job waits."""
    lock = app.extensions.setdefault(_SWEEPER + "_lock", threading.Lock())
    with lock:
        running = app.extensions.get(_SWEEPER)
        if running is not None and running.is_alive():
            return
        thread = threading.Thread(
            target=_sweep, args=(app, forever), name="ocpi-mock-jobs", daemon=True
        )
        app.extensions[_SWEEPER] = thread
        thread.start()


def _sweep(app: Flask, forever: bool) -> None:
    failures = 0
    while True:
        time.sleep(SWEEP)
        try:
            run_due(app)
            if not forever and pending(app) == 0:
                with app.extensions[_SWEEPER + "_lock"]:
                    if pending(app) == 0:
                        app.extensions.pop(_SWEEPER, None)
                        return
            failures = 0
        except Exception:
            if forever:  # the shared database restarting: go on once it is back
                failures += 1
                if failures == 1 or failures % 100 == 0:
                    log.warning("job sweeper: the store failed (%d in a row)", failures)
                continue
            # a store gone away (a test's temp file): stop quietly
            log.debug("job sweeper stops", exc_info=True)
            app.extensions.pop(_SWEEPER, None)
            return

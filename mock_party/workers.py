"""Serving the mock with several worker processes: gunicorn's pre-fork server over a store
that every worker shares (PostgreSQL).

The app is built once in the master (migrations, seeding, token A, faults of the config),
which then closes its database connections and forks the workers; each worker starts its own
background threads (churn ticker, job sweeper) after the fork. A worker that dies is replaced
by the master; since every state lives in the database, the others answer meanwhile and the
new one picks up where it left off. Errors gunicorn answers itself (a bad request line or
header, before the app sees the request) are OCPI envelopes, as with waitress.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication
from gunicorn.workers.gthread import ThreadWorker

from mock_party.db import close_pools, is_postgres
from mock_party.server_errors import error_envelope

__all__ = ["OcpiThreadWorker", "WorkersError", "check_workers", "serve_workers"]


class WorkersError(ValueError):
    """Several workers asked for over a store they cannot share."""


def check_workers(workers: int, database: str | None, roles: tuple[str, ...] = ()) -> None:
    """Refuse several workers over SQLite (its one-file store is for one process) and for a
    hub (the relays of asynchronous results and the parties it plays live in its process)."""
    if workers > 1 and "HUB" in roles:
        raise WorkersError(
            f"--workers {workers} cannot serve a mock hub: the parties it plays and the relays "
            "of command results live in its one process (drop --workers for --role hub)"
        )
    if workers > 1 and not (database and is_postgres(database)):
        raise WorkersError(
            f"--workers {workers} needs a PostgreSQL database (--database postgresql://…): "
            "a SQLite file serves one worker process at most (drop --workers, or give a DSN)"
        )


class _Server(BaseApplication):  # type: ignore[misc]
    def __init__(self, app: Flask, options: dict[str, Any]) -> None:
        self.application = app
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return self.application


class _EnvelopeSocket:
    """The client socket as gunicorn's error writer sees it: the HTML page it sends is
    replaced by an OCPI envelope with the same HTTP status. The text names the kind of error
    (from gunicorn's exception), never the request's bytes."""

    def __init__(self, sock: Any, exc: BaseException) -> None:
        self._sock = sock
        self._detail = " ".join(re.findall("[A-Z][a-z0-9]*", type(exc).__name__)).lower()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)

    def sendall(self, data: bytes) -> None:
        status_line = data.split(b"\r\n", 1)[0].decode("latin1")
        _, code, reason = (status_line.split(" ", 2) + ["", ""])[:3]
        status = int(code) if code.isdigit() else 500
        body = error_envelope(status, reason or "Error", self._detail)
        head = (
            f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        self._sock.sendall(head.encode("latin1") + body)


class OcpiThreadWorker(ThreadWorker):  # type: ignore[misc]
    """gunicorn's threaded worker whose own error answers are OCPI envelopes."""

    def handle_error(self, req: Any, client: Any, addr: Any, exc: BaseException) -> None:
        super().handle_error(req, _EnvelopeSocket(client, exc), addr, exc)


def _post_fork(server: Any, worker: Any) -> None:
    from mock_party.app import start_background

    start_background(server.app.application, worker=True)


def serve_workers(
    app: Flask, host: str, port: int, workers: int, *, threads: int = 8, verbose: bool = False
) -> None:
    """Serve ``app`` on ``host:port`` with ``workers`` processes of ``threads`` threads each,
    until the master is stopped (SIGINT, SIGTERM)."""
    close_pools()  # the workers make their own after the fork
    bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    options = {
        "bind": [bind],
        "workers": workers,
        "worker_class": "mock_party.workers.OcpiThreadWorker",
        "threads": threads,
        "preload_app": True,
        "post_fork": _post_fork,
        "loglevel": "info" if verbose else "warning",
        "accesslog": "-" if verbose else None,
        "proc_name": "ocpi-mock",
        "timeout": 60,
        "graceful_timeout": 5,
    }
    _Server(app, options).run()

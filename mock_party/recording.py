"""Recording what partners ask the mock: every request to ``/ocpi/…`` becomes a row of the
store's exchanges (method, path, module, status, partner, duration, bodies), masked before it is
written: the Authorization header, every ``token`` field of a JSON body, and every token the
store knows (tokens A, partners' tokens both ways) and the admin token wherever they appear.
The inspector (/admin/ui) reads them.

Kept in the store rather than in memory so that every worker of a shared mock sees them all;
only the newest ``MockConfig.exchanges_kept`` are kept. A request only builds its exchange and
hands it to its process's :class:`Recorder`, a thread that writes what came in one transaction
(within ``FLUSH_EVERY`` seconds) over a connection of its own: a write and a commit per request
would halve the mock's throughput. The request itself masks what needs the request: the
Authorization header and the ``token`` fields of the bodies while they are whole, and it hands
over the tokens it knows (the caller's, both ways). The known secrets are masked by the
recorder, once it has read them from the store for the whole batch: reading them in every
request cost two queries a request. A token the store forgets between the request and the
write (a partner deleted meanwhile) is still masked where it matters: it could only be in that
request as the caller's token, which the request handed over.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import threading
import time
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, current_app, g, request

from mock_party.config import MockConfig
from mock_party.store import Store, get_store
from ocpi_core.exchange import Masker

__all__ = ["BODY_KEPT", "FLUSH_EVERY", "Recorder", "init_app", "masker_for"]

log = logging.getLogger(__name__)

BODY_KEPT = 20_000  # characters of a body kept; the list is for reading, not archiving
_MASK_WHOLE = 2_000_000  # bodies up to this size are parsed to mask their token fields
FLUSH_EVERY = 0.1  # seconds an exchange may wait for its write
IDLE = 5.0  # seconds without an exchange after which the writer thread ends
_BATCH = 500  # exchanges written in one transaction at most
_BACKLOG = 10_000  # exchanges waiting at most; beyond, new ones are dropped (and logged)


class Recorder:
    """One process's writer of exchanges into the store at ``database``. Its thread starts on
    first use in each process (a pre-fork worker gets its own, never the parent's) and ends,
    closing its connection, once nothing came for ``IDLE`` seconds: a process that creates
    many apps (a test run, an embedding tool) must not keep a thread and a connection for
    each of them."""

    def __init__(self, database: str, keep: int, secrets: tuple[str | None, ...] = ()) -> None:
        self.database = database
        self.keep = keep
        self.secrets = secrets  # besides those in the store (the admin token, …)
        self._queue: queue.Queue[tuple[dict[str, Any], tuple[str | None, ...]]] = queue.Queue(
            maxsize=_BACKLOG
        )
        self._pid: int | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._dropped = 0

    def add(self, exchange: dict[str, Any], secrets: tuple[str | None, ...] = ()) -> None:
        """Write ``exchange`` soon, masked: its token fields and Authorization header already
        are; the store's secrets and ``secrets`` (the request's own) are masked here."""
        self._ensure_fork_safe()
        try:
            self._queue.put_nowait((exchange, secrets))
        except queue.Full:
            self._dropped += 1
            if self._dropped % 1000 == 1:
                log.warning(
                    "exchanges come faster than they are written: %d dropped", self._dropped
                )
        with self._lock:  # after the put: a thread ending now either sees it or is gone
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="ocpi-exchange-recorder", daemon=True
                )
                self._thread.start()

    def running(self) -> bool:
        """Whether this process's writer thread is alive (it ends when idle)."""
        with self._lock:
            return self._thread is not None and self._thread.is_alive()

    def _ensure_fork_safe(self) -> None:
        if self._pid == os.getpid():
            return
        with self._lock:
            if self._pid is not None and self._pid != os.getpid():
                # forked: the parent's queue and thread are not ours
                self._queue = queue.Queue(maxsize=_BACKLOG)
                self._thread = None
            self._pid = os.getpid()

    def _next_batch(self) -> list[tuple[dict[str, Any], tuple[str | None, ...]]] | None:
        """The exchanges to write next, or None when the thread is to end (idle)."""
        try:
            first = self._queue.get(timeout=IDLE)
        except queue.Empty:
            with self._lock:
                if self._queue.empty():
                    self._thread = None
                    return None
            first = self._queue.get_nowait()
        batch = [first]
        time.sleep(FLUSH_EVERY)  # let the ones right behind it join this write
        while len(batch) < _BATCH:
            try:
                batch.append(self._queue.get_nowait())
            except queue.Empty:
                break
        return batch

    def _run(self) -> None:
        store = Store(self.database)
        try:
            while (batch := self._next_batch()) is not None:
                try:
                    store.add_exchanges(self._masked(store, batch), keep=self.keep)
                except Exception:  # a failed write loses these exchanges, not the recorder
                    log.exception("could not record %d exchange(s)", len(batch))
                    store.close()
                    store = Store(self.database)
        finally:
            store.close()

    def _masked(
        self, store: Store, batch: list[tuple[dict[str, Any], tuple[str | None, ...]]]
    ) -> list[dict[str, Any]]:
        """The exchanges of ``batch`` with every secret the store knows now, the recorder's
        and each exchange's own masked wherever they appear."""
        masker = Masker(store.secrets())
        for secret in self.secrets:
            masker.add(secret)
        for _, secrets in batch:
            for secret in secrets:
                masker.add(secret)
        return [
            {
                **exchange,
                "path": masker.text(exchange["path"]),
                "request_headers": {
                    name: masker.text(value) for name, value in exchange["request_headers"].items()
                },
                "request_body": _text(masker, exchange["request_body"]),
                "response_body": _text(masker, exchange["response_body"]),
            }
            for exchange, _ in batch
        ]


def _text(masker: Masker, text: str | None) -> str | None:
    return masker.text(text) if text else text


_KEPT_HEADERS = (
    "Authorization",
    "Content-Type",
    "X-Request-ID",
    "X-Correlation-ID",
    "OCPI-to-country-code",
    "OCPI-to-party-id",
    "OCPI-from-country-code",
    "OCPI-from-party-id",
)


def masker_for(store: Store, config: MockConfig) -> Masker:
    """A masker of every secret this mock knows."""
    masker = Masker(store.secrets())
    masker.add(config.token_a)
    masker.add(config.admin_token)
    return masker


def _kept(text: str | None) -> str | None:
    """A body as kept: one with a ``token`` field in the part that is kept is masked while it
    is still whole JSON (so the field is found), then cut to ``BODY_KEPT``. The known secrets
    are masked later, by the recorder, in what is kept (a huge body is cut first). Only the
    kept part is searched: a field beyond it is not kept (a key comes before its value), and
    searching a whole 160 kB page cost more than the rest of the recording."""
    if not text:
        return None
    if '"token"' in text[:BODY_KEPT] and len(text) <= _MASK_WHOLE:
        text = Masker().body(text) or ""
    if len(text) > BODY_KEPT:
        text = text[:BODY_KEPT] + f"… [{len(text) - BODY_KEPT} more characters not kept]"
    return text


def _request_body(config: MockConfig) -> str | None:
    if (request.content_length or 0) > config.max_body:
        return f"[{request.content_length} bytes, refused and not kept]"
    try:
        return request.get_data(cache=True).decode("utf-8", errors="replace")
    except Exception:  # a body the server could not read is no reason to fail the answer
        return None


def _module() -> str:
    if request.blueprint:
        return request.blueprint
    return "versions" if request.path.rstrip("/").endswith("/versions") else ""


def _partner_id(response: Response) -> int | None:
    caller = g.get("ocpi_caller")
    if caller is not None and caller.partner is not None:
        return caller.partner.id
    if request.blueprint == "credentials" and response.status_code < 300:
        # a registration: the partner is the one holding the token C just answered
        try:
            token = json.loads(response.get_data()).get("data", {}).get("token")
        except (ValueError, AttributeError):
            return None
        partner = get_store().partner_by_token(token) if isinstance(token, str) else None
        return partner.id if partner is not None else None
    return None


def _callers_secrets() -> tuple[str | None, ...]:
    """The tokens this request's caller holds, as the request knew them."""
    caller = g.get("ocpi_caller")
    if caller is None:
        return ()
    partner = caller.partner
    if partner is None:
        return (caller.token,)
    return (caller.token, partner.token_in, partner.token_out, partner.token_in_previous)


def _start() -> None:
    g.ocpi_started = time.perf_counter()


def _record(response: Response) -> Response:
    if not request.path.startswith("/ocpi/"):
        return response
    config: MockConfig = current_app.config["OCPI_MOCK"]
    try:
        started = g.get("ocpi_started", time.perf_counter())
        unmasked = Masker()  # knows no secret: the Authorization header's rule only
        exchange: dict[str, Any] = {
            "at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "method": request.method,
            "path": request.full_path.rstrip("?"),
            "module": _module(),
            "status": response.status_code,
            "partner_id": _partner_id(response),
            "duration_ms": round((time.perf_counter() - started) * 1000, 2),
            "request_headers": {
                name: unmasked.header(name, request.headers[name])
                for name in _KEPT_HEADERS
                if name in request.headers
            },
            "request_body": _kept(_request_body(config)),
            "response_body": _kept(response.get_data().decode("utf-8", errors="replace")),
        }
        current_app.extensions["ocpi_recorder"].add(exchange, _callers_secrets())
    except Exception:  # recording must never change the answer a partner gets
        log.exception("could not record an exchange of %s %s", request.method, request.path)
    return response


def init_app(app: Flask) -> None:
    """Record every OCPI exchange (when the inspector is on and keeps any). Call before
    ``faults.init_app``: after-request hooks run in reverse order, so this one then sees the
    answer as the faults left it."""
    config: MockConfig = app.config["OCPI_MOCK"]
    if not config.ui or config.exchanges_kept == 0:
        return
    app.extensions["ocpi_recorder"] = Recorder(
        app.config["OCPI_DATABASE"],
        config.exchanges_kept,
        (config.token_a, config.admin_token),
    )
    app.before_request(_start)
    app.after_request(_record)

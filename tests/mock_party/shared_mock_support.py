"""A shared mock for the tests and the bench: ``ocpi-mock serve --workers N`` over PostgreSQL as
a real process (gunicorn master and workers), a partner stored directly, and a write storm of
token PUTs and PATCHes from several clients that records which writes were acknowledged."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from mock_support import auth, store_partner

from mock_party.store import Store

PARTNER = ("DE", "PRT")
TOKEN = "shared-partner-token-1234"
OCPI_MOCK = str(Path(sys.executable).with_name("ocpi-mock"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (a gunicorn master's workers)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return sorted(found)


@dataclass
class ServedMock:
    process: subprocess.Popen
    url: str
    database: str
    output: Path

    def workers(self) -> list[int]:
        return children(self.process.pid)

    def wait_for_workers(self, count: int, timeout: float = 30) -> list[int]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pids = self.workers()
            if len(pids) == count:
                return pids
            time.sleep(0.1)
        raise AssertionError(f"expected {count} workers, have {self.workers()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def serve(
    database: str, workers: int, tmp: Path, *extra: str, env: dict[str, str] | None = None
) -> ServedMock:
    """Start ``ocpi-mock serve --workers`` over ``database`` and wait until it answers
    (``env``: more environment variables for it)."""
    port = free_port()
    output = tmp / f"mock-{port}.log"
    command = [OCPI_MOCK, "serve", "--database", database, "--workers", str(workers)]
    command += ["--port", str(port), "--token-a", "shared-token-A", *extra]
    with output.open("wb") as log:
        process = subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env={**os.environ, **(env or {})},
        )
    mock = ServedMock(process, f"http://127.0.0.1:{port}", database, output)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the mock ended: {output.read_text()}")
        try:
            if httpx.get(mock.url + "/ocpi/versions", timeout=2).status_code == 401:
                return mock
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    mock.stop()
    raise AssertionError(f"the mock did not answer: {output.read_text()}")


def add_partner(database: str, token: str = TOKEN) -> int:
    """A registered eMSP partner, stored directly (no handshake)."""
    return store_partner(database, token, token_out="we-send-" + token, party=PARTNER)


def headers(token: str = TOKEN) -> dict[str, str]:
    return auth(token)


def _token(uid: str) -> dict:
    return {
        "country_code": PARTNER[0],
        "party_id": PARTNER[1],
        "uid": uid,
        "type": "RFID",
        "contract_id": f"DE-PRT-C{uid}",
        "issuer": "Storm",
        "valid": True,
        "whitelist": "ALWAYS",
        "last_updated": "2026-01-01T00:00:00Z",
    }


@dataclass
class Storm:
    """What a storm did: acknowledged PUTs (uids) and PATCHes (uid → issuer written)."""

    put: set[str] = field(default_factory=set)
    patched: dict[str, str] = field(default_factory=dict)
    refused: int = 0
    failed: int = 0  # no answer: a connection cut by the killed worker
    seconds: float = 0.0

    @property
    def acknowledged(self) -> int:
        return len(self.put) + len(self.patched)


def storm(
    url: str,
    writes: int,
    clients: int = 8,
    *,
    when_half_done: Callable[[], None] | None = None,
) -> Storm:
    """``clients`` threads send ``writes`` writes in all: each PUTs a new Token, then PATCHes
    it (its issuer); a write counts as acknowledged on HTTP 2xx with OCPI status 1000.
    ``when_half_done`` runs once when a third of the writes were sent (to kill a worker)."""
    result = Storm()
    lock = threading.Lock()
    sent = [0]
    fired = threading.Event()
    base = f"{url}/ocpi/2.2.1/receiver/tokens/{PARTNER[0]}/{PARTNER[1]}/"

    def acked(response: httpx.Response) -> bool:
        try:
            return response.is_success and response.json().get("status_code") == 1000
        except ValueError:
            return False

    def client(number: int) -> None:
        pairs = writes // (2 * clients)
        with httpx.Client(headers=headers(), timeout=30) as http:
            for i in range(pairs):
                uid = f"C{number}-{i}"
                for method in ("PUT", "PATCH"):
                    with lock:
                        sent[0] += 1
                        trigger = sent[0] >= writes // 3 and not fired.is_set()
                        if trigger:
                            fired.set()
                    if trigger and when_half_done is not None:
                        when_half_done()
                    issuer = f"patched-{number}-{i}"
                    body = (
                        _token(uid)
                        if method == "PUT"
                        else {
                            "issuer": issuer,
                            "last_updated": "2026-01-02T00:00:00Z",
                        }
                    )
                    try:
                        response = http.request(method, base + uid, json=body)
                    except httpx.HTTPError:
                        with lock:
                            result.failed += 1
                        if method == "PUT":
                            break  # nothing to PATCH unless the PUT is known to be there
                        continue
                    with lock:
                        if not acked(response):
                            result.refused += 1
                        elif method == "PUT":
                            result.put.add(uid)
                        else:
                            result.patched[uid] = issuer
                    if method == "PUT" and uid not in result.put:
                        break

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.seconds = time.monotonic() - started
    return result


def stored_tokens(database: str) -> dict[str, dict]:
    """The Tokens partners pushed, by uid, read straight from the database."""
    import json

    store = Store(database)
    try:
        rows = store.db.execute(
            "SELECT id, body FROM objects WHERE module = 'tokens' AND side = 'receiver'"
        ).fetchall()
        return {row[0]: json.loads(row[1]) for row in rows}
    finally:
        store.close()


def kill_one_worker(mock: ServedMock) -> int:
    victim = mock.workers()[0]
    os.kill(victim, signal.SIGKILL)
    return victim

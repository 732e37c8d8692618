"""The status churn of a shared mock: ``ocpi-mock serve --workers 3`` over a real PostgreSQL
server, the churn switched on at run time through ``POST /admin/churn``. It runs once (one
change per interval over all workers, not one per worker), and it goes on when the very
worker that took the request (found by the connection it still holds) hangs (SIGSTOP), and
when it is SIGKILLed."""

from __future__ import annotations

import os
import signal
import socket
import time
from pathlib import Path

import httpx
import pytest
from shared_mock_support import serve

RATE = 300  # changes a minute: one every 0.2 s


def _inodes(pid: int) -> set[str]:
    found = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            found.add(target[8:-1])
    return found


def _server_side_inode(mock_port: int, client_port: int) -> str:
    """The inode of the mock's end of the loopback connection from ``client_port``."""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local, remote = fields[1], fields[2]
            if int(local.rsplit(":", 1)[1], 16) == mock_port and (
                int(remote.rsplit(":", 1)[1], 16) == client_port
            ):
                return fields[9]
    raise AssertionError(f"no connection from port {client_port} to {mock_port}")


def _switch_on_through_one_connection(url: str) -> socket.socket:
    """POST /admin/churn on a keep-alive connection left open (so the worker that answered is
    the one holding it)."""
    host, port = url.removeprefix("http://").rsplit(":", 1)
    body = f'{{"per_minute": {RATE}}}'.encode()
    sock = socket.create_connection((host, int(port)), timeout=10)
    sock.sendall(
        b"POST /admin/churn HTTP/1.1\r\nHost: mock\r\nContent-Type: application/json\r\n"
        + f"Content-Length: {len(body)}\r\n\r\n".encode()
        + body
    )
    answer = b""
    while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
        chunk = sock.recv(65536)
        assert chunk, answer
        answer += chunk
    assert answer.startswith(b"HTTP/1.1 200"), answer
    return sock


def _changes(url: str) -> int:
    answer = httpx.get(f"{url}/admin/churn", timeout=10)
    assert answer.status_code == 200, answer.text
    data = answer.json()["data"]
    assert data["active"] is True and data["per_minute"] == RATE
    return data["changes"]


def _rate_over(url: str, seconds: float) -> tuple[int, float]:
    """How many changes the mock made in about ``seconds``, and the seconds measured."""
    first, started = _changes(url), time.monotonic()
    time.sleep(seconds)
    return _changes(url) - first, time.monotonic() - started


@pytest.fixture
def shared(postgres_url, tmp_path):
    mock = serve(postgres_url, 3, tmp_path, "--locations", "20")
    try:
        yield mock
    finally:
        mock.stop()


def _stop_between_transactions(pid: int, database: str) -> None:
    """SIGSTOP ``pid`` at a moment none of the mock's database sessions is inside a
    transaction (a process frozen while holding the write lock would stop every worker)."""
    import psycopg

    with psycopg.connect(database, autocommit=True) as connection:
        for _ in range(50):
            os.kill(pid, signal.SIGSTOP)
            time.sleep(0.1)
            (busy,) = connection.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid <> pg_backend_pid() AND state <> 'idle'"
            ).fetchone()
            if busy == 0:
                return
            os.kill(pid, signal.SIGCONT)
            time.sleep(0.05)
    raise AssertionError(f"worker {pid} was never stopped between two transactions")


def _assert_runs_once(url: str, when: str) -> None:
    made, seconds = _rate_over(url, 2.5)
    # once over all workers: at most one change an interval (three tickers each making
    # their own would make three times as many), and going on
    assert made <= seconds * RATE / 60 + 2, f"{when}: {made} changes in {seconds:.1f} s"
    assert made >= 3, f"{when}: the churn stalled, {made} changes in {seconds:.1f} s"


def test_a_churn_switched_on_at_run_time_runs_once_and_outlives_its_worker(shared):
    workers = shared.wait_for_workers(3)
    port = int(shared.url.rsplit(":", 1)[1])
    sock = _switch_on_through_one_connection(shared.url)
    try:
        inode = _server_side_inode(port, sock.getsockname()[1])
        (taker,) = [pid for pid in workers if inode in _inodes(pid)]
    finally:
        sock.close()
    _assert_runs_once(shared.url, "all workers up")

    # the worker that took the request hangs: the others go on with the churn
    _stop_between_transactions(taker, shared.database)
    try:
        _assert_runs_once(shared.url, f"worker {taker} stopped")
    finally:
        os.kill(taker, signal.SIGKILL)
    # ... and dies (its replacement joins in)
    _assert_runs_once(shared.url, f"worker {taker} killed")
    assert taker not in shared.wait_for_workers(3)

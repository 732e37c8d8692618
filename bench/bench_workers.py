"""A shared mock's throughput for 1 and for N worker processes: a page of 50 Locations.

Run: ``.venv/bin/python bench/bench_workers.py [--workers 2] [--seconds 5] [--rounds 3]
[--clients 6] [--database postgresql://…]``.

For 1 and for N workers it creates a fresh database on the PostgreSQL server (the one
``--database`` or ``OCPI_TEST_POSTGRES`` names, else a throwaway cluster started here with
tests/pg_cluster.py), starts a real ``ocpi-mock serve --database … --workers W`` process (one
worker: waitress with 8 threads; several: gunicorn, gthread, 8 threads each), stores a
registered eMSP partner and measures from ``--clients`` client processes, each one keep-alive
connection on loopback, how many ``GET /ocpi/2.2.1/sender/locations?limit=50&offset=…``
(offsets 0, 50, 100, 150 in turn) answer HTTP 200 a second, and how much CPU a request
costs the mock's processes and, when it runs on this machine, the PostgreSQL server. The two
mocks run side by side and are measured in turn, ``--rounds`` times, so a change in the
machine's load (other work on shared cores) weighs on both alike; it prints each round and
the median ratio (the issue's goal: at least 1.7x with 2 workers on 2 cores).

The clients are deliberately thin (raw sockets, one prepared request, only Content-Length
parsed) because they share the machine's cores with the server under test.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import socket
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "tests" / "mock_party"))

import pg_cluster  # noqa: E402
from shared_mock_support import ServedMock, add_partner, children, headers, serve  # noqa: E402

LOCATIONS = 200
OFFSETS = (0, 50, 100, 150)


def fresh_database(server: str) -> str:
    import psycopg

    name = f"bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE {name}")
    return server.rsplit("/", 1)[0] + "/" + name


def _request(port: int, offset: int) -> bytes:
    auth = headers()["Authorization"]
    return (
        f"GET /ocpi/2.2.1/sender/locations?limit=50&offset={offset} HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{port}\r\nAuthorization: {auth}\r\n\r\n"
    ).encode()


def _read_response(sock: socket.socket, buffer: bytes) -> tuple[int, bytes]:
    """One response's status from ``sock``; what was read beyond it."""
    while b"\r\n\r\n" not in buffer:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed")
        buffer += chunk
    head, _, rest = buffer.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split()[1])
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed")
        rest += chunk
    return status, rest[length:]


def client(port: int, start: float, stop: float, results: multiprocessing.Queue) -> None:
    """Send requests on one keep-alive connection; count the 200s answered in [start, stop)."""
    requests = [_request(port, offset) for offset in OFFSETS]
    ok = errors = i = 0
    sock = None
    buffer = b""
    while time.time() < stop:
        try:
            if sock is None:
                sock = socket.create_connection(("127.0.0.1", port), timeout=30)
                buffer = b""
            sock.sendall(requests[i % len(requests)])
            status, buffer = _read_response(sock, buffer)
        except OSError:
            errors += 1
            if sock is not None:
                sock.close()
            sock = None
            continue
        i += 1
        if time.time() >= start:
            if status == 200:
                ok += 1
            else:
                errors += 1
    if sock is not None:
        sock.close()
    results.put((ok, errors))


def cpu_seconds(pids: list[int]) -> float:
    """User and system CPU time the processes ``pids`` have used so far."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended meanwhile
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def postmaster(server: str) -> int | None:
    """The pid of the PostgreSQL server's main process when it runs on this machine."""
    import psycopg

    try:
        with psycopg.connect(server) as connection:
            row = connection.execute("SHOW data_directory").fetchone()
        pid = int((Path(row[0]) / "postmaster.pid").read_text().split()[0])
    except (psycopg.Error, OSError, ValueError, IndexError):
        return None
    return pid if Path(f"/proc/{pid}").exists() else None


@dataclass
class Measure:
    rate: float  # requests a second answered 200
    errors: int
    mock_ms: float  # CPU of the mock's processes a request
    postgres_ms: float | None  # CPU of the PostgreSQL server a request (if local)


def measure(
    mock: ServedMock, server_pid: int | None, clients: int, seconds: float, warmup: float
) -> Measure:
    """Requests a second answered 200 by ``mock`` and the CPU they cost, over ``seconds``."""
    port = int(mock.url.rsplit(":", 1)[1])
    start = time.time() + warmup
    stop = start + seconds
    results: multiprocessing.Queue = multiprocessing.Queue()
    processes = [
        multiprocessing.Process(target=client, args=(port, start, stop, results))
        for _ in range(clients)
    ]
    for process in processes:
        process.start()

    def sample() -> tuple[float, float]:
        mock_pids = [mock.process.pid, *children(mock.process.pid)]
        server_pids = [server_pid, *children(server_pid)] if server_pid else []
        return cpu_seconds(mock_pids), cpu_seconds(server_pids)

    time.sleep(max(start - time.time(), 0))
    mock_before, server_before = sample()
    time.sleep(max(stop - time.time(), 0))
    mock_after, server_after = sample()
    counts = [results.get(timeout=seconds + warmup + 60) for _ in processes]
    for process in processes:
        process.join()
    answered = max(sum(ok for ok, _ in counts), 1)
    return Measure(
        rate=answered / seconds,
        errors=sum(err for _, err in counts),
        mock_ms=(mock_after - mock_before) * 1000 / answered,
        postgres_ms=(server_after - server_before) * 1000 / answered if server_pid else None,
    )


def start(server: str, workers: int, tmp: Path) -> ServedMock:
    """A fresh database on ``server`` and a mock with ``workers`` processes over it."""
    database = fresh_database(server)
    mock = serve(database, workers, tmp, "--locations", str(LOCATIONS))
    if workers > 1:
        mock.wait_for_workers(workers)
    add_partner(database)
    return mock


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--seconds", type=float, default=5.0, help="per measurement")
    parser.add_argument("--rounds", type=int, default=3, help="1 then N workers, this often")
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--clients", type=int, default=6)
    parser.add_argument("--database", help="a PostgreSQL server's DSN (default: a throwaway)")
    args = parser.parse_args()
    server = args.database or os.environ.get("OCPI_TEST_POSTGRES")
    cluster = None
    if not server:
        cluster = tempfile.mkdtemp(prefix="bench-pg-")
        server = pg_cluster.start(cluster)
    mocks: list[ServedMock] = []
    try:
        with tempfile.TemporaryDirectory(prefix="bench-workers-") as tmp:
            one = start(server, 1, Path(tmp))
            mocks.append(one)
            many = start(server, args.workers, Path(tmp))
            mocks.append(many)
            server_pid = postmaster(server)
            print(
                f"GET a page of 50 Locations ({LOCATIONS} stored), {args.clients} clients, "
                f"{args.seconds:g} s a measurement, {os.cpu_count()} CPUs, "
                f"load average {os.getloadavg()[0]:.2f}"
            )
            ratios = []
            for number in range(1, args.rounds + 1):
                a = measure(one, server_pid, args.clients, args.seconds, args.warmup)
                b = measure(many, server_pid, args.clients, args.seconds, args.warmup)
                ratios.append(b.rate / a.rate)
                print(
                    f"  round {number}: 1 worker {a.rate:7.1f} req/s, {args.workers} workers "
                    f"{b.rate:7.1f} req/s, ratio {ratios[-1]:.2f}x (errors {a.errors}/{b.errors})"
                    f"; CPU a request: mock {a.mock_ms:.2f}/{b.mock_ms:.2f} ms"
                    + (
                        f", PostgreSQL {a.postgres_ms:.2f}/{b.postgres_ms:.2f} ms"
                        if a.postgres_ms is not None and b.postgres_ms is not None
                        else ""
                    ),
                    flush=True,
                )
            print(
                f"  median ratio {args.workers} workers / 1 worker: "
                f"{statistics.median(ratios):.2f}x (load average {os.getloadavg()[0]:.2f})"
            )
    finally:
        for mock in mocks:
            mock.stop()
        if cluster is not None:
            pg_cluster.stop(cluster)


if __name__ == "__main__":
    main()

"""A shared mock's throughput for 1 and for N worker processes: a page of 50 Locations.

Run: ``.venv/bin/python bench/bench_workers.py [--workers 2] [--seconds 5] [--rounds 5]
[--clients 6] [--client auto|wrk|python] [--database postgresql://…]``.

For 1 and for N workers it creates a fresh database on the PostgreSQL server (the one
``--database`` or ``OCPI_TEST_POSTGRES`` names, else a throwaway cluster started here with
tests/pg_cluster.py), starts a real ``ocpi-mock serve --database … --workers W`` process (one
worker: waitress with 8 threads; several: gunicorn, gthread, 8 threads each), stores a
registered eMSP partner and sends, over ``--clients`` keep-alive connections on loopback, the
authenticated ``GET /ocpi/2.2.1/sender/locations?limit=50&offset=…`` (offsets 0, 50, 100, 150
in turn). After a warm-up it counts the 2xx answers a second over ``--seconds`` and the CPU
an answer costs the mock's processes, the PostgreSQL server (when it runs on this machine)
and the load generator itself. After every measurement the four pages are read once more and
judged (HTTP 200, OCPI 1000, 50 valid 2.2.1 Locations each, X-Total-Count, 200 distinct
Locations); a wrong answer ends the bench. The two mocks run side by side and are measured in
turn, ``--rounds`` times, so a change in the machine's load (other work on shared cores)
weighs on both alike; it prints each round with the load average, and the median and spread
of the ratio (the issue's goal: at least 1.7x with 2 workers on 2 cores).

The load generator shares the cores with the server under test, so its CPU is taken from the
mock, and the bench prints it: wrk (Debian's ``wrk``, C, one thread, requests prepared once)
is used when it is on PATH, else thin Python client processes (raw sockets, prepared
requests, only Content-Length parsed, reading into one bytearray); the bench says which. Both
cost about 0.06-0.08 ms an answer here, most of it the kernel's copy of a 160 kB answer, a
twentieth of what the mock and PostgreSQL spend. See docs/mock.md (Performance) for numbers.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "tests" / "mock_party"))
sys.path.insert(0, str(ROOT))  # the mock_party package, not the tests' folder of that name

import pg_cluster  # noqa: E402
from shared_mock_support import ServedMock, add_partner, children, headers, serve  # noqa: E402

sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from load_client import python_load, wrk_load, wrk_path  # noqa: E402

LOCATIONS = 200
OFFSETS = (0, 50, 100, 150)


def fresh_database(server: str) -> str:
    import psycopg

    name = f"bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE {name}")
    return server.rsplit("/", 1)[0] + "/" + name


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


def page_paths() -> list[str]:
    return [f"/ocpi/2.2.1/sender/locations?limit=50&offset={offset}" for offset in OFFSETS]


def check_pages(mock: ServedMock) -> None:
    """The pages the load asks for, read once and judged: HTTP 200, OCPI 1000, 50 Locations a
    page that are valid 2.2.1 Locations, X-Total-Count 200, no Location twice; exits saying
    what is wrong otherwise (a fast wrong answer is no result)."""
    import httpx

    from ocpi_core.schemas import validate

    seen: set[str] = set()
    with httpx.Client(base_url=mock.url, headers=headers(), timeout=30) as http:
        for path in page_paths():
            response = http.get(path)
            body = response.json() if response.status_code == 200 else {}
            items = body.get("data") or []
            problems = [str(v) for item in items for v in validate(item, "2.2.1", "Location")]
            if (
                response.status_code != 200
                or body.get("status_code") != 1000
                or len(items) != 50
                or response.headers.get("X-Total-Count") != str(LOCATIONS)
                or problems
            ):
                sys.exit(
                    f"{mock.url}{path}: HTTP {response.status_code}, OCPI "
                    f"{body.get('status_code')}, {len(items)} objects, X-Total-Count "
                    f"{response.headers.get('X-Total-Count')}, {problems[:3]}"
                )
            seen |= {item["id"] for item in items}
    if len(seen) != LOCATIONS:
        sys.exit(f"{mock.url}: the 4 pages held {len(seen)} distinct Locations, not {LOCATIONS}")


@dataclass
class Measure:
    rate: float  # answers a second (2xx)
    errors: int
    mock_ms: float  # CPU of the mock's processes an answer
    postgres_ms: float | None  # CPU of the PostgreSQL server an answer (if local)
    client_ms: float  # CPU of the load generator an answer


def measure(
    mock: ServedMock,
    server_pid: int | None,
    client: str,
    connections: int,
    seconds: float,
    warmup: float,
) -> Measure:
    """Answers a second from ``mock`` and the CPU each costs, over ``seconds`` after
    ``warmup``; the pages are judged after the load (check_pages)."""
    port = int(mock.url.rsplit(":", 1)[1])

    def probe() -> tuple[float, float]:
        mock_pids = [mock.process.pid, *children(mock.process.pid)]
        server_pids = [server_pid, *children(server_pid)] if server_pid else []
        return cpu_seconds(mock_pids), cpu_seconds(server_pids)

    run = wrk_load if client == "wrk" else python_load
    load, (mock_before, server_before), (mock_after, server_after) = run(
        port, page_paths(), headers()["Authorization"], connections, seconds, warmup, probe
    )
    check_pages(mock)
    answered = max(load.requests - load.errors, 1)
    return Measure(
        rate=answered / load.seconds,
        errors=load.errors,
        mock_ms=(mock_after - mock_before) * 1000 / answered,
        postgres_ms=(server_after - server_before) * 1000 / answered if server_pid else None,
        client_ms=load.cpu_seconds * 1000 / answered,
    )


def start(server: str, workers: int, tmp: Path) -> ServedMock:
    """A fresh database on ``server`` and a mock with ``workers`` processes over it."""
    database = fresh_database(server)
    mock = serve(database, workers, tmp, "--locations", str(LOCATIONS))
    if workers > 1:
        mock.wait_for_workers(workers)
    add_partner(database)
    return mock


def _load_average() -> str:
    return "/".join(f"{value:.2f}" for value in os.getloadavg())


def _line(number: int, workers: int, a: Measure, b: Measure) -> str:
    postgres = (
        f", PostgreSQL {a.postgres_ms:.2f}/{b.postgres_ms:.2f}"
        if a.postgres_ms is not None and b.postgres_ms is not None
        else ""
    )
    return (
        f"  round {number}: 1 worker {a.rate:7.1f} req/s, {workers} workers {b.rate:7.1f} req/s,"
        f" ratio {b.rate / a.rate:.2f}x (errors {a.errors}/{b.errors}); CPU an answer in ms:"
        f" mock {a.mock_ms:.2f}/{b.mock_ms:.2f}{postgres}, client {a.client_ms:.2f}/"
        f"{b.client_ms:.2f}; load average {_load_average()}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--seconds", type=float, default=5.0, help="per measurement")
    parser.add_argument("--rounds", type=int, default=5, help="1 then N workers, this often")
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds before each")
    parser.add_argument("--clients", type=int, default=6, help="keep-alive connections")
    parser.add_argument(
        "--client",
        choices=("auto", "wrk", "python"),
        default="auto",
        help="the load generator (auto: wrk when on PATH, else Python client processes)",
    )
    parser.add_argument("--database", help="a PostgreSQL server's DSN (default: a throwaway)")
    args = parser.parse_args()
    client = args.client
    if client == "auto":
        client = "wrk" if wrk_path() else "python"
    if client == "wrk" and not wrk_path():
        sys.exit("--client wrk: wrk is not on PATH (apt-get install wrk)")
    server = args.database or os.environ.get("OCPI_TEST_POSTGRES")
    cluster = None
    if not server:
        cluster = tempfile.mkdtemp(prefix="bench-pg-")
        server = pg_cluster.start(cluster)
    mocks: list[ServedMock] = []
    try:
        with tempfile.TemporaryDirectory(prefix="bench-workers-") as tmp:
            print(f"load average before the mocks start: {_load_average()}")
            one = start(server, 1, Path(tmp))
            mocks.append(one)
            many = start(server, args.workers, Path(tmp))
            mocks.append(many)
            for mock in mocks:
                check_pages(mock)
            server_pid = postmaster(server)
            generator = (
                "wrk (C, one thread)"
                if client == "wrk"
                else "Python client processes (wrk not used: apt-get install wrk for a"
                " load generator that takes less of the shared CPU)"
            )
            print(
                f"GET a page of 50 Locations ({LOCATIONS} stored, pages checked after every"
                f" measurement), {args.clients} keep-alive connections from {generator},"
                f" {args.warmup:g} s warm-up + {args.seconds:g} s a measurement,"
                f" {os.cpu_count()} CPUs"
            )
            ratios = []
            for number in range(1, args.rounds + 1):
                a = measure(one, server_pid, client, args.clients, args.seconds, args.warmup)
                b = measure(many, server_pid, client, args.clients, args.seconds, args.warmup)
                ratios.append(b.rate / a.rate)
                print(_line(number, args.workers, a, b), flush=True)
            median = statistics.median(ratios)
            print(
                f"  ratio {args.workers} workers / 1 worker: median {median:.2f}x,"
                f" spread {min(ratios):.2f}x-{max(ratios):.2f}x over {len(ratios)} rounds"
                f" (load average {_load_average()})"
            )
    finally:
        for mock in mocks:
            mock.stop()
        if cluster is not None:
            pg_cluster.stop(cluster)


if __name__ == "__main__":
    main()

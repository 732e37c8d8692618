"""The mock's Sender list under load: a page of 50 Locations, first page and deep page.

Run: ``.venv/bin/python bench/bench_mock.py [--count 100000] [--seconds 5] [--threads 4]``.

Fills a fresh SQLite file with ``--count`` Locations (the Faker data set, repeated under new ids
and dates), serves a mock CPO with waitress (8 threads) in its own process on loopback, and
measures from this process, over real HTTP with keep-alive, requests per second for
``GET /locations?limit=50`` at offset 0 and at the last full page, sequentially and with
``--threads`` concurrent clients. It also times the pager's SQL alone at both offsets, without
and with a date window, and prints the server process's peak memory (VmHWM).
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402

from mock_party import MockConfig, create_app  # noqa: E402
from mock_party.fake import generate_dataset  # noqa: E402
from mock_party.objects import SENDER, ObjectKey, Objects, format_datetime  # noqa: E402
from mock_party.store import Store  # noqa: E402

TOKEN = "bench-partner-token"
PAGE = 50


def fill(database: str, count: int, config: MockConfig) -> float:
    """``count`` Locations in creation order, last_updated rising; seconds it took."""
    start = time.perf_counter()
    now = datetime.now(UTC)
    templates = generate_dataset(seed=1, now=now, locations=50, tariffs=5, tokens=0, sessions=0,
                                 cdrs=0).locations  # fmt: skip
    first = now - timedelta(days=365)
    store = Store(database)
    try:
        objects = Objects(store.db)
        batch = []
        for i in range(count):
            body = dict(templates[i % len(templates)])
            body["id"] = f"BENCH{i:07d}"
            body["last_updated"] = format_datetime(first + timedelta(seconds=i * 300))
            key = ObjectKey("locations", SENDER, config.country_code, config.party_id, body["id"])
            batch.append((key, body, {}))
            if len(batch) == 5000:
                with store.transaction():
                    objects.put_many(batch)
                batch = []
        if batch:
            with store.transaction():
                objects.put_many(batch)
        store.add_partner(
            versions_url="http://bench.invalid/versions",
            token_in=TOKEN,
            version="2.2.1",
            roles=[
                {
                    "role": "EMSP",
                    "party_id": "BEN",
                    "country_code": "NL",
                    "business_details": {"name": "bench"},
                }
            ],  # fmt: skip
            registered=True,
        )
        store.db.execute("ANALYZE")
    finally:
        store.close()
    return time.perf_counter() - start


def sql_times(database: str, count: int, window: dict[str, str], repeat: int = 20) -> dict:
    """Median milliseconds of the pager's queries at offset 0 and at the window's last page."""
    store = Store(database)
    try:
        objects = Objects(store.db)
        found = {}
        total = objects.page("locations", SENDER, offset=0, limit=0, **window)[1]
        for name, offset in (("first", 0), ("deep", max(0, total - PAGE))):
            runs = []
            for _ in range(repeat):
                start = time.perf_counter()
                bodies, total = objects.page(
                    "locations", SENDER, offset=offset, limit=PAGE, **window
                )
                runs.append(time.perf_counter() - start)
            assert len(bodies) == min(PAGE, total)
            found[name] = statistics.median(runs) * 1000
        found["total"] = total
        return found
    finally:
        store.close()


def serve(config: MockConfig, ports: multiprocessing.Queue) -> None:
    """The server process: the mock on a free port (sent back through ``ports``)."""
    from waitress.server import create_server

    server = create_server(create_app(config), host="127.0.0.1", port=0, threads=8)
    ports.put(server.effective_port)
    server.run()


def peak_memory(pid: int) -> str:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return f"{int(line.split()[1]) / 1024:.0f} MB"
    return "unknown"


def rate(url: str, seconds: float, threads: int) -> tuple[float, float]:
    """Requests per second and median latency (ms) for GET ``url`` by ``threads`` clients."""
    import base64

    header = {"Authorization": "Token " + base64.b64encode(TOKEN.encode()).decode()}
    latencies: list[float] = []
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def client() -> None:
        mine = []
        with httpx.Client(headers=header, timeout=30) as http:
            while time.perf_counter() < stop:
                start = time.perf_counter()
                response = http.get(url)
                response.raise_for_status()
                mine.append(time.perf_counter() - start)
        with lock:
            latencies.extend(mine)

    workers = [threading.Thread(target=client) for _ in range(threads)]
    began = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - began
    return len(latencies) / elapsed, statistics.median(latencies) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        database = str(Path(folder) / "bench.sqlite")
        config = MockConfig(database=database, page_limit=PAGE, locations=0, tariffs=0,
                            tokens=0, sessions=0, cdrs=0)  # fmt: skip
        create_app(config)  # creates the schema
        filled = fill(database, args.count, config)
        size = Path(database).stat().st_size / 1e6
        print(f"{args.count} Locations stored in {filled:.1f} s ({size:.0f} MB)")
        middle = format_datetime(datetime.now(UTC) - timedelta(days=365) + timedelta(
            seconds=args.count * 150))  # fmt: skip
        for label, window in (
            ("no date filter", {}),
            ("date window holding all", {"date_from": "2000-01-01T00:00:00.000000"}),
            ("date window holding half", {"date_from": middle[:-1].ljust(26, "0")}),
        ):
            sql = sql_times(database, args.count, window)
            print(f"pager SQL, {label} ({sql['total']} objects): first page "
                  f"{sql['first']:.2f} ms, last page {sql['deep']:.2f} ms")  # fmt: skip
        context = multiprocessing.get_context("spawn")
        ports: multiprocessing.Queue = context.Queue()
        process = context.Process(target=serve, args=(config, ports), daemon=True)
        process.start()
        try:
            port = ports.get(timeout=60)
            base = f"http://127.0.0.1:{port}/ocpi/2.2.1/sender/locations?limit={PAGE}"
            pages = (("first page", base), ("deep page", f"{base}&offset={args.count - PAGE}"))
            for threads in (1, args.threads):
                for name, url in pages:
                    per_second, median = rate(url, args.seconds, threads)
                    print(f"HTTP {name:10} {threads} client(s): {per_second:7.1f} req/s, "
                          f"median {median:.1f} ms")  # fmt: skip
            print(f"server peak memory (VmHWM): {peak_memory(process.pid)}")
        finally:
            process.terminate()
            process.join(10)


if __name__ == "__main__":
    main()

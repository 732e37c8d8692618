"""What the grading proxy adds to each exchange at 50 requests per second.

Run: ``.venv/bin/python bench/bench_proxy.py [--rate 50] [--seconds 10] [--limit 10]``.

Serves a mock CPO (the default data set, a registered bench partner) with waitress in its own
process, starts ``ocpi-conformance proxy`` in another in front of it, and from this process sends
``GET /sender/locations?limit=N`` at a steady ``--rate``, first straight to the mock, then
through the proxy, over real HTTP with keep-alive. Prints the median and 95th percentile latency
of each and the difference: the proxy's cost per exchange (forwarding, masking, judging,
recording, the console line).
"""

from __future__ import annotations

import argparse
import base64
import multiprocessing
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402

from mock_party import MockConfig, create_app  # noqa: E402
from mock_party.store import Store  # noqa: E402

TOKEN = "bench-partner-token"


def serve_mock(database: str, ports: multiprocessing.Queue) -> None:
    from waitress.server import create_server

    config = MockConfig(roles=("CPO",), versions=("2.2.1",), database=database, push=False)
    app = create_app(config)
    Store(database).add_partner(
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
    server = create_server(app, host="127.0.0.1", port=0, threads=8)
    ports.put(server.effective_port)
    server.run()


def paced(url: str, rate: float, seconds: float) -> list[float]:
    """Latencies (ms) of GET ``url`` sent every 1/``rate`` s for ``seconds``."""
    header = {"Authorization": "Token " + base64.b64encode(TOKEN.encode()).decode()}
    latencies = []
    with httpx.Client(headers=header, timeout=30) as http:
        http.get(url).raise_for_status()  # warm up the connection
        start = time.perf_counter()
        for n in range(int(rate * seconds)):
            due = start + n / rate
            time.sleep(max(0.0, due - time.perf_counter()))
            sent = time.perf_counter()
            response = http.get(url)
            latencies.append((time.perf_counter() - sent) * 1000)
            assert response.status_code == 200, response.text[:200]
    return latencies


def summary(latencies: list[float]) -> tuple[float, float]:
    ordered = sorted(latencies)
    return statistics.median(ordered), ordered[int(len(ordered) * 0.95) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=50.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--limit", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        ports: multiprocessing.Queue = multiprocessing.Queue()
        mock = multiprocessing.Process(
            target=serve_mock, args=(str(Path(tmp) / "cpo.db"), ports), daemon=True
        )
        mock.start()
        base = f"http://127.0.0.1:{ports.get(timeout=30)}"
        cli = Path(sys.executable).parent / "ocpi-conformance"
        proxy = subprocess.Popen(
            [
                str(cli),
                "proxy",
                "--upstream",
                f"{base}/ocpi/versions",
                "--listen",
                "127.0.0.1:0",
                "--report-dir",
                str(Path(tmp) / "reports"),
            ],  # fmt: skip
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        front = None
        assert proxy.stdout is not None
        for line in proxy.stdout:
            if match := re.search(r"this versions URL: (http://[^/]+)", line):
                front = match.group(1)
                break
        # the proxy prints a line per exchange: keep its pipe drained
        import threading

        threading.Thread(target=lambda: [None for _ in proxy.stdout], daemon=True).start()
        path = f"/ocpi/2.2.1/sender/locations?limit={args.limit}"
        try:
            direct = paced(base + path, args.rate, args.seconds)
            through = paced(f"{front}{path}", args.rate, args.seconds)
        finally:
            proxy.terminate()
            proxy.wait(timeout=30)
            mock.terminate()
    d_med, d_p95 = summary(direct)
    p_med, p_p95 = summary(through)
    print(f"{len(direct)} requests each at {args.rate:g}/s, GET {path}")
    print(f"  direct to the mock:   median {d_med:6.2f} ms   p95 {d_p95:6.2f} ms")
    print(f"  through the proxy:    median {p_med:6.2f} ms   p95 {p_p95:6.2f} ms")
    print(f"  added by the proxy:   median {p_med - d_med:6.2f} ms   p95 {p_p95 - d_p95:6.2f} ms")


if __name__ == "__main__":
    main()
